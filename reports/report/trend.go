package report

import (
	"fmt"
	"slices"
	"time"

	"github.com/greenlang/gl001/reports/decision"
)

// The rules that turn the run's time series into the decision tree's
// trends. The series is, per interval, the mean over replicas of CPU (or
// memory) use in percent of the per-replica limit; "points" are percentage
// points of that limit. Only the steady state counts: intervals whose
// midpoint lies after the scenario's ramp-up and before the end of its
// duration, so the climb from idle at the start and the drain at the end
// are not mistaken for a trend.
const (
	// TrendMinIntervals is the fewest steady-state intervals with readings
	// a trend is derived from; with fewer it is unknown.
	TrendMinIntervals = 5
	// TrendMedianWindow is how many preceding intervals a jump is measured
	// against (their median); a jump needs at least 3 before it.
	TrendMedianWindow = 10

	// CPUSuddenJumpPoints: CPU is "sudden" when some interval is more than
	// this many points above the median of the intervals before it.
	CPUSuddenJumpPoints = 20
	// CPUGradualRisePoints: otherwise CPU is "gradual" when the
	// least-squares line over the steady state rises by more than this
	// many points from its first interval to its last; otherwise "flat".
	CPUGradualRisePoints = 10

	// MemorySpikeJumpPoints and MemorySpikeReturnPoints: memory is
	// "spiky" when some interval is more than MemorySpikeJumpPoints above
	// the median of the intervals before it and a later interval is back
	// within MemorySpikeReturnPoints of that median.
	MemorySpikeJumpPoints   = 15
	MemorySpikeReturnPoints = 5
	// MemoryGrowingRisePoints: otherwise memory is "growing" when the
	// least-squares line rises by more than this many points; otherwise
	// "stable".
	MemoryGrowingRisePoints = 10
)

// Trend is how one of the decision tree's trends was obtained.
type Trend struct {
	// Field is "cpu_trend" or "memory_trend".
	Field string `json:"field"`
	// Value is the trend; nil when unknown.
	Value *string `json:"value"`
	// Source is "given" (Options.Context), "derived" or "unknown".
	Source string `json:"source"`
	// Basis explains Value with the numbers the rules compared.
	Basis string `json:"basis"`
	// Intervals is how many steady-state intervals the rules looked at.
	Intervals int `json:"intervals"`
	// RisePoints is the least-squares line's rise over the steady state,
	// JumpPoints the largest rise of an interval over the median of the
	// ones before it, both in points of the limit.
	RisePoints *float64 `json:"rise_points,omitempty"`
	JumpPoints *float64 `json:"jump_points,omitempty"`
}

