package fleet_test

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/fleet"
)

// checkRequest reports everything insane about a request covering plants
// of f.
func checkRequest(t *testing.T, f *fleet.Fleet, req api.OptimizeRequest, plants []string) {
	t.Helper()
	if err := req.Validate(); err != nil {
		t.Fatalf("request does not validate: %v", err)
	}
	finite := func(name string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			t.Errorf("%s = %v, want finite and ≥ 0", name, v)
		}
	}
	covered := map[string]bool{}
	for _, p := range plants {
		covered[p] = true
	}
	boilersOf := map[string]int{}
	availOf := map[string]float64{}
	for k, v := range req.SensorFeeds.HeatSources {
		finite("heat_sources["+k+"]", v)
		p := api.PlantOf(k)
		if !covered[p] {
			t.Errorf("heat source %q is of a plant the request does not cover", k)
		}
		boilersOf[p]++
		availOf[p] += v
		d, ok := req.SourceDetails[k]
		if !ok {
			t.Errorf("heat source %q has no source_details", k)
			continue
		}
		if d.PlantID != p || d.MinOutputMW > v || d.Efficiency < 0.78 || d.Efficiency > 0.94 ||
			d.FuelCostPerMWh <= 0 || d.EmissionFactorKgPerMWh <= 0 || d.EmissionFactorKgPerMWh > 267 {
			t.Errorf("source_details[%q] = %+v (available %v MW) is implausible", k, d, v)
		}
	}
	if len(req.SourceDetails) != len(req.SensorFeeds.HeatSources) {
		t.Errorf("%d source_details for %d heat sources", len(req.SourceDetails), len(req.SensorFeeds.HeatSources))
	}
	unitsOf := map[string]int{}
	for k, v := range req.SensorFeeds.HeatDemands {
		finite("heat_demands["+k+"]", v)
		p := api.PlantOf(k)
		if boilersOf[p] == 0 {
			t.Errorf("demand unit %q has no boilers in its plant", k)
		}
		unitsOf[p]++
	}
	for _, p := range plants {
		if b, u := boilersOf[p], unitsOf[p]; b < 2 || b > 6 || u < 2 || u > 6 {
			t.Errorf("%s has %d boilers and %d units, want 2–6 of each", p, b, u)
		}
		temp, ok := req.SensorFeeds.Temperatures[p+"/header"]
		if !ok || temp < 150 || temp > 260 {
			t.Errorf("%s/header temperature = %v (present %v), want 150–260 °C", p, temp, ok)
		}
	}
	if len(unitsOf) != len(plants) || len(req.SensorFeeds.Temperatures) != len(plants) {
		t.Errorf("units of %d plants and %d temperatures, want %d of each", len(unitsOf), len(req.SensorFeeds.Temperatures), len(plants))
	}
	c := req.Constraints
	if c.MaxTemperatureVarianceC != 5 || c.MinEfficiencyPercent != 85 || len(c.PriorityUnits) != len(plants) {
		t.Errorf("constraints = %+v, want 5 °C, 85 %% and one priority unit per plant", c)
	}
	pd := req.PlantData
	in, out := pd.FuelInputMW+pd.ElectricityInputMW+pd.SteamImportMW, pd.ProcessHeatOutputMW+pd.ElectricityOutputMW+pd.SteamExportMW
	if imb := math.Abs(in - out - pd.MeasuredLossesMW); in <= 0 || imb > 0.01*in {
		t.Errorf("plant_data %+v: energy balance off by %.3f MW of %.3f", pd, imb, in)
	}
	var demand, avail float64
	for _, v := range req.SensorFeeds.HeatDemands {
		demand += v
	}
	for _, v := range availOf {
		avail += v
	}
	if tol := 0.0005 * float64(len(req.SensorFeeds.HeatDemands)+1); pd.ProcessHeatOutputMW > demand+tol || pd.ProcessHeatOutputMW > avail+tol {
		t.Errorf("process heat %v MW exceeds demand %v or availability %v", pd.ProcessHeatOutputMW, demand, avail)
	}
	if eff := pd.ProcessHeatOutputMW / pd.FuelInputMW; eff < 0.7 || eff > 0.95 {
		t.Errorf("process heat over fuel = %.3f, want 0.7–0.95", eff)
	}
	e := req.EmissionsData
	if i := e.CO2KgHr / pd.FuelInputMW; i < 15 || i > 267 {
		t.Errorf("CO2 %v kg/h from %v MW of fuel: %v kg/MWh, want 15–267", e.CO2KgHr, pd.FuelInputMW, i)
	}
	if e.NOxKgHr <= 0 || e.SOxKgHr <= 0 || e.ParticulateKgHr <= 0 || math.Abs(e.HeatOutputMW*(1-0.03)-pd.ProcessHeatOutputMW) > 0.03*e.HeatOutputMW {
		t.Errorf("emissions_data %+v do not fit plant_data %+v", e, pd)
	}
	if len(req.AgentIDs) > fleet.MaxRequestAgentIDs || req.CoordinateAgents != (len(req.AgentIDs) > 0) || req.AgentIDs == nil {
		t.Errorf("agent_ids (%d) and coordinate_agents %v", len(req.AgentIDs), req.CoordinateAgents)
	}
	known := map[string]string{}
	for _, a := range f.Agents() {
		known[a.ID()] = a.PlantID()
	}
	for _, id := range req.AgentIDs {
		if p, ok := known[id]; !ok || !covered[p] {
			t.Errorf("agent_ids has %q, not an agent of a covered plant", id)
		}
	}
	if req.CarbonCostPerTonne <= 0 {
		t.Errorf("carbon_cost_per_tonne = %v", req.CarbonCostPerTonne)
	}
}

