package dispatch_test

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/greenlang/gl001/simulator/dispatch"
)

// randomProblem is a small random problem of 1–3 plants with 0–4 sources
// and 0–4 units each, rich in the degenerate cases: zero capacity, zero
// demand, minimum output equal to capacity, plants without sources.
func randomProblem(seed uint64) dispatch.Problem {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	pick := func(xs ...float64) float64 { return xs[rng.IntN(len(xs))] }
	p := dispatch.Problem{CarbonCostPerTonne: pick(0, 50, 100*rng.Float64(), 200)}
	for pi := range 1 + rng.IntN(3) {
		plant := fmt.Sprintf("plant-%d", pi)
		for si := range rng.IntN(5) {
			s := dispatch.Source{
				ID:                     fmt.Sprintf("%s/boiler-%d", plant, si),
				Plant:                  plant,
				CapacityMW:             pick(0, 30*rng.Float64(), 10, 20),
				Efficiency:             pick(1, 0.5+0.5*rng.Float64()),
				FuelCostPerMWh:         pick(0, 30, 80*rng.Float64()),
				EmissionFactorKgPerMWh: pick(0, 202, 341),
			}
			s.MinOutputMW = s.CapacityMW * pick(0, 0, rng.Float64(), 1)
			p.Sources = append(p.Sources, s)
		}
		for ui := range rng.IntN(5) {
			p.Units = append(p.Units, dispatch.Unit{
				ID:       fmt.Sprintf("%s/unit-%d", plant, ui),
				Plant:    plant,
				DemandMW: pick(0, 25*rng.Float64(), 5, 10),
				Priority: rng.IntN(3) == 0,
			})
		}
	}
	return p
}

// greedyObjectivePerHour dispatches p the simple way under the same unit
// commitment as Solve, and returns its cost plus the value of the load it
// leaves unserved, per hour; ok is false when the dearest heat is so dear
// that Solve would have raised its penalties, where the two do not compare.
//
// Per plant, committed sources in merit order first place their minimum
// output, then their remaining capacity, into units taken priority first
// and then by ID. It is a valid dispatch, so the LP's objective can only be
// lower or equal.
func greedyObjectivePerHour(p dispatch.Problem) (objective float64, ok bool) {
	plants := make(map[string]*struct {
		sources []dispatch.Source
		units   []dispatch.Unit
	})
	for _, s := range p.Sources {
		if plants[s.Plant] == nil {
			plants[s.Plant] = new(struct {
				sources []dispatch.Source
				units   []dispatch.Unit
			})
		}
		plants[s.Plant].sources = append(plants[s.Plant].sources, s)
	}
	for _, u := range p.Units {
		if plants[u.Plant] == nil {
			plants[u.Plant] = new(struct {
				sources []dispatch.Source
				units   []dispatch.Unit
			})
		}
		plants[u.Plant].units = append(plants[u.Plant].units, u)
	}
	for _, pl := range plants {
		slices.SortFunc(pl.sources, func(a, b dispatch.Source) int { return strings.Compare(a.ID, b.ID) })
		slices.SortFunc(pl.units, func(a, b dispatch.Unit) int { return strings.Compare(a.ID, b.ID) })
		costs := make([]float64, len(pl.sources))
		for i, s := range pl.sources {
			costs[i] = s.HeatCostPerMWh(p.CarbonCostPerTonne)
		}
		rem := make([]float64, len(pl.units))
		var demandMW float64
		for j, u := range pl.units {
			rem[j] = u.DemandMW
			demandMW += u.DemandMW
		}
		var committed []int
		if demandMW > 0 {
			committed = dispatch.Commit(pl.sources, costs, demandMW)
		}
		merit := slices.Clone(committed)
		slices.SortStableFunc(merit, func(a, b int) int { return cmp.Compare(costs[a], costs[b]) })
		unitOrder := make([]int, len(pl.units))
		for j := range unitOrder {
			unitOrder[j] = j
		}
		slices.SortStableFunc(unitOrder, func(a, b int) int {
			pa, pb := pl.units[a].Priority, pl.units[b].Priority
			switch {
			case pa && !pb:
				return -1
			case pb && !pa:
				return 1
			}
			return 0
		})
		given := make([]float64, len(pl.sources))
		place := func(i int, mw float64) {
			for _, j := range unitOrder {
				f := min(mw, rem[j])
				if f <= 0 {
					continue
				}
				rem[j] -= f
				mw -= f
				given[i] += f
				objective += f * (costs[i] + dispatch.DistributionCostPerMWh(i, j))
				if costs[i]+dispatch.DistributionCostPerMWh(i, j) > dispatch.ValueOfLostLoadPerMWh/10 {
					ok = false
				}
			}
		}
		ok = true
		for _, i := range merit {
			place(i, pl.sources[i].MinOutputMW)
		}
		for _, i := range merit {
			place(i, pl.sources[i].CapacityMW-given[i])
		}
		for j, u := range pl.units {
			objective += rem[j] * valueOfLostLoad(u)
		}
		if !ok {
			return 0, false
		}
	}
	return objective, true
}

