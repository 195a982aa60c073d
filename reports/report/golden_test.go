package report_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/greenlang/gl001/reports/plots"
	"github.com/greenlang/gl001/reports/report"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// tinyPNG is a 1×1 PNG, fixed bytes so the golden HTML does not move with
// the Go version's zlib.
var tinyPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")

const tinySVG = `<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="#c00"/></svg>`

func tinyFigures() []plots.Figure {
	return []plots.Figure{
		{Name: "latency", Title: "Latency percentiles per interval", PNG: tinyPNG, SVG: []byte(tinySVG)},
		{Name: "resources", Title: "CPU and memory per replica", SVG: []byte(tinySVG), Note: "drawn as SVG only"},
	}
}

// goldenCases are the runs whose rendered reports are kept in testdata.
func goldenCases() []struct {
	name string
	f    fleet
	opts report.Options
} {
	return []struct {
		name string
		f    fleet
		opts report.Options
	}{
		{"healthy", healthyFleet(), report.Options{Workers: ptr(4), Complete: ptr(true)}},
		{"under_provisioned", starvedFleet(), report.Options{PlantsToAdd: ptr(5), Workers: ptr(4)}},
	}
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := report.Evaluate(tc.f.run(t), tc.opts)
			figs := tinyFigures()
			var md, page, junit, js bytes.Buffer
			if err := r.WriteMarkdown(&md, figs); err != nil {
				t.Fatal(err)
			}
			if err := r.WriteHTML(&page, figs); err != nil {
				t.Fatal(err)
			}
			if err := r.WriteJUnit(&junit); err != nil {
				t.Fatal(err)
			}
			enc := json.NewEncoder(&js)
			enc.SetIndent("", "  ")
			if err := enc.Encode(r); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".md.golden", md.Bytes())
			golden(t, tc.name+".html.golden", page.Bytes())
			golden(t, tc.name+".junit.xml.golden", junit.Bytes())
			golden(t, tc.name+".json.golden", js.Bytes())
		})
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it); got:\n%s", path, got)
	}
}
