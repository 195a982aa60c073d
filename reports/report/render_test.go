package report_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/greenlang/gl001/reports/plots"
	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

func TestMarkdownSectionOrder(t *testing.T) {
	r := report.Evaluate(starvedFleet().run(t), report.Options{})
	var b bytes.Buffer
	if err := r.WriteMarkdown(&b, tinyFigures()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, line := range strings.Split(b.String(), "\n") {
		if h, ok := strings.CutPrefix(line, "## "); ok {
			got = append(got, h)
		}
	}
	want := []string{"Verdict: FAIL", "Predicted vs observed", "Triggers", "Decision tree", "Right-sizing",
		"Thresholds", "Schedule kept", "HPA replay", "Plots", "Gaps", "Run details"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sections %q, want %q", got, want)
	}
	for _, link := range []string{"](latency.png)", "](resources.svg)"} {
		if !strings.Contains(b.String(), link) {
			t.Errorf("markdown lacks the image link %q", link)
		}
	}
}

// A sampler's error text is foreign: it must not break a table or inject
// markup into either report.
func TestForeignTextIsEscaped(t *testing.T) {
	f := healthyFleet()
	reason := "bad | cell <script>alert(1)</script> *bold* [x](http://evil.example)\nnext line"
	f.gaps = func(i int) []record.Gap {
		if i == 3 {
			return []record.Gap{{Sampler: "hpa", Reason: reason}}
		}
		return nil
	}
	r := report.Evaluate(f.run(t), report.Options{})
	var md, page bytes.Buffer
	if err := r.WriteMarkdown(&md, nil); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteHTML(&page, nil); err != nil {
		t.Fatal(err)
	}
	wantMD := `| 4 | +4s (10:00:04Z) | hpa | bad \| cell \<script>alert(1)\</script> \*bold\* \[x\](http://evil.example) next line |`
	if !strings.Contains(md.String(), wantMD) {
		t.Errorf("markdown gap row not escaped; want %s in\n%s", wantMD, md.String())
	}
	if strings.Contains(page.String(), "<script>") {
		t.Errorf("HTML carries the sampler's <script>")
	}
}

var (
	externalURL = regexp.MustCompile(`(?i)https?://`)
	externalRef = regexp.MustCompile(`(?i)<script|<link|<iframe|<object|<embed|@import|url\(|src="(https?:)?//|href=`)
)

func TestHTMLIsSelfContained(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := report.Evaluate(tc.f.run(t), tc.opts)
			var b bytes.Buffer
			if err := r.WriteHTML(&b, tinyFigures()); err != nil {
				t.Fatal(err)
			}
			page := b.String()
			if !strings.Contains(page, r.Run.Target) {
				t.Fatalf("the target %q is not in the page", r.Run.Target)
			}
			rest := strings.ReplaceAll(page, r.Run.Target, "")
			if loc := externalURL.FindStringIndex(rest); loc != nil {
				t.Errorf("a URL besides the target: %q", rest[max(0, loc[0]-40):min(len(rest), loc[1]+40)])
			}
			if m := externalRef.FindString(page); m != "" {
				t.Errorf("an external reference: %q", m)
			}
			if !strings.Contains(page, "<style>") {
				t.Errorf("no inline CSS")
			}
			if got := strings.Count(page, `src="data:image/`); got != len(tinyFigures()) {
				t.Errorf("%d inlined images, want %d", got, len(tinyFigures()))
			}
		})
	}
}

