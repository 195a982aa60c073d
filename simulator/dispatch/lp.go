package dispatch

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// Prices of demand left unserved, per MWh of heat. They are the LP's
// penalties, not costs of the dispatch: they make every plant's LP feasible
// and decide who is shed when capacity is short (non-priority units first).
// Both are raised, per plant, to at least 10 and 100 times the dearest heat
// the plant can deliver, so the LP never sheds load merely because heat is
// expensive.
const (
	// ValueOfLostLoadPerMWh prices a MWh not delivered to an ordinary unit.
	ValueOfLostLoadPerMWh = 10_000
	// PriorityValueOfLostLoadPerMWh prices a MWh not delivered to a
	// priority unit; it also prices a committed source running below its
	// minimum (see solvePlant).
	PriorityValueOfLostLoadPerMWh = 100_000
)

// Header-loss prices of DistributionCostPerMWh, per MWh of heat.
const (
	// HeaderLossCostPerMWhPerStep is charged per position between a source
	// and a unit on the plant's header.
	HeaderLossCostPerMWhPerStep = 0.10
	// SourceTieBreakPerMWh and UnitTieBreakPerMWh, multiplied by position,
	// break ties between identical boilers (the later ID runs less) and
	// between identical units (the later ID is shed first).
	SourceTieBreakPerMWh = 0.001
	UnitTieBreakPerMWh   = 0.0001
)

const (
	// zeroMW is the flow below which the LP's answer is taken to be 0; it
	// is far below any metered resolution and far above simplex round-off.
	zeroMW = 1e-9
	// simplexTol is the reduced-cost tolerance handed to lp.Simplex: well
	// below the smallest price difference that matters (UnitTieBreakPerMWh)
	// and well above round-off at the largest penalty.
	simplexTol = 1e-9
)

// DistributionCostPerMWh is the cost per MWh of heat of sending it from the
// source at position sourcePos to the unit at position unitPos, where a
// position is the index in the plant's ID-sorted sources or units (≥ 0).
//
// It models header losses: sources and units sit along one steam header in
// ID order, and heat that travels further loses more, at
// HeaderLossCostPerMWhPerStep·|sourcePos − unitPos|. Priced rather than
// subtracted from the flow, so the problem stays a pure transportation
// problem (what leaves a source arrives at the unit). The tie-break terms,
// SourceTieBreakPerMWh·sourcePos + UnitTieBreakPerMWh·unitPos, make the
// optimum unique when boilers or units are otherwise identical. At 0.1 per
// MWh per step it is well under a percent of typical heat costs, so it
// routes heat within the merit order and overrides it only between sources
// whose heat costs differ by less than the header losses.
func DistributionCostPerMWh(sourcePos, unitPos int) float64 {
	steps := sourcePos - unitPos
	if steps < 0 {
		steps = -steps
	}
	return HeaderLossCostPerMWhPerStep*float64(steps) +
		SourceTieBreakPerMWh*float64(sourcePos) + UnitTieBreakPerMWh*float64(unitPos)
}

// plantFlow is a flow by position in its plant's sources and units.
type plantFlow struct {
	source, unit int
	mw           float64
}

// plantResult is one plant's dispatch: its non-zero flows, in source then
// unit order, and the size of the LP solved (0 if none was needed).
type plantResult struct {
	flows                  []plantFlow
	variables, constraints int
}

