package plots

import (
	"maps"
	"slices"

	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// scenarioOrder puts the guide's scenarios first, in the guide's order;
// any other scenario follows, sorted.
var scenarioOrder = []string{"optimize", "coordinate"}

// ratesSpec draws one panel per scenario: the arrival rate achieved
// (iterations started per second) against the schedule's target.
func ratesSpec(run *runlog.Run, t timeline) (spec, error) {
	s := spec{name: NameRates, title: "Arrival rate per scenario: achieved against target (per second)", span: t.spanSeconds}
	for _, name := range scenarios(run) {
		states := make([]*record.Executor, len(run.Intervals))
		for i, iv := range run.Intervals {
			if st, ok := iv.Executors[name]; ok {
				states[i] = &st
			}
		}
		achieved, target := arrivalRates(states, minRateWindow(run))
		s.panels = append(s.panels, panel{
			title:  name + ": arrivals per second",
			yLabel: "per second",
			series: []series{
				newSeries("achieved", solid(blue), t.xs, achieved),
				newSeries("target", dashedStyle(grey), t.xs, target),
			},
		})
	}
	if len(s.panels) == 0 {
		s.note = `no executor state: no interval records extra "executors"`
	}
	return s, nil
}

// scenarios returns the scenarios any interval records, in scenarioOrder.
func scenarios(run *runlog.Run) []string {
	seen := map[string]bool{}
	for _, iv := range run.Intervals {
		for name := range iv.Executors {
			seen[name] = true
		}
	}
	var out []string
	for _, name := range scenarioOrder {
		if seen[name] {
			out = append(out, name)
			delete(seen, name)
		}
	}
	return append(out, slices.Sorted(maps.Keys(seen))...)
}

// minRateWindow is the shortest executor time over which an achieved rate
// is measured: half the run's interval (half a second when the header does
// not say). The run's last interval is a few milliseconds of flush, in which
// one straggling start would read as hundreds per second.
func minRateWindow(run *runlog.Run) float64 {
	if run.Meta.IntervalSeconds > 0 {
		return run.Meta.IntervalSeconds / 2
	}
	return 0.5
}

// arrivalRates returns, per interval, one scenario's achieved and target
// arrival rates, per second, from its executor's cumulative state at each
// interval's end (nil where the interval records none; NaN out).
//
// achieved is Δstarted/Δelapsed over the interval: against the previous
// interval's state, or against the executor's start (zero) for the first
// state recorded. It is NaN where it cannot be measured: after an interval
// without state (the difference would span several intervals), when
// elapsed advanced less than minWindowSeconds (an interval cut short, or
// the executor had finished), or when the counts went backwards. target is
// the schedule's rate at the interval's end.
func arrivalRates(states []*record.Executor, minWindowSeconds float64) (achieved, target []float64) {
	achieved, target = missing(len(states)), missing(len(states))
	var prev *record.Executor
	for i, st := range states {
		if st == nil {
			continue
		}
		target[i] = st.TargetPerSecond
		from := record.Executor{} // the executor's start
		switch {
		case prev != nil && states[i-1] == prev:
			from = *prev
		case prev != nil:
			prev = st
			continue // a gap before this interval
		}
		prev = st
		dStarted, dElapsed := st.Started-from.Started, st.ElapsedSeconds-from.ElapsedSeconds
		if dElapsed > 0 && dElapsed >= minWindowSeconds && dStarted >= 0 {
			achieved[i] = float64(dStarted) / dElapsed
		}
	}
	return achieved, target
}
