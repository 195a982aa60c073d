package k6ingest_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/reports/k6ingest"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// k6P95 is http_req_duration's p(95) in testdata/k6-summary-export.json.
func k6Value(t *testing.T, metric, stat string) float64 {
	t.Helper()
	b, err := os.ReadFile("testdata/k6-summary-export.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Metrics map[string]map[string]any `json:"metrics"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Metrics[metric][stat].(float64)
}

// exactValues are a metric's point values in the JSON fixture, sorted.
func exactValues(t *testing.T, metric string) []float64 {
	t.Helper()
	b, err := os.ReadFile("testdata/k6-out.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []float64
	for _, line := range bytes.Split(b, []byte("\n")) {
		var p struct {
			Type, Metric string
			Data         struct{ Value float64 }
		}
		if json.Unmarshal(line, &p) == nil && p.Type == "Point" && p.Metric == metric {
			vs = append(vs, p.Data.Value)
		}
	}
	slices.Sort(vs)
	return vs
}

func convert(t *testing.T, o k6ingest.Options) (k6ingest.Result, *runlog.Run) {
	t.Helper()
	if o.OutDir == "" {
		o.OutDir = t.TempDir()
	}
	res, err := k6ingest.Convert(o)
	if err != nil {
		t.Fatal(err)
	}
	run, err := runlog.Load(o.OutDir)
	if err != nil {
		t.Fatal(err)
	}
	return res, run
}

// TestP95MatchesK6 holds the p(95) rebuilt from k6's points against the
// one k6 computed: both interpolate between the two nearest ranks, so they
// agree within the HDR histogram's precision (0.1 %).
func TestP95MatchesK6(t *testing.T) {
	vs := exactValues(t, "http_req_duration")
	want := k6Value(t, "http_req_duration", "p(95)")
	for _, file := range []string{"testdata/k6-out.json", "testdata/k6-out.csv"} {
		t.Run(filepath.Ext(file), func(t *testing.T) {
			res, run := convert(t, k6ingest.Options{K6File: file})
			if res.Skipped.Lines != 0 {
				t.Errorf("skipped %d lines: %s", res.Skipped.Lines, res.Skipped)
			}
			s := run.Totals["http_req_duration"]
			if s == nil || s.Count() != int64(len(vs)) {
				t.Fatalf("http_req_duration: %v samples, want %d", s, len(vs))
			}
			got, _ := s.Aggregate("p(95)")
			if d := math.Abs(got - want); d > want*0.001 {
				t.Errorf("p(95) = %.4f ms, k6 says %.4f: off by %.4f, more than 0.1 %%", got, want, d)
			}
			t.Logf("p(95) %.4f ms, k6 %.4f ms", got, want)
			if len(run.Intervals) < 30 {
				t.Errorf("%d intervals, want about 40 (a 40 s run at 1 s)", len(run.Intervals))
			}
			// The guide's latency row reads our metric, mapped from k6's.
			if lat := run.Totals["gl001_optimize_duration"]; lat == nil || lat.Count() != s.Count() {
				t.Errorf("gl001_optimize_duration not mapped from http_req_duration{name:optimize}: %v", lat)
			}
		})
	}
}

// TestSubmetricThreshold: k6's --out json does not declare the
// thresholds of http_req_duration{scenario:optimize}; the handleSummary
// file does, and it is evaluated on the points tagged scenario:optimize.
func TestSubmetricThreshold(t *testing.T) {
	const key = "http_req_duration{scenario:optimize}"
	res, run := convert(t, k6ingest.Options{K6File: "testdata/k6-out.json"})
	if _, ok := res.Thresholds[key]; ok {
		t.Errorf("without a summary, %s has thresholds %v", key, res.Thresholds[key])
	}
	if !slices.ContainsFunc(res.Warnings, func(n string) bool { return strings.Contains(n, key) }) {
		t.Errorf("notes do not say %s's thresholds were not seen: %q", key, res.Notes)
	}
	res, run = convert(t, k6ingest.Options{K6File: "testdata/k6-out.json", SummaryFile: "testdata/k6-handle-summary.json"})
	ths := res.Thresholds[key]
	if len(ths) != 1 || ths[0].Source != "p(99)<3000" {
		t.Fatalf("%s thresholds %v, want p(99)<3000", key, ths)
	}
	s := run.Totals[key]
	if s == nil || s.Count() != int64(len(exactValues(t, "http_req_duration"))) {
		t.Fatalf("%s: %v, want every http_req_duration point (all are scenario:optimize)", key, s)
	}
	if ok := res.K6Verdicts[key]["p(99)<3000"]; !ok {
		t.Errorf("k6's verdict on %s: %v, want held", key, res.K6Verdicts[key])
	}
}

func TestGzip(t *testing.T) {
	raw, err := os.ReadFile("testdata/k6-out.json")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(raw)
	zw.Close()
	// Named without .gz: the content says what it is.
	path := filepath.Join(t.TempDir(), "out")
	os.WriteFile(path, b.Bytes(), 0o644)
	res, run := convert(t, k6ingest.Options{K6File: path})
	if res.Format != k6ingest.FormatJSON || run.Totals["http_req_duration"].Count() != 350 {
		t.Errorf("format %s, %d samples", res.Format, run.Totals["http_req_duration"].Count())
	}
	// Cut short, as a k6 killed mid-write leaves it: what was read stands.
	cut := filepath.Join(t.TempDir(), "cut.json.gz")
	os.WriteFile(cut, b.Bytes()[:b.Len()/2], 0o644)
	res, run = convert(t, k6ingest.Options{K6File: cut})
	if n := run.Totals["http_req_duration"].Count(); res.Skipped.Lines == 0 || n == 0 || n >= 350 {
		t.Errorf("truncated gz: %d skipped lines, %d samples", res.Skipped.Lines, n)
	}
}

func TestTruncated(t *testing.T) {
	raw, err := os.ReadFile("testdata/k6-out.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range []struct{ name, file string }{{"json", "testdata/k6-out.json"}, {"csv", "testdata/k6-out.csv"}} {
		t.Run(c.name, func(t *testing.T) {
			raw, _ = os.ReadFile(c.file)
			path := filepath.Join(dir, c.name)
			os.WriteFile(path, raw[:len(raw)/2], 0o644) // mid-line, surely
			res, _ := convert(t, k6ingest.Options{K6File: path})
			if res.Skipped.Lines != 1 {
				t.Errorf("skipped %d lines, want 1", res.Skipped.Lines)
			}
			if !slices.ContainsFunc(res.Warnings, func(n string) bool { return strings.Contains(n, "skipped") }) {
				t.Errorf("notes do not say lines were skipped: %q", res.Notes)
			}
		})
	}
}

func TestNotK6(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"intervals": `{"kind":"header","format":"gl001-intervals","version":1}` + "\n",
		"text":      "hello\n",
		"empty":     "",
		"object":    `{"a": 1}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			os.WriteFile(path, []byte(content), 0o644)
			_, err := k6ingest.Convert(k6ingest.Options{K6File: path, OutDir: t.TempDir()})
			if !errors.Is(err, k6ingest.ErrNotK6) || !errors.Is(err, k6ingest.ErrInput) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %v: want ErrNotK6 naming %s", err, path)
			}
		})
	}
}

func TestSummaryExportAlone(t *testing.T) {
	res, run := convert(t, k6ingest.Options{K6File: "testdata/k6-summary-export.json"})
	if !res.TotalsOnly || len(run.Intervals) != 0 {
		t.Errorf("totals only %v, %d intervals", res.TotalsOnly, len(run.Intervals))
	}
	if ok, found := res.K6Verdicts["http_req_duration"]["p(95)<2000"]; !found || !ok {
		t.Errorf("k6 verdicts %v", res.K6Verdicts)
	}
}

func TestParseMapping(t *testing.T) {
	m, err := k6ingest.ParseMapping("Orchestration Latency=my_latency{name:optimize}")
	if err != nil || m.Row.Key != "orchestration_latency" || m.Source.String() != "my_latency{name:optimize}" {
		t.Errorf("%v, %v", m, err)
	}
	if _, err := k6ingest.ParseMapping("latency=x"); err == nil || !strings.Contains(err.Error(), "orchestration_latency") {
		t.Errorf("bad row: %v, want the valid rows named", err)
	}
}

// TestObservedMerged: the samples of a `gl001 observe` folder land in the
// interval of their time, and the report reads them.
func TestObservedMerged(t *testing.T) {
	obs := t.TempDir()
	start := time.Date(2026, 12, 2, 2, 37, 52, 0, time.UTC) // the fixture's run
	meta, _ := json.Marshal(record.Meta{Target: "http://127.0.0.1:8000", IntervalSeconds: 1})
	iw, err := metrics.CreateIntervalFile(filepath.Join(obs, runlog.IntervalsFile), metrics.Header{Start: start, Meta: meta})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 { // 40 s of the run, and 10 s after it
		at := start.Add(time.Duration(i)*time.Second + 500*time.Millisecond)
		b, _ := json.Marshal(record.Sample{At: at, Database: &record.Database{Size: 20, InUse: int64(i % 5)}})
		iw.Write(metrics.Interval{Seq: int64(i + 1), Start: at.Add(-time.Second), End: at, Metrics: map[string]*metrics.IntervalMetric{},
			Extra: map[string]json.RawMessage{record.SamplesKey: b}})
	}
	iw.Close()
	res, run := convert(t, k6ingest.Options{K6File: "testdata/k6-out.json", ObservedDir: obs})
	with := 0
	for _, iv := range run.Intervals {
		if iv.Sample != nil && iv.Sample.Database != nil {
			with++
		}
	}
	if with < 38 || run.Meta.Target != "http://127.0.0.1:8000" {
		t.Errorf("%d of %d intervals have an observed sample, target %q", with, len(run.Intervals), run.Meta.Target)
	}
	if !slices.ContainsFunc(res.Notes, func(n string) bool { return strings.Contains(n, "10 observed sample(s) before or after") }) {
		t.Errorf("notes do not count the 10 samples after the run: %q", res.Notes)
	}
	if slices.ContainsFunc(res.Warnings, func(n string) bool { return strings.Contains(n, "observed sample") }) {
		t.Errorf("samples outside the run are expected, not a warning: %q", res.Warnings)
	}
}

// TestSummaryHasEveryK6Metric: summary.json is k6's shape with every
// metric k6 declared, beside the gl001 metrics the rows read.
func TestSummaryHasEveryK6Metric(t *testing.T) {
	dir := t.TempDir()
	convert(t, k6ingest.Options{K6File: "testdata/k6-out.json", SummaryFile: "testdata/k6-handle-summary.json", OutDir: dir})
	b, err := os.ReadFile(filepath.Join(dir, k6ingest.SummaryFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Metrics map[string]struct {
			Type   string             `json:"type"`
			Values map[string]float64 `json:"values"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	k6, _ := os.ReadFile("testdata/k6-handle-summary.json")
	var want struct{ Metrics map[string]json.RawMessage }
	json.Unmarshal(k6, &want)
	for name := range want.Metrics {
		if _, ok := doc.Metrics[name]; !ok {
			t.Errorf("summary.json lacks k6's %s", name)
		}
	}
	if got := doc.Metrics["http_reqs"].Values["count"]; got != 350 {
		t.Errorf("http_reqs count %v, want 350", got)
	}
}

// TestMapOverrides: --map replaces a default mapping.
func TestMapOverrides(t *testing.T) {
	m, err := k6ingest.ParseMapping("orchestration_latency=http_req_waiting")
	if err != nil {
		t.Fatal(err)
	}
	res, run := convert(t, k6ingest.Options{K6File: "testdata/k6-out.json", Maps: []k6ingest.Mapping{m}})
	lat, waiting := run.Totals["gl001_optimize_duration"], run.Totals["http_req_waiting"]
	// The same samples: the same count, and the same sum to float rounding
	// (the registry's per-P shards may add them in another order).
	if lat == nil || lat.Count() != waiting.Count() || math.Abs(lat.Sum()-waiting.Sum()) > 1e-9*waiting.Sum() {
		t.Errorf("gl001_optimize_duration %v, want http_req_waiting's samples", lat)
	}
	n := 0
	for _, mp := range res.Mappings {
		if mp.Row.Key == "orchestration_latency" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("mappings %v: want one for the latency row", res.Mappings)
	}
}

// TestScheduleFromThePlan: the fixture's k6 script ran 0 → 600/min over
// 10 s, then 30 s at 600/min, which is the plan of a scenario of 40 s,
// a 10 s ramp and 600 requests/min: 350 arrivals. With that scenario the
// converted run records, per k6 scenario, the arrivals the plan called
// for beside what k6 started and dropped; without one, it records k6's
// counts and leaves the schedule unknown.
func TestScheduleFromThePlan(t *testing.T) {
	sc := filepath.Join(t.TempDir(), "fixture.json")
	os.WriteFile(sc, []byte(`{"test_name": "fixture", "duration_minutes": 0.6666667, "plants": 15, "sub_agents": 75,
		"heat_optimization_requests_per_minute": 600, "agent_coordination_events_per_second": 0, "ramp_up_minutes": 0.1666667}`), 0o644)
	_, run := convert(t, k6ingest.Options{K6File: "testdata/k6-out.json", ScenarioFile: sc})
	last := run.Intervals[len(run.Intervals)-1].Executors["optimize"]
	if last.Scheduled != 350 || last.Started != 350 || last.Dropped != 0 {
		t.Errorf("optimize: scheduled %d, started %d, dropped %d; want 350, 350, 0", last.Scheduled, last.Started, last.Dropped)
	}
	_, run = convert(t, k6ingest.Options{K6File: "testdata/k6-out.json"})
	last = run.Intervals[len(run.Intervals)-1].Executors["optimize"]
	if last.Scheduled != 0 || last.Started != 350 {
		t.Errorf("without a plan: scheduled %d, started %d; want 0 (unknown), 350", last.Scheduled, last.Started)
	}
}
