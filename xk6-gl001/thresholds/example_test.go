package thresholds_test

import (
	"fmt"
	"os"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// A scenario's thresholds over gl001's defaults, checked against the
// run's metrics, then judged at the end of the run.
func Example() {
	user, err := thresholds.Decode([]byte(`{
		"gl001_optimize_duration": [
			"p(95)<2000",
			{"threshold": "p(99) < 3000", "abortOnFail": true, "delayAbortEval": "30s"}
		]
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	set := thresholds.Merge(thresholds.Defaults(), user)

	err = set.Validate(map[string]thresholds.MetricType{
		"gl001_optimize_duration":          thresholds.Trend,
		"gl001_coordination_failed":        thresholds.Rate,
		"gl001_heat_optimization_duration": thresholds.Trend,
		"gl001_optimize_failed":            thresholds.Rate,
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// What the run measured, per metric.
	measured := map[string]map[string]float64{
		"gl001_optimize_duration":   {"p(95)": 1234.5, "p(99)": 3100},
		"gl001_coordination_failed": {"rate": 0.004},
		"gl001_optimize_failed":     {"rate": 0},
	}
	sinks := map[string]thresholds.Source{}
	for name, values := range measured {
		sinks[name] = thresholds.SourceFunc(func(a thresholds.Aggregation) (float64, bool) {
			v, ok := values[a.String()]
			return v, ok
		})
	}

	abort, which := set.ShouldAbort(sinks, 10*time.Second)
	fmt.Println("abort at 10s:", abort, which)
	abort, which = set.ShouldAbort(sinks, time.Minute)
	fmt.Println("abort at 1m:", abort, which)

	results := set.Evaluate(sinks)
	_ = results.WriteText(os.Stdout)
	fmt.Println("passed:", results.Passed())
	summary, _ := results.MarshalJSON()
	fmt.Println(string(summary))

	// Output:
	// abort at 10s: false []
	// abort at 1m: true [gl001_optimize_duration p(99) < 3000]
	// ✓ gl001_coordination_failed rate<0.01 (observed 0.004)
	// ? gl001_heat_optimization_duration p(95)<2000 (no data: no sample was recorded, so not verified)
	// ✓ gl001_optimize_duration p(95)<2000 (observed 1234.5)
	// ✗ gl001_optimize_duration p(99) < 3000 (observed 3100)
	// ✓ gl001_optimize_failed rate<0.01 (observed 0)
	// passed: false
	// {"gl001_coordination_failed":{"rate<0.01":{"ok":true}},"gl001_heat_optimization_duration":{"p(95)<2000":{"ok":false,"no_data":true}},"gl001_optimize_duration":{"p(95)<2000":{"ok":true},"p(99) < 3000":{"ok":false}},"gl001_optimize_failed":{"rate<0.01":{"ok":true}}}
}

func ExampleParse() {
	e, err := thresholds.Parse("p(99.9) <= 1.5e3")
	fmt.Println(e.Aggregation, e.Op, e.Value, err)
	fmt.Println(e)

	_, err = thresholds.Parse("p(95)<<2")
	fmt.Println(err)
	// Output:
	// p(99.9) <= 1500 <nil>
	// p(99.9)<=1500
	// "p(95)<<2": unexpected '<' at 7, want a number
}