// solvePlant commits pl's sources (see commit) and routes heat from the
// committed ones to the units with demand by solving one LP with
// lp.Simplex, in standard form min cᵀx s.t. Ax = b, x ≥ 0. With S committed
// sources, L units with demand and R committed sources with a minimum
// output, the columns are
//
//	x[s,u]   S·L  heat from s to u, MW, at heat cost + DistributionCostPerMWh
//	unserved L    demand of u not met, at the unit's value of lost load
//	slack    S    capacity of s not used, free
//	above    R    output of s above its minimum, free
//	short    R    output of s below its minimum, at the priority value of lost load
//
// and the rows are
//
//	u with demand:         Σ_s x[s,u] + unserved[u]          = demand[u]
//	s without a minimum:   Σ_u x[s,u] + slack[s]             = capacity[s]
//	s with minimum lb:     Σ_u x[s,u] − above[s] + short[s]  = lb[s]
//	                                 above[s] + slack[s]      = capacity[s] − lb[s]
//
// so a committed source's output is lb + above − short with 0 ≤ above ≤
// capacity − lb. The lower bound is on a sum of flows, so it cannot be
// substituted into each x[s,u] without deciding in advance which units get
// the minimum; instead the output is substituted as lb + above, which turns
// the capacity row into the second row above.
//
// The unserved, slack and short columns form an identity basis that is
// feasible at once (x = 0, unserved = demand, short = lb, slack =
// capacity − lb), so Simplex starts from it and needs no Phase I (simplex
// wraps lp.Simplex against cycling on these degenerate LPs). short is
// an artificial variable of the Big-M method: the committed minimums never
// exceed demand (see commit), so short = 0 is feasible, and its price
// exceeds what a MWh below minimum could ever save (that source's heat plus
// distribution cost), so at the optimum short = 0.
func solvePlant(pl plant, carbonCostPerTonne float64) (plantResult, error) {
	costs := make([]float64, len(pl.sources))
	for i, s := range pl.sources {
		costs[i] = s.HeatCostPerMWh(carbonCostPerTonne)
	}
	var demandMW float64
	var units []int // positions of units with demand
	for j, u := range pl.units {
		if u.DemandMW > 0 {
			demandMW += u.DemandMW
			units = append(units, j)
		}
	}
	if demandMW == 0 {
		return plantResult{}, nil
	}
	committed := commit(pl.sources, costs, demandMW)
	if len(committed) == 0 {
		return plantResult{}, nil
	}

	S, L := len(committed), len(units)
	var withMin []int // indexes into committed
	for k, i := range committed {
		if pl.sources[i].MinOutputMW > 0 {
			withMin = append(withMin, k)
		}
	}
	R := len(withMin)
	m := L + S + R
	n := S*L + L + S + 2*R
	xCol := func(k, l int) int { return k*L + l }
	unservedCol := func(l int) int { return S*L + l }
	slackCol := func(k int) int { return S*L + L + k }
	aboveCol := func(q int) int { return S*L + L + S + q }
	shortCol := func(q int) int { return S*L + L + S + R + q }
	unitRow := func(l int) int { return l }
	sourceRow := func(k int) int { return L + k }
	bandRow := func(q int) int { return L + S + q }

	// The largest heat + distribution cost sets the penalties' floor.
	var dearest float64
	for _, i := range committed {
		for _, j := range units {
			dearest = max(dearest, costs[i]+DistributionCostPerMWh(i, j))
		}
	}
	scale := max(1, 10*dearest/ValueOfLostLoadPerMWh)
	shortPrice := PriorityValueOfLostLoadPerMWh * scale

	a := make([]float64, m*n)
	set := func(row, col int, v float64) { a[row*n+col] = v }
	c := make([]float64, n)
	b := make([]float64, m)
	basis := make([]int, m)

	for l, j := range units {
		for k, i := range committed {
			set(unitRow(l), xCol(k, l), 1)
			set(sourceRow(k), xCol(k, l), 1)
			c[xCol(k, l)] = costs[i] + DistributionCostPerMWh(i, j)
		}
		set(unitRow(l), unservedCol(l), 1)
		c[unservedCol(l)] = ValueOfLostLoadPerMWh * scale
		if pl.units[j].Priority {
			c[unservedCol(l)] = PriorityValueOfLostLoadPerMWh * scale
		}
		b[unitRow(l)] = pl.units[j].DemandMW
		basis[unitRow(l)] = unservedCol(l)
	}
	q := 0
	for k, i := range committed {
		s := pl.sources[i]
		if s.MinOutputMW == 0 {
			set(sourceRow(k), slackCol(k), 1)
			b[sourceRow(k)] = s.CapacityMW
			basis[sourceRow(k)] = slackCol(k)
			continue
		}
		set(sourceRow(k), aboveCol(q), -1)
		set(sourceRow(k), shortCol(q), 1)
		c[shortCol(q)] = shortPrice
		b[sourceRow(k)] = s.MinOutputMW
		basis[sourceRow(k)] = shortCol(q)
		set(bandRow(q), aboveCol(q), 1)
		set(bandRow(q), slackCol(k), 1)
		b[bandRow(q)] = s.CapacityMW - s.MinOutputMW // ≥ 0 exactly when CapacityMW ≥ MinOutputMW
		basis[bandRow(q)] = slackCol(k)
		q++
	}

	x, err := simplex(c, mat.NewDense(m, n, a), b, basis)
	if err != nil {
		return plantResult{}, fmt.Errorf("simplex on %d variables, %d constraints: %w", n, m, err)
	}
	for _, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return plantResult{}, fmt.Errorf("simplex returned %g: %w", v, errNotExact)
		}
	}
	for q, k := range withMin {
		if short := x[shortCol(q)]; short > 1e-6 {
			return plantResult{}, fmt.Errorf("source %q: %w: runs %g MW below MinOutputMW", pl.sources[committed[k]].ID, errNotExact, short)
		}
	}

	r := plantResult{variables: n, constraints: m}
	for k, i := range committed {
		for l, j := range units {
			if mw := x[xCol(k, l)]; mw > zeroMW {
				r.flows = append(r.flows, plantFlow{source: i, unit: j, mw: mw})
			}
		}
	}
	return r, nil
}

