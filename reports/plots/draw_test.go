package plots

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image/png"
	"io"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

const fixture = "../runlog/testdata/short_load_test"

var wantNames = []string{NameLatency, NameRates, NameResources, NameLag, NamePool}

func loadFixture(tb testing.TB) *runlog.Run {
	tb.Helper()
	run, err := runlog.Load(fixture)
	if err != nil {
		tb.Fatal(err)
	}
	return run
}

// Drawing is the slow part (about 0.1 s a run, ten times that under -race):
// each run is drawn once for all tests, and once more to check determinism.
var (
	fixtureFigures = sync.OnceValues(func() ([]Figure, error) {
		run, err := runlog.Load(fixture)
		if err != nil {
			return nil, err
		}
		return Draw(run)
	})
	syntheticFigures = sync.OnceValues(func() ([]Figure, error) { return Draw(syntheticRun()) })
)

func TestDrawFixture(t *testing.T) {
	figs, err := fixtureFigures()
	if err != nil {
		t.Fatal(err)
	}
	if len(figs) != len(wantNames) {
		t.Fatalf("got %d figures, want %d", len(figs), len(wantNames))
	}
	notes := map[string]string{
		NameLatency:   "",
		NameRates:     "",
		NameResources: "no samples: the replicas sampler did not run",
		NameLag:       "no samples: the lag sampler did not run",
		NamePool:      "no samples: the database sampler did not run",
	}
	for i, f := range figs {
		t.Run(f.Name, func(t *testing.T) {
			if f.Name != wantNames[i] {
				t.Errorf("figure %d is %q, want %q", i, f.Name, wantNames[i])
			}
			if f.Title == "" {
				t.Error("no title")
			}
			if f.Note != notes[f.Name] {
				t.Errorf("note %q, want %q", f.Note, notes[f.Name])
			}
			checkPNG(t, f.PNG)
			checkSVG(t, f.SVG)
			// The no-data text is the figure's only text besides its title.
			if noDataShown := bytes.Contains(f.SVG, []byte(">"+noData+"<")); noDataShown != (f.Note != "") {
				t.Errorf("\"no data\" shown: %v, note %q", noDataShown, f.Note)
			}
		})
	}
}

// TestFixtureSeries checks the data behind the latency and rates figures.
func TestFixtureSeries(t *testing.T) {
	run := loadFixture(t)
	tl := newTimeline(run)
	if len(tl.xs) != 121 || tl.xs[0] <= 0 || tl.xs[120] != tl.spanSeconds {
		t.Fatalf("timeline: %d points, first %v, last %v, span %v", len(tl.xs), tl.xs[0], tl.xs[len(tl.xs)-1], tl.spanSeconds)
	}

	lat, err := latencySpec(run, tl)
	if err != nil {
		t.Fatal(err)
	}
	for _, pn := range lat.panels {
		if !pn.hasData() {
			t.Errorf("latency panel %q has no data", pn.title)
		}
		p50, p95, p99 := pn.series[0].pts, pn.series[1].pts, pn.series[2].pts
		for i := range p50 {
			if !valid(p50[i]) {
				continue
			}
			if !(0 < p50[i].Y && p50[i].Y <= p95[i].Y && p95[i].Y <= p99[i].Y) {
				t.Fatalf("%s interval %d: p50 %v, p95 %v, p99 %v out of order", pn.title, i, p50[i].Y, p95[i].Y, p99[i].Y)
			}
		}
	}

	rates, err := ratesSpec(run, tl)
	if err != nil {
		t.Fatal(err)
	}
	if got := []string{rates.panels[0].title, rates.panels[1].title}; got[0] != "optimize: arrivals per second" || got[1] != "coordinate: arrivals per second" {
		t.Errorf("rates panels %q", got)
	}
	// At the plateau the coordinate scenario's schedule is 50/s; the
	// achieved rate should be close to it.
	coord := rates.panels[1]
	achieved, target := coord.series[0].pts, coord.series[1].pts
	if target[60].Y != 50 || math.Abs(achieved[60].Y-50) > 10 {
		t.Errorf("coordinate at 60 s: achieved %v, target %v; want about 50/s", achieved[60].Y, target[60].Y)
	}
}

