package thresholds

import "slices"

// Defaults are the thresholds gl001 applies when a scenario sets none
// for a metric: the healthy ("Current") column of the GL-001 scaling
// guide's "Scaling Triggers and Thresholds" table, for the rows a load
// test measures. Durations are in milliseconds, as k6 writes them. Each
// call returns a fresh Set.
func Defaults() Set {
	return Set{
		// Row "Orchestration Latency (p95) | <2s | 2-3s | >3s": the p95
		// of an orchestration request stays under 2 s.
		"gl001_optimize_duration": {mustThreshold("p(95)<2000")},
		// Row "Agent Coordination Errors | <1% | 1-5% | >5%": fewer than
		// 1 % of agent coordinations fail.
		"gl001_coordination_failed": {mustThreshold("rate<0.01")},
		// The table has no row for optimization requests that fail: it
		// reads the latency of answers. A run whose requests fail says
		// nothing about that latency (a refused connection is fast), so
		// they are held to the coordination row's line: fewer than 1 %.
		"gl001_optimize_failed": {mustThreshold("rate<0.01")},
		// Row "Heat Optimization Time | <2s | 2-5s | >5s": the p95 of one
		// heat optimization stays under 2 s.
		"gl001_heat_optimization_duration": {mustThreshold("p(95)<2000")},
	}
}

// Merge returns a new Set with the user's thresholds over the defaults:
// a user key replaces the default's whole list for that exact key
// (a submetric key does not touch its base metric's defaults), and a
// user key with an empty list switches that default off. Neither
// argument is changed, and the result shares no list with them.
func Merge(defaults, user Set) Set {
	out := make(Set, len(defaults)+len(user))
	for key, ths := range defaults {
		out[key] = slices.Clone(ths)
	}
	for key, ths := range user {
		if ths == nil {
			ths = []Threshold{}
		}
		out[key] = slices.Clone(ths)
	}
	return out
}

func mustThreshold(expr string) Threshold {
	e, err := Parse(expr)
	if err != nil {
		panic("thresholds: bad default " + err.Error())
	}
	return Threshold{Expression: e}
}
