package metrics_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/metrics"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// runnerMetrics are the metrics the runner declares.
type runnerMetrics struct {
	optimize, optimizeFailed, heatOpt, coord, coordPublish, coordFailed *metrics.Metric
	iterations, dropped, vus, vusMax, checks                            *metrics.Metric
}

func declare(r *metrics.Registry) runnerMetrics {
	return runnerMetrics{
		optimize:       r.MustNew("gl001_optimize_duration", metrics.Trend, metrics.Time),
		optimizeFailed: r.MustNew("gl001_optimize_failed", metrics.Rate, metrics.Default),
		heatOpt:        r.MustNew("gl001_heat_optimization_duration", metrics.Trend, metrics.Time),
		coord:          r.MustNew("gl001_coordination_duration", metrics.Trend, metrics.Time),
		coordPublish:   r.MustNew("gl001_coordination_publish_duration", metrics.Trend, metrics.Time),
		coordFailed:    r.MustNew("gl001_coordination_failed", metrics.Rate, metrics.Default),
		iterations:     r.MustNew("iterations", metrics.Counter, metrics.Default),
		dropped:        r.MustNew("dropped_iterations", metrics.Counter, metrics.Default),
		vus:            r.MustNew("vus", metrics.Gauge, metrics.Default),
		vusMax:         r.MustNew("vus_max", metrics.Gauge, metrics.Default),
		checks:         r.MustNew("checks", metrics.Rate, metrics.Default),
	}
}

func TestRegistryNew(t *testing.T) {
	r := metrics.NewRegistry(t0)
	a := r.MustNew("latency", metrics.Trend, metrics.Time)
	if b, err := r.New("latency", metrics.Trend, metrics.Time); err != nil || b != a {
		t.Errorf("redeclaring the same metric = %p, %v; want %p, nil", b, err, a)
	}
	if _, err := r.New("latency", metrics.Rate, metrics.Default); !errors.Is(err, metrics.ErrConflict) {
		t.Errorf("redeclaring as a rate: err = %v, want ErrConflict", err)
	}
	for _, bad := range []string{"", "9lives", "has space", "dash-ed", "x{}", "x{a:1", "{a:1}", "x{a{b}", string(make([]byte, 129))} {
		if _, err := r.New(bad, metrics.Counter, metrics.Default); !errors.Is(err, metrics.ErrBadName) {
			t.Errorf("New(%q): err = %v, want ErrBadName", bad, err)
		}
	}
	if _, err := r.New("latency{plant:plant-03}", metrics.Trend, metrics.Time); err != nil {
		t.Errorf("submetric name: %v", err)
	}
	if _, err := r.New("ok", metrics.Type(9), metrics.Default); !errors.Is(err, metrics.ErrUnknownType) {
		t.Errorf("New with Type(9): err = %v, want ErrUnknownType", err)
	}
	if r.Lookup("latency") != a || r.Lookup("nope") != nil {
		t.Error("Lookup does not find what New declared")
	}
}

