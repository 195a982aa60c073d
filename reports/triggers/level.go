package triggers

import (
	"fmt"
	"strconv"
)

// Level is how far a metric has gone into the guide's bands. The constants
// are ordered from least to most severe, so max over a set of levels gives
// the worst one; NotObserved sorts lowest because a missing measurement is
// not a finding, yet it must never be mistaken for OK.
type Level int

// The levels, least severe first.
const (
	// NotObserved means the metric was not measured.
	NotObserved Level = iota
	// OK means the value is in the guide's "Current" band.
	OK
	// Warning means the value is in the guide's "Warning" band.
	Warning
	// Critical means the value is in the guide's "Critical" band.
	Critical
)

// String returns the level in words: "not observed", "ok", "warning" or
// "critical".
func (l Level) String() string {
	switch l {
	case NotObserved:
		return "not observed"
	case OK:
		return "ok"
	case Warning:
		return "warning"
	case Critical:
		return "critical"
	}
	return "Level(" + strconv.Itoa(int(l)) + ")"
}

// levelTokens are the machine forms used by MarshalText and UnmarshalText,
// indexed by Level.
var levelTokens = [...]string{
	NotObserved: "not_observed",
	OK:          "ok",
	Warning:     "warning",
	Critical:    "critical",
}

// MarshalText encodes the level as "not_observed", "ok", "warning" or
// "critical", so JSON carries a stable token rather than a number.
func (l Level) MarshalText() ([]byte, error) {
	if l < NotObserved || l > Critical {
		return nil, fmt.Errorf("level %d is out of range", int(l))
	}
	return []byte(levelTokens[l]), nil
}

// UnmarshalText decodes the tokens written by MarshalText.
func (l *Level) UnmarshalText(text []byte) error {
	for i, tok := range levelTokens {
		if string(text) == tok {
			*l = Level(i)
			return nil
		}
	}
	return fmt.Errorf("level %q is not one of not_observed, ok, warning, critical", text)
}
