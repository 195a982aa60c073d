package dispatch_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/greenlang/gl001/simulator/dispatch"
)

const tolMW = 1e-6

// boiler is a source with efficiency 1 and no emissions unless changed, so
// that hand arithmetic stays short.
func boiler(id string, capMW, minMW, fuelCostPerMWh float64) dispatch.Source {
	plant, _, _ := strings.Cut(id, "/")
	return dispatch.Source{ID: id, Plant: plant, CapacityMW: capMW, MinOutputMW: minMW, Efficiency: 1, FuelCostPerMWh: fuelCostPerMWh}
}

func unit(id string, demandMW float64, priority bool) dispatch.Unit {
	plant, _, _ := strings.Cut(id, "/")
	return dispatch.Unit{ID: id, Plant: plant, DemandMW: demandMW, Priority: priority}
}

// want is the hand-computed part of a Solution a case checks; maps list
// every entry the Solution must have (UnservedMW exactly, the others at
// least these).
type want struct {
	outputMW   map[string]float64
	unservedMW map[string]float64
	fuel       float64 // FuelCostPerHour
	carbon     float64 // CarbonCostPerHour
	dist       float64 // DistributionCostPerHour
	co2KgHr    float64
	variables  int
}

func TestSolveHandChecked(t *testing.T) {
	tests := []struct {
		name string
		p    dispatch.Problem
		want want
	}{
		{
			// Heat cost (40 + 100·200/1000)/0.8 = 75 per MWh. 20 MW of heat
			// burns 20/0.8 = 25 MW of fuel: 25·40 = 1000 fuel, 25·200 = 5000
			// kg CO2 = 5 t·100 = 500 carbon. One source, one unit, at the same
			// header position: no distribution cost. LP: 1 x, 1 unserved,
			// 1 slack.
			name: "single source single unit",
			p: dispatch.Problem{
				Sources:            []dispatch.Source{{ID: "p/b", Plant: "p", CapacityMW: 50, Efficiency: 0.8, FuelCostPerMWh: 40, EmissionFactorKgPerMWh: 200}},
				Units:              []dispatch.Unit{unit("p/u", 20, false)},
				CarbonCostPerTonne: 100,
			},
			want: want{outputMW: map[string]float64{"p/b": 20}, fuel: 1000, carbon: 500, co2KgHr: 5000, variables: 3},
		},
		{
			// a (30/MWh) fills to its 10 MW, b (50/MWh) makes the other 15:
			// 10·30 + 15·50 = 1050. b sits one step from the unit and is the
			// second source: 0.1 + 0.001 = 0.101/MWh·15 = 1.515.
			name: "cheaper source fills first up to capacity",
			p: dispatch.Problem{
				Sources: []dispatch.Source{boiler("p/a", 10, 0, 30), boiler("p/b", 50, 0, 50)},
				Units:   []dispatch.Unit{unit("p/u", 25, false)},
			},
			want: want{outputMW: map[string]float64{"p/a": 10, "p/b": 15}, fuel: 1050, dist: 1.515, variables: 5},
		},
		{
			// Without a carbon price coal (21/MWh) beats gas (35/MWh);
			// 20 MW of coal emits 20·341 = 6820 kg/h.
			name: "no carbon price: coal first",
			p:    coalOrGas(0),
			want: want{outputMW: map[string]float64{"p/coal": 20, "p/gas": 0}, fuel: 420, co2KgHr: 6820, variables: 3},
		},
		{
			// At 200 per tonne, coal is 21 + 0.341·200 = 89.2/MWh and gas
			// 35 + 0.202·200 = 75.4/MWh (break-even is 14/0.139 ≈ 100.7 per
			// tonne). 20 MW of gas: fuel 20·35 = 700; CO2 20·202 = 4040
			// kg/h, 4.04 t·200 = 808. gas is the second source by ID:
			// 0.1 + 0.001 = 0.101/MWh·20 = 2.02.
			name: "carbon price flips the merit order",
			p:    coalOrGas(200),
			want: want{outputMW: map[string]float64{"p/coal": 0, "p/gas": 20}, fuel: 700, carbon: 808, co2KgHr: 4040, dist: 2.02, variables: 3},
		},
		{
			// 30 MW for 40 MW of demand: the priority unit u2 gets its 20,
			// u1 the remaining 10. Fuel 30·40 = 1200; u2 is one step away:
			// 20·(0.1 + 0.0001) = 2.002.
			name: "capacity short: priority unit served first",
			p: dispatch.Problem{
				Sources: []dispatch.Source{boiler("p/b", 30, 0, 40)},
				Units:   []dispatch.Unit{unit("p/u1", 20, false), unit("p/u2", 20, true)},
			},
			want: want{outputMW: map[string]float64{"p/b": 30}, unservedMW: map[string]float64{"p/u1": 10}, fuel: 1200, dist: 2.002, variables: 5},
		},
		{
			// Same, with neither unit priority: u2 is further from the
			// boiler, so it is shed. Distribution 10·0.1001 = 1.001.
			name: "capacity short: the further unit is shed",
			p: dispatch.Problem{
				Sources: []dispatch.Source{boiler("p/b", 30, 0, 40)},
				Units:   []dispatch.Unit{unit("p/u1", 20, false), unit("p/u2", 20, false)},
			},
			want: want{outputMW: map[string]float64{"p/b": 30}, unservedMW: map[string]float64{"p/u2": 10}, fuel: 1200, dist: 1.001, variables: 5},
		},
		{
			// a's 10 MW does not cover 12, so b is committed too and must
			// make its 5 MW minimum; a makes the other 7 (without turndown
			// it would be a 10, b 2). Fuel 7·30 + 5·60 = 510; b is one step
			// away: 5·0.101 = 0.505. LP: 2 x, 1 unserved, 2 slack, b's
			// above and short.
			name: "turndown runs a dearer committed source at its minimum",
			p: dispatch.Problem{
				Sources: []dispatch.Source{boiler("p/a", 10, 0, 30), boiler("p/b", 20, 5, 60)},
				Units:   []dispatch.Unit{unit("p/u", 12, false)},
			},
			want: want{outputMW: map[string]float64{"p/a": 7, "p/b": 5}, fuel: 510, dist: 0.505, variables: 7},
		},
		{
			// a is cheaper but its 6 MW minimum exceeds the 5 MW demand, so
			// commitment skips it; b makes 5 at 60: fuel 300, distribution
			// 5·0.101 = 0.505.
			name: "turndown above demand skips the cheaper source",
			p: dispatch.Problem{
				Sources: []dispatch.Source{boiler("p/a", 10, 6, 30), boiler("p/b", 10, 0, 60)},
				Units:   []dispatch.Unit{unit("p/u", 5, false)},
			},
			want: want{outputMW: map[string]float64{"p/a": 0, "p/b": 5}, fuel: 300, dist: 0.505, variables: 3},
		},
		{
			// The only boiler cannot turn down to 5 MW and there is nowhere
			// to dump heat, so it stays off and the unit is unserved.
			name: "turndown above demand with no alternative",
			p: dispatch.Problem{
				Sources: []dispatch.Source{boiler("p/a", 10, 6, 30)},
				Units:   []dispatch.Unit{unit("p/u", 5, false)},
			},
			want: want{outputMW: map[string]float64{"p/a": 0}, unservedMW: map[string]float64{"p/u": 5}},
		},
		{
			// Plant a's 10/MWh boiler has 100 MW spare, but steam does not
			// cross plants: b's 5 MW boiler at 90/MWh serves b's 10 MW unit
			// and 5 is unserved. Fuel 10·10 + 5·90 = 550; each unit sits at
			// its boiler's position.
			name: "plants are independent",
			p: dispatch.Problem{
				Sources: []dispatch.Source{boiler("a/cheap", 110, 0, 10), boiler("b/dear", 5, 0, 90)},
				Units:   []dispatch.Unit{unit("a/u", 10, false), unit("b/u", 10, true)},
			},
			want: want{outputMW: map[string]float64{"a/cheap": 10, "b/dear": 5}, unservedMW: map[string]float64{"b/u": 5}, fuel: 550, variables: 6},
		},
		{
			// Degenerate LP (two band rows with right-hand side 0, round
			// numbers everywhere) on which lp.Simplex alone cycles for ever.
			// Demand 35: merit order commits a (20, minimum 20), b (10,
			// minimum 10) and c; a and b run flat out, c makes 5. Fuel
			// 20·10 + 10·20 + 5·60 = 700. Routing on the header (a, b, c at
			// 0, 1, 2; u1, u2, u3 at 0, 1, 2): 5 MW must cross each gap
			// (supply 20 vs demand 15 left of the first, 30 vs 25 of the
			// second), 10 MW·steps·0.1 = 1; tie-breaks 0.001·(10·1 + 5·2) +
			// 0.0001·(10·1 + 10·2) = 0.023. LP: 9 x, 3 unserved, 3 slack,
			// 2 above, 2 short.
			name: "boilers at fixed output",
			p: dispatch.Problem{
				Sources: []dispatch.Source{boiler("p/a", 20, 20, 10), boiler("p/b", 10, 10, 20), boiler("p/c", 10, 0, 60)},
				Units:   []dispatch.Unit{unit("p/u1", 15, false), unit("p/u2", 10, false), unit("p/u3", 10, false)},
			},
			want: want{outputMW: map[string]float64{"p/a": 20, "p/b": 10, "p/c": 5}, fuel: 700, dist: 1.023, variables: 19},
		},
		{
			name: "zero demand: everything off, no LP",
			p: dispatch.Problem{
				Sources: []dispatch.Source{boiler("p/a", 10, 2, 30), boiler("p/b", 10, 0, 60)},
				Units:   []dispatch.Unit{unit("p/u1", 0, false), unit("p/u2", 0, true)},
			},
			want: want{outputMW: map[string]float64{"p/a": 0, "p/b": 0}},
		},
		{
			name: "plant with units but no sources: all unserved",
			p: dispatch.Problem{
				Units: []dispatch.Unit{unit("p/u1", 4, false), unit("p/u2", 6, true)},
			},
			want: want{unservedMW: map[string]float64{"p/u1": 4, "p/u2": 6}},
		},
		{
			// The zero-capacity boiler is never committed; the zero-demand
			// unit is left out of the LP (so 1 x, 1 unserved, 1 slack).
			// Fuel 8·50 = 400; b is source 1, unit u1 position 0:
			// 8·(0.1 + 0.001) = 0.808.
			name: "zero-capacity source and zero-demand unit",
			p: dispatch.Problem{
				Sources: []dispatch.Source{boiler("p/a", 0, 0, 1), boiler("p/b", 10, 0, 50)},
				Units:   []dispatch.Unit{unit("p/u1", 8, false), unit("p/u2", 0, false)},
			},
			want: want{outputMW: map[string]float64{"p/a": 0, "p/b": 8}, fuel: 400, dist: 0.808, variables: 3},
		},
		{
			// Two identical boilers at 30/MWh, one unit at position 0: the
			// first is nearer and the tie-break favours it anyway; it fills
			// its 10 MW before the second starts. Fuel 15·30 = 450;
			// 5·0.101 = 0.505.
			name: "identical boilers resolve by position",
			p: dispatch.Problem{
				Sources: []dispatch.Source{boiler("p/b2", 10, 0, 30), boiler("p/b1", 10, 0, 30)},
				Units:   []dispatch.Unit{unit("p/u", 15, false)},
			},
			want: want{outputMW: map[string]float64{"p/b1": 10, "p/b2": 5}, fuel: 450, dist: 0.505, variables: 5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sol, err := dispatch.Solve(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, tt.p, sol)
			for id, mw := range tt.want.outputMW {
				if got := sol.SourceOutputMW[id]; math.Abs(got-mw) > tolMW {
					t.Errorf("SourceOutputMW[%q] = %g, want %g", id, got, mw)
				}
			}
			if len(sol.UnservedMW) != len(tt.want.unservedMW) {
				t.Errorf("UnservedMW = %v, want %v", sol.UnservedMW, tt.want.unservedMW)
			}
			for id, mw := range tt.want.unservedMW {
				if got := sol.UnservedMW[id]; math.Abs(got-mw) > tolMW {
					t.Errorf("UnservedMW[%q] = %g, want %g", id, got, mw)
				}
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{
				{"FuelCostPerHour", sol.FuelCostPerHour, tt.want.fuel},
				{"CarbonCostPerHour", sol.CarbonCostPerHour, tt.want.carbon},
				{"DistributionCostPerHour", sol.DistributionCostPerHour, tt.want.dist},
				{"CostPerHour", sol.CostPerHour, tt.want.fuel + tt.want.carbon + tt.want.dist},
				{"CO2KgHr", sol.CO2KgHr, tt.want.co2KgHr},
			} {
				if math.Abs(c.got-c.want) > 1e-6 {
					t.Errorf("%s = %.9g, want %.9g", c.name, c.got, c.want)
				}
			}
			if sol.Variables != tt.want.variables {
				t.Errorf("Variables = %d, want %d", sol.Variables, tt.want.variables)
			}
		})
	}
}

// coalOrGas is one 20 MW unit and two 30 MW boilers with efficiency 1:
// coal at 21/MWh and 341 kg/MWh, gas at 35/MWh and 202 kg/MWh.
func coalOrGas(carbonCostPerTonne float64) dispatch.Problem {
	coal, gas := boiler("p/coal", 30, 0, 21), boiler("p/gas", 30, 0, 35)
	coal.EmissionFactorKgPerMWh, gas.EmissionFactorKgPerMWh = 341, 202
	return dispatch.Problem{
		Sources:            []dispatch.Source{coal, gas},
		Units:              []dispatch.Unit{unit("p/u", 20, false)},
		CarbonCostPerTonne: carbonCostPerTonne,
	}
}

// checkInvariants checks what every Solution of p must satisfy: complete
// maps; sorted, non-zero flows within a plant; each unit's flows plus
// unserved equal to its demand; each source's flows equal to its output,
// within capacity, and at least its minimum when running; costs that add up.
func checkInvariants(t *testing.T, p dispatch.Problem, sol dispatch.Solution) {
	t.Helper()
	sources := make(map[string]dispatch.Source)
	for _, s := range p.Sources {
		sources[s.ID] = s
	}
	units := make(map[string]dispatch.Unit)
	for _, u := range p.Units {
		units[u.ID] = u
	}
	if len(sol.SourceOutputMW) != len(p.Sources) || len(sol.UnitAllocatedMW) != len(p.Units) {
		t.Errorf("maps have %d sources and %d units, want %d and %d", len(sol.SourceOutputMW), len(sol.UnitAllocatedMW), len(p.Sources), len(p.Units))
	}
	if !slices.IsSortedFunc(sol.Flows, func(a, b dispatch.Flow) int {
		if c := strings.Compare(a.Source, b.Source); c != 0 {
			return c
		}
		return strings.Compare(a.Unit, b.Unit)
	}) {
		t.Errorf("flows not sorted: %v", sol.Flows)
	}
	out := make(map[string]float64)
	in := make(map[string]float64)
	for _, f := range sol.Flows {
		s, okS := sources[f.Source]
		u, okU := units[f.Unit]
		switch {
		case !okS || !okU:
			t.Errorf("flow %v names an unknown source or unit", f)
		case s.Plant != u.Plant:
			t.Errorf("flow %v crosses from plant %q to %q", f, s.Plant, u.Plant)
		case !(f.MW > 0):
			t.Errorf("flow %v is not positive", f)
		}
		out[f.Source] += f.MW
		in[f.Unit] += f.MW
	}
	for id, u := range units {
		if got := in[id] + sol.UnservedMW[id]; math.Abs(got-u.DemandMW) > tolMW {
			t.Errorf("unit %q: flows %g + unserved %g = %g, want demand %g", id, in[id], sol.UnservedMW[id], got, u.DemandMW)
		}
		if math.Abs(sol.UnitAllocatedMW[id]-in[id]) > tolMW {
			t.Errorf("unit %q: UnitAllocatedMW %g, flows in %g", id, sol.UnitAllocatedMW[id], in[id])
		}
		if mw, ok := sol.UnservedMW[id]; ok && !(mw > 0) {
			t.Errorf("unit %q: UnservedMW entry %g is not positive", id, mw)
		}
	}
	var fuel, co2 float64
	for id, s := range sources {
		got := sol.SourceOutputMW[id]
		if math.Abs(got-out[id]) > tolMW {
			t.Errorf("source %q: SourceOutputMW %g, flows out %g", id, got, out[id])
		}
		if got > s.CapacityMW+tolMW {
			t.Errorf("source %q: output %g exceeds capacity %g", id, got, s.CapacityMW)
		}
		if got > tolMW && got < s.MinOutputMW-tolMW {
			t.Errorf("source %q: runs at %g, below its minimum %g", id, got, s.MinOutputMW)
		}
		fuel += got / s.Efficiency * s.FuelCostPerMWh
		co2 += got / s.Efficiency * s.EmissionFactorKgPerMWh
	}
	if !near(fuel, sol.FuelCostPerHour) || !near(co2, sol.CO2KgHr) || !near(co2/1000*p.CarbonCostPerTonne, sol.CarbonCostPerHour) {
		t.Errorf("costs: fuel %g co2 %g carbon %g, recomputed %g %g %g", sol.FuelCostPerHour, sol.CO2KgHr, sol.CarbonCostPerHour, fuel, co2, co2/1000*p.CarbonCostPerTonne)
	}
	if !near(sol.CostPerHour, sol.FuelCostPerHour+sol.CarbonCostPerHour+sol.DistributionCostPerHour) {
		t.Errorf("CostPerHour %g is not the sum of its parts", sol.CostPerHour)
	}
}

// near compares costs with a relative tolerance, as they scale with MW.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*max(1, math.Abs(a), math.Abs(b)) }

func TestSolveDeterministic(t *testing.T) {
	p := fleet(15, 7)
	first, err := dispatch.Solve(p)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, p, first)
	if first.Plants != 15 || first.Variables == 0 || first.Constraints == 0 {
		t.Errorf("size: %d plants, %d variables, %d constraints", first.Plants, first.Variables, first.Constraints)
	}
	// Shuffling the input order must not change a single bit of the answer.
	rev := dispatch.Problem{Sources: slices.Clone(p.Sources), Units: slices.Clone(p.Units), CarbonCostPerTonne: p.CarbonCostPerTonne}
	slices.Reverse(rev.Sources)
	slices.Reverse(rev.Units)
	for range 3 {
		again, err := dispatch.Solve(rev)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(first.Flows, again.Flows) || first.CostPerHour != again.CostPerHour {
			t.Fatalf("a reordered problem gave a different dispatch")
		}
	}
}

func TestSolveContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := dispatch.SolveContext(ctx, fleet(2, 1)); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestSolveRejectsInvalid(t *testing.T) {
	p := dispatch.Problem{Sources: []dispatch.Source{boiler("p/a", -1, 0, 30)}}
	if _, err := dispatch.Solve(p); !errors.Is(err, dispatch.ErrInvalid) {
		t.Fatalf("err = %v, want ErrInvalid", err)
	}
}
