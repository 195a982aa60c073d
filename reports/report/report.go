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
//     replicas of each replica's use in percent of the limit it ran under:
//     the stand-in's, enforced on each replica process by a cgroup, or
//     with --kube the pods' own, from their spec. Where that limit was not
//     enforced (no usable cgroup, a pod without one, a run from before
//     limits were recorded) the row is not observed, and says why. p95,
//     not peak, because the guide asks for
//     sustained use ("if consistently >80%") and one 1-second interval of a
//     garbage collection should not make a run critical; p95 is the
//     nearest-rank value (rank ⌈0.95·n⌉ of n sorted intervals).
//   - orchestration latency p95 is the client-side p95 over the run of
//     the requests that succeeded (gl001_optimize_duration
//     {expected_response:true}), measured from the scheduled start, ms →
//     s; a refusal is fast and says nothing of orchestration.
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
// critical, a planning action was not taken, or under 99 % of the
// scheduled iterations started; warning if a health trigger is warning,
// not observed, or partly hidden by sampler gaps, a planning action could
// not be verified, the run is incomplete (stopped early, truncated file),
// a threshold could not be evaluated or saw no data, any iteration was
// dropped or started late, the generator was short of CPU, or (a report
// built from k6's files) part of them could not be read; pass otherwise.
// A threshold k6 judged that gl001 could not evaluate again counts with
// k6's verdict.
package report

import (
	"github.com/greenlang/gl001/deploy/hpa"
	"time"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/reports/decision"
	"github.com/greenlang/gl001/reports/triggers"
	"github.com/greenlang/gl001/simulator/api"
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
	// HPA is the HorizontalPodAutoscaler the report replays the run's load
	// through; nil means the guide's (deploy/k8s/base/hpa-gl-001.yaml).
	HPA *hpa.Spec
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
	// SourceNotes say where the run's data came from when not from gl001
	// run (`gl001 report --k6`): the metrics the guide's rows were read
	// from. SourceWarnings are what it could not read (lines skipped,
	// thresholds not seen, totals only); each is also a warning.
	SourceNotes, SourceWarnings []string
	// K6Verdicts are k6's own verdicts by metric key and expression (held
	// or not), shown beside gl001's. A verdict no threshold of Thresholds
	// matches is reported as k6's alone (ThresholdResult.K6Only).
	K6Verdicts map[string]map[string]bool
	// FromK6 says the load was k6's (`gl001 report --k6`): k6 does not
	// tell an iteration when it was scheduled, so latencies run from each
	// iteration's start, not from its scheduled start.
	FromK6 bool
	// Profile is the target's names, for the commands that apply the
	// calculator's plan (its namespace and deployment). nil means the
	// run's own: the profile its header names (a built-in one, or the
	// file if it is still there), else the guide's.
	Profile *api.Profile
}