// simplex solves min cᵀx s.t. Ax = b, x ≥ 0 from the feasible basis with
// lp.Simplex, guarding it against cycling.
//
// lp.Simplex prices by Dantzig's rule and, on a degenerate step, falls back
// to a rule that only resembles Bland's (it picks by position in a list the
// pivots permute), so it can cycle for ever on a degenerate LP, and
// dispatch LPs are degenerate all the time: a boiler whose minimum equals
// its capacity (a band row with right-hand side 0), round demands that
// equal a sum of round capacities. simplex therefore solves with b
// perturbed by distinct amounts δᵢ ∈ [ε, 2ε), ε = 1e-10·max(1, max b),
// which makes every basic solution non-degenerate, so every pivot strictly
// lowers the objective and no basis repeats (the classical perturbation
// method). The optimal basis B of the perturbed LP is then re-solved
// against the true b: B's reduced costs do not depend on b, so if
// x_B = B⁻¹b is feasible it is the exact optimum. If it is not (true data
// within ε of a tie), the perturbed optimum is returned; it is within about
// m·ε of an exact one.
func simplex(c []float64, A *mat.Dense, b []float64, basis []int) ([]float64, error) {
	m, _ := A.Dims()
	var bMax float64
	for _, v := range b {
		bMax = max(bMax, v)
	}
	eps := 1e-10 * max(1, bMax)
	const phi = 0.6180339887498949 // golden ratio − 1: spreads δᵢ with no two alike
	perturbed := make([]float64, m)
	for i, v := range b {
		_, frac := math.Modf(float64(i+1) * phi)
		perturbed[i] = v + eps*(1+frac)
	}
	_, x, err := lp.Simplex(c, A, perturbed, simplexTol, basis)
	if err != nil {
		return nil, err
	}

	// Non-degenerate, so the basic variables are exactly the non-zero ones.
	var cols []int
	for j, v := range x {
		if v != 0 {
			cols = append(cols, j)
		}
	}
	if len(cols) != m {
		return x, nil
	}
	B := mat.NewDense(m, m, nil)
	for k, j := range cols {
		for i := range m {
			B.Set(i, k, A.At(i, j))
		}
	}
	var xb mat.VecDense
	if err := xb.SolveVec(B, mat.NewVecDense(m, b)); err != nil {
		return x, nil
	}
	for k := range cols {
		if xb.AtVec(k) < -10*eps {
			return x, nil
		}
	}
	exact := make([]float64, len(x))
	for k, j := range cols {
		exact[j] = max(0, xb.AtVec(k))
	}
	return exact, nil
}

// errNotExact reports an LP answer that breaks the formulation's own
// guarantees, which only numerical trouble could cause.
var errNotExact = errors.New("lp solution is numerically unreliable")
