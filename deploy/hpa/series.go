package hpa

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
)

// ErrSeries marks a series file the replay cannot take.
var ErrSeries = errors.New("invalid series")

// Series is a load to replay, one point per interval: CPU, memory and the
// coordination rate are totals over the deployment (shared across the
// replicas the HPA would have), the latency each pod's as observed.
type Series struct {
	StartReplicas        int32   `json:"start_replicas"`
	CPURequestMillicores float64 `json:"cpu_request_millicores"`
	MemoryRequestMiB     float64 `json:"memory_request_mib"`
	IntervalSeconds      float64 `json:"interval_seconds"`
	Points               []Point `json:"points"`
}

// Point is one interval's readings; a field left out (or null) is a
// metric with no reading then.
type Point struct {
	CPUMillicores                  *float64 `json:"cpu_millicores"`
	MemoryMiB                      *float64 `json:"memory_mib"`
	OrchestrationLatencyP95Seconds *float64 `json:"orchestration_latency_p95_seconds"`
	AgentCoordinationPerSecond     *float64 `json:"agent_coordination_per_second"`
	// From a run: the replicas it had, and the live HPA's status when
	// --kube read one. Not read by the model; carried to the trajectory.
	ObservedReplicas *int32 `json:"observed_replicas,omitempty"`
	LiveReplicas     *int32 `json:"hpa_current_replicas,omitempty"`
	LiveDesired      *int32 `json:"hpa_desired_replicas,omitempty"`
}

// The Pods metrics a series carries, by the guide's HPA names: the
// coordination rate is a total, the latency per pod.
const (
	MetricLatencyP95    = "orchestration_latency_p95_seconds"
	MetricCoordination  = "agent_coordination_per_second"
	latencyNotModelled  = "orchestration_latency_p95_seconds is taken as observed, not modelled: the replay does not lower it when it adds a replica, so a latency above target keeps proposing more"
	readyAtOnce         = "every replica the HPA adds is taken as ready and measured at once (no pod start-up, no unready pods)"
	sharedTotals        = "CPU, memory and agent_coordination_per_second are the observed totals, shared evenly across the replicas the HPA would have had"
	startSteady         = "before the first point the HPA is taken as steady at start_replicas: its recommendation history full of that count"
	noSeriesFieldFormat = "the HPA's Pods metric %q has no field in the series: it is missing at every sync (a missing metric blocks any scale-down)"
)

// ReadSeries decodes a series strictly and checks it, naming the field
// and the value.
func ReadSeries(r io.Reader) (Series, error) {
	var s Series
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return s, fmt.Errorf("%w: %v", ErrSeries, err)
	}
	if dec.More() {
		return s, fmt.Errorf("%w: more than one JSON value", ErrSeries)
	}
	return s, s.validate()
}

// LoadSeries reads a series file.
func LoadSeries(path string) (Series, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Series{}, err
	}
	s, err := ReadSeries(bytes.NewReader(b))
	if err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func (s Series) validate() error {
	switch {
	case s.StartReplicas < 1:
		return fmt.Errorf("%w: start_replicas %d: want 1 or more", ErrSeries, s.StartReplicas)
	case !(s.CPURequestMillicores > 0) || math.IsInf(s.CPURequestMillicores, 0):
		return fmt.Errorf("%w: cpu_request_millicores %v: want the pods' CPU request, > 0", ErrSeries, s.CPURequestMillicores)
	case !(s.MemoryRequestMiB > 0) || math.IsInf(s.MemoryRequestMiB, 0):
		return fmt.Errorf("%w: memory_request_mib %v: want the pods' memory request, > 0", ErrSeries, s.MemoryRequestMiB)
	case !(s.IntervalSeconds > 0) || s.IntervalSeconds > 3600:
		return fmt.Errorf("%w: interval_seconds %v: want more than 0, at most 3600", ErrSeries, s.IntervalSeconds)
	case len(s.Points) == 0:
		return fmt.Errorf("%w: points: empty, want one reading per interval", ErrSeries)
	}
	for i, p := range s.Points {
		for name, v := range map[string]*float64{"cpu_millicores": p.CPUMillicores, "memory_mib": p.MemoryMiB,
			MetricLatencyP95: p.OrchestrationLatencyP95Seconds, MetricCoordination: p.AgentCoordinationPerSecond} {
			if v != nil && (*v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0)) {
				return fmt.Errorf("%w: points[%d].%s %v: want a reading ≥ 0, or null for none", ErrSeries, i, name, *v)
			}
		}
	}
	return nil
}

// Row is one sync of a replay, with what the run had beside it.
type Row struct {
	Step
	ObservedReplicas *int32 `json:"observed_replicas,omitempty"`
	LiveReplicas     *int32 `json:"hpa_current_replicas,omitempty"`
	LiveDesired      *int32 `json:"hpa_desired_replicas,omitempty"`
}

// Replay is a series replayed through an HPA.
type Replay struct {
	HPA             string  `json:"hpa"`
	MinReplicas     int32   `json:"min_replicas"`
	MaxReplicas     int32   `json:"max_replicas"`
	StartReplicas   int32   `json:"start_replicas"`
	IntervalSeconds float64 `json:"interval_seconds"`
	SyncSeconds     int     `json:"sync_period_seconds"`
	// Notes say what the replay assumes and what it could not read.
	Notes      []string `json:"notes"`
	Trajectory []Row    `json:"trajectory"`
}

// Run replays s through spec: a sync every 15 s from 0 while the series
// lasts, each reading the point its time falls in.
func Run(spec Spec, s Series) Replay {
	out := Replay{HPA: spec.Name, MinReplicas: spec.MinReplicas, MaxReplicas: spec.MaxReplicas, StartReplicas: s.StartReplicas,
		IntervalSeconds: s.IntervalSeconds, SyncSeconds: SyncPeriodSeconds, Notes: []string{sharedTotals, startSteady, readyAtOnce}}
	for _, m := range spec.Metrics {
		switch name := MetricName(m); {
		case m.Pods == nil:
		case name == MetricLatencyP95:
			out.Notes = append(out.Notes, latencyNotModelled)
		case name != MetricCoordination:
			out.Notes = append(out.Notes, fmt.Sprintf(noSeriesFieldFormat, name))
		}
	}
	c := NewController(spec, s.CPURequestMillicores, s.MemoryRequestMiB, s.StartReplicas, 0)
	replicas := s.StartReplicas
	length := s.IntervalSeconds * float64(len(s.Points))
	for t := int64(0); float64(t) < length; t += SyncPeriodSeconds {
		p := s.Points[min(int(float64(t)/s.IntervalSeconds), len(s.Points)-1)]
		st := c.Sync(t, replicas, p.demand())
		replicas = st.Replicas
		out.Trajectory = append(out.Trajectory, Row{Step: st, ObservedReplicas: p.ObservedReplicas, LiveReplicas: p.LiveReplicas, LiveDesired: p.LiveDesired})
	}
	return out
}

func (p Point) demand() Demand {
	d := Demand{Totals: map[string]float64{}, PerPod: map[string]float64{}}
	set := func(m map[string]float64, k string, v *float64) {
		if v != nil {
			m[k] = *v
		}
	}
	set(d.Totals, "cpu", p.CPUMillicores)
	set(d.Totals, "memory", p.MemoryMiB)
	set(d.Totals, MetricCoordination, p.AgentCoordinationPerSecond)
	set(d.PerPod, MetricLatencyP95, p.OrchestrationLatencyP95Seconds)
	return d
}
