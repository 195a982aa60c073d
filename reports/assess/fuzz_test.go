package assess_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/greenlang/gl001/reports/assess"
)

// FuzzDecode checks that Decode never panics and either fails with
// ErrInput and a message naming the input, or returns a valid Input that
// assesses, renders and survives a JSON round trip.
func FuzzDecode(f *testing.F) {
	for _, path := range inputs(f) {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "null", "[]", "{}{}", `{"plant_count": 15.5}`, `{"plant_count": 1e400}`,
		`{"master_cpu_percent": -3, "cpu_trend": "up"}`, `{"a":1}`, `{"PLANT_COUNT": 1}`,
		`{"message_bus_lag_ms": 1e308, "plants_to_add": 9}`, `{"cpu_trend": "\u0067radual"}`,
		`{"agent_coordination_error_percent": 100}`, `{"network_issues": true, "network_issues": false}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := assess.Decode(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			if !errors.Is(err, assess.ErrInput) {
				t.Fatalf("error %q does not wrap ErrInput", err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "fuzz.json: ") {
					t.Fatalf("error line %q does not name the input", line)
				}
			}
			return
		}
		if err := in.Validate(); err != nil {
			t.Fatalf("Decode returned an Input that fails Validate: %v", err)
		}
		r := assess.Assess(in)
		if err := r.WriteText(io.Discard); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteJSON(io.Discard); err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := jsonEncode(&b, in); err != nil {
			t.Fatal(err)
		}
		back, err := assess.Decode(&b, "round trip")
		if err != nil {
			t.Fatalf("re-decoding %s: %v", b.Bytes(), err)
		}
		if !equalInput(in, back) {
			t.Fatalf("round trip changed the input:\n%s\n%s", dump(in), dump(back))
		}
	})
}
