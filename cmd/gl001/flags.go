package main

import (
	"fmt"
	"strconv"
	"strings"
)

// intFlag is an integer flag that checks its range when set, so a bad
// value is reported with the flag's name, the value and the allowed range
// before any work starts.
type intFlag struct {
	value  int
	lo, hi int
	set    bool
}

func (f *intFlag) String() string { return strconv.Itoa(f.value) }
func (f *intFlag) Type() string   { return "int" }

func (f *intFlag) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil || v < f.lo || v > f.hi {
		return fmt.Errorf("must be a whole number from %d to %d", f.lo, f.hi)
	}
	f.value, f.set = v, true
	return nil
}

// enumFlag is a string flag restricted to a fixed set of values.
type enumFlag struct {
	value   string
	allowed []string
}

func (f *enumFlag) String() string { return f.value }
func (f *enumFlag) Type() string   { return strings.Join(f.allowed, "|") }

func (f *enumFlag) Set(s string) error {
	for _, a := range f.allowed {
		if s == a {
			f.value = s
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(f.allowed, ", "))
}

func outputFlag(allowed ...string) *enumFlag {
	return &enumFlag{value: allowed[0], allowed: allowed}
}
