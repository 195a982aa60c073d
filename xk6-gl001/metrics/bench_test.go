package metrics_test

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/metrics"
)

// BenchmarkAddTrend measures the recording hot path: one latency sample.
func BenchmarkAddTrend(b *testing.B) {
	values := make([]float64, 4096)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range values {
		values[i] = rng.ExpFloat64() * 40
	}
	b.Run("serial", func(b *testing.B) {
		r := metrics.NewRegistry(t0)
		m := r.MustNew("gl001_optimize_duration", metrics.Trend, metrics.Time)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			r.Add(m, values[i&4095])
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		r := metrics.NewRegistry(t0)
		m := r.MustNew("gl001_optimize_duration", metrics.Trend, metrics.Time)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			i := 0
			for pb.Next() {
				r.Add(m, values[i&4095])
				i++
			}
		})
	})
}

// BenchmarkAddRate measures a Rate sample (no histogram).
func BenchmarkAddRate(b *testing.B) {
	r := metrics.NewRegistry(t0)
	m := r.MustNew("checks", metrics.Rate, metrics.Default)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Add(m, 1)
		}
	})
}

// BenchmarkFlush measures one interval edge for the runner's 11 metrics,
// each trend holding 1000 samples.
func BenchmarkFlush(b *testing.B) {
	r := metrics.NewRegistry(t0)
	m := declare(r)
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i := range 1000 {
			v := float64(i%250) + 0.5
			r.Add(m.optimize, v)
			r.Add(m.heatOpt, v/4)
			r.Add(m.coord, v*2)
			r.Add(m.coordPublish, v/10)
			r.Add(m.optimizeFailed, 0)
			r.Add(m.coordFailed, 0)
			r.Add(m.checks, 1)
			r.Add(m.iterations, 1)
		}
		r.Add(m.vus, 10)
		r.Add(m.vusMax, 20)
		now = now.Add(time.Second)
		b.StartTimer()
		r.Flush(now)
	}
}

// BenchmarkWriteInterval measures encoding one interval line.
func BenchmarkWriteInterval(b *testing.B) {
	r := metrics.NewRegistry(t0)
	ivs := recordRun(r, 1, 1)
	w, err := metrics.NewIntervalWriter(io.Discard, r.Header(nil))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := w.Write(ivs[0]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONOutputAdd measures one --out json Point line, from every
// core at once.
func BenchmarkJSONOutputAdd(b *testing.B) {
	r := metrics.NewRegistry(t0)
	m := r.MustNew("gl001_optimize_duration", metrics.Trend, metrics.Time)
	o := metrics.NewJSONOutput(io.Discard)
	tags := []metrics.Tag{{"plant", "plant-03"}, {"scenario", "optimize"}, {"status", "200"}}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_ = o.Add(m, t0, 12.5, tags)
		}
	})
}

// BenchmarkReadIntervals measures rebuilding totals from a file, per interval.
func BenchmarkReadIntervals(b *testing.B) {
	r := metrics.NewRegistry(t0)
	ivs := recordRun(r, 20, 1)
	var buf bytes.Buffer
	w, _ := metrics.NewIntervalWriter(&buf, r.Header(nil))
	for _, iv := range ivs {
		_ = w.Write(iv)
	}
	data := buf.Bytes()
	b.ReportAllocs()
	for b.Loop() {
		_, read, err := metrics.ReadIntervals(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := metrics.Totals(read); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ivs)), "ns/interval")
}
