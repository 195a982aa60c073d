package report_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/greenlang/gl001/reports/golden"
	"github.com/greenlang/gl001/reports/plots"
	"github.com/greenlang/gl001/reports/report"
)

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
		// Nothing given: on a stand-in the run started, "Recent
		// deployment?" is answered no by the report itself.
		{"stand_in_saturated", saturatedStandIn(), report.Options{Workers: ptr(4), Complete: ptr(true)}},
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
			golden.Check(t, filepath.Join("testdata", tc.name+".md.golden"), md.Bytes())
			golden.Check(t, filepath.Join("testdata", tc.name+".html.golden"), page.Bytes())
			golden.Check(t, filepath.Join("testdata", tc.name+".junit.xml.golden"), junit.Bytes())
			golden.Check(t, filepath.Join("testdata", tc.name+".json.golden"), js.Bytes())
		})
	}
}
