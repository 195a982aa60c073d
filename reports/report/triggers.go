package report

import (
	"fmt"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/reports/triggers"
	"github.com/greenlang/gl001/simulator/api"
)

// Trigger is one row of the guide's "Scaling Triggers and Thresholds" as
// the run met it.
type Trigger struct {
	triggers.Finding
	// Planning marks the plant- and sub-agent-count rows: they say what
	// the fleet calls for, not how the target fared. Their band is shown;
	// their Outcome is whether the action was taken.
	Planning bool `json:"planning"`
	// Basis says how the value was obtained.
	Basis string `json:"basis"`
	// Sampler is the sampler the value comes from ("replicas",
	// "database", "lag"); "" for values from the load side's totals and
	// the scenario.
	Sampler string `json:"sampler,omitempty"`
	// GapIntervals is how many intervals that sampler recorded a gap in;
	// their readings are missing from Value, which may therefore be too
	// low.
	GapIntervals int `json:"gap_intervals,omitempty"`
	// Taken is, for a planning row at warning or critical, whether the
	// guide's action (Finding.Action) was taken.
	Taken *PlanningAction `json:"action_taken,omitempty"`
	// Outcome is the row's effect on the verdict, and Note why.
	Outcome Verdict `json:"outcome"`
	Note    string  `json:"note"`
	// NotObservedReason says why a health row has no value, e.g. "the lag
	// sampler did not run".
	NotObservedReason string `json:"not_observed_reason,omitempty"`
	// Pressure is, for Database Connections, what the pool's counters
	// show between the in_use readings: "N callers waited for a
	// connection during the run[ and M timed out]". It makes the row at
	// least a warning; "" when neither rose or they were not reported.
	Pressure string `json:"pressure,omitempty"`
}

// ActionStatus says whether a planning row's action was taken.
type ActionStatus string

// The action statuses.
const (
	// ActionTaken: every check of the action was observed and met.
	ActionTaken ActionStatus = "taken"
	// ActionNotTaken: a check was observed and not met. It fails the run.
	ActionNotTaken ActionStatus = "not_taken"
	// ActionNotVerified: no check failed, but one could not be observed.
	ActionNotVerified ActionStatus = "not_verified"
)

// PlanningAction is what a planning row's action asks of the deployment
// and what the run had.
//
// The plant-count row's "Proactive Horizontal Scale" asks for the
// calculator's replicas and its database pool (the guide's pre-scale for
// large facilities scales both); the sub-agent-count row's "Scale Master +
// Message Bus" asks for the calculator's replicas and, when
// Options.Workers is known, its message-queue workers. Replicas running is
// Observed.ReplicasRunning (the fewest in any interval), the pool is the
// smallest pool size the database sampler read.
type PlanningAction struct {
	Status ActionStatus  `json:"status"`
	Checks []ActionCheck `json:"checks"`
}

// ActionCheck is one provision a planning action asks for.
type ActionCheck struct {
	// Item is "replicas", "db_pool_size" or "message_workers".
	Item      string `json:"item"`
	Predicted int    `json:"predicted"`
	Observed  *int64 `json:"observed"`
	// Met is observed ≥ predicted; nil when not observed.
	Met *bool `json:"met"`
}

// Text describes the check: "11 replicas running ≥ 11 predicted".
func (c ActionCheck) Text() string {
	what := map[string]string{"replicas": "replicas running", "db_pool_size": "DB pool size", "message_workers": "message workers"}[c.Item]
	if c.Observed == nil {
		return fmt.Sprintf("%s not observed, %s predicted", what, inum(c.Predicted))
	}
	op := "≥"
	if !*c.Met {
		op = "<"
	}
	return fmt.Sprintf("%s %s %s %s predicted", what, inum(*c.Observed), op, inum(c.Predicted))
}

