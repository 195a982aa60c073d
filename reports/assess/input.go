// Package assess evaluates one set of observed GL-001 metrics against the
// scaling guide: the triggers table gives each metric's band and action,
// the decision tree says whether to scale or optimize. It is what
// `gl001 assess FILE|-` runs: Decode the input, Assess it, write the Result.
package assess

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/greenlang/gl001/reports/decision"
	"github.com/greenlang/gl001/reports/triggers"
	"github.com/greenlang/gl001/scenarios/jsonerr"
)

// ErrInput is wrapped by every error Decode returns for input that is not
// a valid assessment (bad JSON, unknown fields, wrong types, invalid
// values), so callers can tell bad input (exit 2) from a failed read.
var ErrInput = errors.New("invalid assess input")

// MaxInputBytes is the largest input Decode reads, in bytes. An assessment
// is a few hundred bytes; the limit only stops a wrong file or an endless
// pipe from being read into memory.
const MaxInputBytes = 1 << 20

// Input is what an assessment reads: the nine observed metrics and what is
// known about their context, as one flat JSON object, e.g.
//
//	{"master_cpu_percent": 86, "plant_count": 9, "cpu_trend": "gradual"}
//
// Every field is optional; a missing field or null is not observed.
type Input struct {
	triggers.Observation
	decision.Context
}

// Decode reads exactly one JSON object from r into an Input and validates
// it. name says where r comes from (a file name, or "stdin") and starts
// every line of the error.
//
// Decoding is strict: unknown fields, field names in the wrong case,
// repeated fields, values of the wrong JSON type, empty input, a JSON value
// other than an object and data after the object are errors. The returned
// error wraps ErrInput, except when reading r fails. Once the object
// decodes, every problem with its values is reported at once, one per line,
// e.g. "observed.json: master_cpu_percent (-3) must be ≥ 0".
func Decode(r io.Reader, name string) (Input, error) {
	data, err := jsonerr.ReadObject(r, MaxInputBytes)
	if errors.Is(err, jsonerr.ErrRead) {
		return Input{}, fmt.Errorf("%s: %w", name, err)
	}
	if err != nil {
		return Input{}, inputErr(name, err)
	}

	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var in Input
	if err := dec.Decode(&in); err != nil {
		return Input{}, inputErr(name, decodeError(err, data))
	}
	if err := jsonerr.Trailing(data, dec.InputOffset()); err != nil {
		return Input{}, inputErr(name, err)
	}

	problems := checkKeys(data)
	problems = append(problems, flatten(in.Validate())...)
	if len(problems) > 0 {
		return Input{}, inputErr(name, problems...)
	}
	return in, nil
}

// Validate reports every problem with the values of in at once, joined with
// errors.Join, or nil: values that are negative, NaN or infinite,
// agent_coordination_error_percent above 100, and the problems of
// Context.Validate.
func (in Input) Validate() error {
	o := in.Observation
	floats := []struct {
		field string
		v     *float64
		max   float64
	}{
		{"master_cpu_percent", o.MasterCPUPercent, math.Inf(1)},
		{"master_memory_percent", o.MasterMemoryPercent, math.Inf(1)},
		{"orchestration_latency_p95_seconds", o.OrchestrationLatencyP95Seconds, math.Inf(1)},
		{"agent_coordination_error_percent", o.AgentCoordinationErrorPercent, 100},
		{"db_connections_percent", o.DBConnectionsPercent, math.Inf(1)},
		{"message_bus_lag_ms", o.MessageBusLagMS, math.Inf(1)},
		{"heat_optimization_time_seconds", o.HeatOptimizationTimeSeconds, math.Inf(1)},
	}
	var errs []error
	for _, f := range floats {
		if f.v == nil {
			continue
		}
		v, s := *f.v, triggers.FormatNumber(*f.v)
		switch {
		case math.IsNaN(v) || math.IsInf(v, 0):
			errs = append(errs, fmt.Errorf("%s (%s) must be a finite number", f.field, s))
		case v < 0:
			errs = append(errs, fmt.Errorf("%s (%s) must be ≥ 0", f.field, s))
		case v > f.max:
			errs = append(errs, fmt.Errorf("%s (%s) must be ≤ %s", f.field, s, triggers.FormatNumber(f.max)))
		}
	}
	ints := []struct {
		field string
		v     *int
	}{
		{"plant_count", o.PlantCount},
		{"subagent_count", o.SubagentCount},
	}
	for _, f := range ints {
		if f.v != nil && *f.v < 0 {
			errs = append(errs, fmt.Errorf("%s (%d) must be ≥ 0", f.field, *f.v))
		}
	}
	errs = append(errs, flatten(in.Context.Validate())...)
	return errors.Join(errs...)
}

