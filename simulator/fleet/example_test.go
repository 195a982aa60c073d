package fleet_test

import (
	"fmt"
	"time"

	"github.com/greenlang/gl001/simulator/fleet"
)

// The default fleet, 15 plants and 75 agents, has one agent of each type
// the guide deploys by name at every plant.
func ExampleFleet_SplitText() {
	f, err := fleet.New(fleet.DefaultConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(f.SplitText())
	// Output:
	// boiler_steam               30
	//   GL-002 gl-002-boiler-efficiency          15 on 15 plants
	//   GL-012 gl-012-steam-system               15 on 15 plants
	//   GL-016 gl-016-water-treatment             0
	//   GL-017 gl-017-condensate-recovery         0
	//   GL-022 gl-022-superheater-control         0
	// combustion_emissions       30
	//   GL-003 gl-003-combustion-optimizer       15 on 15 plants
	//   GL-004 gl-004-emissions-control          15 on 15 plants
	//   GL-005 gl-005-combustion-diagnostics      0
	// heat_recovery              15
	//   GL-006 gl-006-waste-heat                 15 on 15 plants
	//   GL-014 gl-014-heat-exchanger              0
	//   GL-020 gl-020-economizer                  0
}

// Two plants with six boilers have 26 slots: 10 core, 4 more GL-002s and
// 12 of the other types. 21 agents fill the first 21.
func ExampleFleet_Split() {
	f, err := fleet.New(fleet.Config{Plants: 2, Agents: 21, Seed: 1})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(f.Plants(), "plants,", f.Boilers(), "boilers")
	for _, g := range f.Split() {
		for _, t := range g.Types {
			if t.Agents > 0 {
				fmt.Printf("%s %s %d\n", g.Group, t.Code, t.Agents)
			}
		}
	}
	// Output:
	// 2 plants, 6 boilers
	// boiler_steam GL-002 6
	// boiler_steam GL-012 2
	// boiler_steam GL-016 2
	// combustion_emissions GL-003 2
	// combustion_emissions GL-004 2
	// combustion_emissions GL-005 2
	// heat_recovery GL-006 2
	// heat_recovery GL-014 2
	// heat_recovery GL-020 1
}

func ExampleFleet_RequestFor() {
	f, err := fleet.New(fleet.DefaultConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	req, err := f.RequestFor(fleet.DefaultStart.Add(6*time.Hour), []int{2}) // plant-03 at noon
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(req.SensorFeeds.HeatDemands), "units,", len(req.SensorFeeds.HeatSources), "boilers")
	fmt.Println(req.Constraints.PriorityUnits)
	fmt.Println(req.AgentIDs)
	// Output:
	// 3 units, 3 boilers
	// [plant-03/unit-2]
	// [gl-002-plant-03-boiler-1 gl-012-plant-03-1 gl-003-plant-03-1 gl-004-plant-03-1 gl-006-plant-03-1]
}

func ExampleAgent_NextEvent() {
	f, err := fleet.New(fleet.DefaultConfig())
	if err != nil {
		fmt.Println(err)
		return
	}
	a := f.Agents()[0]
	for range 2 {
		e := a.NextEvent(fleet.DefaultStart)
		fmt.Println(e.AgentID, e.AgentType, e.Group, e.PlantID, e.Seq, e.Payload["boiler_id"])
	}
	// Output:
	// gl-002-plant-01-boiler-1 GL-002 boiler_steam plant-01 1 plant-01/boiler-1
	// gl-002-plant-01-boiler-1 GL-002 boiler_steam plant-01 2 plant-01/boiler-1
}
