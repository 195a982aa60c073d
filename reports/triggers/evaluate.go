package triggers

import (
	"math"
	"strconv"
)

// Observation is one set of measured values for the guide's nine metrics.
// A nil field was not observed; it is reported as NotObserved, never as OK.
// Units are in the field names: percent of the limit or pool, seconds,
// milliseconds, or a count.
type Observation struct {
	// MasterCPUPercent is the master orchestrator's CPU use, percent of its limit.
	MasterCPUPercent *float64 `json:"master_cpu_percent,omitempty"`
	// MasterMemoryPercent is the master orchestrator's memory use, percent of its limit.
	MasterMemoryPercent *float64 `json:"master_memory_percent,omitempty"`
	// OrchestrationLatencyP95Seconds is the 95th percentile orchestration latency, in seconds.
	OrchestrationLatencyP95Seconds *float64 `json:"orchestration_latency_p95_seconds,omitempty"`
	// AgentCoordinationErrorPercent is the share of agent coordination
	// messages that failed, in percent (0–100).
	AgentCoordinationErrorPercent *float64 `json:"agent_coordination_error_percent,omitempty"`
	// DBConnectionsPercent is the database connections in use, percent of the pool.
	DBConnectionsPercent *float64 `json:"db_connections_percent,omitempty"`
	// MessageBusLagMS is the message bus (Kafka) consumer lag, in milliseconds.
	MessageBusLagMS *float64 `json:"message_bus_lag_ms,omitempty"`
	// HeatOptimizationTimeSeconds is the time to solve one heat optimization, in seconds.
	HeatOptimizationTimeSeconds *float64 `json:"heat_optimization_time_seconds,omitempty"`
	// PlantCount is the number of plants the orchestrator manages.
	PlantCount *int `json:"plant_count,omitempty"`
	// SubagentCount is the number of sub-agents the orchestrator coordinates.
	SubagentCount *int `json:"subagent_count,omitempty"`
}

// Finding is one metric of an Observation placed in the guide's bands.
type Finding struct {
	// Metric is the metric's Field, e.g. "master_cpu_percent".
	Metric string `json:"metric"`
	// Name is the guide's row title, e.g. "Master CPU Usage".
	Name string `json:"name"`
	// Value is the observed value in Unit; nil when not observed.
	Value *float64 `json:"value"`
	// Unit is the unit of Value, e.g. "%" or "s".
	Unit string `json:"unit"`
	// Level is the band reached; NotObserved when Value is nil.
	Level Level `json:"level"`
	// Band is the guide's text of the band reached, e.g. "70-80%"; "" when
	// not observed.
	Band string `json:"band"`
	// Action is the guide's action at Warning or Critical, "" otherwise.
	Action string `json:"action"`
}

// Evaluate places each of the nine metrics of o in the guide's bands and
// returns one Finding per metric, in the guide's order. A NaN value cannot
// be placed in a band and is reported as not observed.
func Evaluate(o Observation) []Finding {
	fs := make([]Finding, 0, len(table))
	for _, m := range table {
		f := Finding{Metric: m.Field, Name: m.Name, Unit: m.Unit, Level: NotObserved}
		if v, ok := m.value(o); ok && !math.IsNaN(v) {
			f.Value = &v
			f.Level = m.Level(v)
			f.Band = m.band(f.Level)
			if f.Level >= Warning {
				f.Action = m.Action
			}
		}
		fs = append(fs, f)
	}
	return fs
}

// Worst returns the most severe level among fs; NotObserved when fs is
// empty or nothing was observed.
func Worst(fs []Finding) Level {
	w := NotObserved
	for _, f := range fs {
		w = max(w, f.Level)
	}
	return w
}

// ValueText returns the observed value with its unit and no float noise,
// e.g. "86%", "2.35 s", "120 ms", "9 plants"; "not observed" when Value is nil.
func (f Finding) ValueText() string {
	if f.Value == nil {
		return "not observed"
	}
	n := FormatNumber(*f.Value)
	switch f.Unit {
	case "":
		return n
	case "%":
		return n + "%"
	}
	return n + " " + f.Unit
}

// FormatNumber formats v for people: rounded to 10 significant digits,
// which drops binary floating-point noise (0.1+0.2 reads 0.3) but keeps
// every digit a measurement carries, then written without trailing zeros
// (86, not 86.000000; 2.35). Magnitudes of 1e15 and more use an exponent.
func FormatNumber(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 10, 64), 64)
	if r == 0 {
		return "0" // also for -0
	}
	if math.Abs(r) < 1e15 {
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	return strconv.FormatFloat(r, 'g', -1, 64)
}
