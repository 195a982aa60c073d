// Package report is the validation report of one gl001 run: what the run
// observed, put beside what the GL-001 scaling guide's capacity calculator
// predicted, judged against the guide's "Scaling Triggers and Thresholds",
// walked through its decision tree, right-sized by its "Resource
// Right-Sizing" rules and checked against the run's k6 thresholds, with a
// verdict first.
//
// Evaluate builds the Report value from a run rebuilt by runlog.Load;
// WriteMarkdown, WriteHTML and WriteJUnit render it; WriteAll writes
// report.md, report.html, junit.xml and the plots into a results folder.
// A Report is a value with JSON tags, also stored in summary.json under
// gl001.report.
//
// # Rules
//
// Observed values are rounded to the precision the report shows before
// they are judged (percentages to 0.1, coordination errors to 0.01 %,
// seconds to 0.001, lag to 1 ms, CPU to 1 m, memory to 1 Mi), so the
// value a reader sees is the value placed in a band.
//
// Triggers table (triggers.Evaluate):
//   - master CPU % and memory % are the p95 over intervals of the mean over
//     replicas of each replica's use in percent of the calculator's
//     per-replica limit. p95, not peak, because the guide asks for
//     sustained use ("if consistently >80%") and one 1-second interval of a
//     garbage collection should not make a run critical; p95 is the
//     nearest-rank value (rank ⌈0.95·n⌉ of n sorted intervals).
//   - orchestration latency p95 is the client-side gl001_optimize_duration
//     p95 over the run, measured from the scheduled start, ms → s.
//   - agent coordination errors % is the gl001_coordination_failed rate ×
//     100.
//   - database connections % is the highest in-use share of the pool in
//     any interval (in_use or max_in_use, whichever is higher, ÷ size).
//   - message bus lag ms is the peak consumer lag in seconds × 1000.
//   - heat optimization time is the gl001_heat_optimization_duration p95,
//     ms → s.
//   - plant and sub-agent counts come from the scenario. They are
//     planning triggers, not health signals: their band says what the
//     fleet calls for; what counts is whether that action was taken (see
//     PlanningAction).
//
// Verdict (see Evaluate): fail if a threshold failed, a health trigger is
// critical, or a planning action was not taken; warning if a health
// trigger is warning, not observed, or partly hidden by sampler gaps, a
// planning action could not be verified, the run is incomplete (stopped
// early, truncated file), the thresholds could not be evaluated, or an
// executor dropped more than 1 % of its expected iterations; pass
// otherwise.
package report

