package k6duration

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{"30s", 30 * time.Second},
		{"1m30s", 90 * time.Second},
		{"500ms", 500 * time.Millisecond},
		{"2h45m", 2*time.Hour + 45*time.Minute},
		{"1500", 1500 * time.Millisecond}, // a bare number is milliseconds, as in k6
		{"1.5", 1500 * time.Microsecond},
		{"-250", -250 * time.Millisecond},
		{"1d", 24 * time.Hour},
		{"1d12h", 36 * time.Hour},
		{"-1d2h", -26 * time.Hour},
		{"0", 0},
	} {
		got, err := Parse(tc.in)
		if err != nil || time.Duration(got) != tc.want {
			t.Errorf("Parse(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"", "abc", "1x", "1d-2h", "1.5d", "d", "NaN", "Inf", "1e300", "9999999999999d", "106751d99999h"} {
		if got, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %v, want an error", in, got)
		} else if !strings.Contains(err.Error(), `"`+in+`"`) {
			t.Errorf("Parse(%q) error %q does not quote the input", in, err)
		}
	}
}

func TestDurationJSON(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
	}{
		{`"1m30s"`, 90 * time.Second},
		{`1500`, 1500 * time.Millisecond},
		{`0.5`, 500 * time.Microsecond},
		{`"2d"`, 48 * time.Hour},
		{`null`, 7}, // null leaves the value as it was
	} {
		d := Duration(7)
		if err := json.Unmarshal([]byte(tc.in), &d); err != nil || time.Duration(d) != tc.want {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", tc.in, d, err, tc.want)
		}
	}
	for _, in := range []string{`true`, `"1x"`, `[]`, `{}`, `1e400`} {
		var d Duration
		if err := json.Unmarshal([]byte(in), &d); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want an error", in, d)
		}
	}
	b, err := json.Marshal(Duration(90 * time.Second))
	if err != nil || string(b) != `"1m30s"` {
		t.Errorf("Marshal(90s) = %s, %v; want \"1m30s\"", b, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"30s", "1m30s", "500ms", "1500", "1.5", "1d2h", "-1d2h", "0", "1e3", "-0d1h", "9223372036854ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			return
		}
		// What MarshalJSON writes reads back to the same value.
		back, err := Parse(d.String())
		if err != nil || back != d {
			t.Fatalf("Parse(%q) = %v; its String %q reads back as %v, %v", s, d, d.String(), back, err)
		}
	})
}