func TestNextRequestIsSane(t *testing.T) {
	tests := []struct {
		name           string
		plants, agents int
	}{
		{"one plant no agents", 1, 0},
		{"default fleet", 15, 75},
		{"100 plants few agents", 100, 10},
		{"many agents", 20, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustNew(t, tt.plants, tt.agents, 7)
			for h := 0; h < 7*24; h += 5 {
				now := monday.Add(time.Duration(h)*time.Hour + 1234*time.Millisecond)
				req := f.NextRequest(now)
				checkRequest(t, f, req, f.PlantIDs())
				if want := min(tt.agents, fleet.MaxRequestAgentIDs); len(req.AgentIDs) != want {
					t.Errorf("%d agent_ids, want %d", len(req.AgentIDs), want)
				}
				if t.Failed() {
					t.Fatalf("at %v", now)
				}
			}
		})
	}
}

func TestNextRequestRepeatable(t *testing.T) {
	f := mustNew(t, 15, 75, 3)
	now := monday.Add(3*time.Hour + 500*time.Millisecond)
	a := f.NextRequest(now)
	a.SensorFeeds.HeatDemands["plant-01/unit-1"] = -1 // the caller owns the maps
	a.AgentIDs[0] = "changed"
	b, c := f.NextRequest(now), f.NextRequest(now)
	if b.SensorFeeds.HeatDemands["plant-01/unit-1"] < 0 || b.AgentIDs[0] == "changed" {
		t.Fatal("a request shares maps or slices with the next one")
	}
	if !equalRequests(b, c) {
		t.Error("two requests at the same instant differ")
	}
	if d := f.NextRequest(now.Add(10 * time.Minute)); equalRequests(b, d) {
		t.Error("requests 10 minutes apart are equal")
	}
}

func equalRequests(a, b api.OptimizeRequest) bool {
	return mapsEqual(a.SensorFeeds.HeatDemands, b.SensorFeeds.HeatDemands) &&
		mapsEqual(a.SensorFeeds.HeatSources, b.SensorFeeds.HeatSources) &&
		mapsEqual(a.SensorFeeds.Temperatures, b.SensorFeeds.Temperatures) &&
		a.PlantData == b.PlantData && a.EmissionsData == b.EmissionsData &&
		slices.Equal(a.AgentIDs, b.AgentIDs)
}