import (
	"time"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/reports/decision"
	"github.com/greenlang/gl001/reports/triggers"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// Verdict is the report's answer: pass, warning or fail.
type Verdict string

// The verdicts, least severe first.
const (
	// Pass: every threshold held, every health trigger was observed in the
	// guide's healthy band and every planning action was taken.
	Pass Verdict = "pass"
	// Warning: nothing failed, but something is in a warning band or could
	// not be verified.
	Warning Verdict = "warning"
	// Fail: a threshold failed, a health trigger is critical or a planning
	// action was not taken.
	Fail Verdict = "fail"
)

func (v Verdict) severity() int {
	switch v {
	case Warning:
		return 1
	case Fail:
		return 2
	}
	return 0
}

// worse returns the more severe of a and b.
func worse(a, b Verdict) Verdict {
	if b.severity() > a.severity() {
		return b
	}
	return a
}

// Options are what Evaluate needs besides the run.
type Options struct {
	// Thresholds are evaluated against the run's totals. nil means the
	// run's own: record.Thresholds of the scenario in the run's header
	// (the guide's defaults with the scenario's thresholds over them); an
	// empty, non-nil Set means none.
	Thresholds thresholds.Set
	// PlantsToAdd is the expansion question ("can we add 5 plants?"); it
	// enters the decision tree's "Adding new plants (5+)?" branch. nil
	// means not asked; it overrides Context.PlantsToAdd when set.
	PlantsToAdd *int
	// Context is what the engineer knows that the run cannot measure
	// (recent deployment, network issues, failing sub-agents). A CPUTrend
	// or MemoryTrend set here is used as given; when nil it is derived
	// from the run's time series (see Trend).
	Context decision.Context
	// Workers is the number of message-queue workers (the guide's
	// KAFKA_CONSUMER_THREADS) the target ran with, when known; the
	// samplers cannot read it. nil means not observed.
	Workers *int
	// Complete and Stopped are summary.json's gl001.complete and
	// gl001.stopped, when the caller has them. With Complete nil the
	// report infers completeness from intervals.ndjson alone (see
	// Completeness).
	Complete *bool
	Stopped  string
}

// Report is the evaluation of one run. Every slice is non-nil, so JSON
// carries [] rather than null. A value that was not observed is null in
// JSON and "not observed" in the rendered reports, never 0.
type Report struct {
	// Verdict is pass, warning or fail; Why says why in one paragraph.
	Verdict Verdict `json:"verdict"`
	Why     string  `json:"why"`
	// Reasons are the findings the verdict rests on, most severe first.
	Reasons []Reason `json:"reasons"`
	// Completeness says whether the run ran its whole schedule and its
	// file is whole.
	Completeness Completeness `json:"completeness"`
	// Run is the run's identity and settings.
	Run RunInfo `json:"run"`
	// Predicted is the capacity calculator's answer for the scenario.
	Predicted capacity.Prediction `json:"predicted"`
	// Observed are the measured values the rest is built from.
	Observed Observed `json:"observed"`
	// Comparison puts prediction and observation side by side: replicas,
	// CPU per replica, memory per replica, DB pool, workers.
	Comparison []Comparison `json:"predicted_vs_observed"`
	// Triggers are the guide's nine rows, in the guide's order.
	Triggers []Trigger `json:"triggers"`
	// Trends say how the decision tree's CPU and memory trends were
	// obtained.
	Trends []Trend `json:"trends"`
	// Context is what the decision tree was given, trends included.
	Context decision.Context `json:"context"`
	// Diagnosis is where the guide's decision tree leads; empty when no
	// branch is entered.
	Diagnosis []decision.Diagnosis `json:"diagnosis"`
	// RightSizing is the guide's "Resource Right-Sizing" for CPU and
	// memory per replica.
	RightSizing []Sizing `json:"right_sizing"`
	// Thresholds are the k6 thresholds' results, sorted by metric.
	Thresholds []ThresholdResult `json:"thresholds"`
	// ThresholdsError is set when the run's thresholds could not be built
	// (Options.Thresholds nil and the scenario's do not parse).
	ThresholdsError string `json:"thresholds_error,omitempty"`
	// Schedule is how each executor kept its schedule, from the last
	// interval.
	Schedule []ScheduleRow `json:"schedule"`
	// Gaps are the samplers' failures, one per sampler and interval.
	Gaps []Gap `json:"gaps"`
	// FigureGaps are the figures a sampler's reading lacked while the rest
	// of it stood (say, a target that reports no timeouts), one per
	// sampler, field and reason, sorted so.
	FigureGaps []FigureGap `json:"figure_gaps"`
}

// Reason is one finding the verdict rests on.
type Reason struct {
	Level Verdict `json:"level"` // warning or fail
	Text  string  `json:"text"`
}

// RunInfo is the run's identity and settings, from the header.
type RunInfo struct {
	TestName          string    `json:"test_name"`
	ScenarioFile      string    `json:"scenario_file,omitempty"`
	Plants            int       `json:"plants"`
	SubAgents         int       `json:"sub_agents"`
	RequestsPerMinute float64   `json:"heat_optimization_requests_per_minute"`
	EventsPerSecond   float64   `json:"agent_coordination_events_per_second"`
	DurationMinutes   float64   `json:"duration_minutes"`
	RampUpMinutes     float64   `json:"ramp_up_minutes"`
	Target            string    `json:"target"`
	StandIn           bool      `json:"stand_in"`
	Brokers           []string  `json:"brokers"`
	Start             time.Time `json:"start"`
	End               time.Time `json:"end"`
	Intervals         int       `json:"intervals"`
	IntervalSeconds   float64   `json:"interval_seconds"`
	Version           string    `json:"version,omitempty"`
	Dir               string    `json:"dir,omitempty"`
}

// Completeness says whether the run can stand for its whole scenario.
//
// A run is incomplete when intervals.ndjson ends in a partial line, when
// summary.json says it was not complete (Options.Complete), or — without
// that word — when its intervals span less than the scenario's duration
// minus two intervals (at least 2 s) of slack for the first and last
// flush. An incomplete run is at most a warning.
type Completeness struct {
	Complete bool `json:"complete"`
	// Source is where the answer comes from: "summary" (Options.Complete)
	// or "intervals".
	Source           string  `json:"source"`
	RanSeconds       float64 `json:"ran_seconds"`
	ScheduledSeconds float64 `json:"scheduled_seconds"`
	Stopped          string  `json:"stopped,omitempty"`
	Truncated        string  `json:"truncated,omitempty"`
	// Problems say what is missing, in words; empty when complete.
	Problems []string `json:"problems"`
}

// ScheduleRow is how one executor ("optimize", "coordinate") kept its
// schedule, from the last interval's cumulative counts.
type ScheduleRow struct {
	Scenario string  `json:"scenario"`
	Expected float64 `json:"expected"`
	Started  int64   `json:"started"`
	Dropped  int64   `json:"dropped"`
	Failed   int64   `json:"failed"`
	// AchievedPercent is started over the whole expected iterations;
	// null when none were expected.
	AchievedPercent *float64 `json:"achieved_percent"`
	// DroppedPercent is dropped over the whole expected iterations.
	DroppedPercent *float64 `json:"dropped_percent"`
}

// MaxDroppedPercent is the share of an executor's expected iterations it
// may drop before the report warns that the load was not fully offered:
// a dropped iteration never sends a request, so it hides latency instead
// of showing it.
const MaxDroppedPercent = 1.0

// Gap is one sampler's failure in one interval. The report never fills a
// gap in: the value is missing from every figure built from it.
type Gap struct {
	Seq     int64     `json:"seq"`
	At      time.Time `json:"at"`
	Sampler string    `json:"sampler"`
	Reason  string    `json:"reason"`
}

// FigureGap is one figure a sampler could not read, and why, over the
// intervals it was missing from: Intervals of them, from interval FirstSeq
// to LastSeq. The figure is not observed in every value built from it;
// the rest of those readings stand.
type FigureGap struct {
	Sampler   string `json:"sampler"`
	Field     string `json:"field"`
	Reason    string `json:"reason"`
	Intervals int    `json:"intervals"`
	FirstSeq  int64  `json:"first_seq"`
	LastSeq   int64  `json:"last_seq"`
}

// ThresholdResult is one k6 threshold's result.
type ThresholdResult struct {
	Metric     string `json:"metric"`
	Expression string `json:"expression"`
	OK         bool   `json:"ok"`
	// Observed is the aggregation's value in the metric's unit (ms for
	// time trends); null when the metric had no samples, in which case it
	// was judged against 0, as k6 does.
	Observed    *float64 `json:"observed"`
	Unit        string   `json:"unit,omitempty"`
	AbortOnFail bool     `json:"abort_on_fail,omitempty"`
}

// thresholdsFailed returns the thresholds that did not hold.
func (r Report) thresholdsFailed() []ThresholdResult {
	var out []ThresholdResult
	for _, t := range r.Thresholds {
		if !t.OK {
			out = append(out, t)
		}
	}
	return out
}

// Findings returns the triggers table as triggers.Findings.
func (r Report) Findings() []triggers.Finding {
	fs := make([]triggers.Finding, len(r.Triggers))
	for i, t := range r.Triggers {
		fs[i] = t.Finding
	}
	return fs
}
