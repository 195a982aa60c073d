// Package record is what a gl001 run and its report share: the names and
// types of the metrics a run records, the header metadata and per-interval
// extras of intervals.ndjson (the executors' state, the samplers'
// readings), and the run's thresholds. It holds types and names only, so
// the report links no Kafka, Kubernetes or HTTP client.
package record

import (
	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
)

// Metric names (k6 style). Durations are milliseconds.
const (
	MetricOptimizeDuration         = "gl001_optimize_duration"         // scheduled start → answer
	MetricOptimizeRequestDuration  = "gl001_optimize_request_duration" // the HTTP round trip alone
	MetricOptimizeFailed           = "gl001_optimize_failed"
	MetricHeatOptimizationDuration = "gl001_heat_optimization_duration" // the solve time the orchestrator reports
	MetricCoordinationDuration     = "gl001_coordination_duration"      // scheduled start → ack
	MetricCoordinationServiceDur   = "gl001_coordination_service_duration"
	MetricCoordinationPublishDur   = "gl001_coordination_publish_duration"
	MetricCoordinationFailed       = "gl001_coordination_failed"
	// MetricScheduleLag is how late each iteration started: its actual
	// start minus its scheduled time, ms.
	MetricScheduleLag       = "gl001_schedule_lag"
	MetricIterations        = "iterations"
	MetricDroppedIterations = "dropped_iterations"
	MetricVUs               = "vus"
	MetricVUsMax            = "vus_max"
	MetricChecks            = "checks"
)

// The tags a run puts on its samples, which submetric thresholds such as
// gl001_optimize_duration{status:200} filter on.
const (
	// TagScenario is the executor's k6 scenario name: ExecOptimize or
	// ExecCoordinate for the plan, any name for a file's own scenarios.
	// Those scenarios' own tags (scenarios.<name>.tags) are set beside.
	TagScenario = "scenario"
	// TagStatus is an optimize answer's HTTP status ("200", "503"), or for
	// no answer StatusTimeout or StatusError; a coordination's StatusAck,
	// StatusTimeout or StatusError.
	TagStatus = "status"
	// TagReplica is the replica that answered, when the answer named one.
	TagReplica = "replica"
	// TagExpectedResponse is "true" when the request or event succeeded,
	// as k6's expected_response.
	TagExpectedResponse = "expected_response"
	// TagCause is a dropped iteration's: CauseNoVU or CauseBehind.
	TagCause = "cause"
	// TagRegion is the region of the plant a request or event is from,
	// when the run has regions (scenarios.Scenario.Regions).
	TagRegion = "region"
)

// Status tag values besides HTTP status codes.
const (
	StatusAck     = "ack"
	StatusTimeout = "timeout"
	StatusError   = "error"
)

// Why an arrival was dropped (TagCause).
const (
	// CauseNoVU: no free VU, the target answered too slowly.
	CauseNoVU = "no_vu"
	// CauseBehind: the generator fell behind its own schedule.
	CauseBehind = "behind"
)

// Tags lists the tag keys a run sets, in the order the k6 JSON output
// writes them. scenarios.ReservedTags is the same list.
func Tags() []string {
	return []string{TagCause, TagExpectedResponse, TagRegion, TagReplica, TagScenario, TagStatus}
}

// ScheduleLagKey is the submetric of MetricScheduleLag for one executor,
// which every run records: "gl001_schedule_lag{scenario:optimize}".
func ScheduleLagKey(exec string) string {
	return MetricScheduleLag + "{" + TagScenario + ":" + exec + "}"
}

// RegionKey is the submetric of metric for one region's samples:
// "gl001_optimize_duration{region:apac}".
func RegionKey(metric, region string) string {
	return metric + "{" + TagRegion + ":" + region + "}"
}

// RegionAnsweredKey is AnsweredKey for one region's requests: the latency
// of the region's optimizations that succeeded.
func RegionAnsweredKey(region string) string {
	return MetricOptimizeDuration + "{" + TagExpectedResponse + ":true," + TagRegion + ":" + region + "}"
}

