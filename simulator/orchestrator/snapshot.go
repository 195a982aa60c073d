package orchestrator

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/dbpool"
)

// Snapshot is GET /api/v1/metrics: the figures the guide's load-test
// procedure reads (orchestration_latency_p95, cpu_percent, memory_percent,
// agent_coordination_success_rate, heat_optimization_time_p95), plus
// counters. Latencies are seconds over the last minute.
//
// A figure with nothing behind it is null, never 0 or 1: the p95s with no
// request answered in the last minute, the success rate before any event,
// cpu_percent and memory_percent before the replica has read its own
// usage (CPU needs two reads, a second apart) or without a limit to be a
// percentage of. Counters are readings from the start, 0 included.
type Snapshot struct {
	Replica                 string   `json:"replica,omitempty"`
	Replicas                int      `json:"replicas,omitempty"`
	OrchestrationLatencyP95 *float64 `json:"orchestration_latency_p95"`
	HeatOptimizationTimeP95 *float64 `json:"heat_optimization_time_p95"`
	CPUPercent              *float64 `json:"cpu_percent"`
	MemoryPercent           *float64 `json:"memory_percent"`
	// The limits cpu_percent and memory_percent are of, and what enforces
	// them (api.ReplicaLimits); one replica's, so absent from the front
	// door's aggregate.
	CPULimitMillicores           int      `json:"cpu_limit_millicores,omitempty"`
	MemoryLimitMiB               int      `json:"memory_limit_mib,omitempty"`
	LimitSource                  string   `json:"limit_source,omitempty"`
	AgentCoordinationSuccessRate *float64 `json:"agent_coordination_success_rate"` // 0..1
	AgentCoordinationPerSecond   float64  `json:"agent_coordination_per_second"`
	OptimizationRequestsTotal    int64    `json:"optimization_requests_total"`
	OptimizationRequestsOK       int64    `json:"optimization_requests_ok"`
	OptimizationRequestsInvalid  int64    `json:"optimization_requests_invalid"`
	OptimizationRequestsError    int64    `json:"optimization_requests_error"`
	CoordinationEventsTotal      int64    `json:"coordination_events_total"`
	CoordinationEventsFailed     int64    `json:"coordination_events_failed"`
	BoilerCalculationQueueDepth  int64    `json:"boiler_calculation_queue_depth"`
	PlantsSeen                   int      `json:"plants_seen"`
	AgentsSeen                   int      `json:"agents_seen"`
	UptimeSeconds                float64  `json:"uptime_seconds"`
}

// Snapshot reads the replica's figures now.
func (r *Replica) Snapshot() Snapshot {
	plants, agents := r.plants.counts()
	req := func(status string) int64 {
		return int64(counterValue(r.m.orchestrationRequests.WithLabelValues(status)))
	}
	ok := int64(counterValue(r.m.coordinationEvents.WithLabelValues(api.AckOK)))
	failed := int64(counterValue(r.m.coordinationEvents.WithLabelValues(api.AckError)))
	var success *float64
	if ok+failed > 0 {
		success = ptr(float64(ok) / float64(ok+failed))
	}
	cpu, mem := r.usagePercent()
	return Snapshot{
		Replica:                      r.cfg.ID,
		OrchestrationLatencyP95:      quantilePtr(r.m.orchestrationLatency, 0.95),
		HeatOptimizationTimeP95:      quantilePtr(r.m.heatOptimization, 0.95),
		CPUPercent:                   roundPtr(cpu, 2),
		MemoryPercent:                roundPtr(mem, 2),
		CPULimitMillicores:           r.cfg.CPULimitMillicores,
		MemoryLimitMiB:               r.cfg.MemoryLimitMiB,
		LimitSource:                  r.cfg.LimitSource,
		AgentCoordinationSuccessRate: success,
		AgentCoordinationPerSecond:   r.m.coordinationRate.PerSecond(),
		OptimizationRequestsTotal:    r.requests.Load(),
		OptimizationRequestsOK:       req(outcomeOK),
		OptimizationRequestsInvalid:  req(outcomeInvalid),
		OptimizationRequestsError:    req(outcomeError),
		CoordinationEventsTotal:      ok + failed,
		CoordinationEventsFailed:     failed,
		BoilerCalculationQueueDepth:  int64(r.proc.Stats().QueueDepth),
		PlantsSeen:                   plants,
		AgentsSeen:                   agents,
		UptimeSeconds:                time.Since(r.started).Seconds(),
	}
}

func ptr[T any](v T) *T { return &v }

// roundPtr is p rounded to places, nil when p is.
func roundPtr(p *float64, places int) *float64 {
	if p == nil {
		return nil
	}
	return ptr(round(*p, places))
}

// quantilePtr is quantile q of s's window, nil when the window is empty.
func quantilePtr(s prometheus.Summary, q float64) *float64 {
	if v, ok := quantile(s, q); ok {
		return &v
	}
	return nil
}

// ReplicaLoad is one replica's share of the work, for
// /api/v1/metrics/load-distribution. A replica the front door could not
// read (down) has null figures, not 0.
type ReplicaLoad struct {
	Replica              string   `json:"replica"`
	OptimizationRequests *int64   `json:"optimization_requests"`
	CoordinationEvents   *int64   `json:"coordination_events"`
	CPUPercent           *float64 `json:"cpu_percent"`
	MemoryPercent        *float64 `json:"memory_percent"`
	Up                   bool     `json:"up"`
}

// LoadDistribution is GET /api/v1/metrics/load-distribution.
type LoadDistribution struct {
	Replicas []ReplicaLoad `json:"replicas"`
}

func (r *Replica) load() ReplicaLoad {
	s := r.Snapshot()
	return ReplicaLoad{Replica: r.cfg.ID, OptimizationRequests: ptr(s.OptimizationRequestsTotal),
		CoordinationEvents: ptr(s.CoordinationEventsTotal), CPUPercent: s.CPUPercent, MemoryPercent: s.MemoryPercent, Up: true}
}

// Database is GET /api/v1/metrics/database, in the guide's shape.
type Database struct {
	ConnectionPool dbpool.Stats  `json:"connection_pool"`
	ReadReplicas   []ReadReplica `json:"read_replicas"`
}

// ReadReplica is one read replica's traffic, as the guide's
// `.read_replicas[] | {endpoint, query_count, avg_latency_ms}` reads it. The
// stand-in has none.
type ReadReplica struct {
	Endpoint     string  `json:"endpoint"`
	QueryCount   int64   `json:"query_count"`
	AvgLatencyMS float64 `json:"avg_latency_ms"`
}
