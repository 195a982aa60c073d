package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/scenarios/jsonerr"
	"github.com/greenlang/gl001/simulator/region"
)

// MaxInputBytes is the largest scenario file Decode reads, in bytes. A
// scenario is a few hundred bytes; the limit only stops a wrong file from
// being read into memory.
const MaxInputBytes = 1 << 20

// Decode reads exactly one JSON object from r into a Scenario, starting
// from NewScenario's defaults, and validates it. name says where r comes
// from (a file name, or "stdin") and starts every line of the error.
//
// Decoding is strict: empty input, a JSON value other than an object, data
// after the object, unknown fields (the error lists the known ones), field
// names in the wrong case, repeated fields, missing required fields and
// values of the wrong JSON type (the error names the field, what it found
// and what it wants) are errors. null counts as absent for the optional
// fields and is an error for the required ones. Every problem is reported
// at once, one per line: the shape of the object and the values of the
// fields that decoded, e.g.
//
//	multi_plant_load_test.json: ramp_up_minutes (40) exceeds duration_minutes (30)
//
// The error wraps ErrInvalid, except when reading r fails.
func Decode(r io.Reader, name string) (Scenario, error) {
	data, err := jsonerr.ReadObject(r, MaxInputBytes)
	if errors.Is(err, jsonerr.ErrRead) {
		return Scenario{}, fmt.Errorf("%s: %w", name, err)
	}
	if err != nil {
		return Scenario{}, invalid(name, err)
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	var obj json.RawMessage
	if err := dec.Decode(&obj); err != nil {
		return Scenario{}, invalid(name, jsonerr.Syntax(err, data))
	}
	if err := jsonerr.Trailing(data, dec.InputOffset()); err != nil {
		return Scenario{}, invalid(name, err)
	}

	s := NewScenario()
	var errs []error
	broken := map[string]bool{} // fields with a shape problem: their values are not checked
	seen := map[string]bool{}
	for _, m := range members(obj) {
		f, ok := fieldByName[m.key]
		switch {
		case !ok:
			errs = append(errs, unknownField(m.key))
		case seen[m.key]:
			errs = append(errs, fmt.Errorf("%s is given more than once", m.key))
			broken[m.key] = true
		case f.decodeAll != nil:
			if ferrs := f.decodeAll(&s, m.value); len(ferrs) > 0 {
				errs = append(errs, ferrs...)
				broken[m.key] = true
			}
		default:
			if err := f.decode(&s, m.value); err != nil {
				errs = append(errs, err)
				broken[m.key] = true
			}
		}
		seen[m.key] = true
	}
	for _, f := range fields {
		if f.required && !seen[f.name] {
			errs = append(errs, fmt.Errorf("missing required field %s (%s)", f.name, f.want))
			broken[f.name] = true
		}
	}
	for _, p := range s.problems() {
		if !anyOf(broken, p.fields) {
			errs = append(errs, p.err)
		}
	}
	if len(errs) > 0 {
		return Scenario{}, invalid(name, errs...)
	}
	return s, nil
}

func invalid(name string, problems ...error) error {
	return &invalidError{name: name, problems: problems}
}

func anyOf(set map[string]bool, keys []string) bool {
	for _, k := range keys {
		if set[k] {
			return true
		}
	}
	return false
}

// field is one member of a scenario file.
type field struct {
	name     string
	required bool
	want     string // what JSON the field takes, for errors
	integer  bool
	// target points into s at the Go value the field decodes into.
	target func(s *Scenario) any
	// decodeAll, when set, decodes the field instead of target, reporting
	// every problem inside it.
	decodeAll func(s *Scenario, value json.RawMessage) []error
}

var fields = []field{
	{name: "test_name", required: true, want: "a string of letters, digits, '_', '.' and '-'",
		target: func(s *Scenario) any { return &s.TestName }},
	{name: "duration_minutes", required: true, want: "a number of minutes > 0",
		target: func(s *Scenario) any { return &s.DurationMinutes }},
	{name: "plants", required: true, integer: true, want: rangeWant(capacity.MinPlants, capacity.MaxPlants),
		target: func(s *Scenario) any { return &s.Plants }},
	{name: "sub_agents", required: true, integer: true, want: rangeWant(capacity.MinAgents, capacity.MaxAgents),
		target: func(s *Scenario) any { return &s.SubAgents }},
	{name: "heat_optimization_requests_per_minute", required: true, want: "a number ≥ 0",
		target: func(s *Scenario) any { return &s.HeatOptimizationRequestsPerMinute }},
	{name: "agent_coordination_events_per_second", required: true, want: "a number ≥ 0",
		target: func(s *Scenario) any { return &s.AgentCoordinationEventsPerSecond }},
	{name: "ramp_up_minutes", required: true, want: "a number of minutes ≥ 0",
		target: func(s *Scenario) any { return &s.RampUpMinutes }},
	{name: "thresholds", want: "a JSON object of k6 thresholds by metric name",
		target: func(s *Scenario) any { return &s.Thresholds }},
	{name: "replicas", integer: true, want: rangeWant(MinReplicas, MaxReplicas) + " (0: the calculator's)",
		target: func(s *Scenario) any { return &s.Replicas }},
	{name: "partitions", integer: true, want: rangeWant(MinPartitions, MaxPartitions),
		target: func(s *Scenario) any { return &s.Partitions }},
	{name: "seed", integer: true, want: "a whole number from 0 to " + strconv.FormatUint(math.MaxUint64, 10),
		target: func(s *Scenario) any { return &s.Seed }},
	{name: "scenarios", want: "a JSON object of k6 scenarios by name", decodeAll: decodeK6Scenarios},
	{name: "regions", want: regionsWant, decodeAll: decodeRegions},
}

const regionsWant = `a list of regions, e.g. [{"name": "us-east", "plants": "1-5", "round_trip_ms": 0}]`

// decodeRegions decodes the regions field strictly (unknown members of a
// region are errors); Validate checks the values against plants.
func decodeRegions(s *Scenario, value json.RawMessage) []error {
	if string(value) == "null" {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(value))
	dec.DisallowUnknownFields()
	var l region.Layout
	if err := dec.Decode(&l); err != nil {
		return []error{fmt.Errorf("regions: %v; want %s", err, regionsWant)}
	}
	s.Regions = l
	return nil
}

func rangeWant(lo, hi int) string { return fmt.Sprintf("a whole number from %d to %d", lo, hi) }

var fieldByName = func() map[string]field {
	m := make(map[string]field, len(fields))
	for _, f := range fields {
		m[f.name] = f
	}
	return m
}()

// knownFields lists the field names in file order, for errors.
var knownFields = func() string {
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.name
	}
	return strings.Join(names, ", ")
}()

