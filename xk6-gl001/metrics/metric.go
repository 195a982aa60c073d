package metrics

import (
	"errors"
	"fmt"
	"strings"
)

// Type is one of k6's four metric types. It marshals to JSON as k6 spells
// it: "counter", "gauge", "rate", "trend".
type Type int

// The k6 metric types.
const (
	Counter Type = iota // a running sum; k6 values count, rate (per second)
	Gauge               // the last value set; k6 values value, min, max
	Rate                // the share of non-zero samples; k6 values rate, passes, fails
	Trend               // a distribution; k6 values avg, min, med, max, p(N)
)

var typeNames = [...]string{Counter: "counter", Gauge: "gauge", Rate: "rate", Trend: "trend"}

// String returns k6's name for t.
func (t Type) String() string {
	if t < 0 || int(t) >= len(typeNames) {
		return fmt.Sprintf("Type(%d)", int(t))
	}
	return typeNames[t]
}

// MarshalText implements encoding.TextMarshaler.
func (t Type) MarshalText() ([]byte, error) {
	if t < 0 || int(t) >= len(typeNames) {
		return nil, fmt.Errorf("metric type %d: %w", int(t), ErrUnknownType)
	}
	return []byte(typeNames[t]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *Type) UnmarshalText(b []byte) error {
	for i, n := range typeNames {
		if n == string(b) {
			*t = Type(i)
			return nil
		}
	}
	return fmt.Errorf("metric type %q: %w (want counter, gauge, rate or trend)", b, ErrUnknownType)
}

// ValueType is what a metric's values measure, k6's "contains". Time values
// are milliseconds.
type ValueType int

// The k6 value types. The harness records Default and Time; Data is there so
// that k6's own files read back.
const (
	Default ValueType = iota // a plain number
	Time                     // milliseconds
	Data                     // bytes
)

var valueTypeNames = [...]string{Default: "default", Time: "time", Data: "data"}

// String returns k6's name for v.
func (v ValueType) String() string {
	if v < 0 || int(v) >= len(valueTypeNames) {
		return fmt.Sprintf("ValueType(%d)", int(v))
	}
	return valueTypeNames[v]
}

// MarshalText implements encoding.TextMarshaler.
func (v ValueType) MarshalText() ([]byte, error) {
	if v < 0 || int(v) >= len(valueTypeNames) {
		return nil, fmt.Errorf("value type %d: %w", int(v), ErrUnknownType)
	}
	return []byte(valueTypeNames[v]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *ValueType) UnmarshalText(b []byte) error {
	for i, n := range valueTypeNames {
		if n == string(b) {
			*v = ValueType(i)
			return nil
		}
	}
	return fmt.Errorf("value type %q: %w (want default, time or data)", b, ErrUnknownType)
}

// Errors callers may branch on.
var (
	ErrUnknownType = errors.New("unknown type")
	ErrBadName     = errors.New("invalid metric name")
	ErrConflict    = errors.New("metric already declared with another type")
)

// Metric is a declared metric. Create it with Registry.New; the fields are
// read-only afterwards.
type Metric struct {
	Name     string
	Type     Type
	Contains ValueType

	reg  *Registry
	id   int // index into the registry's metrics and every shard's state
	live *liveMetric
}

// validName reports whether name follows k6's rule — 1 to 128 ASCII letters,
// digits or underscores, not starting with a digit — optionally followed by a
// k6 submetric suffix such as "{plant:plant-03}", for a fixed tag set the
// runner records as a metric of its own.
func validName(name string) bool {
	if i := strings.IndexByte(name, '{'); i >= 0 {
		tags := name[i+1:]
		if len(tags) < 2 || tags[len(tags)-1] != '}' || strings.ContainsAny(tags[:len(tags)-1], "{}\n\r") {
			return false
		}
		name = name[:i]
	}
	if len(name) == 0 || len(name) > 128 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