// observation builds the triggers' input from what the run observed.
func (o observation) triggerInput(run RunInfo) triggers.Observation {
	in := triggers.Observation{
		MasterCPUPercent:               o.MasterCPUPercent,
		MasterMemoryPercent:            o.MasterMemoryPercent,
		OrchestrationLatencyP95Seconds: o.LatencyP95Seconds,
		AgentCoordinationErrorPercent:  o.CoordinationErrorPercent,
		DBConnectionsPercent:           o.PoolInUsePeakPercent,
		HeatOptimizationTimeSeconds:    o.HeatOptimizationP95Seconds,
	}
	switch {
	case o.BusTransitP95MS != nil:
		in.MessageBusLagMS = o.BusTransitP95MS
	case o.LagPeakSeconds != nil:
		in.MessageBusLagMS = ptr(round(*o.LagPeakSeconds*1000, 0))
	}
	if run.Plants > 0 {
		in.PlantCount = ptr(run.Plants)
		in.SubagentCount = ptr(run.SubAgents)
	}
	return in
}

// triggerRows places the observation in the guide's bands and says, for
// each row, how it was obtained and what it does to the verdict.
func triggerRows(o observation, in triggers.Observation, pred capacity.Prediction) []Trigger {
	fs := triggers.Evaluate(in)
	rows := make([]Trigger, 0, len(fs))
	for _, f := range fs {
		t := Trigger{Finding: f}
		switch f.Metric {
		case "master_cpu_percent":
			t.Sampler = samplerReplicas
			t.Basis = fmt.Sprintf("p95 over%s intervals of the mean over replicas of CPU use, %% of %s",
				count(o.ReplicaIntervals), o.limitBasis(o.Limits.CPULimitMillicores, o.Limits.CPUNotEnforced, "m"))
		case "master_memory_percent":
			t.Sampler = samplerReplicas
			t.Basis = fmt.Sprintf("p95 over%s intervals of the mean over replicas of memory use, %% of %s",
				count(o.ReplicaIntervals), o.limitBasis(o.Limits.MemoryLimitMiB, o.Limits.MemoryNotEnforced, "Mi"))
		case "orchestration_latency_p95_seconds":
			t.Basis = fmt.Sprintf("p95 of %s over%s answered requests (of%s), client side, %s",
				o.LatencyBasis, count(o.AnsweredRequests), count(o.OptimizeRequests), o.LatencyFrom)
		case "agent_coordination_error_percent":
			t.Basis = fmt.Sprintf("gl001_coordination_failed rate over%s coordinations", count(o.Coordinations))
		case "db_connections_percent":
			t.Sampler = samplerDatabase
			t.Basis = fmt.Sprintf("highest in_use / size of one reading (connections in use at one moment) over%s intervals", count(o.PoolIntervals))
			t.Pressure = o.poolPressure()
		case "message_bus_lag_ms":
			group := ""
			if o.LagGroup != "" {
				group = " of group " + o.LagGroup
			}
			if o.BusTransitP95MS != nil {
				// The consumer-group estimate interpolates end offsets read
				// once an interval, so a single uncommitted event on a quiet
				// partition reads as up to a whole interval: at the guide's
				// rates it cannot resolve the 100 ms line. Every event's own
				// publish-to-ack time can, and bounds its lag from above.
				t.Basis = fmt.Sprintf("p95 of gl001_coordination_service_duration over%s coordinations: publish to the orchestrator's ack, an upper bound of each event's time through the bus", count(o.Coordinations))
				if o.LagPeakSeconds != nil {
					t.Basis += fmt.Sprintf("; the consumer-lag estimate%s (kafka-lag-exporter interpolation, resolution one interval) peaked at %s ms", group, num(*o.LagPeakSeconds*1000, 0))
				}
				break
			}
			t.Sampler = samplerLag
			t.Basis = fmt.Sprintf("peak consumer lag%s over%s intervals, seconds × 1000", group, count(o.LagIntervals))
		case "heat_optimization_time_seconds":
			t.Basis = fmt.Sprintf("p95 of gl001_heat_optimization_duration (the solve time the orchestrator reports) over%s optimizations",
				count(o.HeatOptimizations))
		case "plant_count":
			t.Planning = true
			t.Basis = "the scenario's plants"
		case "subagent_count":
			t.Planning = true
			t.Basis = "the scenario's sub_agents"
		}
		if t.Sampler != "" {
			t.GapIntervals = o.gapIvs[t.Sampler]
		}
		if t.Planning {
			t.judgePlanning(o, pred)
		} else {
			t.judgeHealth(o)
		}
		rows = append(rows, t)
	}
	return rows
}