type junitSuites struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Failures int    `xml:"failures,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Props    []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestJUnit(t *testing.T) {
	tests := []struct {
		name    string
		f       fleet
		opts    report.Options
		failed  map[string]string // test case → a part of its failure message
		skipped []string
	}{
		{name: "healthy", f: healthyFleet(), opts: report.Options{Workers: ptr(4)}},
		{name: "under-provisioned", f: starvedFleet(), opts: report.Options{Workers: ptr(4)}, failed: map[string]string{
			"gl001_optimize_duration p(95)<2000":          "observed 3,741.695 ms; threshold gl001_optimize_duration p(95)<2000",
			"gl001_heat_optimization_duration p(95)<2000": "threshold gl001_heat_optimization_duration p(95)<2000",
			"gl001_coordination_failed rate<0.01":         "observed 0.032",
			"Master CPU Usage":                            "96.4% is critical (>80%)",
			"Orchestration Latency (p95)":                 "3.742 s is critical (>3s)",
			"Database Connections":                        "97.5% is critical (>85%)",
			"Message Bus Lag":                             "2360 ms is critical (>500ms)",
			"Plant Count":                                 "15 plants (critical, >10 plants): Proactive Horizontal Scale: not taken (replicas running 1 < 11 predicted and DB pool size 40 < 205 predicted)",
			"Sub-Agent Count":                             "not taken",
		}},
		{name: "planning critical with the action taken passes", f: func() fleet {
			f := healthyFleet()
			f.lag = nil
			return f
		}(), opts: report.Options{Workers: ptr(4)}, skipped: []string{"Message Bus Lag"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := report.Evaluate(tt.f.run(t), tt.opts)
			var b bytes.Buffer
			if err := r.WriteJUnit(&b); err != nil {
				t.Fatal(err)
			}
			var doc junitSuites
			if err := xml.Unmarshal(b.Bytes(), &doc); err != nil {
				t.Fatalf("junit.xml does not parse: %v\n%s", err, b.String())
			}
			if len(doc.Suites) != 2 || doc.Suites[0].Name != report.JUnitThresholdsSuite || doc.Suites[1].Name != report.JUnitTriggersSuite {
				t.Fatalf("suites %+v", doc.Suites)
			}
			if got := len(doc.Suites[1].Cases); got != 9 {
				t.Errorf("%d trigger cases, want 9", got)
			}
			if got := len(doc.Suites[0].Cases); got != len(r.Thresholds) {
				t.Errorf("%d threshold cases, want %d", got, len(r.Thresholds))
			}
			failures, skipped := map[string]string{}, []string{}
			for _, s := range doc.Suites {
				for _, c := range s.Cases {
					if c.Failure != nil {
						failures[c.Name] = c.Failure.Message
					}
					if c.Skipped != nil {
						skipped = append(skipped, c.Name)
					}
				}
				if s.Props[0].Name != "verdict" || s.Props[0].Value != string(r.Verdict) {
					t.Errorf("suite %s properties %+v", s.Name, s.Props)
				}
			}
			if len(failures) != len(tt.failed) || doc.Failures != len(tt.failed) {
				t.Errorf("failures %v (total %d), want %d", failures, doc.Failures, len(tt.failed))
			}
			for name, part := range tt.failed {
				if !strings.Contains(failures[name], part) {
					t.Errorf("failure of %q = %q, want it to contain %q", name, failures[name], part)
				}
			}
			if strings.Join(skipped, "|") != strings.Join(tt.skipped, "|") || doc.Skipped != len(tt.skipped) {
				t.Errorf("skipped %q (total %d), want %q", skipped, doc.Skipped, tt.skipped)
			}
			if doc.Tests != 9+len(r.Thresholds) {
				t.Errorf("tests %d, want %d", doc.Tests, 9+len(r.Thresholds))
			}
		})
	}
}

func TestWriteAll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	r := report.Evaluate(healthyFleet().run(t), report.Options{})
	if err := report.WriteAll(dir, r, tinyFigures()); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := "junit.xml|latency.png|latency.svg|report.html|report.md|resources.svg"
	if strings.Join(names, "|") != want {
		t.Errorf("files %q, want %s", names, want)
	}
	png, _ := os.ReadFile(filepath.Join(dir, "latency.png"))
	if !bytes.Equal(png, tinyPNG) {
		t.Errorf("latency.png differs from the figure's PNG")
	}
}

func TestWriteAllRejectsFigureNames(t *testing.T) {
	r := report.Evaluate(healthyFleet().run(t), report.Options{})
	for _, name := range []string{"", "../escape", "a/b", ".hidden", "report md", "latency"} {
		figs := []plots.Figure{{Name: name, PNG: tinyPNG}}
		if name == "latency" {
			figs = append(figs, plots.Figure{Name: "latency", PNG: tinyPNG}) // twice
		}
		dir := t.TempDir()
		err := report.WriteAll(dir, r, figs)
		if !errors.Is(err, report.ErrFigureName) {
			t.Errorf("name %q: err %v, want ErrFigureName", name, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("name %q: files written: %v", name, entries)
		}
	}
}

// gl001 report may render a Report read back from summary.json: the JSON
// must carry everything the renderers use.
func TestRenderFromJSON(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := report.Evaluate(tc.f.run(t), tc.opts)
			b, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			var back report.Report
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			render := func(r report.Report) string {
				var md, page, junit bytes.Buffer
				if err := errors.Join(r.WriteMarkdown(&md, tinyFigures()), r.WriteHTML(&page, tinyFigures()), r.WriteJUnit(&junit)); err != nil {
					t.Fatal(err)
				}
				return md.String() + page.String() + junit.String()
			}
			if render(back) != render(r) {
				t.Errorf("a report read back from JSON renders differently")
			}
		})
	}
}
