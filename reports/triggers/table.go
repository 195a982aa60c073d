// Package triggers holds the "Scaling Triggers and Thresholds" table of the
// GL-001 scaling guide as data, and evaluates observed metrics against it.
//
// The guide's texts (row titles, band texts, actions) are kept verbatim so a
// report can be read side by side with the guide.
package triggers

// Metric is one row of the guide's "Scaling Triggers and Thresholds" table.
//
// A value below the warning line is OK, a value from the warning line to the
// critical line inclusive is Warning, and a value above the critical line is
// Critical — the way the guide's "70-80%" / ">80%" columns read.
type Metric struct {
	// Field is the JSON name of the metric in an Observation, e.g.
	// "master_cpu_percent".
	Field string
	// Name is the guide's row title, e.g. "Master CPU Usage".
	Name string
	// Unit is the unit of the value: "%", "s", "ms", "plants" or "agents".
	Unit string
	// Current is the guide's text for the healthy band, e.g. "<70%"; "-"
	// where the guide gives none.
	Current string
	// Warning is the guide's text for the warning band, e.g. "70-80%".
	Warning string
	// Critical is the guide's text for the critical band, e.g. ">80%".
	Critical string
	// Action is the guide's recommended action, e.g.
	// "Horizontal or Vertical Scale".
	Action string

	warnFrom float64 // lowest Warning value, in Unit
	warnTo   float64 // highest Warning value, in Unit; above is Critical
	value    func(Observation) (float64, bool)
}

// table is the guide's table in the guide's order. Table hands out copies.
var table = []Metric{
	{
		Field: "master_cpu_percent", Name: "Master CPU Usage", Unit: "%",
		Current: "<70%", Warning: "70-80%", Critical: ">80%",
		Action:   "Horizontal or Vertical Scale",
		warnFrom: 70, warnTo: 80,
		value: func(o Observation) (float64, bool) { return float(o.MasterCPUPercent) },
	},
	{
		Field: "master_memory_percent", Name: "Master Memory Usage", Unit: "%",
		Current: "<75%", Warning: "75-85%", Critical: ">85%",
		Action:   "Vertical Scale or Add Replicas",
		warnFrom: 75, warnTo: 85,
		value: func(o Observation) (float64, bool) { return float(o.MasterMemoryPercent) },
	},
	{
		Field: "orchestration_latency_p95_seconds", Name: "Orchestration Latency (p95)", Unit: "s",
		Current: "<2s", Warning: "2-3s", Critical: ">3s",
		Action:   "Horizontal Scale + Optimize",
		warnFrom: 2, warnTo: 3,
		value: func(o Observation) (float64, bool) { return float(o.OrchestrationLatencyP95Seconds) },
	},
	{
		Field: "agent_coordination_error_percent", Name: "Agent Coordination Errors", Unit: "%",
		Current: "<1%", Warning: "1-5%", Critical: ">5%",
		Action:   "Scale Master + Message Bus",
		warnFrom: 1, warnTo: 5,
		value: func(o Observation) (float64, bool) { return float(o.AgentCoordinationErrorPercent) },
	},
	{
		Field: "db_connections_percent", Name: "Database Connections", Unit: "%",
		Current: "<70%", Warning: "70-85%", Critical: ">85%",
		Action:   "Increase Pool Size or Add Replicas",
		warnFrom: 70, warnTo: 85,
		value: func(o Observation) (float64, bool) { return float(o.DBConnectionsPercent) },
	},
	{
		Field: "message_bus_lag_ms", Name: "Message Bus Lag", Unit: "ms",
		Current: "<100ms", Warning: "100-500ms", Critical: ">500ms",
		Action:   "Scale Kafka/RabbitMQ",
		warnFrom: 100, warnTo: 500,
		value: func(o Observation) (float64, bool) { return float(o.MessageBusLagMS) },
	},
	{
		Field: "heat_optimization_time_seconds", Name: "Heat Optimization Time", Unit: "s",
		Current: "<2s", Warning: "2-5s", Critical: ">5s",
		Action:   "Vertical Scale or Optimize Algorithm",
		warnFrom: 2, warnTo: 5,
		value: func(o Observation) (float64, bool) { return float(o.HeatOptimizationTimeSeconds) },
	},
	{
		Field: "plant_count", Name: "Plant Count", Unit: "plants",
		Current: "-", Warning: "8-10 plants", Critical: ">10 plants",
		Action:   "Proactive Horizontal Scale",
		warnFrom: 8, warnTo: 10,
		value: func(o Observation) (float64, bool) { return whole(o.PlantCount) },
	},
	{
		Field: "subagent_count", Name: "Sub-Agent Count", Unit: "agents",
		Current: "-", Warning: "70-80 agents", Critical: ">80 agents",
		Action:   "Scale Master + Message Bus",
		warnFrom: 70, warnTo: 80,
		value: func(o Observation) (float64, bool) { return whole(o.SubagentCount) },
	},
}

// Table returns the guide's nine rows in the guide's order. Each call
// returns a fresh slice, so callers may modify it.
func Table() []Metric {
	return append([]Metric(nil), table...)
}

// Lookup returns the row whose Field is field, e.g. "db_connections_percent".
func Lookup(field string) (Metric, bool) {
	for _, m := range table {
		if m.Field == field {
			return m, true
		}
	}
	return Metric{}, false
}

// Bounds returns the metric's warning band in its Unit: values below
// warnFrom are OK, warnFrom ≤ v ≤ warnTo is Warning, above warnTo Critical.
func (m Metric) Bounds() (warnFrom, warnTo float64) {
	return m.warnFrom, m.warnTo
}

// Level places v (in the metric's Unit) in the guide's bands. NaN cannot be
// placed and gives NotObserved.
func (m Metric) Level(v float64) Level {
	switch {
	case v != v: // NaN
		return NotObserved
	case v < m.warnFrom:
		return OK
	case v <= m.warnTo:
		return Warning
	default:
		return Critical
	}
}

// band returns the guide's text for the band the level names: Current,
// Warning or Critical; "" for NotObserved.
func (m Metric) band(l Level) string {
	switch l {
	case OK:
		return m.Current
	case Warning:
		return m.Warning
	case Critical:
		return m.Critical
	}
	return ""
}

func float(p *float64) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return *p, true
}

func whole(p *int) (float64, bool) {
	if p == nil {
		return 0, false
	}
	return float64(*p), true
}