// decode sets f in s from its JSON value, or says why it cannot.
func (f field) decode(s *Scenario, value json.RawMessage) error {
	if string(value) == "null" {
		if f.required {
			return fmt.Errorf("%s: got null, want %s", f.name, f.want)
		}
		return nil // absent: the default stays
	}
	if err := json.Unmarshal(value, f.target(s)); err != nil {
		want := f.want
		if f.integer && value[0] != '"' {
			if v, err := strconv.ParseFloat(string(value), 64); err == nil && v == math.Trunc(v) && math.Abs(v) < 1e18 {
				want += ", written without a decimal point or exponent"
			}
		}
		return fmt.Errorf("%s: got %s, want %s", f.name, describe(value), want)
	}
	return nil
}

func unknownField(key string) error {
	for _, f := range fields {
		if strings.EqualFold(f.name, key) {
			return fmt.Errorf("unknown field %q; field names are case-sensitive: did you mean %q?", clip(key), f.name)
		}
	}
	return fmt.Errorf("unknown field %q; known fields: %s", clip(key), knownFields)
}

// member is one key and its value in a JSON object.
type member struct {
	key   string
	value json.RawMessage
}

// members splits obj, one syntactically valid JSON object, into its
// members in order, repeated keys included.
func members(obj json.RawMessage) []member {
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil { // {
		return nil
	}
	var ms []member
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return ms
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return ms
		}
		ms = append(ms, member{key, v})
	}
	return ms
}

const jsonSpace = " \t\r\n"

// describe names a JSON value found where another was wanted: the value
// itself for numbers and short strings, the kind for the rest.
func describe(v json.RawMessage) string {
	switch c := v[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(v, &s) == nil && len(s) <= 40 {
			return fmt.Sprintf("string %q", s)
		}
		return "a string"
	case c == '-' || '0' <= c && c <= '9':
		return "number " + clip(string(v))
	case c == 't' || c == 'f':
		return "boolean " + string(v)
	}
	return jsonerr.Kind(v[0])
}
