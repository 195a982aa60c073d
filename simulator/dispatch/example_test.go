package dispatch_test

import (
	"fmt"

	"github.com/greenlang/gl001/simulator/dispatch"
)

// Two plants. plant-01's gas boiler is the cheaper but too small for 37 MW,
// so the oil boiler is committed too and runs at its 10 MW minimum, the gas
// boiler making the other 27. plant-02's only boiler falls 3 MW short of its
// priority unit, whatever plant-01 has spare.
func ExampleSolve() {
	p := dispatch.Problem{
		Sources: []dispatch.Source{
			{ID: "plant-01/gas", Plant: "plant-01", CapacityMW: 30, Efficiency: 0.9, FuelCostPerMWh: 32, EmissionFactorKgPerMWh: 202},
			{ID: "plant-01/oil", Plant: "plant-01", CapacityMW: 40, MinOutputMW: 10, Efficiency: 0.85, FuelCostPerMWh: 55, EmissionFactorKgPerMWh: 267},
			{ID: "plant-02/gas", Plant: "plant-02", CapacityMW: 12, Efficiency: 0.9, FuelCostPerMWh: 32, EmissionFactorKgPerMWh: 202},
		},
		Units: []dispatch.Unit{
			{ID: "plant-01/dryer", Plant: "plant-01", DemandMW: 25},
			{ID: "plant-01/kiln", Plant: "plant-01", DemandMW: 12},
			{ID: "plant-02/reactor", Plant: "plant-02", DemandMW: 15, Priority: true},
		},
		CarbonCostPerTonne: 85,
	}
	sol, err := dispatch.Solve(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range sol.Flows {
		fmt.Printf("%-12s → %-16s %5.1f MW\n", f.Source, f.Unit, f.MW)
	}
	fmt.Printf("unserved: %v\n", sol.UnservedMW)
	fmt.Printf("cost %.0f/h (fuel %.0f, carbon %.0f), CO2 %.0f kg/h\n", sol.CostPerHour, sol.FuelCostPerHour, sol.CarbonCostPerHour, sol.CO2KgHr)
	// Output:
	// plant-01/gas → plant-01/dryer    25.0 MW
	// plant-01/gas → plant-01/kiln      2.0 MW
	// plant-01/oil → plant-01/kiln     10.0 MW
	// plant-02/gas → plant-02/reactor  12.0 MW
	// unserved: map[plant-02/reactor:3]
	// cost 3045/h (fuel 2034, carbon 1011), CO2 11895 kg/h
}
