package dispatch

import (
	"cmp"
	"slices"
)

// commit decides which of a plant's sources run, returning their indexes
// into sources in ascending (header) order. costs[i] is sources[i]'s heat
// cost per MWh; sources are sorted by ID.
//
// Minimum stable output makes dispatch a mixed-integer problem (a source is
// off, or between MinOutputMW and CapacityMW). commit fixes the integer part
// the way an operator would, so that what remains is an LP: walk the merit
// order (cheapest heat first, ties by ID) committing sources until the
// committed capacity covers demandMW. Sources with no capacity are never
// committed. A source whose MinOutputMW, added to the minimums already
// committed, would exceed demandMW is skipped rather than committed: running
// it would force heat nobody asked for (there is no dump condenser), and
// skipping it rather than dropping the last one lets a cheaper or smaller
// source further down the order fill in. So the committed minimums never
// exceed demand, and the LP can always honour them.
//
// This is a heuristic, not the MILP optimum: with demand 10, A (capacity 6,
// minimum 6) first in merit order and B (capacity 8, minimum 5), commit runs
// A alone and leaves 4 MW unserved where B alone would leave 2.
func commit(sources []Source, costs []float64, demandMW float64) []int {
	order := make([]int, len(sources))
	for i := range order {
		order[i] = i
	}
	// Stable, and sources are in ID order, so equal costs resolve by ID.
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(costs[a], costs[b]) })

	var committed []int
	var capMW, minMW float64
	for _, i := range order {
		if capMW >= demandMW {
			break
		}
		s := sources[i]
		if s.CapacityMW <= 0 || minMW+s.MinOutputMW > demandMW {
			continue
		}
		committed = append(committed, i)
		capMW += s.CapacityMW
		minMW += s.MinOutputMW
	}
	slices.Sort(committed)
	return committed
}
