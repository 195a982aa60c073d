package assess_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/greenlang/gl001/reports/assess"
	"github.com/greenlang/gl001/reports/golden"
	"github.com/greenlang/gl001/reports/triggers"
)

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// inputs returns the testdata/*.input.json files, by case name.
func inputs(t testing.TB) map[string]string {
	t.Helper()
	paths, err := filepath.Glob("testdata/*.input.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no testdata/*.input.json: %v", err)
	}
	out := map[string]string{}
	for _, p := range paths {
		out[strings.TrimSuffix(filepath.Base(p), ".input.json")] = p
	}
	return out
}

func assessFile(t *testing.T, path string) assess.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, err := assess.Decode(f, filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	return assess.Assess(in)
}

func TestGolden(t *testing.T) {
	for name, path := range inputs(t) {
		t.Run(name, func(t *testing.T) {
			r := assessFile(t, path)
			var text, js bytes.Buffer
			if err := r.WriteText(&text); err != nil {
				t.Fatal(err)
			}
			if err := r.WriteJSON(&js); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", name+".txt.golden"), text.Bytes())
			golden.Check(t, filepath.Join("testdata", name+".json.golden"), js.Bytes())
		})
	}
}

func TestJSONKeys(t *testing.T) {
	r := assessFile(t, "testdata/critical-cpu.input.json")
	var b bytes.Buffer
	if err := r.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b.Bytes(), &top); err != nil {
		t.Fatal(err)
	}
	if got := mapsKeys(top); !slices.Equal(got, []string{"diagnosis", "findings", "worst"}) {
		t.Errorf("top-level keys = %v, want diagnosis, findings, worst", got)
	}
	var findings []map[string]json.RawMessage
	if err := json.Unmarshal(top["findings"], &findings); err != nil {
		t.Fatal(err)
	}
	if len(findings) != 9 {
		t.Fatalf("%d findings, want 9", len(findings))
	}
	for i, f := range findings {
		for _, k := range []string{"metric", "value", "level", "action"} {
			if _, ok := f[k]; !ok {
				t.Errorf("finding %d has no key %q: %v", i, k, mapsKeys(f))
			}
		}
	}
	if string(top["worst"]) != `"critical"` {
		t.Errorf("worst = %s, want \"critical\"", top["worst"])
	}
}

func mapsKeys(m map[string]json.RawMessage) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestJSONEmptyListsAreArrays(t *testing.T) {
	tests := []struct {
		name string
		r    assess.Result
		want string
	}{
		{"zero result", assess.Result{}, `{"findings":[],"worst":"not_observed","diagnosis":[]}`},
		{"nothing observed", assess.Assess(assess.Input{}), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.r)
			if err != nil {
				t.Fatal(err)
			}
			if tt.want != "" && string(b) != tt.want {
				t.Errorf("json = %s, want %s", b, tt.want)
			}
			if !bytes.Contains(b, []byte(`"diagnosis":[]`)) {
				t.Errorf("json = %s, want diagnosis []", b)
			}
		})
	}
}

func TestCritical(t *testing.T) {
	tests := []struct {
		name string
		cpu  *float64
		want bool
	}{
		{"not observed", nil, false},
		{"ok", ptr(10.0), false},
		{"warning at the critical line", ptr(80.0), false},
		{"critical", ptr(80.5), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := assess.Assess(assess.Input{Observation: triggers.Observation{MasterCPUPercent: tt.cpu}})
			if got := r.Critical(); got != tt.want {
				t.Errorf("Critical() = %v, want %v (worst %v)", got, tt.want, r.Worst)
			}
		})
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestWriteErrors(t *testing.T) {
	r := assess.Assess(assess.Input{})
	if err := r.WriteText(failWriter{}); err == nil {
		t.Error("WriteText to a failing writer succeeded")
	}
	if err := r.WriteJSON(failWriter{}); err == nil {
		t.Error("WriteJSON to a failing writer succeeded")
	}
}
