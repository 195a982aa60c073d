package metrics

import (
	"encoding/json"
	"math"
	"testing"
)

func TestAppendJSONFloatMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, 1, -1, 0.1, 12.345, 1e-6, 9.99e-7, 1e-7, 123456789.123, 1e20, 1e21, -3e21, math.MaxFloat64, math.SmallestNonzeroFloat64, 5e-324} {
		want, _ := json.Marshal(f)
		if got := appendJSONFloat(nil, f); string(got) != string(want) {
			t.Errorf("appendJSONFloat(%v) = %s, want %s", f, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote\"back\\slash", "ctl\x00\x1f\n\t\r", "ünï <&>", "\u2028\u2029", "bad\xffutf8"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := appendJSONString(nil, s)
		var back string
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%q encoded as invalid JSON %s: %v", s, b, err)
		}
		// encoding/json decodes to what it would itself have encoded: equal
		// for valid UTF-8, with U+FFFD for invalid bytes.
		want, _ := json.Marshal(s)
		var wantBack string
		_ = json.Unmarshal(want, &wantBack)
		if back != wantBack {
			t.Errorf("%q round-tripped to %q, want %q", s, back, wantBack)
		}
	})
}
