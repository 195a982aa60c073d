package thresholds_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// th builds the Threshold Decode gives for expr.
func th(t *testing.T, expr string, abort bool, delay time.Duration) thresholds.Threshold {
	t.Helper()
	e, err := thresholds.Parse(expr)
	if err != nil {
		t.Fatal(err)
	}
	return thresholds.Threshold{Expression: e, AbortOnFail: abort, DelayAbortEval: delay}
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name string
		data string
		want func(t *testing.T) thresholds.Set
	}{
		{"empty data", "", func(*testing.T) thresholds.Set { return thresholds.Set{} }},
		{"blank data", " \n\t", func(*testing.T) thresholds.Set { return thresholds.Set{} }},
		{"null", "null", func(*testing.T) thresholds.Set { return thresholds.Set{} }},
		{"empty object", "{}", func(*testing.T) thresholds.Set { return thresholds.Set{} }},
		{"list of strings in source order", `{"m": ["p(95)<2000", "p(99) < 3000", "avg<1"]}`, func(t *testing.T) thresholds.Set {
			return thresholds.Set{"m": {th(t, "p(95)<2000", false, 0), th(t, "p(99) < 3000", false, 0), th(t, "avg<1", false, 0)}}
		}},
		{"object form", `{"m": [{"threshold": "rate<0.01", "abortOnFail": true, "delayAbortEval": "10s"}]}`, func(t *testing.T) thresholds.Set {
			return thresholds.Set{"m": {th(t, "rate<0.01", true, 10*time.Second)}}
		}},
		{"object with threshold only", `{"m": [{"threshold": "rate<0.01"}]}`, func(t *testing.T) thresholds.Set {
			return thresholds.Set{"m": {th(t, "rate<0.01", false, 0)}}
		}},
		{"mixed list", `{"m": ["avg<1", {"threshold": "max<5", "abortOnFail": false}]}`, func(t *testing.T) thresholds.Set {
			return thresholds.Set{"m": {th(t, "avg<1", false, 0), th(t, "max<5", false, 0)}}
		}},
		{"null fields", `{"m": [{"threshold": "max<5", "abortOnFail": null, "delayAbortEval": null}]}`, func(t *testing.T) thresholds.Set {
			return thresholds.Set{"m": {th(t, "max<5", false, 0)}}
		}},
		{"empty list", `{"m": []}`, func(*testing.T) thresholds.Set { return thresholds.Set{"m": {}} }},
		{"null list", `{"m": null}`, func(*testing.T) thresholds.Set { return thresholds.Set{"m": {}} }},
		{"several metrics and a submetric", `{"a": ["count>0"], "b{tag:x}": ["rate<0.1"]}`, func(t *testing.T) thresholds.Set {
			return thresholds.Set{"a": {th(t, "count>0", false, 0)}, "b{tag:x}": {th(t, "rate<0.1", false, 0)}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := thresholds.Decode([]byte(tt.data))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if want := tt.want(t); !reflect.DeepEqual(got, want) {
				t.Errorf("Decode = %+v, want %+v", got, want)
			}
		})
	}
}

