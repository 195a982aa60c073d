package thresholds

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/greenlang/gl001/xk6-gl001/k6duration"
)

// Threshold is one threshold on a metric: an expression and k6's abort
// settings.
type Threshold struct {
	Expression
	// AbortOnFail stops the run as soon as the threshold fails while it
	// runs (see ShouldAbort). Without it a failure fails the run only at
	// the end.
	AbortOnFail bool
	// DelayAbortEval is how far into the run an AbortOnFail threshold
	// starts being acted on, so that a few early samples cannot abort a
	// run; 0 or more.
	DelayAbortEval time.Duration
}

// Set is a thresholds map: a metric key (see MetricKey) to its thresholds
// in source order. A key with an empty list has no thresholds; Merge uses
// that to switch a default off.
type Set map[string][]Threshold

// Names returns the set's metric keys, sorted: the order every method
// here reports in.
func (s Set) Names() []string {
	names := make([]string, 0, len(s))
	for name := range s {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// Decode reads a k6 thresholds map, the value of "thresholds" in k6
// options or in a gl001 scenario file:
//
//	{
//	  "gl001_optimize_duration": ["p(95)<2000", "p(99) < 3000"],
//	  "gl001_coordination_failed": [
//	    {"threshold": "rate<0.01", "abortOnFail": true, "delayAbortEval": "30s"}
//	  ]
//	}
//
// Each value is a list; each item an expression string or an object with
// "threshold" (required), "abortOnFail" (true or false) and
// "delayAbortEval" (k6's duration syntax: "10s", "1m30s", "1d", "1d12h",
// or a number of milliseconds, as a string or a JSON number). A null
// value is an empty list, and empty or null data is an empty Set.
//
// Decode is stricter than k6 where k6 silently ignores a mistake:
// unknown or wrongly cased object keys, a metric key given twice (k6
// keeps the last), and a negative delayAbortEval are errors. Like k6, it
// rejects a bare string or object in place of a list.
//
// Decode checks syntax only (Validate checks the set against the run's
// metrics) and reports every problem at once, joined, each naming the
// metric and the item: `thresholds.gl001_optimize_duration[1]: "p(95)<<2":
// unexpected '<' at 7, want a number`. Every error wraps ErrSyntax; an
// expression's error is also a *SyntaxError. On error the Set is nil.
func Decode(data []byte) (Set, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return Set{}, nil
	}
	// Check the whole input first, so that JSON errors carry offsets
	// into data (the decoder's are relative to the value it is on) and
	// trailing data is refused; after this the decoder cannot fail.
	if err := json.Unmarshal(data, new(json.RawMessage)); err != nil {
		return nil, jsonError(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonError(err)
	}
	if tok == nil {
		return Set{}, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, problemf(ErrSyntax, "thresholds: want an object of metric names to lists of expressions, got %s", tokenKind(tok))
	}

	set := Set{}
	var errs []error
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errors.Join(append(errs, jsonError(err))...)
		}
		key, _ := tok.(string) // inside an object the decoder yields only string keys
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errors.Join(append(errs, jsonError(err))...)
		}
		if _, dup := set[key]; dup {
			errs = append(errs, problemf(ErrSyntax, "%s: metric given twice, want all its expressions in one list", path(key)))
			continue
		}
		if _, err := ParseMetricKey(key); err != nil {
			errs = append(errs, fmt.Errorf("thresholds: %w", err))
		}
		ths, listErrs := decodeList(key, raw)
		errs = append(errs, listErrs...)
		set[key] = ths
	}
	// The closing '}' is all that is left: the input was checked whole.
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return set, nil
}

// decodeList reads one metric's list of thresholds.
func decodeList(key string, raw json.RawMessage) ([]Threshold, []error) {
	switch kind := jsonKind(raw); kind {
	case "null":
		return []Threshold{}, nil
	case "array":
	case "string":
		var s string
		_ = json.Unmarshal(raw, &s) // valid JSON: the decoder read it
		return nil, []error{problemf(ErrSyntax, "%s: want a list of expressions, got a single string; write [%q]", path(key), s)}
	case "object":
		return nil, []error{problemf(ErrSyntax, "%s: want a list of thresholds, got a single object; wrap it in [ ]", path(key))}
	default:
		return nil, []error{problemf(ErrSyntax, "%s: want a list of expressions, got %s", path(key), kind)}
	}
	var items []json.RawMessage
	_ = json.Unmarshal(raw, &items)
	ths := make([]Threshold, 0, len(items))
	var errs []error
	for i, item := range items {
		at := fmt.Sprintf("%s[%d]", path(key), i)
		switch kind := jsonKind(item); kind {
		case "string":
			var s string
			_ = json.Unmarshal(item, &s)
			e, err := Parse(s)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", at, err))
				continue
			}
			ths = append(ths, Threshold{Expression: e})
		case "object":
			t, objErrs := decodeObject(at, item)
			errs = append(errs, objErrs...)
			ths = append(ths, t)
		default:
			errs = append(errs, problemf(ErrSyntax, "%s: want an expression string or an object, got %s", at, kind))
		}
	}
	return ths, errs
}

