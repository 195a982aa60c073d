package report

import (
	"fmt"

	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/reports/triggers"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// RegionRow is one region's share of a run with regions (gl001 run
// --regions): its plants, the round trip between it and the orchestrator,
// and the latency and failures of its optimizations and coordination
// events, each placed in the guide's bands. A figure with no sample is
// null ("none sent").
type RegionRow struct {
	Name   string `json:"name"`
	Plants string `json:"plants"`
	// RoundTripMS is the region's round trip; RoundTripAdded says the
	// stand-in added it, rather than the network a real target is on.
	RoundTripMS    float64 `json:"round_trip_ms"`
	RoundTripAdded bool    `json:"round_trip_added"`

	OptimizeRequests int64 `json:"optimize_requests"`
	// OptimizeP95Seconds is the p95 of the region's answered requests,
	// from their scheduled start: the guide's orchestration latency for
	// the region's plants.
	OptimizeP95Seconds    *float64       `json:"optimize_p95_seconds"`
	OptimizeFailedPercent *float64       `json:"optimize_failed_percent"`
	LatencyLevel          triggers.Level `json:"latency_level"`

	Coordinations int64 `json:"coordinations"`
	// CoordinationP95MS is the p95 of the region's events, from their
	// scheduled start to their ack (to their publish with --publish-only).
	CoordinationP95MS        *float64       `json:"coordination_p95_ms"`
	CoordinationErrorPercent *float64       `json:"coordination_error_percent"`
	CoordinationLevel        triggers.Level `json:"coordination_level"`
}

// The guide's rows a region's figures are placed in.
var (
	latencyRow, _ = triggers.Lookup("orchestration_latency_p95_seconds")
	errorsRow, _  = triggers.Lookup("agent_coordination_error_percent")
)

// regionRows breaks the run down by the regions its header names; empty
// for a run without regions.
func regionRows(run *runlog.Run) []RegionRow {
	rows := []RegionRow{}
	for _, reg := range run.Meta.Scenario.Regions {
		row := RegionRow{Name: reg.Name, Plants: reg.Plants, RoundTripMS: reg.RoundTripMS, RoundTripAdded: run.Meta.StandIn}
		if s := total(run, record.RegionKey(record.MetricOptimizeDuration, reg.Name)); s != nil {
			row.OptimizeRequests = s.Count()
			row.OptimizeFailedPercent = ratePercent(total(run, record.RegionKey(record.MetricOptimizeFailed, reg.Name)))
			if v, ok := aggregate(total(run, record.RegionAnsweredKey(reg.Name)), "p(95)"); ok {
				row.OptimizeP95Seconds = ptr(round(v/1000, 3))
				row.LatencyLevel = latencyRow.Level(*row.OptimizeP95Seconds)
			}
		}
		if s := total(run, record.RegionKey(record.MetricCoordinationDuration, reg.Name)); s != nil {
			row.Coordinations = s.Count()
			if v, ok := s.Aggregate("p(95)"); ok {
				row.CoordinationP95MS = ptr(round(v, 0))
			}
			row.CoordinationErrorPercent = ratePercent(total(run, record.RegionKey(record.MetricCoordinationFailed, reg.Name)))
			if row.CoordinationErrorPercent != nil {
				row.CoordinationLevel = errorsRow.Level(*row.CoordinationErrorPercent)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// total is the run's total of key, nil when it has no sample.
func total(run *runlog.Run, key string) *metrics.Sink {
	if s := run.Totals[key]; s != nil && s.Count() > 0 {
		return s
	}
	return nil
}

func aggregate(s *metrics.Sink, agg string) (float64, bool) {
	if s == nil {
		return 0, false
	}
	return s.Aggregate(agg)
}

func ratePercent(s *metrics.Sink) *float64 {
	if v, ok := aggregate(s, "rate"); ok {
		return ptr(round(v*100, 2))
	}
	return nil
}

// regionReasons are the findings of the regions' rows: a region in the
// guide's warning or critical band for latency or coordination errors,
// which the fleet-wide figure can hide, and a region that sent nothing of
// a kind the run sent.
func (r Report) regionReasons() (fails, warns []string) {
	var optimized, coordinated int64
	for _, row := range r.Regions {
		optimized += row.OptimizeRequests
		coordinated += row.Coordinations
	}
	band := func(level triggers.Level, what, name, value, warnBand, critBand string) {
		switch level {
		case triggers.Critical:
			fails = append(fails, fmt.Sprintf("%s in region %s is critical at %s (%s)", what, name, value, critBand))
		case triggers.Warning:
			warns = append(warns, fmt.Sprintf("%s in region %s is in the warning band at %s (%s)", what, name, value, warnBand))
		}
	}
	for _, row := range r.Regions {
		if row.OptimizeP95Seconds != nil {
			band(row.LatencyLevel, latencyRow.Name, row.Name, num(*row.OptimizeP95Seconds, 3)+" s", latencyRow.Warning, latencyRow.Critical)
		}
		if row.CoordinationErrorPercent != nil {
			band(row.CoordinationLevel, errorsRow.Name, row.Name, pct(*row.CoordinationErrorPercent), errorsRow.Warning, errorsRow.Critical)
		}
		if optimized > 0 && row.OptimizeRequests == 0 {
			warns = append(warns, fmt.Sprintf("region %s (plants %s) sent no optimization request, so its latency is not observed", row.Name, row.Plants))
		}
		if optimized > 0 && row.OptimizeRequests > 0 && row.OptimizeP95Seconds == nil {
			warns = append(warns, fmt.Sprintf("region %s: none of its %s optimization requests was answered, so its latency is not observed", row.Name, inum(row.OptimizeRequests)))
		}
		if coordinated > 0 && row.Coordinations == 0 {
			warns = append(warns, fmt.Sprintf("region %s (plants %s) sent no coordination event, so its coordination is not observed", row.Name, row.Plants))
		}
	}
	return fails, warns
}

// regionsSection is the "By region" section; nil for a run without
// regions.
func (r Report) regionsSection() *section {
	if len(r.Regions) == 0 {
		return nil
	}
	s := &section{ID: "regions", Title: "By region"}
	intro := "The guide's multi-region layout: each region's plants, its round trip to the orchestrator, and its share of the load. Latency runs from each iteration's scheduled start; the optimization p95 is of the answered requests, as the guide's orchestration-latency row reads it, and each is placed in the guide's bands."
	if r.Regions[0].RoundTripAdded {
		intro += " The stand-in added each region's round trip: at the front door before a replica served the request, and on the bus before the event's ack."
	} else {
		intro += " The round trips are as given to gl001, for the record: a real target's network adds its own."
	}
	s.Blocks = append(s.Blocks, para(intro))
	t := &table{Head: []string{"Region", "Plants", "Round trip", "Optimize requests", "Optimize p95", "Optimize failed", "Coordination events", "Coordination p95", "Coordination errors"},
		Right: map[int]bool{2: true, 3: true, 4: true, 5: true, 6: true, 7: true, 8: true}}
	for _, row := range r.Regions {
		class := string(Pass)
		switch max(row.LatencyLevel, row.CoordinationLevel) {
		case triggers.Critical:
			class = string(Fail)
		case triggers.Warning:
			class = string(Warning)
		}
		t.add(class, row.Name, row.Plants, num(row.RoundTripMS, 0)+" ms",
			inum(row.OptimizeRequests), regionFigure(row.OptimizeRequests, row.OptimizeP95Seconds, func(v float64) string { return num(v, 3) + " s" }),
			regionFigure(row.OptimizeRequests, row.OptimizeFailedPercent, pct),
			inum(row.Coordinations), regionFigure(row.Coordinations, row.CoordinationP95MS, func(v float64) string { return num(v, 0) + " ms" }),
			regionFigure(row.Coordinations, row.CoordinationErrorPercent, pct))
	}
	s.Blocks = append(s.Blocks, tableBlock(t))
	for _, row := range r.Regions {
		if row.RoundTripMS > 0 && row.Coordinations > 0 {
			s.Blocks = append(s.Blocks, para("The fleet-wide Message Bus Lag row reads the coordination events' publish-to-ack p95 over every region, so it includes the regions' round trips: a region far from the bus lags by its distance."))
			break
		}
	}
	return s
}

// regionFigure renders a region's figure: "none sent" when the region sent
// nothing of the kind, "not observed" when it sent but the figure has no
// sample.
func regionFigure(count int64, v *float64, format func(float64) string) string {
	switch {
	case count == 0:
		return "none sent"
	case v == nil:
		return "not observed"
	}
	return format(*v)
}
