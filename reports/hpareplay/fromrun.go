// Package hpareplay turns a run's intervals into the series the HPA model
// replays (deploy/hpa): what the guide's HPA would have done with the load
// the run put on the orchestrator.
package hpareplay

import (
	"errors"
	"fmt"
	"time"

	"github.com/greenlang/gl001/deploy/hpa"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// ErrNoReplay is returned for a run the HPA cannot be replayed from, and
// says why (no replicas sampled, no requests known).
var ErrNoReplay = errors.New("the HPA cannot be replayed from this run")

// Series is the run as the HPA would have read it: one point per 15 s
// sync window from the run's start. CPU and memory are the replicas'
// totals averaged over the window (as metrics-server averages usage); the
// latency and the coordination rate are the target's last reading in the
// window (as a custom-metrics adapter serves the latest). The requests
// are the pods' own (their spec, with --kube); on the stand-in, whose
// replicas set none, its enforced limits, as requests = limits. Notes say
// which.
func Series(run *runlog.Run) (hpa.Series, []string, error) {
	var s hpa.Series
	var notes []string
	var cpuReq, memReq, limCPU, limMem float64
	var nReq, nLim int
	for _, iv := range run.Intervals {
		if iv.Sample == nil {
			continue
		}
		for _, r := range iv.Sample.Replicas {
			if r.CPURequestMillicores > 0 && r.MemoryRequestMiB > 0 {
				cpuReq, memReq, nReq = cpuReq+float64(r.CPURequestMillicores), memReq+float64(r.MemoryRequestMiB), nReq+1
			}
			if r.CPULimitMillicores > 0 && r.MemoryLimitMiB > 0 && api.LimitEnforced(r.LimitSource) {
				limCPU, limMem, nLim = limCPU+float64(r.CPULimitMillicores), limMem+float64(r.MemoryLimitMiB), nLim+1
			}
		}
	}
	seen := false
	for _, iv := range run.Intervals {
		seen = seen || iv.Sample != nil && len(iv.Sample.Replicas) > 0
	}
	switch {
	case !seen:
		return s, nil, fmt.Errorf("%w: no interval sampled the replicas' CPU and memory (against a --target the replicas sampler needs --kube)", ErrNoReplay)
	case nReq > 0:
		s.CPURequestMillicores, s.MemoryRequestMiB = cpuReq/float64(nReq), memReq/float64(nReq)
		notes = append(notes, fmt.Sprintf("requests: the pods' own, from their spec (%.0fm CPU, %.0f Mi memory)", s.CPURequestMillicores, s.MemoryRequestMiB))
	case nLim > 0:
		s.CPURequestMillicores, s.MemoryRequestMiB = limCPU/float64(nLim), limMem/float64(nLim)
		notes = append(notes, fmt.Sprintf("requests: the replicas set none, so the stand-in's enforced limits stand for them, as requests = limits (%.0fm CPU, %.0f Mi memory): Utilization is of those", s.CPURequestMillicores, s.MemoryRequestMiB))
	default:
		return s, nil, fmt.Errorf("%w: no replica's requests or enforced limits were recorded (Utilization targets are a percentage of the requests)", ErrNoReplay)
	}
	s.IntervalSeconds = hpa.SyncPeriodSeconds
	start := run.Start()
	window := time.Duration(hpa.SyncPeriodSeconds) * time.Second
	type acc struct {
		cpu, mem              float64
		n                     int
		latency, coordination *float64
		observed              *int32
		live, liveDesired     *int32
	}
	var ws []acc
	var sampled, targetGaps, atLimit, cpuRead int
	gapReason := ""
	for _, iv := range run.Intervals {
		sm := iv.Sample
		if sm == nil {
			continue
		}
		sampled++
		if g, ok := wholeGapOf(sm, "target"); ok {
			targetGaps++
			if gapReason == "" {
				gapReason = g.Reason
			}
		}
		k := int(iv.End.Add(-time.Nanosecond).Sub(start) / window)
		if k < 0 {
			continue
		}
		for len(ws) <= k {
			ws = append(ws, acc{})
		}
		w := &ws[k]
		if len(sm.Replicas) > 0 && !wholeGap(sm, "replicas") {
			var cpu, mem, limit float64
			for _, r := range sm.Replicas {
				cpu, mem = cpu+r.CPUMillicores, mem+r.MemoryMiB
				if api.LimitEnforced(r.LimitSource) {
					limit += float64(r.CPULimitMillicores)
				}
			}
			cpuRead++
			if limit > 0 && cpu >= 0.95*limit {
				atLimit++
			}
			w.cpu, w.mem, w.n = w.cpu+cpu, w.mem+mem, w.n+1
			n := int32(len(sm.Replicas))
			w.observed = &n
			if s.StartReplicas == 0 {
				s.StartReplicas = n
			}
		}
		if t := sm.Target; t != nil {
			if t.OrchestrationLatencyP95Seconds != nil {
				w.latency = t.OrchestrationLatencyP95Seconds
			}
			if t.AgentCoordinationPerSecond != nil {
				w.coordination = t.AgentCoordinationPerSecond
			}
		}
		if h := sm.HPA; h != nil {
			cur, des := h.CurrentReplicas, h.DesiredReplicas
			w.live, w.liveDesired = &cur, &des
		}
	}
	if s.StartReplicas == 0 {
		return s, nil, fmt.Errorf("%w: no interval sampled the replicas' CPU and memory", ErrNoReplay)
	}
	for _, w := range ws {
		p := hpa.Point{OrchestrationLatencyP95Seconds: w.latency, AgentCoordinationPerSecond: w.coordination,
			ObservedReplicas: w.observed, LiveReplicas: w.live, LiveDesired: w.liveDesired}
		if w.n > 0 {
			cpu, mem := w.cpu/float64(w.n), w.mem/float64(w.n)
			p.CPUMillicores, p.MemoryMiB = &cpu, &mem
		}
		s.Points = append(s.Points, p)
	}
	notes = append(notes, fmt.Sprintf("start_replicas %d: the run's first sampled count", s.StartReplicas))
	for _, m := range []struct {
		name string
		read bool
	}{
		{hpa.MetricLatencyP95, anyPoint(s, func(p hpa.Point) bool { return p.OrchestrationLatencyP95Seconds != nil })},
		{hpa.MetricCoordination, anyPoint(s, func(p hpa.Point) bool { return p.AgentCoordinationPerSecond != nil })},
	} {
		why := "the target's /metrics did not give it"
		switch {
		case targetGaps == sampled:
			why = fmt.Sprintf("the target sampler read nothing in any of the %d sampled intervals: %s", sampled, gapReason)
		case targetGaps > 0:
			why += fmt.Sprintf("; the target sampler also failed in %d of %d sampled intervals: %s", targetGaps, sampled, gapReason)
		}
		if !m.read {
			notes = append(notes, fmt.Sprintf("%s was not read in any interval (%s): it is missing at every sync, which blocks any scale-down", m.name, why))
		}
	}
	if atLimit > 0 {
		notes = append(notes, fmt.Sprintf("the replicas were at 95 %% or more of their CPU limits in %d of %d intervals: there the CPU read is what the limits let through, a floor of the demand, so the replay's CPU proposals there are too low", atLimit, cpuRead))
	}
	return s, notes, nil
}

func anyPoint(s hpa.Series, f func(hpa.Point) bool) bool {
	for _, p := range s.Points {
		if f(p) {
			return true
		}
	}
	return false
}

func wholeGap(s *record.Sample, sampler string) bool {
	_, ok := wholeGapOf(s, sampler)
	return ok
}

// wholeGapOf is the sampler's failed reading in s, if it failed.
func wholeGapOf(s *record.Sample, sampler string) (record.Gap, bool) {
	for _, g := range s.Gaps {
		if g.Sampler == sampler && g.Whole() {
			return g, true
		}
	}
	return record.Gap{}, false
}

// Replay replays the run through spec: its Series, with the series' notes
// before the model's.
func Replay(run *runlog.Run, spec hpa.Spec) (hpa.Replay, error) {
	s, notes, err := Series(run)
	if err != nil {
		return hpa.Replay{}, err
	}
	r := hpa.Run(spec, s)
	r.Notes = append(notes, r.Notes...)
	return r, nil
}