// judgeHealth sets a health row's outcome: critical fails, warning warns,
// not observed or partly hidden by gaps warns (a pass needs the value),
// ok passes.
func (t *Trigger) judgeHealth(o observation) {
	switch t.Level {
	case triggers.Critical:
		t.Outcome, t.Note = Fail, "critical: "+t.Finding.Action
	case triggers.Warning:
		t.Outcome, t.Note = Warning, "warning: "+t.Finding.Action
	case triggers.OK:
		t.Outcome, t.Note = Pass, "ok"
	default:
		t.NotObservedReason = t.notObservedWhy(o)
		t.Outcome, t.Note = Warning, "not observed: "+t.NotObservedReason
	}
	if t.Pressure != "" && t.Level != triggers.NotObserved {
		t.Outcome = worse(t.Outcome, Warning)
		t.Note += "; " + t.Pressure + ": the pool was full at moments the readings once an interval do not show"
	}
	if t.GapIntervals > 0 && t.Level != triggers.NotObserved {
		t.Outcome = worse(t.Outcome, Warning)
		t.Note += fmt.Sprintf("; the %s sampler had gaps in %s, so the value may be too low",
			t.Sampler, plural(t.GapIntervals, "interval"))
	}
}

// limitBasis says what a resource's percentages are of: "each replica's
// enforced 100m limit (cgroup-v1)".
func (o observation) limitBasis(limit *int, notEnforced, unit string) string {
	switch {
	case limit != nil && o.Limits.Varied:
		return fmt.Sprintf("each replica's own limit (%s; the smallest %s)", sourceText(o.Limits.Source), quantity(float64(*limit), unit))
	case limit != nil:
		return fmt.Sprintf("each replica's %s limit (%s)", quantity(float64(*limit), unit), sourceText(o.Limits.Source))
	case notEnforced != "":
		return "the per-replica limit, not judged: " + notEnforced
	}
	return "the per-replica limit each replica ran under"
}

// sourceText writes a limit source for a reader: "enforced by cgroup v1",
// "the pods' spec".
func sourceText(source string) string {
	switch source {
	case api.LimitSourceCgroupV1:
		return "enforced by cgroup v1"
	case api.LimitSourceCgroupV2:
		return "enforced by cgroup v2"
	case api.LimitSourcePodSpec:
		return "from the pod spec"
	}
	return source
}

func (t *Trigger) notObservedWhy(o observation) string {
	switch {
	case t.Metric == "master_cpu_percent" && o.ReplicaIntervals > 0 && o.Limits.CPUNotEnforced != "":
		return o.Limits.CPUNotEnforced
	case t.Metric == "master_memory_percent" && o.ReplicaIntervals > 0 && o.Limits.MemoryNotEnforced != "":
		return o.Limits.MemoryNotEnforced
	case t.Sampler != "" && t.GapIntervals > 0:
		return fmt.Sprintf("the %s sampler failed in %s and read nothing", t.Sampler, plural(t.GapIntervals, "interval"))
	case t.Sampler != "" && !o.sampled:
		return "no sampler readings in the run"
	case t.Sampler != "":
		return fmt.Sprintf("the %s sampler did not run", t.Sampler)
	case t.Metric == "orchestration_latency_p95_seconds" && o.OptimizeRequests > 0:
		return fmt.Sprintf("none of the %d optimization requests succeeded", o.OptimizeRequests)
	case t.Metric == "orchestration_latency_p95_seconds":
		return "no optimization request completed"
	case t.Metric == "agent_coordination_error_percent":
		return "no coordination event was sent"
	}
	return "the orchestrator reported no solve time"
}

