package plots

import (
	"fmt"
	"slices"

	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// The samplers' names, as their Gaps record them.
const (
	samplerReplicas = "replicas"
	samplerLag      = "lag"
	samplerDatabase = "database"
)

// readings reports, per interval, whether the named sampler read its part
// of the interval's sample (has). An interval without a sample, with a Gap
// for the sampler, or without the part has no reading: whatever a failed
// sampler left in the sample is not data. note says what is missing, empty
// when every interval has a reading.
func readings(run *runlog.Run, name string, has func(*record.Sample) bool) (ok []bool, note string) {
	n := len(run.Intervals)
	ok = make([]bool, n)
	var absent, failed int
	var reason string
	for i, iv := range run.Intervals {
		s := iv.Sample
		switch {
		case s == nil:
			absent++
		case gapFor(s, name) != nil:
			failed++
			if reason == "" {
				reason = gapFor(s, name).Reason
			}
		case !has(s):
			absent++
		default:
			ok[i] = true
		}
	}
	switch {
	case n == 0:
		return ok, "no samples: the run has no intervals"
	case absent+failed == 0:
		return ok, ""
	case absent == n:
		return ok, fmt.Sprintf("no samples: the %s sampler did not run", name)
	case failed == n:
		return ok, fmt.Sprintf("no samples: the %s sampler failed in all %d intervals: %s", name, n, reason)
	}
	note = fmt.Sprintf("%d of %d intervals have no %s reading; the lines break there", absent+failed, n, name)
	if reason != "" {
		note += fmt.Sprintf(" (first failure: %s)", reason)
	}
	return ok, note
}

// gapFor returns s's Gap for the named sampler's whole reading, or nil.
// A Gap for one figure leaves the rest of the reading standing.
func gapFor(s *record.Sample, name string) *record.Gap {
	for i := range s.Gaps {
		if s.Gaps[i].Sampler == name && s.Gaps[i].Whole() {
			return &s.Gaps[i]
		}
	}
	return nil
}

// resourcesSpec draws CPU and memory per replica, one line per replica in
// natural id order, against the per-replica limits the readings recorded
// as enforced (the stand-in's cgroup limits, the pods' own; the smallest
// when they differ). Where none was enforced, a target other than the
// stand-in gets the calculator's limits as a reference line, labelled so;
// the stand-in gets none, since its use is not comparable with them. A
// replica absent from an interval's reading (not started yet, restarted,
// gone) breaks its line there.
func resourcesSpec(run *runlog.Run, t timeline) (spec, error) {
	ok, note := readings(run, samplerReplicas, func(s *record.Sample) bool { return len(s.Replicas) > 0 })
	ids := replicaIDs(run, ok)
	cpu := panel{title: "CPU per replica (millicores)", yLabel: "millicores"}
	mem := panel{title: "Memory per replica (MiB)", yLabel: "MiB"}
	for n, id := range ids {
		cpuYs, memYs := missing(len(ok)), missing(len(ok))
		for i, iv := range run.Intervals {
			if !ok[i] {
				continue
			}
			for _, r := range iv.Sample.Replicas {
				if r.ID == id {
					cpuYs[i], memYs[i] = r.CPUMillicores, r.MemoryMiB
					break
				}
			}
		}
		cpu.series = append(cpu.series, newSeries(id, nthStyle(n), t.xs, cpuYs))
		mem.series = append(mem.series, newSeries(id, nthStyle(n), t.xs, memYs))
	}
	cpuLimit, memLimit, source := enforcedLimits(run, ok)
	pred := run.Meta.Prediction
	switch {
	case cpuLimit > 0:
		cpu.series = append(cpu.series, refLine(fmt.Sprintf("limit %d m (%s)", cpuLimit, source), float64(cpuLimit), t.spanSeconds))
	case pred.CPUMillicores > 0 && !run.Meta.StandIn:
		cpu.series = append(cpu.series, refLine(fmt.Sprintf("calculator's limit %d m", pred.CPUMillicores), float64(pred.CPUMillicores), t.spanSeconds))
	}
	switch {
	case memLimit > 0:
		mem.series = append(mem.series, refLine(fmt.Sprintf("limit %d MiB (%s)", memLimit, source), float64(memLimit), t.spanSeconds))
	case pred.MemoryMiB > 0 && !run.Meta.StandIn:
		mem.series = append(mem.series, refLine(fmt.Sprintf("calculator's limit %d MiB", pred.MemoryMiB), float64(pred.MemoryMiB), t.spanSeconds))
	}
	return spec{
		name:   NameResources,
		title:  "CPU (millicores) and memory (MiB) per replica, against the per-replica limits",
		note:   note,
		span:   t.spanSeconds,
		panels: []panel{cpu, mem},
	}, nil
}

// enforcedLimits returns the smallest CPU and memory limits the readings in
// the intervals ok marks recorded as enforced, 0 for a resource where some
// reading's was not, and the source of the first enforced one.
func enforcedLimits(run *runlog.Run, ok []bool) (cpu, mem int, source string) {
	cpuOK, memOK := true, true
	for i, iv := range run.Intervals {
		if !ok[i] {
			continue
		}
		for _, r := range iv.Sample.Replicas {
			enforced := api.LimitEnforced(r.LimitSource)
			if enforced && source == "" {
				source = r.LimitSource
			}
			cpuOK = cpuOK && enforced && r.CPULimitMillicores > 0
			memOK = memOK && enforced && r.MemoryLimitMiB > 0
			if cpuOK && (cpu == 0 || r.CPULimitMillicores < cpu) {
				cpu = r.CPULimitMillicores
			}
			if memOK && (mem == 0 || r.MemoryLimitMiB < mem) {
				mem = r.MemoryLimitMiB
			}
		}
	}
	if !cpuOK {
		cpu = 0
	}
	if !memOK {
		mem = 0
	}
	return cpu, mem, source
}

// replicaIDs returns the ids of the replicas read in the intervals ok marks,
// in natural order (see naturalCompare), so colours follow the ids.
func replicaIDs(run *runlog.Run, ok []bool) []string {
	seen := map[string]bool{}
	var ids []string
	for i, iv := range run.Intervals {
		if !ok[i] {
			continue
		}
		for _, r := range iv.Sample.Replicas {
			if !seen[r.ID] {
				seen[r.ID] = true
				ids = append(ids, r.ID)
			}
		}
	}
	slices.SortFunc(ids, naturalCompare)
	return ids
}

// lagSpec draws the consumer lag in messages and in seconds, two panels.
func lagSpec(run *runlog.Run, t timeline) (spec, error) {
	ok, note := readings(run, samplerLag, func(s *record.Sample) bool { return s.Lag != nil })
	msgs, secs := missing(len(ok)), missing(len(ok))
	title := "Consumer lag"
	for i, iv := range run.Intervals {
		if !ok[i] {
			continue
		}
		msgs[i], secs[i] = float64(iv.Sample.Lag.Messages), iv.Sample.Lag.Seconds
		if title == "Consumer lag" && iv.Sample.Lag.Group != "" {
			title = fmt.Sprintf("Consumer lag of %s on %s", iv.Sample.Lag.Group, iv.Sample.Lag.Topic)
		}
	}
	return spec{
		name:  NameLag,
		title: title + ": messages and seconds",
		note:  note,
		span:  t.spanSeconds,
		panels: []panel{
			{title: "Consumer lag (messages)", yLabel: "messages", series: []series{newSeries("messages", solid(purple), t.xs, msgs)}},
			{title: "Consumer lag (seconds)", yLabel: "seconds", series: []series{newSeries("seconds", solid(green), t.xs, secs)}},
		},
	}, nil
}

// poolSpec draws the database pool: connections in use and the pool's size,
// and the waits per second, two panels.
//
// wait_count is cumulative, so waits per second are measured between two
// consecutive intervals that both have a reading: the first reading after a
// gap has none, nor has one where the count went backwards (a restart).
func poolSpec(run *runlog.Run, t timeline) (spec, error) {
	ok, note := readings(run, samplerDatabase, func(s *record.Sample) bool { return s.Database != nil })
	inUse, size, waits := missing(len(ok)), missing(len(ok)), missing(len(ok))
	for i, iv := range run.Intervals {
		if !ok[i] {
			continue
		}
		db := iv.Sample.Database
		inUse[i], size[i] = float64(db.InUse), float64(db.Size)
		if i == 0 || !ok[i-1] {
			continue
		}
		prev := run.Intervals[i-1]
		pw := prev.Sample.Database.WaitCount
		if db.WaitCount == nil || pw == nil {
			continue // not reported: no point, never 0
		}
		dWaits, dSeconds := *db.WaitCount-*pw, iv.End.Sub(prev.End).Seconds()
		if dWaits >= 0 && dSeconds > 0 {
			waits[i] = float64(dWaits) / dSeconds
		}
	}
	return spec{
		name:  NamePool,
		title: "Database pool: connections in use against pool size, and waits per second",
		note:  note,
		span:  t.spanSeconds,
		panels: []panel{
			{title: "Database pool (connections)", yLabel: "connections", series: []series{
				newSeries("in use", solid(blue), t.xs, inUse),
				newSeries("size", dashedStyle(grey), t.xs, size),
			}},
			{title: "Database pool waits (per second)", yLabel: "waits per second", series: []series{
				newSeries("waits", solid(orange), t.xs, waits),
			}},
		},
	}, nil
}
