package scenarios

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/executor"
)

// ReservedTags are the tag keys gl001 sets on its samples itself (the
// engine's record.Tags); a scenario's tags may not set them.
var ReservedTags = []string{"cause", "expected_response", "region", "replica", "scenario", "status"}

// k6NameRule is k6's rule for scenario names.
var k6NameRule = regexp.MustCompile(`^[0-9a-zA-Z_-]+$`)

// k6Option is one option of a k6 scenario object in a scenario file.
type k6Option struct {
	name string
	want string
	// target points into c at the Go value the option decodes into.
	target func(c *executor.Config) any
	// only names the executor the option belongs to; "" for both.
	only string
}

const durationWant = `a k6 duration such as "30s", "1m30s" or "500ms"`

var k6Options = []k6Option{
	{name: "executor", want: fmt.Sprintf("%q or %q", executor.ConstantArrivalRate, executor.RampingArrivalRate),
		target: func(c *executor.Config) any { return &c.Executor }},
	{name: "rate", want: "a whole number > 0", only: executor.ConstantArrivalRate,
		target: func(c *executor.Config) any { return &c.Rate }},
	{name: "startRate", want: "a whole number ≥ 0", only: executor.RampingArrivalRate,
		target: func(c *executor.Config) any { return &c.StartRate }},
	{name: "timeUnit", want: durationWant + " (> 0)",
		target: func(c *executor.Config) any { return &c.TimeUnit }},
	{name: "duration", want: durationWant + " (at least 1s)", only: executor.ConstantArrivalRate,
		target: func(c *executor.Config) any { return &c.Duration }},
	{name: "stages", want: `an array of {"duration": …, "target": …}`, only: executor.RampingArrivalRate},
	{name: "preAllocatedVUs", want: "a whole number ≥ 0",
		target: func(c *executor.Config) any { return &c.PreAllocatedVUs }},
	{name: "maxVUs", want: "a whole number ≥ 0",
		target: func(c *executor.Config) any { return &c.MaxVUs }},
	{name: "gracefulStop", want: durationWant + " (≥ 0)",
		target: func(c *executor.Config) any { return &c.GracefulStop }},
	{name: "startTime", want: durationWant + " (≥ 0)",
		target: func(c *executor.Config) any { return &c.StartTime }},
	{name: "exec", want: fmt.Sprintf("%q or %q", ExecOptimize, ExecCoordinate),
		target: func(c *executor.Config) any { return &c.Exec }},
	{name: "tags", want: "an object of string tag values by tag name",
		target: func(c *executor.Config) any { return &c.Tags }},
	{name: "env", want: "an object of string values by variable name",
		target: func(c *executor.Config) any { return &c.Env }},
}

var k6OptionNames = func() string {
	names := make([]string, len(k6Options))
	for i, o := range k6Options {
		names[i] = o.name
	}
	return strings.Join(names, ", ")
}()

// decodeK6Scenarios decodes the scenarios field: a JSON object of k6
// scenario objects by name. It reports shape problems (wrong JSON types,
// unknown or repeated keys, missing stage keys), each with its path
// ("scenarios.spike.stages[1]: missing target"); value problems are
// checkK6Scenarios'.
func decodeK6Scenarios(s *Scenario, value json.RawMessage) []error {
	if string(value) == "null" {
		return nil
	}
	if value[0] != '{' {
		return []error{fmt.Errorf("scenarios: got %s, want a JSON object of k6 scenarios by name, as k6's options.scenarios", describe(value))}
	}
	var errs []error
	out := map[string]executor.Config{}
	for _, m := range members(value) {
		path := "scenarios." + m.key
		if _, dup := out[m.key]; dup {
			errs = append(errs, fmt.Errorf("%s is given more than once", path))
			continue
		}
		c, cerrs := decodeK6Scenario(path, m.value)
		errs = append(errs, cerrs...)
		out[m.key] = c
	}
	s.Scenarios = out
	return errs
}

func decodeK6Scenario(path string, value json.RawMessage) (executor.Config, []error) {
	if value[0] != '{' {
		return executor.Config{}, []error{fmt.Errorf("%s: got %s, want a k6 scenario object", path, describe(value))}
	}
	ms := members(value)
	c := executor.NewConstantArrivalRateConfig()
	c.Executor = ""
	for _, m := range ms {
		if m.key == "executor" && m.value[0] == '"' {
			var name string
			_ = json.Unmarshal(m.value, &name)
			if name == executor.RampingArrivalRate {
				c = executor.NewRampingArrivalRateConfig()
			}
		}
	}
	var errs []error
	seen := map[string]bool{}
	for _, m := range ms {
		i := slices.IndexFunc(k6Options, func(o k6Option) bool { return o.name == m.key })
		switch {
		case i < 0:
			errs = append(errs, unknownOption(path, m.key))
			continue
		case seen[m.key]:
			errs = append(errs, fmt.Errorf("%s.%s is given more than once", path, m.key))
			continue
		}
		seen[m.key] = true
		o := k6Options[i]
		if string(m.value) == "null" {
			continue // absent: the default stays
		}
		if o.name == "stages" {
			stages, serrs := decodeStages(path+".stages", m.value)
			c.Stages = stages
			errs = append(errs, serrs...)
			continue
		}
		if err := json.Unmarshal(m.value, o.target(&c)); err != nil {
			errs = append(errs, fmt.Errorf("%s.%s: got %s, want %s", path, o.name, describe(m.value), o.want))
		}
	}
	if !seen["executor"] {
		errs = append(errs, fmt.Errorf("%s: missing executor, want %s", path, k6Options[0].want))
	}
	return c, errs
}