// steady returns the points inside the steady-state window.
func steady(points []point, start time.Time, rampUp, duration time.Duration) []point {
	from := start.Add(rampUp)
	var out []point
	for _, p := range points {
		if p.mid.Before(from) {
			continue
		}
		if duration > 0 && p.mid.After(start.Add(duration)) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// deriveTrends fills the context's CPU and memory trends that were not
// given, from the steady-state points, and says how each was obtained. A
// resource whose limit was not enforced (cpuWhy, memWhy say why) has no
// trend: its points are of a limit that held nothing.
func deriveTrends(ctx decision.Context, points []point, cpuWhy, memWhy string) (decision.Context, []Trend) {
	var ts, cpu, mem []float64
	for _, p := range points {
		ts = append(ts, p.mid.Sub(points[0].mid).Seconds())
		cpu = append(cpu, p.cpuPct)
		mem = append(mem, p.memPct)
	}
	cpuT := Trend{Field: "cpu_trend", Intervals: len(points)}
	memT := Trend{Field: "memory_trend", Intervals: len(points)}
	if ctx.CPUTrend != nil {
		cpuT.Value, cpuT.Source, cpuT.Basis = ptr(*ctx.CPUTrend), "given", "given by the engineer"
	} else if cpuWhy != "" && len(points) > 0 {
		cpuT.Source, cpuT.Basis = "unknown", "not derived: "+cpuWhy
	} else {
		cpuT.derive(ts, cpu, classifyCPU)
		ctx.CPUTrend = cpuT.Value
	}
	if ctx.MemoryTrend != nil {
		memT.Value, memT.Source, memT.Basis = ptr(*ctx.MemoryTrend), "given", "given by the engineer"
	} else if memWhy != "" && len(points) > 0 {
		memT.Source, memT.Basis = "unknown", "not derived: "+memWhy
	} else {
		memT.derive(ts, mem, classifyMemory)
		ctx.MemoryTrend = memT.Value
	}
	return ctx, []Trend{cpuT, memT}
}

func (t *Trend) derive(ts, vs []float64, classify func(ts, vs []float64) (string, float64, float64, string)) {
	if len(vs) < TrendMinIntervals {
		t.Source = "unknown"
		t.Basis = fmt.Sprintf("%s with replica readings in the steady state; at least %d needed",
			plural(len(vs), "interval"), TrendMinIntervals)
		return
	}
	v, rise, jump, basis := classify(ts, vs)
	t.Value, t.Source, t.Basis = ptr(v), "derived", basis
	t.RisePoints, t.JumpPoints = ptr(round(rise, 1)), ptr(round(jump, 1))
}

// classifyCPU applies the CPU rules: sudden, else gradual, else flat.
func classifyCPU(ts, vs []float64) (string, float64, float64, string) {
	rise := linearRise(ts, vs)
	jump, _, _ := largestJump(vs)
	facts := fmt.Sprintf("over %s the fitted line rises %s points (gradual above %d) and the largest jump over the median of the preceding %d intervals is %s points (sudden above %d)",
		plural(len(vs), "steady-state interval"), num(rise, 1), CPUGradualRisePoints, TrendMedianWindow, num(jump, 1), CPUSuddenJumpPoints)
	switch {
	case jump > CPUSuddenJumpPoints:
		return decision.CPUSudden, rise, jump, facts
	case rise > CPUGradualRisePoints:
		return decision.CPUGradual, rise, jump, facts
	}
	return decision.CPUFlat, rise, jump, facts
}

// classifyMemory applies the memory rules: spiky, else growing, else
// stable.
func classifyMemory(ts, vs []float64) (string, float64, float64, string) {
	rise := linearRise(ts, vs)
	jump, _, _ := largestJump(vs)
	spiky := spikeThenDrop(vs)
	spike := ""
	switch {
	case spiky:
		spike = fmt.Sprintf("; a later interval came back within %d points", MemorySpikeReturnPoints)
	case jump > MemorySpikeJumpPoints:
		spike = fmt.Sprintf("; no later interval came back within %d points", MemorySpikeReturnPoints)
	}
	facts := fmt.Sprintf("over %s the fitted line rises %s points (growing above %d) and the largest jump over the median of the preceding %d intervals is %s points (a spike above %d%s)",
		plural(len(vs), "steady-state interval"), num(rise, 1), MemoryGrowingRisePoints, TrendMedianWindow, num(jump, 1), MemorySpikeJumpPoints, spike)
	switch {
	case spiky:
		return decision.MemorySpiky, rise, jump, facts
	case rise > MemoryGrowingRisePoints:
		return decision.MemoryGrowing, rise, jump, facts
	}
	return decision.MemoryStable, rise, jump, facts
}

// linearRise fits vs against ts by least squares and returns the line's
// rise from the first t to the last: slope × (t_last − t_first).
func linearRise(ts, vs []float64) float64 {
	n := float64(len(ts))
	if n < 2 {
		return 0
	}
	var mt, mv float64
	for i := range ts {
		mt += ts[i]
		mv += vs[i]
	}
	mt, mv = mt/n, mv/n
	var sxy, sxx float64
	for i := range ts {
		sxy += (ts[i] - mt) * (vs[i] - mv)
		sxx += (ts[i] - mt) * (ts[i] - mt)
	}
	if sxx == 0 {
		return 0
	}
	return sxy / sxx * (ts[len(ts)-1] - ts[0])
}

// largestJump returns the largest vs[i] − median(the up to
// TrendMedianWindow values before i), over i with at least 3 before it,
// with its index and that median; 0, -1, 0 when there is none.
func largestJump(vs []float64) (jump float64, at int, base float64) {
	at = -1
	for i := 3; i < len(vs); i++ {
		m := median(vs[max(0, i-TrendMedianWindow):i])
		if d := vs[i] - m; at < 0 || d > jump {
			jump, at, base = d, i, m
		}
	}
	if jump < 0 {
		jump = 0
	}
	return jump, at, base
}

// spikeThenDrop reports whether some interval jumps more than
// MemorySpikeJumpPoints over the median of the ones before it and a later
// interval comes back within MemorySpikeReturnPoints of that median.
func spikeThenDrop(vs []float64) bool {
	for i := 3; i < len(vs); i++ {
		m := median(vs[max(0, i-TrendMedianWindow):i])
		if vs[i]-m <= MemorySpikeJumpPoints {
			continue
		}
		for _, later := range vs[i+1:] {
			if later <= m+MemorySpikeReturnPoints {
				return true
			}
		}
	}
	return false
}

func median(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