func TestDecodeDelayAbortEval(t *testing.T) {
	tests := []struct {
		name, delay string
		want        time.Duration
	}{
		{"seconds", `"10s"`, 10 * time.Second},
		{"composite", `"1m30s"`, 90 * time.Second},
		{"fraction", `"1.5s"`, 1500 * time.Millisecond},
		{"day", `"1d"`, 24 * time.Hour},
		{"day and hours", `"1d12h"`, 36 * time.Hour},
		{"zero days", `"0d"`, 0},
		{"milliseconds as a string", `"1500"`, 1500 * time.Millisecond},
		{"milliseconds as a number", `1500`, 1500 * time.Millisecond},
		{"fractional milliseconds", `0.5`, 500 * time.Microsecond},
		{"zero", `"0"`, 0},
		{"null", `null`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := thresholds.Decode([]byte(`{"m": [{"threshold": "avg<1", "abortOnFail": true, "delayAbortEval": ` + tt.delay + `}]}`))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := set["m"][0].DelayAbortEval; got != tt.want {
				t.Errorf("DelayAbortEval = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDecodeErrors(t *testing.T) {
	const wantDuration = `want a duration like "10s", "1m30s", "1d" or a number of milliseconds`
	tests := []struct {
		name string
		data string
		want []string // every line of the error, in order
	}{
		{"bad expression in a list", `{"gl001_optimize_duration": ["p(95)<2000", "p(95)<<2"]}`,
			[]string{`thresholds.gl001_optimize_duration[1]: "p(95)<<2": unexpected '<' at 7, want a number`}},
		{"bad expression in an object", `{"m": [{"threshold": "avg=5"}]}`,
			[]string{`thresholds.m[0].threshold: "avg=5": unexpected '=' at 4, want an operator: <, <=, >, >=, ==, === or != ('=' alone is not one)`}},
		{"single string", `{"m": "p(95)<2000"}`,
			[]string{`thresholds.m: want a list of expressions, got a single string; write ["p(95)<2000"]`}},
		{"single object", `{"m": {"threshold": "p(95)<2000"}}`,
			[]string{`thresholds.m: want a list of thresholds, got a single object; wrap it in [ ]`}},
		{"number value", `{"m": 5}`, []string{`thresholds.m: want a list of expressions, got number`}},
		{"number item", `{"m": [5]}`, []string{`thresholds.m[0]: want an expression string or an object, got number`}},
		{"nested list", `{"m": [["avg<1"]]}`, []string{`thresholds.m[0]: want an expression string or an object, got array`}},
		{"missing threshold", `{"m": [{"abortOnFail": true}]}`,
			[]string{`thresholds.m[0]: missing "threshold", want {"threshold": "p(95)<2000", ...}`}},
		{"threshold not a string", `{"m": [{"threshold": 5}]}`,
			[]string{`thresholds.m[0].threshold: want an expression string, got number`}},
		{"abortOnFail not a boolean", `{"m": [{"threshold": "avg<1", "abortOnFail": "yes"}]}`,
			[]string{`thresholds.m[0].abortOnFail: want true or false, got string`}},
		{"delay with a space", `{"m": [{"threshold": "avg<1", "delayAbortEval": "10 s"}]}`,
			[]string{`thresholds.m[0].delayAbortEval: invalid duration "10 s", ` + wantDuration}},
		{"delay without unit after days", `{"m": [{"threshold": "avg<1", "delayAbortEval": "1d5"}]}`,
			[]string{`thresholds.m[0].delayAbortEval: invalid duration "1d5", ` + wantDuration}},
		{"fractional days", `{"m": [{"threshold": "avg<1", "delayAbortEval": "1.5d"}]}`,
			[]string{`thresholds.m[0].delayAbortEval: invalid duration "1.5d", ` + wantDuration}},
		{"negative delay", `{"m": [{"threshold": "avg<1", "delayAbortEval": "-5s"}]}`,
			[]string{`thresholds.m[0].delayAbortEval: duration "-5s" is negative, want 0 or more`}},
		{"negative milliseconds", `{"m": [{"threshold": "avg<1", "delayAbortEval": -1}]}`,
			[]string{`thresholds.m[0].delayAbortEval: duration "-1" is negative, want 0 or more`}},
		{"NaN milliseconds", `{"m": [{"threshold": "avg<1", "delayAbortEval": "NaN"}]}`,
			[]string{`thresholds.m[0].delayAbortEval: invalid duration "NaN", ` + wantDuration}},
		{"delay too long", `{"m": [{"threshold": "avg<1", "delayAbortEval": 1e300}]}`,
			[]string{`thresholds.m[0].delayAbortEval: duration "1e300" out of range, want at most 9223372036854 milliseconds`}},
		{"days too many", `{"m": [{"threshold": "avg<1", "delayAbortEval": "999999999d"}]}`,
			[]string{`thresholds.m[0].delayAbortEval: invalid duration "999999999d", ` + wantDuration}},
		{"delay a boolean", `{"m": [{"threshold": "avg<1", "delayAbortEval": true}]}`,
			[]string{`thresholds.m[0].delayAbortEval: want a duration like "10s", got boolean`}},
		{"unknown fields", `{"m": [{"threshold": "avg<1", "abortOnFial": true, "name": "x"}]}`,
			[]string{
				`thresholds.m[0]: unknown field "abortOnFial", want threshold, abortOnFail or delayAbortEval`,
				`thresholds.m[0]: unknown field "name", want threshold, abortOnFail or delayAbortEval`,
			}},
		{"wrong case", `{"m": [{"Threshold": "avg<1"}]}`,
			[]string{
				`thresholds.m[0]: missing "threshold", want {"threshold": "p(95)<2000", ...}`,
				`thresholds.m[0]: unknown field "Threshold", want "threshold" (names are case-sensitive)`,
			}},
		{"metric given twice", `{"m": ["avg<1"], "m": ["avg<2"]}`,
			[]string{`thresholds.m: metric given twice, want all its expressions in one list`}},
		{"bad metric key", `{"m{a}": ["avg<1"]}`,
			[]string{`thresholds: metric key "m{a}": filter "a" has no ':', want tag:value`}},
		{"odd metric key is quoted", `{"my metric": ["avg="]}`,
			[]string{`thresholds["my metric"][0]: "avg=": unexpected '=' at 4, want an operator: <, <=, >, >=, ==, === or != ('=' alone is not one)`}},
		{"top level array", `["avg<1"]`,
			[]string{`thresholds: want an object of metric names to lists of expressions, got array`}},
		{"top level string", `"avg<1"`,
			[]string{`thresholds: want an object of metric names to lists of expressions, got string`}},
		{"invalid JSON", `{"m": [avg<1]}`,
			[]string{`thresholds: invalid JSON at byte 8: invalid character 'a' looking for beginning of value`}},
		{"truncated JSON", `{"m": ["avg<1"]`, []string{`thresholds: invalid JSON at byte 15: unexpected end of JSON input`}},
		{"trailing data", `{"m": ["avg<1"]} {}`,
			[]string{`thresholds: invalid JSON at byte 18: invalid character '{' after top-level value`}},
		{"every problem at once, by metric in source order", `{
			"gl001_optimize_duration": ["p(95)<2000", "p(95)<<2", "p(150)<1"],
			"gl001_coordination_failed": "rate<0.01",
			"gl001_heat_optimization_duration": [{"threshold": "p(95)<2000", "abortOnFail": "yes", "delayAbortEval": "soon"}]
		}`, []string{
			`thresholds.gl001_optimize_duration[1]: "p(95)<<2": unexpected '<' at 7, want a number`,
			`thresholds.gl001_optimize_duration[2]: "p(150)<1": percentile 150 out of range at 3, want 0 to 100`,
			`thresholds.gl001_coordination_failed: want a list of expressions, got a single string; write ["rate<0.01"]`,
			`thresholds.gl001_heat_optimization_duration[0].abortOnFail: want true or false, got string`,
			`thresholds.gl001_heat_optimization_duration[0].delayAbortEval: invalid duration "soon", ` + wantDuration,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := thresholds.Decode([]byte(tt.data))
			if err == nil {
				t.Fatalf("Decode succeeded with %+v, want %q", set, tt.want)
			}
			if set != nil {
				t.Errorf("Decode returned a Set with its error: %+v", set)
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Decode error\n got: %q\nwant: %q", got, tt.want)
			}
			if !errors.Is(err, thresholds.ErrSyntax) {
				t.Errorf("Decode error does not wrap ErrSyntax")
			}
		})
	}
}

func TestDecodeErrorIsSyntaxError(t *testing.T) {
	_, err := thresholds.Decode([]byte(`{"m": ["avg<1", "p(95)<<2"]}`))
	var se *thresholds.SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("Decode error %v holds no *SyntaxError", err)
	}
	if se.Expr != "p(95)<<2" || se.Column != 7 {
		t.Errorf("SyntaxError = %+v, want the expression and column 7", se)
	}
}

func TestSetNames(t *testing.T) {
	s := thresholds.Set{"b": nil, "a{x:y}": nil, "a": nil}
	if got, want := s.Names(), []string{"a", "a{x:y}", "b"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
}
