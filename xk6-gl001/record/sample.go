package record

import "time"

// SamplesKey is the intervals.ndjson extra key a Sample is stored under.
const SamplesKey = "samples"

// Sample is one interval's readings. A part that was not read (no such
// sampler configured, or it failed) is nil/empty; a failure is in Gaps.
type Sample struct {
	At       time.Time      `json:"at"`
	Replicas []ReplicaUsage `json:"replicas,omitempty"`
	Lag      *Lag           `json:"lag,omitempty"`
	Target   *TargetMetrics `json:"target,omitempty"`
	Database *Database      `json:"database,omitempty"`
	HPA      *HPA           `json:"hpa,omitempty"`
	Harness  *Harness       `json:"harness,omitempty"`
	Gaps     []Gap          `json:"gaps,omitempty"`
}

// Harness is the load generator's own process over the last interval: a
// generator short of CPU falls behind its schedule and its delay shows as
// the target's latency.
type Harness struct {
	// CPUMillicores is the process's CPU use; nil on its first reading.
	CPUMillicores *float64 `json:"cpu_millicores"`
	// CPUCores is how many cores the Go runtime may use (GOMAXPROCS): the
	// ceiling CPUMillicores is read against.
	CPUCores   int     `json:"cpu_cores"`
	RSSMiB     float64 `json:"rss_mib"`
	Goroutines int     `json:"goroutines"`
}

// ReplicaUsage is one orchestrator replica's resource use over the last
// interval, with the limits its percentages are of and where those come
// from. LimitSource is "cgroup-v1" or "cgroup-v2" (the stand-in's limits,
// enforced on each replica process), "pod-spec" (the pod's own limits; 0
// where the pod sets none), "not enforced (reason)" or "not known
// (reason)" (see api.ReplicaLimits); empty in runs recorded before gl001
// recorded limits, whose percentages were of the calculator's figures. A
// percentage of a limit nothing enforces measures no pressure, and the
// report does not judge it.
type ReplicaUsage struct {
	ID                 string  `json:"id"` // replica id, or pod name
	PID                int     `json:"pid,omitempty"`
	CPUMillicores      float64 `json:"cpu_millicores"`
	MemoryMiB          float64 `json:"memory_mib"`
	CPUPercent         float64 `json:"cpu_percent"`    // of cpu_limit_millicores; 0 without one
	MemoryPercent      float64 `json:"memory_percent"` // of memory_limit_mib; 0 without one
	CPULimitMillicores int     `json:"cpu_limit_millicores"`
	MemoryLimitMiB     int     `json:"memory_limit_mib"`
	LimitSource        string  `json:"limit_source"`
	// CPURequestMillicores and MemoryRequestMiB are the pod's requests,
	// from its spec (pod-spec only; 0 where it sets none).
	CPURequestMillicores int `json:"cpu_request_millicores,omitempty"`
	MemoryRequestMiB     int `json:"memory_request_mib,omitempty"`
}

// Lag is the consumer lag of the orchestrator's group on its topic: in
// messages (log end offset − committed offset, summed and per partition)
// and in seconds, estimated as kafka-lag-exporter does, by interpolating
// when the log end offset was at the committed offset from the history of
// end offsets.
type Lag struct {
	Group        string          `json:"group"`
	Topic        string          `json:"topic"`
	Messages     int64           `json:"messages"`
	PerPartition map[int32]int64 `json:"per_partition,omitempty"`
	Seconds      float64         `json:"seconds"`
}

// TargetMetrics are the orchestrator's own figures, scraped from its
// Prometheus /metrics (parsed with the Prometheus libraries) and summed or
// maxed over replicas: the guide's HPA metrics and the gl_001_ counters.
//
// A figure is null when the scrape had nothing to read for it: the metric
// is not exposed, is of a type not read, or has no finite value (a p95
// gauge over an empty window is NaN). Each such figure has a Gap in the
// Sample naming it (Gap.Field) and why. A counter at 0 is a reading.
type TargetMetrics struct {
	OrchestrationLatencyP95Seconds *float64 `json:"orchestration_latency_p95_seconds"`  // worst replica
	HeatOptimizationTimeP95Seconds *float64 `json:"heat_optimization_time_p95_seconds"` // worst replica
	AgentCoordinationPerSecond     *float64 `json:"agent_coordination_per_second"`      // summed
	BoilerCalculationQueueDepth    *float64 `json:"boiler_calculation_queue_depth"`     // summed
	RequestsTotal                  *float64 `json:"requests_total"`                     // gl_001_orchestration_requests_total
	CoordinationFailuresTotal      *float64 `json:"coordination_failures_total"`        // gl_001_subagent_coordination_failures_total
	Series                         int      `json:"series"`                             // series parsed, for the record
}

// Database is the orchestrator's connection pool, from
// /api/v1/metrics/database (the guide's connection_pool object).
//
// Size and InUse are required: without them there is no reading, and the
// sampler records a Gap for the whole part. Behind a Service or the
// stand-in's front door they are the replicas' pools read at once and
// summed, so InUse / Size is the deployment's share in use at one moment.
// Available is as reported, or Size − InUse of the same reading when the
// target leaves it out.
//
// WaitCount, Timeouts (cumulative counters since the target started) and
// MaxInUse (the target's own peak, whatever span it covers) are null when
// the target does not report them, each with a Gap; InUsePercent is null
// when Size is 0.
type Database struct {
	Size         int64    `json:"size"`
	InUse        int64    `json:"in_use"`
	Available    int64    `json:"available"`
	WaitCount    *int64   `json:"wait_count"`
	Timeouts     *int64   `json:"timeouts"`
	MaxInUse     *int64   `json:"max_in_use"`
	InUsePercent *float64 `json:"in_use_percent"` // in_use / size × 100
}

// HPA is the status of the orchestrator's HorizontalPodAutoscaler
// (autoscaling/v2), with --kube.
type HPA struct {
	Name            string             `json:"name"`
	MinReplicas     int32              `json:"min_replicas"`
	MaxReplicas     int32              `json:"max_replicas"`
	CurrentReplicas int32              `json:"current_replicas"`
	DesiredReplicas int32              `json:"desired_replicas"`
	Metrics         map[string]float64 `json:"metrics,omitempty"` // current value per metric, e.g. "cpu": 45 (%)
}

// Gap is a reading a sampler could not take this interval, and why.
//
// With Field empty the sampler's reading failed (for "replicas", one
// replica's): whatever it left in the Sample is not data. With Field set,
// only that figure of the sampler's part is null (Field is its JSON name,
// e.g. "timeouts" in database) and the rest of the part stands.
type Gap struct {
	Sampler string `json:"sampler"`         // "replicas", "lag", "target", "database", "hpa", "harness"
	Field   string `json:"field,omitempty"` // the one figure not read; empty for the whole reading
	Reason  string `json:"reason"`
}

// Whole reports whether g is a failure of the sampler's whole reading
// rather than one figure left unread.
func (g Gap) Whole() bool { return g.Field == "" }