func checkPNG(t *testing.T, b []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("png: %v", err)
	}
	if got := img.Bounds().Size(); got.X != WidthInches*DPI || got.Y != HeightInches*DPI {
		t.Errorf("png is %v, want %dx%d", got, WidthInches*DPI, HeightInches*DPI)
	}
}

func checkSVG(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("svg: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("svg root element %q", root)
	}
}

func TestDrawDeterministic(t *testing.T) {
	for _, tc := range []struct {
		name  string
		run   *runlog.Run
		first func() ([]Figure, error)
	}{
		{"fixture", loadFixture(t), fixtureFigures},
		{"synthetic", syntheticRun(), syntheticFigures},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := tc.first()
			if err != nil {
				t.Fatal(err)
			}
			b, err := Draw(tc.run)
			if err != nil {
				t.Fatal(err)
			}
			for i := range a {
				if !bytes.Equal(a[i].PNG, b[i].PNG) {
					t.Errorf("%s: PNG differs between two draws", a[i].Name)
				}
				if !bytes.Equal(a[i].SVG, b[i].SVG) {
					t.Errorf("%s: SVG differs between two draws", a[i].Name)
				}
			}
		})
	}
}

// syntheticRun is 8 one-second intervals with samples of two replicas,
// "replica-10" and "replica-2"; interval 4 has no sample and interval 5 a
// failed replicas sampler, so every sampled line has a gap in the middle.
func syntheticRun() *runlog.Run {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	run := &runlog.Run{Meta: record.Meta{Prediction: capacity.Prediction{CPUMillicores: 1000, MemoryMiB: 2048}}}
	for i := range 8 {
		iv := runlog.Interval{
			Interval: metrics.Interval{Seq: int64(i + 1), Start: start.Add(time.Duration(i) * time.Second), End: start.Add(time.Duration(i+1) * time.Second)},
			Executors: map[string]record.Executor{
				"optimize": {TargetPerSecond: 2, Started: int64(2 * (i + 1)), ElapsedSeconds: float64(i + 1)},
			},
		}
		switch i {
		case 3:
			// no sample at all
		case 4:
			iv.Sample = &record.Sample{At: iv.End, Gaps: []record.Gap{
				{Sampler: "replicas", Reason: "docker stats: timeout"},
				{Sampler: "lag", Reason: "broker unreachable"},
				{Sampler: "database", Reason: "HTTP 503"},
			}}
		default:
			iv.Sample = &record.Sample{
				At: iv.End,
				Replicas: []record.ReplicaUsage{
					{ID: "replica-10", CPUMillicores: 300 + float64(i), MemoryMiB: 900},
					{ID: "replica-2", CPUMillicores: 400 + float64(i), MemoryMiB: 1000},
				},
				Lag:      &record.Lag{Group: "gl-001-orchestrator", Topic: "agent-coordination", Messages: int64(10 * i), Seconds: 0.1 * float64(i)},
				Database: &record.Database{Size: 20, InUse: int64(i), WaitCount: ptr(int64(3 * i))},
			}
		}
		run.Intervals = append(run.Intervals, iv)
	}
	return run
}

