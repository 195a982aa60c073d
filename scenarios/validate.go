package scenarios

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/greenlang/gl001/deploy/capacity"
)

// ErrInvalid is wrapped by every error that says a scenario is not valid:
// Validate's, and Decode's, Load's and LoadShipped's for bad JSON, unknown
// or missing fields, wrong types, bad values, a file that does not exist
// and a shipped name that is not shipped. The CLI maps it to exit 2.
var ErrInvalid = errors.New("invalid scenario")

// problem is one thing wrong with a scenario, with the fields it is about,
// so that Decode can leave out a value problem about a field that is
// already reported as missing or of the wrong type.
type problem struct {
	fields []string
	err    error
}

// Validate reports every problem with the scenario's values at once, one
// per line, each naming the field and the rule, e.g.
// "ramp_up_minutes (40) exceeds duration_minutes (30)". The error wraps
// ErrInvalid; nil means the scenario is valid. Validate does not change s.
func (s Scenario) Validate() error {
	probs := s.problems()
	if len(probs) == 0 {
		return nil
	}
	errs := make([]error, len(probs))
	for i, p := range probs {
		errs[i] = p.err
	}
	return &invalidError{problems: errs}
}

func (s Scenario) problems() []problem {
	var ps []problem
	add := func(err error, fields ...string) { ps = append(ps, problem{fields, err}) }

	if err := checkTestName(s.TestName); err != nil {
		add(err, "test_name")
	}

	durationOK := false
	switch d := s.DurationMinutes; {
	case !finite(d):
		add(fmt.Errorf("duration_minutes (%s) must be a finite number", num(d)), "duration_minutes")
	case d <= 0:
		add(fmt.Errorf("duration_minutes (%s) must be > 0", num(d)), "duration_minutes")
	case d > MaxDurationMinutes:
		add(fmt.Errorf("duration_minutes (%s) must be at most %d (7 days)", num(d), MaxDurationMinutes), "duration_minutes")
	case s.Duration() < MinDuration:
		add(fmt.Errorf("duration_minutes (%s) is %s; a test must run at least %s", num(d), formatDuration(s.Duration()), formatDuration(MinDuration)), "duration_minutes")
	default:
		durationOK = true
	}

	switch r := s.RampUpMinutes; {
	case !finite(r):
		add(fmt.Errorf("ramp_up_minutes (%s) must be a finite number", num(r)), "ramp_up_minutes")
	case r < 0:
		add(fmt.Errorf("ramp_up_minutes (%s) must be ≥ 0", num(r)), "ramp_up_minutes")
	case durationOK && r > s.DurationMinutes:
		add(fmt.Errorf("ramp_up_minutes (%s) exceeds duration_minutes (%s)", num(r), num(s.DurationMinutes)), "ramp_up_minutes", "duration_minutes")
	}

	if s.Plants < capacity.MinPlants || s.Plants > capacity.MaxPlants {
		add(fmt.Errorf("plants (%d) must be from %d to %d (the capacity calculator's domain)", s.Plants, capacity.MinPlants, capacity.MaxPlants), "plants")
	}
	if s.SubAgents < capacity.MinAgents || s.SubAgents > capacity.MaxAgents {
		add(fmt.Errorf("sub_agents (%d) must be from %d to %d (the capacity calculator's domain)", s.SubAgents, capacity.MinAgents, capacity.MaxAgents), "sub_agents")
	}

	optOK := checkRate(add, optimizeRate, s.HeatOptimizationRequestsPerMinute)
	coordOK := checkRate(add, coordinateRate, s.AgentCoordinationEventsPerSecond)
	if optOK && coordOK && s.Scenarios == nil && s.HeatOptimizationRequestsPerMinute == 0 && s.AgentCoordinationEventsPerSecond == 0 {
		add(fmt.Errorf("%s and %s are both 0; at least one must be > 0, or scenarios given", optimizeRate.field, coordinateRate.field), optimizeRate.field, coordinateRate.field, "scenarios")
	}

	if len(s.Thresholds) > 0 {
		if err := checkThresholds(s.Thresholds); err != nil {
			add(err, "thresholds")
		}
	}
	if s.Replicas != 0 && (s.Replicas < MinReplicas || s.Replicas > MaxReplicas) {
		add(fmt.Errorf("replicas (%d) must be from %d to %d, or 0 for the capacity calculator's prediction", s.Replicas, MinReplicas, MaxReplicas), "replicas")
	}
	if s.Partitions < MinPartitions || s.Partitions > MaxPartitions {
		add(fmt.Errorf("partitions (%d) must be from %d to %d", s.Partitions, MinPartitions, MaxPartitions), "partitions")
	}
	checkK6Scenarios(add, s.Scenarios)
	if s.Regions != nil && s.Plants >= capacity.MinPlants {
		if err := s.Regions.Validate(s.Plants, "regions"); err != nil {
			add(err, "regions", "plants")
		}
	}
	return ps
}

