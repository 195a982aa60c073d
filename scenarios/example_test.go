package scenarios_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/greenlang/gl001/scenarios"
)

func ExampleLoadShipped() {
	s, err := scenarios.LoadShipped("multi_plant_load_test.json")
	if err != nil {
		panic(err)
	}
	p := s.Plan()
	fmt.Println(s.TestName, s.Duration(), "ramp", s.RampUp(), "replicas", s.ReplicasOrPredicted())
	for _, a := range []scenarios.ArrivalScenario{p.Optimize, p.Coordinate} {
		fmt.Printf("%s: %v per %s, VUs %d..%d\n", a.Exec, a.Stages, a.TimeUnit, a.PreAllocatedVUs, a.MaxVUs)
	}
	// Output:
	// multi_plant_load_test 30m0s ramp 5m0s replicas 11
	// optimize: [{5m 100} {25m 100}] per 1m, VUs 5..50
	// coordinate: [{5m 50} {25m 50}] per 1s, VUs 100..750
}

func ExampleDecode() {
	_, err := scenarios.Decode(strings.NewReader(`{
		"test_name": "multi_plant_load_test",
		"duration_minutes": 30,
		"plants": 0,
		"sub_agents": 75,
		"heat_optimization_requests_per_minute": -100,
		"agent_coordination_events_per_second": 50,
		"ramp_up_minutes": 40
	}`), "multi_plant_load_test.json")
	fmt.Println(err)
	fmt.Println(errors.Is(err, scenarios.ErrInvalid))
	// Output:
	// multi_plant_load_test.json: ramp_up_minutes (40) exceeds duration_minutes (30)
	// multi_plant_load_test.json: plants (0) must be from 1 to 10000 (the capacity calculator's domain)
	// multi_plant_load_test.json: heat_optimization_requests_per_minute (-100) must be ≥ 0
	// true
}