// Report is the evaluation of one run. Every slice is non-nil, so JSON
// carries [] rather than null. A value that was not observed is null in
// JSON and "not observed" in the rendered reports, never 0.
type Report struct {
	// Verdict is pass, warning or fail; Why says why in one paragraph.
	Verdict Verdict `json:"verdict"`
	Why     string  `json:"why"`
	// StandInNote says, for a run against the stand-in, what its CPU and
	// memory can tell and what they cannot: they rehearse the guide's
	// triggers and decision tree against limits enforced on each replica;
	// they do not validate the calculator's absolute figures. "" for
	// another target.
	StandInNote string `json:"stand_in_note,omitempty"`
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
	// Apply are the guide's kubectl commands that apply the calculator's
	// plan to the target's deployment, named as its profile names it.
	Apply []string `json:"apply"`
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
	// RecentDeploymentBasis says where Context.RecentDeployment came from
	// when the report set it rather than the engineer (a stand-in run);
	// "" otherwise.
	RecentDeploymentBasis string `json:"recent_deployment_basis,omitempty"`
	// Diagnosis is where the guide's decision tree leads; empty when no
	// branch is entered.
	Diagnosis []decision.Diagnosis `json:"diagnosis"`
	// RightSizing is the guide's "Resource Right-Sizing" for CPU and
	// memory per replica.
	RightSizing []Sizing `json:"right_sizing"`
	// HPA is the guide's HPA (or Options.HPA) replayed over the run's load.
	HPA HPAReplay `json:"hpa_replay"`
	// Regions break the run down by region, for a run with regions;
	// empty otherwise.
	Regions []RegionRow `json:"regions"`
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
	// SourceNotes and SourceWarnings are the Options'; empty for a gl001
	// run.
	SourceNotes    []string `json:"source_notes,omitempty"`
	SourceWarnings []string `json:"source_warnings,omitempty"`
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
	// Profile names the target's names the report used: "guide",
	// "greenlang" or a profile file.
	Profile string `json:"profile"`
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
// schedule, from the last interval's cumulative counts. Every arrival the
// schedule called for was started or dropped: Started + Dropped =
// Scheduled.
type ScheduleRow struct {
	Scenario string `json:"scenario"`
	// Scheduled is how many arrivals the schedule itself called for; nil
	// for a run recorded before gl001 kept that count, which then cannot
	// show whether its schedule was kept.
	Scheduled *int64 `json:"scheduled"`
	Started   int64  `json:"started"`
	// Dropped is DroppedNoVU (no free VU: the target answered too slowly)
	// plus DroppedBehind (the generator fell behind its own schedule).
	Dropped       int64 `json:"dropped"`
	DroppedNoVU   int64 `json:"dropped_no_vu"`
	DroppedBehind int64 `json:"dropped_behind"`
	Failed        int64 `json:"failed"`
	// AchievedPercent is Started over Scheduled; null when Scheduled is.
	AchievedPercent *float64 `json:"achieved_percent"`
	// DroppedPercent is Dropped over Scheduled.
	DroppedPercent *float64 `json:"dropped_percent"`
	// LagP99MS is the p99 of gl001_schedule_lag for this executor: how
	// late its iterations started; null when not recorded.
	LagP99MS *float64 `json:"schedule_lag_p99_ms"`
}

// MinStartedPercent is the share of the schedule's arrivals that must
// have started for the load sent to count as the load asked: below it the
// verdict is fail, whatever else the run shows.
const MinStartedPercent = 99.0

// MaxScheduleLagP99MS is how late (p99) iterations may start before the
// report warns that the generator's own delay is inside the latencies it
// measured.
const MaxScheduleLagP99MS = 100.0

// MaxHarnessCPUPercent is the share of its cores the generator may use
// before the report says it was short of CPU.
const MaxHarnessCPUPercent = 90.0

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

// ThresholdResult is one k6 threshold's result: held (OK), failed, or no
// data (NoData: the metric or submetric had no samples, so it neither held
// nor failed).
type ThresholdResult struct {
	Metric     string `json:"metric"`
	Expression string `json:"expression"`
	OK         bool   `json:"ok"`
	NoData     bool   `json:"no_data,omitempty"`
	// Observed is the aggregation's value in the metric's unit (ms for
	// time trends); null when the metric had no samples.
	Observed    *float64 `json:"observed"`
	Unit        string   `json:"unit,omitempty"`
	AbortOnFail bool     `json:"abort_on_fail,omitempty"`
	// K6OK is k6's own verdict on the threshold (true: held), when the
	// report was built from k6's files with its summary; nil otherwise.
	K6OK *bool `json:"k6_ok,omitempty"`
	// K6Only is set when gl001 could not evaluate the threshold again (a
	// summary alone has no samples): OK is k6's verdict.
	K6Only bool `json:"k6_only,omitempty"`
}

// thresholdsFailed returns the thresholds that were judged and did not
// hold.
func (r Report) thresholdsFailed() []ThresholdResult {
	var out []ThresholdResult
	for _, t := range r.Thresholds {
		if !t.OK && !t.NoData {
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