func decodeStages(path string, value json.RawMessage) ([]executor.Stage, []error) {
	if value[0] != '[' {
		return nil, []error{fmt.Errorf("%s: got %s, want %s", path, describe(value), k6Options[5].want)}
	}
	var raws []json.RawMessage
	_ = json.Unmarshal(value, &raws)
	var errs []error
	stages := make([]executor.Stage, 0, len(raws))
	for i, raw := range raws {
		sp := fmt.Sprintf("%s[%d]", path, i)
		if raw[0] != '{' {
			errs = append(errs, fmt.Errorf("%s: got %s, want {\"duration\": …, \"target\": …}", sp, describe(raw)))
			continue
		}
		var st executor.Stage
		seen := map[string]bool{}
		for _, m := range members(raw) {
			var err error
			switch m.key {
			case "duration":
				if err = json.Unmarshal(m.value, &st.Duration); err != nil {
					err = fmt.Errorf("%s.duration: got %s, want %s (≥ 0)", sp, describe(m.value), durationWant)
				}
			case "target":
				if err = json.Unmarshal(m.value, &st.Target); err != nil {
					err = fmt.Errorf("%s.target: got %s, want a whole number ≥ 0", sp, describe(m.value))
				}
			default:
				err = fmt.Errorf("%s: unknown field %q; a stage has duration and target", sp, clip(m.key))
			}
			if err != nil {
				errs = append(errs, err)
			}
			seen[m.key] = true
		}
		for _, k := range []string{"duration", "target"} {
			if !seen[k] {
				errs = append(errs, fmt.Errorf("%s: missing %s", sp, k))
			}
		}
		stages = append(stages, st)
	}
	return stages, errs
}

func unknownOption(path, key string) error {
	for _, o := range k6Options {
		if strings.EqualFold(o.name, key) {
			return fmt.Errorf("%s: unknown field %q; option names are case-sensitive: did you mean %q?", path, clip(key), o.name)
		}
	}
	return fmt.Errorf("%s: unknown field %q; an arrival-rate scenario takes %s", path, clip(key), k6OptionNames)
}

// checkK6Scenarios adds the problems of the scenarios' values, each naming
// its path, the value and what would be right.
func checkK6Scenarios(add func(error, ...string), scs map[string]executor.Config) {
	if scs == nil {
		return
	}
	if len(scs) == 0 {
		add(fmt.Errorf("scenarios: an empty object, want at least one k6 scenario (or leave scenarios out for the planned optimize and coordinate)"), "scenarios")
		return
	}
	for _, name := range slices.Sorted(maps.Keys(scs)) {
		c := scs[name]
		path := "scenarios." + name
		n := 0
		bad := func(format string, args ...any) {
			n++
			add(fmt.Errorf(format, args...), "scenarios")
		}
		if !k6NameRule.MatchString(name) {
			bad("scenarios: name %q, want only letters A-Z a-z, digits, '_' and '-' (k6's rule for scenario names)", clip(name))
		}
		checkK6Scenario(bad, path, name, c)
		if n == 0 {
			// What the checks above do not cover (a count of iterations
			// beyond int64) the executor's own Validate still says.
			if err := c.Validate(); err != nil {
				bad("%s: %v", path, err)
			}
		}
	}
}

