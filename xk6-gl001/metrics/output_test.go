package metrics_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenlang/gl001/reports/golden"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
)

// summaryRun records a small deterministic run.
func summaryRun() (*metrics.Registry, time.Duration) {
	r := metrics.NewRegistry(t0)
	m := declare(r)
	for i := range 1000 {
		r.Add(m.optimize, 20+float64(i%100)*1.5) // 20 .. 168.5 ms
		r.Add(m.heatOpt, 5+float64(i%50)*0.25)
		r.Add(m.optimizeFailed, b2f(i%200 == 0))
		r.Add(m.checks, b2f(i%200 != 0))
		r.Add(m.iterations, 1)
	}
	r.Add(m.vus, 10)
	r.Add(m.vusMax, 20)
	r.Add(m.vus, 12)
	r.Flush(t0.Add(10 * time.Second))
	return r, 10 * time.Second
}

func TestWriteSummaryGolden(t *testing.T) {
	r, d := summaryRun()
	var buf bytes.Buffer
	err := metrics.WriteSummary(&buf, metrics.Summary{
		Metrics: r.Totals(),
		Thresholds: map[string]map[string]metrics.ThresholdVerdict{
			"gl001_optimize_duration": {"p(95)<2000": {OK: true}, "avg<50": {OK: false}},
			"gl001_optimize_failed":   {"rate<0.01": {OK: true}},
			"dropped_iterations":      {"count<1": {OK: true}},
		},
		TrendStats:      []string{"avg", "min", "med", "max", "p(90)", "p(95)", "p(99)", "count"},
		TestRunDuration: d,
		GL001:           json.RawMessage(`{"scenario":"multi_plant_load_test"}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "summary.golden.json"), buf.Bytes())

	var doc struct {
		Metrics map[string]struct {
			Type       string
			Values     map[string]float64
			Thresholds map[string]struct{ OK bool }
		}
		State struct{ TestRunDurationMs float64 }
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.State.TestRunDurationMs != 10000 {
		t.Errorf("testRunDurationMs = %v", doc.State.TestRunDurationMs)
	}
	if _, ok := doc.Metrics["gl001_coordination_duration"]; ok {
		t.Error("a metric without samples or thresholds is in the summary")
	}
	if m := doc.Metrics["dropped_iterations"]; m.Values["count"] != 0 || !m.Thresholds["count<1"].OK {
		t.Errorf("a metric with thresholds but no samples: %+v", m)
	}
	if got := doc.Metrics["gl001_optimize_duration"].Thresholds["avg<50"].OK; got {
		t.Error("avg<50 should be reported failed")
	}
	if got := doc.Metrics["iterations"].Values["rate"]; got != 100 {
		t.Errorf("iterations rate = %v, want 100/s", got)
	}
}

func TestWriteSummaryRejects(t *testing.T) {
	sinks := map[string]*metrics.Sink{"x": metrics.NewSink(metrics.Trend, metrics.Time)}
	if err := metrics.WriteSummary(&bytes.Buffer{}, metrics.Summary{Metrics: sinks, TrendStats: []string{"p(200)"}}); err == nil {
		t.Error("p(200) accepted as a trend stat")
	}
	if err := metrics.WriteSummary(&bytes.Buffer{}, metrics.Summary{Metrics: sinks, Thresholds: map[string]map[string]metrics.ThresholdVerdict{"y": {"rate<1": {OK: true}}}}); err == nil {
		t.Error("thresholds on a metric without a sink accepted")
	}
}

func TestJSONOutputGolden(t *testing.T) {
	r := metrics.NewRegistry(t0)
	m := declare(r)
	var buf bytes.Buffer
	o := metrics.NewJSONOutput(&buf)
	o.SetThresholds(map[string][]string{"gl001_optimize_duration": {"p(95)<2000", "avg<500"}})
	cet := time.FixedZone("CET", 3600)
	at := time.Date(2026, 3, 1, 13, 0, 0, 123456789, cet)
	steps := []struct {
		m    *metrics.Metric
		at   time.Time
		v    float64
		tags map[string]string
	}{
		{m.optimize, at, 12.345, map[string]string{"plant": "plant-03", "scenario": "optimize", "status": "200"}},
		{m.optimize, at.Add(time.Millisecond), 1e-7, nil},
		{m.vus, at.UTC(), 20, map[string]string{}},
		{m.optimizeFailed, t0, 0, map[string]string{"error": "dial tcp: \"refused\"\n", "name": "ünïcode <&>"}},
		{m.iterations, t0, 1, map[string]string{"scenario": "optimize"}},
		{m.optimize, t0, 3e21, nil},
	}
	for _, s := range steps {
		if err := o.AddMap(s.m, s.at, s.v, s.tags); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.Add(m.optimize, t0, math.NaN(), nil); err == nil {
		t.Error("NaN accepted")
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := o.Add(m.vus, t0, 1, nil); err == nil {
		t.Error("Add after Close succeeded")
	}
	golden.Check(t, filepath.Join("testdata", "out.golden.ndjson"), buf.Bytes())

	// Every line is valid JSON of k6's envelope, and values survive.
	sc := bufio.NewScanner(&buf)
	var points []float64
	for sc.Scan() {
		var env struct {
			Type   string
			Metric string
			Data   struct {
				Time  time.Time
				Value float64
				Tags  map[string]string
			}
		}
		if err := json.Unmarshal(sc.Bytes(), &env); err != nil {
			t.Fatalf("%s: %v", sc.Bytes(), err)
		}
		if env.Type == "Point" {
			points = append(points, env.Data.Value)
			if env.Metric == "gl001_optimize_failed" && env.Data.Tags["error"] != "dial tcp: \"refused\"\n" {
				t.Errorf("tag round trip: %q", env.Data.Tags["error"])
			}
		}
	}
	for i, s := range steps {
		if points[i] != s.v {
			t.Errorf("point %d = %v, want %v", i, points[i], s.v)
		}
	}
}

func TestJSONOutputConcurrent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.json.gz")
	o, err := metrics.CreateJSONOutput(path)
	if err != nil {
		t.Fatal(err)
	}
	r := metrics.NewRegistry(t0)
	m := declare(r)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 250 {
				if err := o.Add(m.optimize, t0.Add(time.Duration(i)*time.Millisecond), float64(w*1000+i), []metrics.Tag{{Key: "w", Value: "x"}}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(zr)
	metricLines, pointLines := 0, 0
	last := []int{-1, -1, -1, -1} // each worker's last point seen
	for sc.Scan() {
		switch {
		case strings.HasPrefix(sc.Text(), `{"type":"Metric"`):
			metricLines++
		case strings.HasPrefix(sc.Text(), `{"type":"Point"`):
			pointLines++
			var l struct{ Data struct{ Value float64 } }
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatal(err)
			}
			w, i := int(l.Data.Value)/1000, int(l.Data.Value)%1000
			if i != last[w]+1 {
				t.Errorf("worker %d: point %d follows %d", w, i, last[w])
			}
			last[w] = i
		default:
			t.Errorf("torn line %q", sc.Text())
		}
	}
	if metricLines != 1 || pointLines != 1000 {
		t.Errorf("%d Metric lines and %d Point lines, want 1 and 1000", metricLines, pointLines)
	}
}

// TestJSONOutputKeepsOneGoroutinesOrder adds from one goroutine while a
// garbage collection now and then empties the shard pool, so its Adds land
// in different shards, and some shards fill and drain early; the Point
// lines still come out in the order they were added. (Before the lines
// were numbered, a shard drained in shard order, and the golden file
// failed on a cold cache.)
func TestJSONOutputKeepsOneGoroutinesOrder(t *testing.T) {
	r := metrics.NewRegistry(t0)
	m := declare(r)
	var buf bytes.Buffer
	o := metrics.NewJSONOutput(&buf)
	const n = 20000 // about 2.5 MB: shards fill and drain mid-run
	for i := range n {
		if i%97 == 0 {
			runtime.GC()
		}
		if err := o.Add(m.optimize, t0, float64(i), []metrics.Tag{{Key: "pad", Value: strings.Repeat("x", 40)}}); err != nil {
			t.Fatal(err)
		}
		if i == n/2 {
			if err := o.Flush(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	want := 0.0
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var l struct {
			Type string
			Data struct{ Value float64 }
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		if l.Type != "Point" {
			continue
		}
		if l.Data.Value != want {
			t.Fatalf("Point line %v came where %v was due", l.Data.Value, want)
		}
		want++
	}
	if want != n {
		t.Errorf("%v Point lines, want %d", want, n)
	}
}

// TestWriteSummaryExportMatchesK6 writes the legacy --summary-export shape
// and holds it against the file a real k6 v2.2 run wrote: each metric
// type carries the same keys, and a passed threshold is false there.
func TestWriteSummaryExportMatchesK6(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "k6", "k6-summary-export.json"))
	if err != nil {
		t.Fatal(err)
	}
	var k6 struct {
		RootGroup map[string]any            `json:"root_group"`
		Metrics   map[string]map[string]any `json:"metrics"`
	}
	if err := json.Unmarshal(raw, &k6); err != nil {
		t.Fatal(err)
	}
	r, d := summaryRun()
	sinks := r.Totals()
	sinks["gl001_heat_optimization_duration{status:500}"] = metrics.NewSink(metrics.Trend, metrics.Time)
	var buf bytes.Buffer
	if err := metrics.WriteSummaryExport(&buf, metrics.Summary{
		Metrics: sinks,
		Thresholds: map[string]map[string]metrics.ThresholdVerdict{
			"gl001_optimize_duration":                      {"p(95)<2000": {OK: true}, "avg<50": {OK: false}},
			"gl001_optimize_failed":                        {"rate<0.01": {OK: true}},
			"gl001_heat_optimization_duration{status:500}": {"p(95)<2000": {NoData: true}},
		},
		TrendStats:      []string{"avg", "min", "med", "max", "p(90)", "p(95)"},
		TestRunDuration: d,
	}); err != nil {
		t.Fatal(err)
	}
	var ours struct {
		RootGroup map[string]any            `json:"root_group"`
		Metrics   map[string]map[string]any `json:"metrics"`
	}
	if err := json.Unmarshal(buf.Bytes(), &ours); err != nil {
		t.Fatalf("%v\n%s", err, buf.Bytes())
	}
	keys := func(m map[string]any) string { return strings.Join(slices.Sorted(maps.Keys(m)), ",") }
	if keys(ours.RootGroup) != keys(k6.RootGroup) {
		t.Errorf("root_group keys %s, k6's %s", keys(ours.RootGroup), keys(k6.RootGroup))
	}
	for _, c := range []struct{ ours, k6 string }{
		{"gl001_optimize_duration", "http_req_duration"}, // trend with thresholds
		{"gl001_optimize_failed", "optimize_failed"},     // rate with thresholds
		{"iterations", "iterations"},                     // counter
		{"vus", "vus"},                                   // gauge
		{"gl001_heat_optimization_duration", "iteration_duration"},
	} {
		if keys(ours.Metrics[c.ours]) != keys(k6.Metrics[c.k6]) {
			t.Errorf("%s keys %s, k6's %s keys %s", c.ours, keys(ours.Metrics[c.ours]), c.k6, keys(k6.Metrics[c.k6]))
		}
	}
	if k6.Metrics["http_req_duration"]["thresholds"].(map[string]any)["p(95)<2000"] != false {
		t.Fatal("the k6 fixture's passed threshold is not false: the polarity this test relies on changed")
	}
	th := ours.Metrics["gl001_optimize_duration"]["thresholds"].(map[string]any)
	if th["p(95)<2000"] != false || th["avg<50"] != true {
		t.Errorf("thresholds %v: a passed one must be false, a failed one true", th)
	}
	if nd := ours.Metrics["gl001_heat_optimization_duration{status:500}"]; nd["thresholds"].(map[string]any)["p(95)<2000"] != true || nd["avg"] != nil {
		t.Errorf("a no-data threshold must read not passed (true) with no values: %v", nd)
	}
	if v := ours.Metrics["gl001_optimize_failed"]["value"]; v != 0.005 {
		t.Errorf("rate value %v, want 0.005", v)
	}
}
