package metrics_test

import (
	"fmt"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/metrics"
)

func Example() {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	r := metrics.NewRegistry(start)
	latency := r.MustNew("gl001_optimize_duration", metrics.Trend, metrics.Time)
	failed := r.MustNew("gl001_optimize_failed", metrics.Rate, metrics.Default)

	for i := 1; i <= 100; i++ {
		r.Add(latency, float64(i)) // milliseconds
		r.Add(failed, 0)
	}
	r.Add(failed, 1)
	iv := r.Flush(start.Add(time.Second))
	fmt.Println("interval", iv.Seq, "samples", iv.Metrics["gl001_optimize_duration"].Count)

	totals := r.Totals()
	p95, _ := totals["gl001_optimize_duration"].Aggregate("p(95)")
	rate, _ := totals["gl001_optimize_failed"].Aggregate("rate")
	fmt.Printf("p(95)=%.1fms failed=%.4f\n", p95, rate)
	// Output:
	// interval 1 samples 100
	// p(95)=95.1ms failed=0.0099
}
