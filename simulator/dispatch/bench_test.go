package dispatch_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/greenlang/gl001/simulator/dispatch"
)

// fleet is a deterministic fleet of n plants, each with 3–6 boilers and 3–6
// demand units, mixing fuels, turndown and priority units, with demand
// between 60 % and 110 % of capacity so some plants are short.
func fleet(n int, seed uint64) dispatch.Problem {
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	fuels := []struct{ costPerMWh, kgPerMWh float64 }{
		{32, 202}, // natural gas
		{21, 341}, // coal
		{55, 267}, // fuel oil
		{45, 0},   // biomass, counted as zero
	}
	p := dispatch.Problem{CarbonCostPerTonne: 85}
	for pi := range n {
		plant := fmt.Sprintf("plant-%03d", pi)
		var capMW float64
		for bi := range 3 + rng.IntN(4) {
			f := fuels[rng.IntN(len(fuels))]
			s := dispatch.Source{
				ID:                     fmt.Sprintf("%s/boiler-%d", plant, bi),
				Plant:                  plant,
				CapacityMW:             10 + 50*rng.Float64(),
				Efficiency:             0.75 + 0.2*rng.Float64(),
				FuelCostPerMWh:         f.costPerMWh * (0.9 + 0.2*rng.Float64()),
				EmissionFactorKgPerMWh: f.kgPerMWh,
			}
			if rng.IntN(2) == 0 {
				s.MinOutputMW = s.CapacityMW * (0.2 + 0.2*rng.Float64())
			}
			capMW += s.CapacityMW
			p.Sources = append(p.Sources, s)
		}
		nu := 3 + rng.IntN(4)
		demandMW := capMW * (0.6 + 0.5*rng.Float64())
		for ui := range nu {
			p.Units = append(p.Units, dispatch.Unit{
				ID:       fmt.Sprintf("%s/unit-%d", plant, ui),
				Plant:    plant,
				DemandMW: demandMW / float64(nu) * (0.5 + rng.Float64()),
				Priority: rng.IntN(4) == 0,
			})
		}
	}
	return p
}

func benchmarkSolve(b *testing.B, plants int) {
	p := fleet(plants, 1)
	var sol dispatch.Solution
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if sol, err = dispatch.Solve(p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(sol.Variables), "lp_variables")
	b.ReportMetric(float64(sol.Constraints), "lp_constraints")
}

// BenchmarkSolve15Plants is a fleet of the size gl001's default scenario
// sends; the target is well under 20 ms per Solve.
func BenchmarkSolve15Plants(b *testing.B) { benchmarkSolve(b, 15) }

// BenchmarkSolve100Plants targets under 200 ms per Solve.
func BenchmarkSolve100Plants(b *testing.B) { benchmarkSolve(b, 100) }

// BenchmarkSolve1000Plants shows that time grows linearly with plants.
func BenchmarkSolve1000Plants(b *testing.B) { benchmarkSolve(b, 1000) }