// Keys of k6's long form, in the order messages name them.
const (
	keyThreshold      = "threshold"
	keyAbortOnFail    = "abortOnFail"
	keyDelayAbortEval = "delayAbortEval"
)

var objectKeys = []string{keyThreshold, keyAbortOnFail, keyDelayAbortEval}

// decodeObject reads k6's long form of one threshold.
func decodeObject(at string, raw json.RawMessage) (Threshold, []error) {
	var fields map[string]json.RawMessage
	_ = json.Unmarshal(raw, &fields)
	var t Threshold
	var errs []error

	src, ok := fields[keyThreshold]
	switch kind := jsonKind(src); {
	case !ok:
		errs = append(errs, problemf(ErrSyntax, `%s: missing "threshold", want {"threshold": "p(95)<2000", ...}`, at))
	case kind != "string":
		errs = append(errs, problemf(ErrSyntax, "%s.threshold: want an expression string, got %s", at, kind))
	default:
		var s string
		_ = json.Unmarshal(src, &s)
		e, err := Parse(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.threshold: %w", at, err))
		}
		t.Expression = e
	}

	if v, ok := fields[keyAbortOnFail]; ok {
		switch kind := jsonKind(v); kind {
		case "boolean":
			_ = json.Unmarshal(v, &t.AbortOnFail)
		case "null":
		default:
			errs = append(errs, problemf(ErrSyntax, "%s.abortOnFail: want true or false, got %s", at, kind))
		}
	}

	if v, ok := fields[keyDelayAbortEval]; ok {
		d, err := decodeDelay(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s.delayAbortEval: %w", at, err))
		}
		t.DelayAbortEval = d
	}

	var unknown []string
	for k := range fields {
		if !slices.Contains(objectKeys, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		want := "threshold, abortOnFail or delayAbortEval"
		for _, known := range objectKeys {
			if strings.EqualFold(k, known) {
				want = fmt.Sprintf("%q (names are case-sensitive)", known)
			}
		}
		errs = append(errs, problemf(ErrSyntax, "%s: unknown field %q, want %s", at, k, want))
	}
	return t, errs
}

// decodeDelay reads delayAbortEval: a string in k6's duration syntax, a
// JSON number of milliseconds, or null for none.
func decodeDelay(raw json.RawMessage) (time.Duration, error) {
	switch kind := jsonKind(raw); kind {
	case "null":
		return 0, nil
	case "string":
		var s string
		_ = json.Unmarshal(raw, &s)
		return parseDuration(s)
	case "number":
		return parseDuration(string(bytes.TrimSpace(raw)))
	default:
		return 0, problemf(ErrSyntax, `want a duration like "10s", got %s`, kind)
	}
}

// maxMillis is the longest delay in milliseconds a time.Duration holds
// (about 106 751 days).
const maxMillis = math.MaxInt64 / int64(time.Millisecond)

// parseDuration reads k6's duration syntax (k6duration.Parse: a Go
// duration such as "10s" or "1m30s", optionally after whole days, "1d",
// "2d12h", or a number of milliseconds, "1500") and refuses a negative
// delay.
func parseDuration(s string) (time.Duration, error) {
	d, err := k6duration.Parse(s)
	if err != nil {
		if ms, perr := strconv.ParseFloat(s, 64); perr == nil && !math.IsNaN(ms) && !math.IsInf(ms, 0) {
			return 0, problemf(ErrSyntax, "duration %q out of range, want at most %d milliseconds", s, maxMillis)
		}
		return 0, problemf(ErrSyntax, `invalid duration %q, want a duration like "10s", "1m30s", "1d" or a number of milliseconds`, s)
	}
	if d < 0 {
		return 0, problemf(ErrSyntax, "duration %q is negative, want 0 or more", s)
	}
	return time.Duration(d), nil
}

// path names a metric key in messages: thresholds.name, or
// thresholds["name"] when the key would not read plainly.
func path(key string) string {
	plain := key != "" && utf8.ValidString(key)
	for _, r := range key {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) || strings.ContainsRune(`"'[]`, r) {
			plain = false
			break
		}
	}
	if plain {
		return "thresholds." + key
	}
	return fmt.Sprintf("thresholds[%q]", key)
}

// jsonKind names the JSON type of a valid value; "" for no value.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

// tokenKind names the JSON type of a decoder token.
func tokenKind(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}

func jsonError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		// Offset counts the bytes read, the bad one included: it is the
		// bad byte's 1-based position.
		return problemf(ErrSyntax, "thresholds: invalid JSON at byte %d: %v", se.Offset, se)
	}
	return problemf(ErrSyntax, "thresholds: invalid JSON: %v", err)
}
