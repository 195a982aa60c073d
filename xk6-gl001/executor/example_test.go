package executor_test

import (
	"fmt"

	"github.com/greenlang/gl001/xk6-gl001/executor"
)

// A k6 scenario object decodes as is; its schedule says exactly when each
// iteration starts.
func ExampleDecodeConfig() {
	c, err := executor.DecodeConfig([]byte(`{
		"executor": "ramping-arrival-rate",
		"preAllocatedVUs": 10,
		"stages": [
			{ "target": 60, "duration": "1m" },
			{ "target": 60, "duration": "1m" }
		]
	}`))
	if err != nil {
		panic(err)
	}
	if err := c.Validate(); err != nil {
		panic(err)
	}
	s, _ := executor.NewSchedule(c)
	first, _ := s.Next(0)
	last, _ := s.Next(c.Arrivals() - 1)
	fmt.Println("iterations:", c.Arrivals())
	fmt.Println("first at:", first)
	fmt.Println("last at:", last)
	fmt.Println("rate at 30s:", c.RateAt(30e9), "/s")
	fmt.Println("gracefulStop:", c.GracefulStop)
	// Output:
	// iterations: 5400
	// first at: 1.414213562s
	// last at: 2m0s
	// rate at 30s: 30 /s
	// gracefulStop: 30s
}

// Validate reports every problem at once.
func ExampleConfig_Validate() {
	c := executor.NewConstantArrivalRateConfig()
	c.PreAllocatedVUs, c.MaxVUs = 10, 5
	fmt.Println(c.Validate())
	// Output:
	// rate must be more than 0, but is 0
	// duration is required for constant-arrival-rate (e.g. "30s")
	// maxVUs (5) must be ≥ preAllocatedVUs (10)
}