func TestResourcesDrawTheEnforcedLimit(t *testing.T) {
	run := syntheticRun()
	run.Meta.StandIn = true
	for i := range run.Intervals {
		if s := run.Intervals[i].Sample; s != nil {
			for j := range s.Replicas {
				s.Replicas[j].CPULimitMillicores, s.Replicas[j].MemoryLimitMiB, s.Replicas[j].LimitSource = 500, 1024, "cgroup-v1"
			}
		}
	}
	res, err := resourcesSpec(run, newTimeline(run))
	if err != nil {
		t.Fatal(err)
	}
	last := func(p panel) string { return p.series[len(p.series)-1].name }
	if got := last(res.panels[0]) + "|" + last(res.panels[1]); got != "limit 500 m (cgroup-v1)|limit 1024 MiB (cgroup-v1)" {
		t.Errorf("limit lines %q, want the enforced limits", got)
	}
	// A stand-in whose limits were not enforced gets no line: the
	// calculator's limits are not what held it.
	for i := range run.Intervals {
		if s := run.Intervals[i].Sample; s != nil {
			for j := range s.Replicas {
				s.Replicas[j].LimitSource = "not enforced (no cgroups)"
			}
		}
	}
	res, _ = resourcesSpec(run, newTimeline(run))
	if n := len(res.panels[0].series); n != 2 {
		t.Errorf("%d cpu series, want the 2 replicas and no limit line", n)
	}
}

func TestDrawSyntheticGaps(t *testing.T) {
	run := syntheticRun()
	tl := newTimeline(run)
	res, err := resourcesSpec(run, tl)
	if err != nil {
		t.Fatal(err)
	}
	const wantNote = "2 of 8 intervals have no replicas reading; the lines break there (first failure: docker stats: timeout)"
	if res.note != wantNote {
		t.Errorf("note %q\nwant %q", res.note, wantNote)
	}
	cpu := res.panels[0]
	var names []string
	for _, s := range cpu.series {
		names = append(names, s.name)
	}
	if got := strings.Join(names, ","); got != "replica-2,replica-10,calculator's limit 1000 m" {
		t.Errorf("cpu series %q: want the replicas in natural order, then the calculator's limit (none recorded)", got)
	}
	for _, s := range cpu.series[:2] {
		for _, i := range []int{3, 4} {
			if !math.IsNaN(s.pts[i].Y) {
				t.Errorf("%s at interval %d: %v, want missing", s.name, i, s.pts[i].Y)
			}
		}
		segs := segments(s.pts)
		if len(segs) != 2 || len(segs[0]) != 3 || len(segs[1]) != 3 {
			t.Errorf("%s: %d segments %v, want two of three points", s.name, len(segs), segs)
		}
	}

	pool, err := poolSpec(run, tl)
	if err != nil {
		t.Fatal(err)
	}
	waits := pool.panels[1].series[0].pts
	// 3 waits a second, except at the first reading and the first after the gap.
	for i, want := range []float64{math.NaN(), 3, 3, math.NaN(), math.NaN(), math.NaN(), 3, 3} {
		if got := waits[i].Y; got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Errorf("waits/s at interval %d: %v, want %v", i, got, want)
		}
	}

	figs, err := syntheticFigures()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range figs {
		checkPNG(t, f.PNG)
		checkSVG(t, f.SVG)
		if f.Name == NameLatency {
			if f.Note != "no gl001_optimize_duration or gl001_coordination_duration samples in any interval" {
				t.Errorf("latency note %q", f.Note)
			}
			continue
		}
		if bytes.Contains(f.SVG, []byte(">"+noData+"<")) {
			t.Errorf("%s shows %q", f.Name, noData)
		}
	}
}