// RegionKeys are the submetrics a run with regions records for each
// region, by exec, so the report can break the run down by region: every
// optimization's latency and failures, and the answered ones' latency;
// every coordination's latency and failures.
func RegionKeys(exec, region string) []string {
	switch exec {
	case ExecOptimize:
		return []string{RegionKey(MetricOptimizeDuration, region), RegionAnsweredKey(region), RegionKey(MetricOptimizeFailed, region)}
	case ExecCoordinate:
		return []string{RegionKey(MetricCoordinationDuration, region), RegionKey(MetricCoordinationFailed, region)}
	}
	return nil
}

// AnsweredKey is the submetric of MetricOptimizeDuration every run records
// for the requests that succeeded: the orchestration latency the guide's
// row reads. A refused connection fails in a millisecond, and counted in
// the latency it would make a dead target look fast.
const AnsweredKey = MetricOptimizeDuration + "{" + TagExpectedResponse + ":true}"

// MetricSpec is one metric a run records: its name, k6 type and value type.
type MetricSpec struct {
	Name     string
	Type     metrics.Type
	Contains metrics.ValueType
}

// Metrics are the metrics every run declares, in declaration order.
func Metrics() []MetricSpec {
	return []MetricSpec{
		{MetricOptimizeDuration, metrics.Trend, metrics.Time},
		{MetricOptimizeRequestDuration, metrics.Trend, metrics.Time},
		{MetricOptimizeFailed, metrics.Rate, metrics.Default},
		{MetricHeatOptimizationDuration, metrics.Trend, metrics.Time},
		{MetricCoordinationDuration, metrics.Trend, metrics.Time},
		{MetricCoordinationServiceDur, metrics.Trend, metrics.Time},
		{MetricCoordinationPublishDur, metrics.Trend, metrics.Time},
		{MetricCoordinationFailed, metrics.Rate, metrics.Default},
		{MetricScheduleLag, metrics.Trend, metrics.Time},
		{MetricIterations, metrics.Counter, metrics.Default},
		{MetricDroppedIterations, metrics.Counter, metrics.Default},
		{MetricVUs, metrics.Gauge, metrics.Default},
		{MetricVUsMax, metrics.Gauge, metrics.Default},
		{MetricChecks, metrics.Rate, metrics.Default},
	}
}

// The two executors of a run, by their k6 scenario names.
const (
	ExecOptimize   = "optimize"
	ExecCoordinate = "coordinate"
)

// ExecutorsKey is the intervals.ndjson extra key under which each interval
// records a map of scenario name (ExecOptimize, ExecCoordinate) to
// Executor.
const ExecutorsKey = "executors"

// Executor is what each interval line records of one executor: the
// schedule's rate and cumulative counts at the interval's end.
//
// Scheduled is how many arrivals the schedule has called for so far;
// every one of them is either Started or Dropped, so once the executor has
// finished Started + Dropped = Scheduled. DroppedNoVU and DroppedBehind
// split Dropped by cause: no free VU (the target is slow) or the
// generator itself fell behind its schedule.
type Executor struct {
	TargetPerSecond float64 `json:"target_per_second"`
	Scheduled       int64   `json:"scheduled"`
	Started         int64   `json:"started"`
	Dropped         int64   `json:"dropped"`
	DroppedNoVU     int64   `json:"dropped_no_vu"`
	DroppedBehind   int64   `json:"dropped_behind"`
	Failed          int64   `json:"failed"`
	ActiveVUs       int64   `json:"active_vus"`
	AllocatedVUs    int64   `json:"allocated_vus"`
	ElapsedSeconds  float64 `json:"elapsed_seconds"`
	// Expected is the schedule's whole arrivals for the time it ran, ∫rate
	// (the count a schedule run to its end calls for).
	Expected float64 `json:"expected"`
}