// judgePlanning sets a planning row's outcome: below the warning line no
// action is called for; at warning or critical the action is checked, and
// only an action not taken fails.
func (t *Trigger) judgePlanning(o observation, pred capacity.Prediction) {
	if t.Level == triggers.NotObserved {
		t.Outcome, t.Note = Warning, "not observed: the run's header has no scenario"
		return
	}
	if t.Level == triggers.OK {
		t.Outcome, t.Note = Pass, "below the warning line: no action called for"
		return
	}
	var checks []ActionCheck
	replicas := ActionCheck{Item: "replicas", Predicted: pred.Replicas}
	if o.ReplicasRunning != nil {
		replicas.Observed = ptr(int64(*o.ReplicasRunning))
	}
	checks = append(checks, replicas)
	if t.Metric == "plant_count" {
		pool := ActionCheck{Item: "db_pool_size", Predicted: pred.DBPoolSize, Observed: o.PoolSize}
		checks = append(checks, pool)
	} else if o.Workers != nil {
		checks = append(checks, ActionCheck{Item: "message_workers", Predicted: pred.MessageWorkers, Observed: ptr(int64(*o.Workers))})
	}
	a := &PlanningAction{Status: ActionTaken, Checks: checks}
	var texts []string
	for i := range a.Checks {
		c := &a.Checks[i]
		if pred.Replicas == 0 { // no prediction in the header: nothing to compare with
			c.Observed = nil
		}
		if c.Observed != nil {
			c.Met = ptr(*c.Observed >= int64(c.Predicted))
		}
		switch {
		case c.Met == nil && a.Status == ActionTaken:
			a.Status = ActionNotVerified
		case c.Met != nil && !*c.Met:
			a.Status = ActionNotTaken
		}
		texts = append(texts, c.Text())
	}
	t.Taken = a
	switch a.Status {
	case ActionTaken:
		t.Outcome = Pass
		t.Note = fmt.Sprintf("%s: taken (%s)", t.Finding.Action, joinAnd(texts))
	case ActionNotTaken:
		t.Outcome = Fail
		t.Note = fmt.Sprintf("%s: not taken (%s)", t.Finding.Action, joinAnd(texts))
	default:
		t.Outcome = Warning
		t.Note = fmt.Sprintf("%s: not verified (%s)", t.Finding.Action, joinAnd(texts))
	}
}

// count writes " N" for a count in a basis, "" for none, so a row not
// observed reads "p95 over intervals of ..." rather than "over 0".
func count[T ~int | ~int64](n T) string {
	if n <= 0 {
		return ""
	}
	return " " + inum(n)
}

// poolPressure says how many callers waited for a connection, and how
// many of them timed out, over the run's readings; "" when neither
// counter rose or neither could be followed.
func (o observation) poolPressure() string {
	w, to := o.PoolWaitCountIncrease, o.PoolTimeoutsIncrease
	waited, timedOut := w != nil && *w > 0, to != nil && *to > 0
	switch {
	case waited && timedOut:
		return fmt.Sprintf("%s waited for a connection during the run and %s timed out", plural(*w, "caller"), inum(*to))
	case waited:
		return fmt.Sprintf("%s waited for a connection during the run", plural(*w, "caller"))
	case timedOut:
		return fmt.Sprintf("%s timed out waiting for a connection during the run", plural(*to, "caller"))
	}
	return ""
}

// poolPressureText is the pool's wait count and timeouts in words, for a
// row's basis and the observed list: each as read, or not observed and
// why.
func (o observation) poolPressureText() string {
	return fmt.Sprintf("wait count %s; timeouts %s",
		o.counterText("wait_count", o.PoolWaitCount, o.PoolWaitCountIncrease),
		o.counterText("timeouts", o.PoolTimeouts, o.PoolTimeoutsIncrease))
}

// counterText is a pool counter's last reading and its rise over the run,
// or, never read, "not observed" with the reason.
func (o observation) counterText(field string, last, rise *int64) string {
	switch {
	case last == nil && o.PoolIntervals == 0:
		return "not observed"
	case last == nil:
		if why := o.unread(samplerDatabase, field); why != "" {
			return fmt.Sprintf("not observed (%s: %s)", samplerDatabase, why)
		}
		return "not observed (not in the readings)"
	case rise == nil:
		return inum(*last) + " at the only reading"
	}
	return fmt.Sprintf("%s at the last reading, +%s over the run", inum(*last), inum(*rise))
}
