package fleet

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/greenlang/gl001/simulator/api"
)

// Operator constraints every request carries.
const (
	MaxTemperatureVarianceC = 5
	MinEfficiencyPercent    = 85
)

// ErrPlants is wrapped by RequestFor's errors.
var ErrPlants = errors.New("invalid plant selection")

// NextRequest returns the optimization request for the whole fleet at
// simulated time now, so the dispatch LP grows with the plant count. Every
// field of the contract is filled; agent_ids holds up to
// MaxRequestAgentIDs of the plants' agents, and coordinate_agents is true
// when there are any. The request is a function of the seed and now: two
// calls at the same instant return equal requests, in fresh maps the
// caller may change. Safe for concurrent use; it takes no lock.
func (f *Fleet) NextRequest(now time.Time) api.OptimizeRequest {
	return f.request(now, f.all, f.allIDs)
}

// RequestFor is NextRequest for some plants only, by index (0 to
// Plants()-1, in PlantIDs order): their units, boilers, header
// temperatures, priority units, emissions and agents. It fails, wrapping
// ErrPlants, when plants is empty, repeats a plant or names one out of
// range.
func (f *Fleet) RequestFor(now time.Time, plants []int) (api.OptimizeRequest, error) {
	if len(plants) == 0 {
		return api.OptimizeRequest{}, fmt.Errorf("%w: no plants, want at least one index from 0 to %d", ErrPlants, len(f.plants)-1)
	}
	seen := make(map[int]bool, len(plants))
	for i, p := range plants {
		if p < 0 || p >= len(f.plants) {
			return api.OptimizeRequest{}, fmt.Errorf("%w: plants[%d] (%d) must be from 0 to %d", ErrPlants, i, p, len(f.plants)-1)
		}
		if seen[p] {
			return api.OptimizeRequest{}, fmt.Errorf("%w: plants[%d] (%d) is a repeat", ErrPlants, i, p)
		}
		seen[p] = true
	}
	return f.request(now, plants, f.agentIDs(plants)), nil
}

func (f *Fleet) request(now time.Time, plants []int, agentIDs []string) api.OptimizeRequest {
	units, sources := f.units, f.boilers
	if len(plants) != len(f.plants) {
		units, sources = 0, 0
		for _, p := range plants {
			units += len(f.plants[p].units)
			sources += len(f.plants[p].boilers)
		}
	}
	req := api.OptimizeRequest{
		SensorFeeds: api.SensorFeeds{
			HeatDemands:  make(map[string]float64, units),
			HeatSources:  make(map[string]float64, sources),
			Temperatures: make(map[string]float64, len(plants)),
		},
		Constraints: api.Constraints{
			MaxTemperatureVarianceC: MaxTemperatureVarianceC,
			MinEfficiencyPercent:    MinEfficiencyPercent,
			PriorityUnits:           make([]string, 0, len(plants)),
		},
		CoordinateAgents:   len(agentIDs) > 0,
		AgentIDs:           slices.Clone(agentIDs),
		SourceDetails:      make(map[string]api.SourceDetails, sources),
		CarbonCostPerTonne: f.cfg.CarbonCostPerTonne,
	}
	if req.AgentIDs == nil {
		req.AgentIDs = []string{}
	}
	t := seconds(now)
	var pd api.PlantData
	var em api.EmissionsData
	for _, pi := range plants {
		p := &f.plants[pi]
		s := p.state(t)
		for i := range p.units {
			req.SensorFeeds.HeatDemands[p.units[i].key] = round(s.demandMW[i], 3)
		}
		for i := range p.boilers {
			b := &p.boilers[i]
			avail := s.availMW[i]
			req.SensorFeeds.HeatSources[b.key] = avail
			req.SourceDetails[b.key] = api.SourceDetails{
				PlantID:                p.id,
				MinOutputMW:            min(b.turndownMW, avail),
				Efficiency:             b.efficiency,
				FuelCostPerMWh:         b.fuelCostMWh,
				EmissionFactorKgPerMWh: b.fuel.co2,
			}
			em.CO2KgHr += s.fuelMW[i] * b.fuel.co2
			em.NOxKgHr += s.fuelMW[i] * b.fuel.nox
			em.SOxKgHr += s.fuelMW[i] * b.fuel.sox
			em.ParticulateKgHr += s.fuelMW[i] * b.fuel.pm
		}
		req.SensorFeeds.Temperatures[p.headerKey] = round(s.headerTempC, 2)
		req.Constraints.PriorityUnits = append(req.Constraints.PriorityUnits, p.units[p.priority].key)
		pd.FuelInputMW += s.fuelTotalMW
		pd.ElectricityInputMW += s.auxMW
		pd.ProcessHeatOutputMW += s.processHeatMW
		pd.MeasuredLossesMW += s.lossesMW
		em.HeatOutputMW += s.boilerOutMW
	}
	// Heat-only boiler houses: no turbines and no steam traded with
	// neighbours, so electricity out and steam in and out are zero.
	req.PlantData = api.PlantData{
		FuelInputMW:         round(pd.FuelInputMW, 3),
		ElectricityInputMW:  round(pd.ElectricityInputMW, 3),
		ProcessHeatOutputMW: round(pd.ProcessHeatOutputMW, 3),
		MeasuredLossesMW:    round(pd.MeasuredLossesMW, 3),
	}
	req.EmissionsData = api.EmissionsData{
		CO2KgHr:         round(em.CO2KgHr, 2),
		NOxKgHr:         round(em.NOxKgHr, 3),
		SOxKgHr:         round(em.SOxKgHr, 3),
		ParticulateKgHr: round(em.ParticulateKgHr, 3),
		HeatOutputMW:    round(em.HeatOutputMW, 3),
	}
	return req
}