func TestReadingsNotes(t *testing.T) {
	has := func(s *record.Sample) bool { return s.Lag != nil }
	lag := &record.Sample{Lag: &record.Lag{}}
	failed := &record.Sample{Gaps: []record.Gap{{Sampler: "lag", Reason: "no broker"}}}
	other := &record.Sample{Lag: &record.Lag{}, Gaps: []record.Gap{{Sampler: "hpa", Reason: "no kube"}}}
	tests := []struct {
		name    string
		samples []*record.Sample
		want    string
	}{
		{"no intervals", nil, "no samples: the run has no intervals"},
		{"complete", []*record.Sample{lag, other}, ""},
		{"never ran", []*record.Sample{nil, {}}, "no samples: the lag sampler did not run"},
		{"always failed", []*record.Sample{failed, failed}, "no samples: the lag sampler failed in all 2 intervals: no broker"},
		{"partly", []*record.Sample{lag, nil, lag}, "1 of 3 intervals have no lag reading; the lines break there"},
		{"partly failed", []*record.Sample{lag, failed, nil}, "2 of 3 intervals have no lag reading; the lines break there (first failure: no broker)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := &runlog.Run{}
			for _, s := range tt.samples {
				run.Intervals = append(run.Intervals, runlog.Interval{Sample: s})
			}
			_, note := readings(run, "lag", has)
			if note != tt.want {
				t.Errorf("note %q\nwant %q", note, tt.want)
			}
		})
	}
}

func TestDrawEmptyRun(t *testing.T) {
	figs, err := Draw(&runlog.Run{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range figs {
		if f.Note == "" {
			t.Errorf("%s: no note for an empty run", f.Name)
		}
		checkPNG(t, f.PNG)
		checkSVG(t, f.SVG)
	}
	if _, err := Draw(nil); err == nil {
		t.Error("Draw(nil): no error")
	}
}

func BenchmarkDraw(b *testing.B) {
	run := loadFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Draw(run); err != nil {
			b.Fatal(err)
		}
	}
}

// TestIntervalPercentilesMatchSink checks the compact percentile path
// against metrics.Sink, which the report's totals use, on every interval.
func TestIntervalPercentilesMatchSink(t *testing.T) {
	run := loadFixture(t)
	ps := []float64{50, 95, 99}
	var checked int
	for _, iv := range run.Intervals {
		for _, lm := range latencyMetrics {
			m := iv.Metrics[lm.metric]
			got, ok, err := m.Percentiles(ps)
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				continue
			}
			var a metrics.Accumulator
			one := metrics.Interval{Seq: iv.Seq, Start: iv.Start, End: iv.End, Metrics: map[string]*metrics.IntervalMetric{lm.metric: m}}
			if err := a.Add(&one); err != nil {
				t.Fatal(err)
			}
			for i, p := range ps {
				if want := a.Sinks()[lm.metric].Percentile(p); got[i] != want {
					t.Errorf("interval %d %s p%v: %v, Sink says %v", iv.Seq, lm.metric, p, got[i], want)
				}
			}
			checked++
		}
	}
	if checked < 200 {
		t.Errorf("only %d interval histograms checked", checked)
	}
}

func ptr[T any](v T) *T { return &v }

// A pool reading without wait_count (a Gap for that figure alone) keeps
// its in-use point; its waits are missing, never 0 waits a second.
func TestPoolWithoutWaitCount(t *testing.T) {
	run := syntheticRun()
	for i := range run.Intervals {
		s := run.Intervals[i].Sample
		if s == nil || s.Database == nil {
			continue
		}
		if i >= 5 { // the target stops reporting wait_count
			s.Database.WaitCount = nil
			s.Gaps = append(s.Gaps, record.Gap{Sampler: "database", Field: "wait_count", Reason: "connection_pool has no wait_count"})
		}
	}
	pool, err := poolSpec(run, newTimeline(run))
	if err != nil {
		t.Fatal(err)
	}
	inUse, waits := pool.panels[0].series[0].pts, pool.panels[1].series[0].pts
	for i := 5; i < len(run.Intervals); i++ {
		if math.IsNaN(inUse[i].Y) {
			t.Errorf("in use at interval %d is missing: a figure gap dropped the whole reading", i)
		}
		if !math.IsNaN(waits[i].Y) {
			t.Errorf("waits/s at interval %d = %v, want missing", i, waits[i].Y)
		}
	}
	if want := "2 of 8 intervals have no database reading; the lines break there (first failure: HTTP 503)"; pool.note != want {
		t.Errorf("note %q, want %q (the figure gaps are not failures)", pool.note, want)
	}
}