// TestFlushMatchesRawSamples checks each interval, and the totals, against
// aggregates computed from the raw samples.
func TestFlushMatchesRawSamples(t *testing.T) {
	r := metrics.NewRegistry(t0)
	m := declare(r)
	rng := rand.New(rand.NewPCG(1, 2))

	var all []float64
	var allTrues, allTotal int
	var allIters float64
	for i := range 5 {
		var raw []float64
		trues, total := 0, 0
		iters := 0.0
		for range 2000 + i*500 {
			v := math.Exp(rng.NormFloat64()*0.8 + 3) // log-normal latency, ms
			raw = append(raw, v)
			r.Add(m.optimize, v)
			failed := rng.IntN(50) == 0
			r.Add(m.optimizeFailed, b2f(failed))
			total++
			if failed {
				trues++
			}
			r.Add(m.iterations, 1)
			iters++
		}
		r.Add(m.vus, float64(10+i))
		r.Add(m.vus, float64(5+i))
		iv := r.Flush(t0.Add(time.Duration(i+1) * time.Second))

		if iv.Seq != int64(i+1) || !iv.Start.Equal(t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("interval %d: seq %d start %v", i, iv.Seq, iv.Start)
		}
		ref := reference(raw)
		got := iv.Metrics["gl001_optimize_duration"]
		if got.Count != int64(len(raw)) || got.Min != ref.min || got.Max != ref.max || !approx(got.Sum, ref.sum) {
			t.Errorf("interval %d trend = count %d min %v max %v sum %v; want %d %v %v %v",
				i, got.Count, got.Min, got.Max, got.Sum, len(raw), ref.min, ref.max, ref.sum)
		}
		rate := iv.Metrics["gl001_optimize_failed"]
		if rate.Count != int64(total) || rate.Trues != int64(trues) {
			t.Errorf("interval %d rate = %d/%d, want %d/%d", i, rate.Trues, rate.Count, trues, total)
		}
		if c := iv.Metrics["iterations"]; c.Sum != iters || c.Count != int64(len(raw)) {
			t.Errorf("interval %d iterations = sum %v count %d, want %v", i, c.Sum, c.Count, iters)
		}
		if g := iv.Metrics["vus"]; g.Last != float64(5+i) || g.Min != float64(5+i) || g.Max != float64(10+i) || g.Count != 2 {
			t.Errorf("interval %d vus = %+v", i, g)
		}
		if c := iv.Metrics["dropped_iterations"]; c == nil || c.Count != 0 || c.Sum != 0 {
			t.Errorf("interval %d: counters must always appear, dropped_iterations = %+v", i, c)
		}
		for _, absent := range []string{"vus_max", "checks", "gl001_coordination_duration"} {
			if _, ok := iv.Metrics[absent]; ok {
				t.Errorf("interval %d: %s had no samples but appears", i, absent)
			}
		}
		one, err := metrics.Totals([]metrics.Interval{iv})
		if err != nil {
			t.Fatal(err)
		}
		checkTrend(t, one["gl001_optimize_duration"], raw)

		all = append(all, raw...)
		allTrues += trues
		allTotal += total
		allIters += iters
	}

	tot := r.Totals()
	checkTrend(t, tot["gl001_optimize_duration"], all)
	if got, _ := tot["gl001_optimize_failed"].Aggregate("rate"); got != float64(allTrues)/float64(allTotal) {
		t.Errorf("total rate = %v, want %v", got, float64(allTrues)/float64(allTotal))
	}
	if v := tot["iterations"].Values(); v["count"] != allIters || v["rate"] != allIters/5 {
		t.Errorf("iterations values = %v, want count %v rate %v", v, allIters, allIters/5)
	}
	if v := tot["vus"].Values(); v["value"] != 9 || v["min"] != 5 || v["max"] != 14 {
		t.Errorf("vus values = %v, want value 9 min 5 max 14", v)
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

type ref struct{ min, max, sum float64 }

func reference(raw []float64) ref {
	r := ref{min: math.Inf(1), max: math.Inf(-1)}
	for _, v := range raw {
		r.min, r.max, r.sum = min(r.min, v), max(r.max, v), r.sum+v
	}
	return r
}

// checkTrend compares a trend sink with the raw samples: exact count, min,
// max; sum to float rounding; percentiles (k6's, interpolated) within 3
// significant digits.
func checkTrend(t *testing.T, s *metrics.Sink, raw []float64) {
	t.Helper()
	sorted := slices.Sorted(slices.Values(raw))
	rf := reference(raw)
	if s.Count() != int64(len(raw)) || s.Min() != rf.min || s.Max() != rf.max || math.Abs(s.Sum()-rf.sum) > 1e-9*rf.sum {
		t.Errorf("trend count %d min %v max %v sum %v; want %d %v %v %v", s.Count(), s.Min(), s.Max(), s.Sum(), len(raw), rf.min, rf.max, rf.sum)
	}
	for _, p := range []float64{0, 1, 10, 50, 90, 95, 99, 99.9, 100} {
		// k6's trend sink: rank p/100 × (n−1), interpolated.
		r := p / 100 * float64(len(sorted)-1)
		lo, hi := sorted[int(math.Floor(r))], sorted[int(math.Ceil(r))]
		want := lo + (hi-lo)*(r-math.Floor(r))
		if got := s.Percentile(p); !approx(got, want) {
			t.Errorf("p(%v) = %v, want %v within 0.1%%", p, got, want)
		}
	}
}

func TestFlushGaugeCarriesAndRejects(t *testing.T) {
	r := metrics.NewRegistry(t0)
	vus := r.MustNew("vus", metrics.Gauge, metrics.Default)
	lat := r.MustNew("lat", metrics.Trend, metrics.Time)

	if iv := r.Flush(t0.Add(time.Second)); len(iv.Metrics) != 0 {
		t.Fatalf("nothing recorded, yet interval has %v", iv.Metrics)
	}
	r.Add(vus, 7)
	r.Add(lat, math.NaN())
	r.Add(lat, -1)
	r.Add(lat, 5e6)
	iv := r.Flush(t0.Add(2 * time.Second))
	if g := iv.Metrics["vus"]; g.Count != 1 || g.Last != 7 {
		t.Errorf("vus = %+v", g)
	}
	if l := iv.Metrics["lat"]; l.Count != 2 || l.Rejected != 1 || l.Clamped != 2 || l.Min != 0 || l.Max != 3.6e6 {
		t.Errorf("lat = %+v, want 2 samples, 1 rejected, 2 clamped to [0, 3.6e6]", l)
	}
	iv = r.Flush(t0.Add(3 * time.Second))
	if g := iv.Metrics["vus"]; g == nil || g.Count != 0 || g.Last != 7 || g.Min != 7 || g.Max != 7 {
		t.Errorf("a gauge set earlier must carry its value: vus = %+v", g)
	}
	tot := r.Totals()
	if v := tot["vus"].Values(); v["value"] != 7 {
		t.Errorf("vus totals = %v", v)
	}
	if tot["vus"].Duration != 3*time.Second {
		t.Errorf("Duration = %v, want 3s", tot["vus"].Duration)
	}
}

func TestAddFromAnotherRegistryPanics(t *testing.T) {
	a, b := metrics.NewRegistry(t0), metrics.NewRegistry(t0)
	m := a.MustNew("x", metrics.Counter, metrics.Default)
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	b.Add(m, 1)
}

// TestConcurrentAddFlush adds from many goroutines while another flushes
// every few milliseconds: no sample may be lost or counted twice.
func TestConcurrentAddFlush(t *testing.T) {
	r := metrics.NewRegistry(t0)
	m := declare(r)
	const workers, perWorker = 8, 5000

	var ivs []metrics.Interval
	var added atomic.Int64
	stop := make(chan struct{})
	var flusher sync.WaitGroup
	flusher.Go(func() {
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		now := t0
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				now = now.Add(time.Second)
				ivs = append(ivs, r.Flush(now))
			}
		}
	})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				r.Add(m.optimize, float64(i%100)+0.5)
				r.Add(m.checks, float64(i%2))
				r.Add(m.iterations, 1)
				r.Add(m.vus, float64(w))
				added.Add(1)
			}
		})
	}
	wg.Wait()
	close(stop)
	flusher.Wait()
	ivs = append(ivs, r.Flush(t0.Add(time.Hour)))

	want := added.Load()
	var trend, rate, iters int64
	var itersSum float64
	for _, iv := range ivs {
		if im := iv.Metrics["gl001_optimize_duration"]; im != nil {
			trend += im.Count
		}
		if im := iv.Metrics["checks"]; im != nil {
			rate += im.Count
		}
		iters += iv.Metrics["iterations"].Count
		itersSum += iv.Metrics["iterations"].Sum
	}
	if trend != want || rate != want || iters != want || itersSum != float64(want) {
		t.Errorf("added %d of each; intervals hold trend %d, rate %d, counter %d (sum %v) over %d intervals",
			want, trend, rate, iters, itersSum, len(ivs))
	}
	tot := r.Totals()
	if got := tot["gl001_optimize_duration"].Histogram().TotalCount(); got != want {
		t.Errorf("cumulative histogram holds %d, want %d", got, want)
	}
	if got, _ := tot["checks"].Aggregate("rate"); got != 0.5 {
		t.Errorf("checks rate = %v, want 0.5", got)
	}
}