func valueOfLostLoad(u dispatch.Unit) float64 {
	if u.Priority {
		return dispatch.PriorityValueOfLostLoadPerMWh
	}
	return dispatch.ValueOfLostLoadPerMWh
}

// objectivePerHour is what the LP minimised: the dispatch's cost plus the
// value of the load it left unserved.
func objectivePerHour(p dispatch.Problem, sol dispatch.Solution) float64 {
	obj := sol.CostPerHour
	for _, u := range p.Units {
		obj += sol.UnservedMW[u.ID] * valueOfLostLoad(u)
	}
	return obj
}

// checkSolve solves p and checks the invariants and that the LP is no
// worse than the greedy dispatch.
func checkSolve(t *testing.T, p dispatch.Problem) {
	t.Helper()
	sol, err := dispatch.Solve(p)
	if p.Validate() != nil {
		if !errors.Is(err, dispatch.ErrInvalid) {
			t.Fatalf("Solve of an invalid problem: err = %v, want ErrInvalid", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("Solve: %v\nproblem: %+v", err, p)
	}
	checkInvariants(t, p, sol)
	if greedy, ok := greedyObjectivePerHour(p); ok {
		if lp := objectivePerHour(p, sol); lp > greedy+1e-6*max(1, greedy) {
			t.Errorf("LP objective %.9g exceeds greedy %.9g\nproblem: %+v\nsolution: %+v", lp, greedy, p, sol)
		}
	}
}

func TestSolveRandomProblems(t *testing.T) {
	for seed := range uint64(300) {
		p := randomProblem(seed)
		t.Run(fmt.Sprint(seed), func(t *testing.T) { checkSolve(t, p) })
	}
}

// FuzzSolve solves random small problems, with the fuzzer's values put into
// the first source and unit, and checks the invariants of every Solution:
// an invalid problem is rejected with ErrInvalid, never solved or panicked
// on; a valid one balances and is no worse than greedy dispatch.
func FuzzSolve(f *testing.F) {
	f.Add(uint64(1), 10.0, 20.0, 5.0, 0.9)
	f.Add(uint64(2), 0.0, 0.0, 0.0, 1.0)
	f.Add(uint64(3), 30.0, 10.0, 10.0, 0.5)
	f.Add(uint64(4), -1.0, 5.0, 6.0, 0.0)
	f.Fuzz(func(t *testing.T, seed uint64, demandMW, capMW, minMW, eff float64) {
		p := randomProblem(seed)
		if len(p.Units) > 0 {
			p.Units[0].DemandMW = demandMW
		}
		if len(p.Sources) > 0 {
			p.Sources[0].CapacityMW, p.Sources[0].MinOutputMW, p.Sources[0].Efficiency = capMW, minMW, eff
		}
		checkSolve(t, p)
	})
}

func TestGreedyReferenceIsSane(t *testing.T) {
	// Guards the comparison itself: on "cheaper source fills first" greedy
	// is optimal, 10·30 + 15·(50 + 0.101) = 1051.515.
	p := dispatch.Problem{
		Sources: []dispatch.Source{boiler("p/a", 10, 0, 30), boiler("p/b", 50, 0, 50)},
		Units:   []dispatch.Unit{unit("p/u", 25, false)},
	}
	got, ok := greedyObjectivePerHour(p)
	if !ok || math.Abs(got-1051.515) > 1e-9 {
		t.Fatalf("greedy = %g, %v; want 1051.515, true", got, ok)
	}
}