func mapsEqual(a, b map[string]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func totalDemand(req api.OptimizeRequest) float64 {
	var d float64
	for _, v := range req.SensorFeeds.HeatDemands {
		d += v
	}
	return d
}

func TestDemandFollowsDailyCycle(t *testing.T) {
	f := mustNew(t, 15, 0, 11)
	var noon, night, weekendNoon float64
	for week := range 4 {
		for day := range 7 {
			midnight := monday.Truncate(24*time.Hour).AddDate(0, 0, 7*week+day)
			n := totalDemand(f.NextRequest(midnight.Add(12 * time.Hour)))
			if day >= 5 { // Saturday, Sunday
				weekendNoon += n / 8
				continue
			}
			noon += n / 20
			night += totalDemand(f.NextRequest(midnight.Add(3*time.Hour))) / 20
		}
	}
	if noon < 1.25*night {
		t.Errorf("mean weekday demand at 12:00 (%.1f MW) is not well above 03:00 (%.1f MW)", noon, night)
	}
	if weekendNoon > 0.9*noon {
		t.Errorf("mean weekend demand at 12:00 (%.1f MW) is not below a weekday's (%.1f MW)", weekendNoon, noon)
	}
}

// Demand is mostly within the plant's availability, but not always.
func TestShortfallsAreOccasional(t *testing.T) {
	const plants = 60
	f := mustNew(t, plants, 0, 5)
	all := make([]int, plants)
	for i := range all {
		all[i] = i
	}
	short, n := 0, 0
	for h := 0; h < 14*24; h++ {
		req := f.NextRequest(monday.Add(time.Duration(h)*time.Hour + 7*time.Minute))
		demand, avail := map[string]float64{}, map[string]float64{}
		for k, v := range req.SensorFeeds.HeatDemands {
			demand[api.PlantOf(k)] += v
		}
		for k, v := range req.SensorFeeds.HeatSources {
			avail[api.PlantOf(k)] += v
		}
		for p, d := range demand {
			if d > avail[p] {
				short++
			}
			n++
		}
	}
	if share := float64(short) / float64(n); share < 0.002 || share > 0.1 {
		t.Errorf("%d of %d plant-hours (%.2f %%) short of capacity, want 0.2–10 %%", short, n, 100*share)
	}
}

// Demand has no jumps: one second apart it changes by a fraction of a
// percent.
func TestDemandIsContinuous(t *testing.T) {
	f := mustNew(t, 5, 0, 2)
	for i := range 2000 {
		now := monday.Add(time.Duration(i) * 157 * time.Second)
		a, b := f.NextRequest(now), f.NextRequest(now.Add(time.Second))
		for k, v := range a.SensorFeeds.HeatDemands {
			if w := b.SensorFeeds.HeatDemands[k]; math.Abs(w-v) > 0.005*v+0.002 {
				t.Fatalf("%s jumps from %v to %v MW in one second at %v", k, v, w, now)
			}
		}
	}
}

func TestRequestFor(t *testing.T) {
	f := mustNew(t, 15, 75, 8)
	ids := f.PlantIDs()
	tests := []struct {
		name   string
		plants []int
		want   string // error substring; "" for success
	}{
		{name: "one plant", plants: []int{4}},
		{name: "three plants in any order", plants: []int{14, 0, 7}},
		{name: "every plant", plants: []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}},
		{name: "none", plants: nil, want: "no plants, want at least one index from 0 to 14"},
		{name: "negative", plants: []int{1, -1}, want: "plants[1] (-1) must be from 0 to 14"},
		{name: "past the end", plants: []int{15}, want: "plants[0] (15) must be from 0 to 14"},
		{name: "repeat", plants: []int{3, 5, 3}, want: "plants[2] (3) is a repeat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := f.RequestFor(monday, tt.plants)
			if tt.want != "" {
				if err == nil || !errors.Is(err, fleet.ErrPlants) || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("RequestFor(%v) error = %v, want ErrPlants and %q", tt.plants, err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var covered []string
			for _, p := range tt.plants {
				covered = append(covered, ids[p])
			}
			checkRequest(t, f, req, covered)
			// Five agents per plant in the default fleet, up to 50.
			if want := min(5*len(tt.plants), fleet.MaxRequestAgentIDs); len(req.AgentIDs) != want {
				t.Errorf("%d agent_ids, want %d", len(req.AgentIDs), want)
			}
		})
	}
	whole, err := f.RequestFor(monday, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14})
	if err != nil || !equalRequests(whole, f.NextRequest(monday)) {
		t.Errorf("RequestFor every plant differs from NextRequest (%v)", err)
	}
}
