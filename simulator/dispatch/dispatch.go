// Package dispatch decides how much heat each boiler of a multi-plant fleet
// produces and which demand unit receives it, at least fuel-plus-carbon
// cost, by solving linear programmes with gonum's simplex.
//
// It is the real work behind gl001's stand-in GL-001 orchestrator: the
// public implementation's heat-distribution optimiser frames dispatch as a
// transportation problem from heat sources to demand units, minimising fuel
// cost plus carbon cost subject to meeting demand within source limits.
//
// Steam does not cross plants, so a fleet problem decomposes into one small
// LP per plant (at most a few dozen variables), which is what keeps a
// 100-plant fleet in milliseconds where one fleet-wide dense LP takes
// seconds. Within a plant:
//
//   - Unit commitment (commit.go) picks which sources run, in merit order,
//     so that minimum stable outputs (turndown) can be honoured by an LP.
//   - The LP (lp.go) routes heat from committed sources to units; demand it
//     cannot meet is bought back as "unserved" at the value of lost load, so
//     the LP is always feasible and satisfaction falls below 100 % only when
//     capacity is short.
//
// All quantities are MW of heat unless a name says fuel; costs are per MWh
// or per hour in one unnamed currency; emissions are kg CO2.
package dispatch

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// Source is one heat source (boiler) of a plant.
//
// ID is unique among sources, e.g. "plant-03/boiler-2"; Plant names the
// plant whose units it can serve ("" is the single unnamed plant).
// CapacityMW is the heat it can deliver now, MW ≥ 0; MinOutputMW is its
// minimum stable heat output when running (turndown), 0 ≤ MinOutputMW ≤
// CapacityMW. Efficiency is heat out per fuel in, in (0, 1].
// FuelCostPerMWh is per MWh of fuel and EmissionFactorKgPerMWh is kg CO2 per
// MWh of fuel, both ≥ 0.
type Source struct {
	ID, Plant              string
	CapacityMW             float64
	MinOutputMW            float64
	Efficiency             float64
	FuelCostPerMWh         float64
	EmissionFactorKgPerMWh float64
}

// HeatCostPerMWh is what one MWh of heat from s costs, fuel plus carbon at
// carbonCostPerTonne per tonne CO2:
// (FuelCostPerMWh + carbonCostPerTonne·EmissionFactorKgPerMWh/1000) / Efficiency.
// It is the merit-order key.
func (s Source) HeatCostPerMWh(carbonCostPerTonne float64) float64 {
	return (s.FuelCostPerMWh + carbonCostPerTonne*s.EmissionFactorKgPerMWh/1000) / s.Efficiency
}

// Unit is one heat demand unit of a plant. ID is unique among units; Plant
// names the plant whose sources can serve it. DemandMW ≥ 0 is the heat it
// wants. A Priority unit is shed only after every non-priority unit of its
// plant.
type Unit struct {
	ID, Plant string
	DemandMW  float64
	Priority  bool
}

// Problem is one fleet dispatch: every source and unit, and the carbon price
// per tonne CO2 (≥ 0) that the objective adds to fuel cost.
type Problem struct {
	Sources            []Source
	Units              []Unit
	CarbonCostPerTonne float64
}

// Flow is heat sent from one source to one unit, MW.
type Flow struct {
	Source, Unit string
	MW           float64
}

// Solution is an optimal dispatch.
//
// Flows are non-zero, sorted by Source then Unit. SourceOutputMW has every
// source (0 when off) and UnitAllocatedMW every unit, MW; UnservedMW has
// only the units not fully served, MW > 0. For every unit, the flows into it
// plus its unserved MW equal its demand.
//
// The costs are per hour of the dispatch itself, excluding the value of lost
// load: FuelCostPerHour for fuel burnt, CarbonCostPerHour for CO2KgHr at the
// problem's carbon price, DistributionCostPerHour for header losses (see
// DistributionCostPerMWh), and CostPerHour their sum.
//
// Plants counts every plant in the problem; Variables and Constraints are
// the columns and rows of the LPs actually solved, summed over plants (a
// plant with no demand or no running source needs none).
type Solution struct {
	Flows           []Flow
	SourceOutputMW  map[string]float64
	UnitAllocatedMW map[string]float64
	UnservedMW      map[string]float64

	FuelCostPerHour         float64
	CarbonCostPerHour       float64
	DistributionCostPerHour float64
	CostPerHour             float64
	CO2KgHr                 float64

	Plants, Variables, Constraints int
}