// inputError is a Decode error: one or more problems, each printed on its
// own line after the input's name.
type inputError struct {
	name     string
	problems []error
}

func inputErr(name string, problems ...error) error {
	return &inputError{name: name, problems: problems}
}

func (e *inputError) Error() string {
	lines := make([]string, len(e.problems))
	for i, p := range e.problems {
		lines[i] = e.name + ": " + p.Error()
	}
	return strings.Join(lines, "\n")
}

func (e *inputError) Unwrap() []error {
	return append([]error{ErrInput}, e.problems...)
}

// flatten undoes errors.Join so each problem can carry the input's name.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

// knownFields are the JSON names of Input, in declaration order.
var knownFields = func() []string {
	var names []string
	for _, f := range reflect.VisibleFields(reflect.TypeFor[Input]()) {
		if f.Anonymous {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}()

// decodeError turns an encoding/json error into one that names the field,
// what was found and what would be right.
func decodeError(err error, data []byte) error {
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		field := typ.Field[strings.LastIndexByte(typ.Field, '.')+1:]
		return fmt.Errorf("%s: got %s, want %s", field, typ.Value, want(typ))
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("unknown field %s; known fields: %s", f, strings.Join(knownFields, ", "))
	}
	return jsonerr.Syntax(err, data)
}

// want says what JSON a field of the type typ.Type accepts.
func want(typ *json.UnmarshalTypeError) string {
	switch typ.Type.Kind() {
	case reflect.Float64:
		return "a number"
	case reflect.Int:
		// encoding/json rejects 15.0 and 1e3 for an int as well as 15.5.
		n, ok := strings.CutPrefix(typ.Value, "number ")
		if !ok {
			return "a whole number"
		}
		v, err := strconv.ParseFloat(n, 64)
		switch {
		case err != nil || v != math.Trunc(v):
			return "a whole number"
		case math.Abs(v) >= math.MaxInt64:
			return "a whole number of at most " + strconv.Itoa(math.MaxInt64)
		}
		return "a whole number without a decimal point or exponent"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	}
	return typ.Type.String()
}

// checkKeys reports what encoding/json lets through but a strict reader
// should not: field names that match a known field only when case is
// ignored, and fields given more than once (encoding/json keeps the last).
// data must hold one JSON object that decoded into an Input.
func checkKeys(data []byte) []error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return nil
	}
	var errs []error
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return errs
		}
		key, _ := tok.(string)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return errs
		}
		exact := false
		for _, f := range knownFields {
			exact = exact || f == key
		}
		switch {
		case !exact:
			var like string
			for _, f := range knownFields {
				if strings.EqualFold(f, key) {
					like = f
				}
			}
			if like == "" { // encoding/json folds case a little differently
				errs = append(errs, fmt.Errorf("unknown field %q; known fields: %s", key, strings.Join(knownFields, ", ")))
				break
			}
			errs = append(errs, fmt.Errorf("unknown field %q; field names are case-sensitive: did you mean %q?", key, like))
		case seen[key]:
			errs = append(errs, fmt.Errorf("%s is given more than once", key))
		}
		seen[key] = true
	}
	return errs
}