// Meta is the run metadata gl001 run writes in the header of
// intervals.ndjson.
type Meta struct {
	Scenario        scenarios.Scenario  `json:"scenario"`
	ScenarioFile    string              `json:"scenario_file"`
	Plan            scenarios.Plan      `json:"plan"`
	Prediction      capacity.Prediction `json:"prediction"`
	Target          string              `json:"target"`
	Brokers         []string            `json:"brokers"`
	StandIn         bool                `json:"stand_in"`
	ReplicasRunning int                 `json:"replicas_running"`
	IntervalSeconds float64             `json:"interval_seconds"`
	// Workers is each replica's coordination workers when the run knew
	// them (the stand-in's); 0 otherwise.
	Workers int    `json:"workers,omitempty"`
	Version string `json:"version"`
	// PublishOnly says coordination events were not acknowledged, so no
	// publish-to-ack time was measured.
	PublishOnly bool `json:"publish_only,omitempty"`
	// Profile names the target's names: "guide", or the profile file.
	Profile string `json:"profile,omitempty"`
	// ReplicaLimits are the stand-in's per-replica limits and what
	// enforced them; nil for another target (its pods' limits, with
	// --kube, are in each sample).
	ReplicaLimits *api.ReplicaLimits `json:"replica_limits,omitempty"`
	// Shard is set when the run was one shard of a distributed run
	// (gl001 run --segment); nil for a whole run.
	Shard *Shard `json:"shard,omitempty"`
	// Merged is set on the folder gl001 report writes from the shards of
	// a distributed run: what each shard contributed. nil otherwise.
	Merged *Merged `json:"merged,omitempty"`
}

// Merged says which shards a merged folder was built from, and whether
// each ran its share of the schedule. A shard whose folder was not given
// is listed with Missing set: its share of the schedule is absent.
type Merged struct {
	RunID    string        `json:"run_id,omitempty"`
	Sequence string        `json:"sequence"`
	Shards   []MergedShard `json:"shards"`
}

// MergedShard is one shard of a merge.
type MergedShard struct {
	Index     int    `json:"index"`
	Segment   string `json:"segment"`
	Dir       string `json:"dir,omitempty"`
	Intervals int    `json:"intervals"`
	Sampler   bool   `json:"sampler"`
	// Missing: no folder of this shard was given.
	Missing bool `json:"missing,omitempty"`
	// Complete: the shard ran its whole share of every scenario's
	// arrivals (each one started or dropped) and its file is whole.
	Complete bool `json:"complete"`
	// ArrivalsMissing are the arrivals of its share it never reported
	// (its share, for a missing shard), by scenario.
	ArrivalsMissing map[string]int64 `json:"arrivals_missing,omitempty"`
	Problem         string           `json:"problem,omitempty"`
	// OtherLines are the lines of its file that were not interval lines
	// (a pod's log holds the shard's stderr too), skipped.
	OtherLines int `json:"other_lines,omitempty"`
	// ReplayedIntervals are intervals read again when its stream was
	// reopened (a broken log stream followed anew), skipped by their
	// sequence number: counted once.
	ReplayedIntervals int `json:"replayed_intervals,omitempty"`
}

// Shard is one shard's share of a distributed run, as k6's execution
// segments describe it: the segment of the schedule it ran (its
// iterations, VUs and rates), its position in the sequence of segments
// that cover 0 to 1, and the fleet's plants it played.
type Shard struct {
	// Segment is the k6 execution segment, "1/3:2/3".
	Segment string `json:"segment"`
	// Sequence is the k6 execution segment sequence the segment is one
	// of, "0,1/3,2/3,1"; every shard of a run names the same one.
	Sequence string `json:"sequence"`
	// Index is the segment's 0-based position in Sequence, and Count the
	// number of segments: shard Index of Count.
	Index int `json:"index"`
	Count int `json:"count"`
	// RunID ties the shards of one distributed run together: every shard
	// of a run carries the same one (--run-id, or the launcher's).
	RunID string `json:"run_id,omitempty"`
	// Plants are the ids of the fleet's plants this shard played; the
	// shards' plants partition the fleet.
	Plants []string `json:"plants"`
	// Sampler is true for the one shard that ran the samplers
	// (--sampler-shard); the others record no samples.
	Sampler bool `json:"sampler"`
}