// Solve returns the least-cost dispatch of p, or the error of Validate if p
// is malformed. It is SolveContext without cancellation.
func Solve(p Problem) (Solution, error) {
	return SolveContext(context.Background(), p)
}

// SolveContext returns the least-cost dispatch of p, solving one LP per
// plant in plant-name order and checking ctx between plants. It returns
// every problem Validate finds, ctx's error if ctx ends first, or an error
// naming the plant whose LP failed. The result depends only on p, never on
// map iteration or timing. SolveContext does not modify p and is safe for
// concurrent use; it runs on the calling goroutine (the caller owns
// concurrency).
func SolveContext(ctx context.Context, p Problem) (Solution, error) {
	if err := p.Validate(); err != nil {
		return Solution{}, err
	}
	sol := Solution{
		SourceOutputMW:  make(map[string]float64, len(p.Sources)),
		UnitAllocatedMW: make(map[string]float64, len(p.Units)),
		UnservedMW:      make(map[string]float64),
	}
	for _, pl := range groupByPlant(p) {
		if err := ctx.Err(); err != nil {
			return Solution{}, err
		}
		r, err := solvePlant(pl, p.CarbonCostPerTonne)
		if err != nil {
			return Solution{}, fmt.Errorf("plant %q: %w", pl.name, err)
		}
		sol.add(pl, r, p.CarbonCostPerTonne)
	}
	slices.SortFunc(sol.Flows, func(a, b Flow) int {
		return cmp.Or(strings.Compare(a.Source, b.Source), strings.Compare(a.Unit, b.Unit))
	})
	sol.CostPerHour = sol.FuelCostPerHour + sol.CarbonCostPerHour + sol.DistributionCostPerHour
	return sol, nil
}

// plant is one plant's share of a Problem, sources and units sorted by ID;
// a source's or unit's index here is its position on the plant's header.
type plant struct {
	name    string
	sources []Source
	units   []Unit
}

// groupByPlant splits p into plants sorted by name.
func groupByPlant(p Problem) []plant {
	idx := make(map[string]int)
	var plants []plant
	at := func(name string) *plant {
		i, ok := idx[name]
		if !ok {
			i = len(plants)
			idx[name] = i
			plants = append(plants, plant{name: name})
		}
		return &plants[i]
	}
	for _, s := range p.Sources {
		pl := at(s.Plant)
		pl.sources = append(pl.sources, s)
	}
	for _, u := range p.Units {
		pl := at(u.Plant)
		pl.units = append(pl.units, u)
	}
	for i := range plants {
		slices.SortFunc(plants[i].sources, func(a, b Source) int { return strings.Compare(a.ID, b.ID) })
		slices.SortFunc(plants[i].units, func(a, b Unit) int { return strings.Compare(a.ID, b.ID) })
	}
	slices.SortFunc(plants, func(a, b plant) int { return strings.Compare(a.name, b.name) })
	return plants
}

// add folds one plant's result into s. Output and allocation are summed
// from the flows rather than read from the LP's slack and unserved
// variables, so every unit balances to rounding error by construction.
func (s *Solution) add(pl plant, r plantResult, carbonCostPerTonne float64) {
	s.Plants++
	s.Variables += r.variables
	s.Constraints += r.constraints
	out := make([]float64, len(pl.sources))
	in := make([]float64, len(pl.units))
	for _, f := range r.flows {
		out[f.source] += f.mw
		in[f.unit] += f.mw
		s.Flows = append(s.Flows, Flow{Source: pl.sources[f.source].ID, Unit: pl.units[f.unit].ID, MW: f.mw})
		s.DistributionCostPerHour += f.mw * DistributionCostPerMWh(f.source, f.unit)
	}
	for i, src := range pl.sources {
		s.SourceOutputMW[src.ID] = out[i]
		fuelMW := out[i] / src.Efficiency
		co2 := fuelMW * src.EmissionFactorKgPerMWh
		s.FuelCostPerHour += fuelMW * src.FuelCostPerMWh
		s.CO2KgHr += co2
		s.CarbonCostPerHour += co2 / 1000 * carbonCostPerTonne
	}
	for j, u := range pl.units {
		s.UnitAllocatedMW[u.ID] = in[j]
		if short := u.DemandMW - in[j]; short > zeroMW {
			s.UnservedMW[u.ID] = short
		}
	}
}
