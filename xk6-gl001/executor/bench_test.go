package executor

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// BenchmarkScheduleNext measures the pure schedule: one arrival offset.
func BenchmarkScheduleNext(b *testing.B) {
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"constant", constant(1000, time.Second, time.Hour)},
		{"ramping-3-stages", ramping(0, time.Second,
			stage(10*time.Minute, 1000), stage(40*time.Minute, 1000), stage(10*time.Minute, 0))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s, err := NewSchedule(tc.cfg)
			if err != nil {
				b.Fatal(err)
			}
			n := tc.cfg.Arrivals()
			var i int64
			var sink time.Duration
			for b.Loop() {
				off, _ := s.Next(i)
				sink += off
				if i++; i == n {
					i = 0
				}
			}
			_ = sink
		})
	}
}

// BenchmarkExecutorMaxRate is the executor's maximum rate: a no-op
// iteration scheduled far faster than the machine can start it (100M/s),
// for 250ms of real time per run. The scheduler then never sleeps and
// issues arrivals back to back, so "iters/s" is how many iterations per
// second it actually started on VUs, "dropped/s" how many found no free
// VU, and "issued/s" their sum, the scheduler's own throughput.
func BenchmarkExecutorMaxRate(b *testing.B) {
	const (
		rate = 100_000_000
		span = 250 * time.Millisecond
	)
	for _, vus := range []int64{1, 4, 64} {
		b.Run(fmt.Sprintf("VUs=%d", vus), func(b *testing.B) {
			c := ramping(rate, time.Second, stage(span, rate))
			c.PreAllocatedVUs = vus
			noop := func(context.Context, time.Time) {}
			var started, dropped int64
			var elapsed time.Duration
			for b.Loop() {
				e, err := New("maxrate", c, noop)
				if err != nil {
					b.Fatal(err)
				}
				if err := e.Run(context.Background()); err != nil {
					b.Fatal(err)
				}
				s := e.Stats()
				started += s.Started
				dropped += s.Dropped
				elapsed += s.Elapsed
			}
			sec := elapsed.Seconds()
			b.ReportMetric(float64(started)/sec, "iters/s")
			b.ReportMetric(float64(dropped)/sec, "dropped/s")
			b.ReportMetric(float64(started+dropped)/sec, "issued/s")
		})
	}
}
