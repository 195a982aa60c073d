// Package sampler reads the target while a load test runs: CPU and memory
// of every orchestrator replica, Kafka consumer lag of group
// gl-001-orchestrator, the orchestrator's own metrics and its database
// pool, and (with --kube) the HPA's status. Each interval's readings are
// one record.Sample, stored in intervals.ndjson under extra["samples"], so
// the report can be rebuilt from that file alone.
//
// A sampler that fails records a Gap with its reason; the run goes on,
// and the report shows the gap, never a zero in its place.
package sampler

import (
	"context"

	"github.com/greenlang/gl001/xk6-gl001/record"
)

// The reading types live in package record, which the report shares
// without linking a Kafka or Kubernetes client.
type (
	Sample        = record.Sample
	ReplicaUsage  = record.ReplicaUsage
	Lag           = record.Lag
	TargetMetrics = record.TargetMetrics
	Database      = record.Database
	HPA           = record.HPA
	Gap           = record.Gap
)

// Sampler fills its part of a Sample. An error becomes a Gap; the caller
// bounds ctx.
type Sampler interface {
	Name() string
	Sample(ctx context.Context, s *Sample) error
}