func checkTestName(name string) error {
	switch {
	case name == "":
		return errors.New("test_name must not be empty")
	case len(name) > MaxTestNameBytes:
		return fmt.Errorf("test_name (%q) is %d bytes long, more than %d", clip(name), len(name), MaxTestNameBytes)
	case name == "." || name == "..":
		return fmt.Errorf("test_name (%q) must not be \".\" or \"..\" (it names the results folder)", name)
	}
	for _, c := range []byte(name) {
		if !nameByte(c) {
			return fmt.Errorf("test_name (%q) may hold only letters A-Z a-z, digits, '_', '.' and '-' (it names the results folder)", name)
		}
	}
	return nil
}

func nameByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
}

// checkRate adds the problems of one rate and reports whether it has none.
func checkRate(add func(error, ...string), k rateKind, v float64) bool {
	var err error
	switch {
	case !finite(v):
		err = fmt.Errorf("%s (%s) must be a finite number", k.field, num(v))
	case v < 0:
		err = fmt.Errorf("%s (%s) must be ≥ 0", k.field, num(v))
	case v > k.max:
		err = fmt.Errorf("%s (%s) must be at most %s", k.field, num(v), num(k.max))
	case v > 0:
		if _, _, ok := k.unit(v); !ok {
			err = fmt.Errorf("%s (%s) is not a whole number of %s per 1 to %d %s, as a k6 rate must be (e.g. 2.5 is 5 per 2%s)",
				k.field, num(v), k.what, k.maxUnits, k.unitName, k.unitSymbol)
		}
	}
	if err != nil {
		add(err, k.field)
		return false
	}
	return true
}

// checkThresholds checks only that raw is a JSON object; what is inside is
// the threshold parser's business.
func checkThresholds(raw json.RawMessage) error {
	if !json.Valid(raw) {
		return errors.New("thresholds is not valid JSON")
	}
	trimmed := strings.TrimLeft(string(raw), jsonSpace)
	if trimmed[0] != '{' {
		return fmt.Errorf("thresholds: got %s, want a JSON object of k6 thresholds by metric name", describe(json.RawMessage(trimmed)))
	}
	return nil
}

// invalidError is one or more problems with a scenario, each printed on its
// own line after the scenario's name (when it has one).
type invalidError struct {
	name     string
	problems []error
}

func (e *invalidError) Error() string {
	lines := make([]string, len(e.problems))
	for i, p := range e.problems {
		lines[i] = p.Error()
		if e.name != "" {
			lines[i] = e.name + ": " + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}

func (e *invalidError) Unwrap() []error {
	return append([]error{ErrInvalid}, e.problems...)
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// num formats a number as its shortest exact decimal, as a user would
// write it ("30", "0.5", "-0" as "0").
func num(v float64) string {
	switch {
	case v == 0:
		return "0"
	case !finite(v) || math.Abs(v) >= 1e21 || math.Abs(v) < 1e-6:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// clip shortens user input quoted in an error.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