func checkK6Scenario(bad func(string, ...any), path, name string, c executor.Config) {
	switch c.Executor {
	case executor.ConstantArrivalRate, executor.RampingArrivalRate:
	case "":
		return // reported as missing
	default:
		bad("%s.executor: %q, want %s (gl001 runs the open-model executors only)", path, clip(c.Executor), k6Options[0].want)
		return
	}
	constant := c.Executor == executor.ConstantArrivalRate
	other := executor.RampingArrivalRate
	if !constant {
		other = executor.ConstantArrivalRate
	}
	misplaced := func(opt string) {
		bad("%s.%s: not an option of %s (it belongs to %s)", path, opt, c.Executor, other)
	}
	if constant {
		if c.Rate <= 0 {
			bad("%s.rate: %d, want a whole number > 0", path, c.Rate)
		}
		if d := time.Duration(c.Duration); d < executor.MinDuration {
			bad("%s.duration: %s, want %s (at least 1s)", path, quoteDuration(c.Duration), durationWant)
		}
		if c.StartRate != 0 {
			misplaced("startRate")
		}
		if c.Stages != nil {
			misplaced("stages")
		}
	} else {
		if c.Rate != 0 {
			misplaced("rate")
		}
		if c.Duration != 0 {
			misplaced("duration")
		}
		if c.StartRate < 0 {
			bad("%s.startRate: %d, want a whole number ≥ 0", path, c.StartRate)
		}
		if len(c.Stages) == 0 {
			bad("%s.stages: none, want at least one stage", path)
		}
		for i, st := range c.Stages {
			if st.Duration < 0 {
				bad("%s.stages[%d].duration: %s, want %s (≥ 0)", path, i, quoteDuration(st.Duration), durationWant)
			}
			if st.Target < 0 {
				bad("%s.stages[%d].target: %d, want a whole number ≥ 0", path, i, st.Target)
			}
		}
	}
	if c.TimeUnit <= 0 {
		bad("%s.timeUnit: %s, want %s (> 0)", path, quoteDuration(c.TimeUnit), durationWant)
	}
	if c.GracefulStop < 0 {
		bad("%s.gracefulStop: %s, want %s (≥ 0)", path, quoteDuration(c.GracefulStop), durationWant)
	}
	if c.StartTime < 0 {
		bad("%s.startTime: %s, want %s (≥ 0)", path, quoteDuration(c.StartTime), durationWant)
	}
	if c.PreAllocatedVUs < 0 {
		bad("%s.preAllocatedVUs: %d, want a whole number ≥ 0", path, c.PreAllocatedVUs)
	}
	switch {
	case c.MaxVUs < 0:
		bad("%s.maxVUs: %d, want a whole number ≥ 0", path, c.MaxVUs)
	case c.MaxVUs > 0 && c.MaxVUs < c.PreAllocatedVUs:
		bad("%s.maxVUs: %d, want at least preAllocatedVUs (%d)", path, c.MaxVUs, c.PreAllocatedVUs)
	case c.MaxVUs == 0 && c.PreAllocatedVUs <= 0:
		bad("%s.preAllocatedVUs: %d and no maxVUs, want more than 0 VUs (with none every iteration is dropped)", path, c.PreAllocatedVUs)
	}
	switch c.Exec {
	case ExecOptimize, ExecCoordinate:
	case "":
		if name != ExecOptimize && name != ExecCoordinate {
			bad("%s.exec: missing, want %s (the default, the scenario's name %q, is neither)", path, k6Options[10].want, clip(name))
		}
	default:
		bad("%s.exec: %q, want %s", path, clip(c.Exec), k6Options[10].want)
	}
	for _, k := range slices.Sorted(maps.Keys(c.Tags)) {
		switch {
		case k == "":
			bad("%s.tags: an empty tag name, want a name", path)
		case slices.Contains(ReservedTags, k):
			bad("%s.tags.%s: gl001 sets the %q tag itself, want another name (not %s)", path, k, k, strings.Join(ReservedTags, ", "))
		}
	}
}

func quoteDuration(d executor.Duration) string { return fmt.Sprintf("%q", time.Duration(d).String()) }

// Executors is what the load engine runs for the scenario, as k6 scenario
// configs by name: the file's scenarios when it has them, every exec
// filled in (the scenario's name when exec was left out); otherwise the
// Plan's optimize and coordinate, leaving out a skipped one. It assumes a
// valid scenario; an error says the plan did not decode as k6 scenarios,
// which a valid scenario never does.
func (s Scenario) Executors() (map[string]executor.Config, error) {
	out := map[string]executor.Config{}
	if s.Scenarios != nil {
		for name, c := range s.Scenarios {
			if c.Exec == "" {
				c.Exec = name
			}
			c.Stages = slices.Clone(c.Stages)
			c.Tags = maps.Clone(c.Tags)
			c.Env = maps.Clone(c.Env)
			out[name] = c
		}
		return out, nil
	}
	plan := s.Plan()
	for name, a := range map[string]ArrivalScenario{ExecOptimize: plan.Optimize, ExecCoordinate: plan.Coordinate} {
		if a.Skip() {
			continue
		}
		b, err := json.Marshal(a)
		if err != nil {
			return nil, err
		}
		c, err := executor.DecodeConfig(b)
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			return nil, fmt.Errorf("scenario %q: %w", name, err)
		}
		out[name] = c
	}
	return out, nil
}

// Sends reports whether the scenario runs exec (ExecOptimize or
// ExecCoordinate) at all: some file scenario runs it, or, without
// scenarios, its rate is > 0.
func (s Scenario) Sends(exec string) bool {
	if s.Scenarios != nil {
		for name, c := range s.Scenarios {
			if c.Exec == exec || c.Exec == "" && name == exec {
				return true
			}
		}
		return false
	}
	switch exec {
	case ExecOptimize:
		return s.HeatOptimizationRequestsPerMinute > 0
	case ExecCoordinate:
		return s.AgentCoordinationEventsPerSecond > 0
	}
	return false
}
