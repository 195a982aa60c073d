package report

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// Observed are the run's measured values. Each pointer is nil when the
// value was not observed (no sampler reading, or no sample of the metric);
// it is never a zero standing in for a missing reading.
//
// CPU and memory are per replica: "peak" is the highest interval reading,
// "p95" the nearest-rank 95th percentile over the intervals a replica was
// read in; the run-wide figures are the worst replica's. Percentages are
// of the limits each reading recorded (Limits): the stand-in's enforced
// limits, or the pods' own. Where a reading's limit was not enforced (or
// not recorded, or not known), the percentages of that resource are nil:
// a share of a limit nothing held a replica to measures no pressure.
type Observed struct {
	// Intervals is the run's interval count; SampledIntervals how many of
	// them carry sampler readings.
	Intervals        int `json:"intervals"`
	SampledIntervals int `json:"sampled_intervals"`

	// Replicas are per replica, in replica ID order.
	Replicas []ReplicaObserved `json:"replicas"`
	// ReplicaIntervals is how many intervals had replica readings.
	ReplicaIntervals    int      `json:"replica_intervals"`
	CPUPeakMillicores   *float64 `json:"cpu_peak_millicores"`
	CPUP95Millicores    *float64 `json:"cpu_p95_millicores"`
	CPUPeakPercent      *float64 `json:"cpu_peak_percent"`
	CPUP95Percent       *float64 `json:"cpu_p95_percent"`
	MemoryPeakMiB       *float64 `json:"memory_peak_mib"`
	MemoryP95MiB        *float64 `json:"memory_p95_mib"`
	MemoryPeakPercent   *float64 `json:"memory_peak_percent"`
	MemoryP95Percent    *float64 `json:"memory_p95_percent"`
	MasterCPUPercent    *float64 `json:"master_cpu_percent"`    // p95 over intervals of the mean over replicas
	MasterMemoryPercent *float64 `json:"master_memory_percent"` // likewise
	// Limits are the limits the percentages are of, and whether they were
	// enforced.
	Limits Limits `json:"limits"`

	// PoolIntervals is how many intervals had database pool readings.
	//
	// The pool's use is read at one moment per interval: in_use (behind
	// a Service or the stand-in's front door, every replica read at once
	// and summed), never max_in_use, whose span is the target's own and
	// which behind a front door would add peaks of different moments.
	// Pressure between the readings shows in wait_count and timeouts.
	PoolIntervals int    `json:"pool_intervals"`
	PoolSize      *int64 `json:"pool_size"` // the smallest size read
	// PoolInUsePeak is the most connections in use at one reading;
	// PoolInUsePeakPercent the highest in_use / size of one reading.
	PoolInUsePeak        *int64   `json:"pool_in_use_peak"`
	PoolInUsePeakPercent *float64 `json:"pool_in_use_peak_percent"`
	// PoolWaitCount and PoolTimeouts are the last readings of the
	// target's cumulative counters; nil when it never reported them.
	PoolWaitCount *int64 `json:"pool_wait_count"`
	PoolTimeouts  *int64 `json:"pool_timeouts"`
	// PoolWaitCountIncrease and PoolTimeoutsIncrease are how much each
	// counter rose over the run's readings, a fall (a restart) counted as
	// a reset, as Prometheus' increase() does; nil with fewer than two
	// readings.
	PoolWaitCountIncrease *int64 `json:"pool_wait_count_increase"`
	PoolTimeoutsIncrease  *int64 `json:"pool_timeouts_increase"`

	// LagIntervals is how many intervals had consumer lag readings.
	LagIntervals    int      `json:"lag_intervals"`
	LagGroup        string   `json:"lag_group,omitempty"`
	LagPeakMessages *int64   `json:"lag_peak_messages"`
	LagPeakSeconds  *float64 `json:"lag_peak_seconds"`

	// BusTransitP95MS is the p95 of gl001_coordination_service_duration:
	// publish to the orchestrator's ack, measured for every event. It
	// bounds each event's time through the bus from above, and is what
	// the Message Bus Lag row reads when the run measured acks; nil for a
	// publish-only run or one without coordination.
	BusTransitP95MS *float64 `json:"bus_transit_p95_ms"`

	// From the run's totals.
	OptimizeRequests int64 `json:"optimize_requests"`
	// AnsweredRequests are the optimizations that succeeded, whose
	// latency LatencyP95Seconds is (LatencyBasis names the metric read).
	AnsweredRequests int64  `json:"answered_requests"`
	LatencyBasis     string `json:"latency_basis,omitempty"`
	// LatencyFrom is where each latency starts: the scheduled start (gl001
	// run) or the iteration's start (k6).
	LatencyFrom                string   `json:"latency_from,omitempty"`
	Coordinations              int64    `json:"coordinations"`
	LatencyP95Seconds          *float64 `json:"latency_p95_seconds"`
	CoordinationErrorPercent   *float64 `json:"coordination_error_percent"`
	HeatOptimizations          int64    `json:"heat_optimizations"`
	HeatOptimizationP95Seconds *float64 `json:"heat_optimization_p95_seconds"`

	// ReplicasRunning is the fewest replicas read in any interval whose
	// replicas sampler had no gap, or, without such readings, the run
	// header's replicas_running; ReplicasRunningMax the most.
	ReplicasRunning    *int   `json:"replicas_running"`
	ReplicasRunningMax *int   `json:"replicas_running_max"`
	ReplicasSource     string `json:"replicas_source"`
	// Workers is Options.Workers.
	Workers *int `json:"workers"`

	// The load generator's own process (the harness sampler): its CPU
	// peak, also in percent of the cores it may use (HarnessCPUCores), its
	// RSS and goroutines; nil when not sampled.
	HarnessCPUPeakMillicores *float64 `json:"harness_cpu_peak_millicores"`
	HarnessCPUPeakPercent    *float64 `json:"harness_cpu_peak_percent"`
	HarnessCPUCores          int      `json:"harness_cpu_cores,omitempty"`
	HarnessRSSPeakMiB        *float64 `json:"harness_rss_peak_mib"`
	HarnessGoroutinesPeak    *int     `json:"harness_goroutines_peak"`
}

// ReplicaObserved is one replica's use over the intervals it was read in.
// Percentages are nil where the run's limits of that resource were not
// enforced (Observed.Limits).
type ReplicaObserved struct {
	ID                string   `json:"id"`
	Intervals         int      `json:"intervals"`
	CPUPeakMillicores float64  `json:"cpu_peak_millicores"`
	CPUP95Millicores  float64  `json:"cpu_p95_millicores"`
	CPUPeakPercent    *float64 `json:"cpu_peak_percent"`
	CPUP95Percent     *float64 `json:"cpu_p95_percent"`
	MemoryPeakMiB     float64  `json:"memory_peak_mib"`
	MemoryP95MiB      float64  `json:"memory_p95_mib"`
	MemoryPeakPercent *float64 `json:"memory_peak_percent"`
	MemoryP95Percent  *float64 `json:"memory_p95_percent"`
}

// Limits are the per-replica limits a run's CPU and memory percentages are
// of, as the replicas sampler recorded them beside each reading.
type Limits struct {
	// Source is where the readings' limits came from: "cgroup-v1",
	// "cgroup-v2" (the stand-in's, enforced on each replica process),
	// "pod-spec" (the pods' own), "not enforced (…)", "not known (…)", or
	// "not recorded" (a run from before gl001 recorded limits: its
	// percentages were of the calculator's figures, enforced by nothing).
	// Several are joined with "; ". "" without replica readings.
	Source string `json:"limit_source"`
	// CPULimitMillicores and MemoryLimitMiB are the smallest limit read,
	// the one a replica meets first; nil unless every reading's limit of
	// that resource was enforced.
	CPULimitMillicores *int `json:"cpu_limit_millicores"`
	MemoryLimitMiB     *int `json:"memory_limit_mib"`
	// CPURequestMillicores and MemoryRequestMiB are the pods' smallest
	// requests (pod-spec); nil where a pod sets none or for the stand-in,
	// which has no requests.
	CPURequestMillicores *int `json:"cpu_request_millicores"`
	MemoryRequestMiB     *int `json:"memory_request_mib"`
	// Varied says the readings carried more than one value of a limit.
	Varied bool `json:"varied,omitempty"`
	// CPUNotEnforced and MemoryNotEnforced say why that resource's
	// percentages are not judged; "" when every reading's limit of it was
	// enforced (or there were no readings).
	CPUNotEnforced    string `json:"cpu_not_enforced,omitempty"`
	MemoryNotEnforced string `json:"memory_not_enforced,omitempty"`
}

// limitsAcc gathers Limits over the readings.
type limitsAcc struct {
	sources                  []string
	cpu, mem, cpuReq, memReq minInt
	cpuWhy, memWhy           string
	readings                 int
	noCPUReq, noMemReq       bool
}

// minInt is the smallest of the values added, and whether they differed.
type minInt struct {
	v      *int
	varied bool
}

func (m *minInt) add(v int) {
	switch {
	case m.v == nil:
		m.v = ptr(v)
	case v != *m.v:
		m.varied = true
		*m.v = min(*m.v, v)
	}
}

func (a *limitsAcc) add(r record.ReplicaUsage) {
	a.readings++
	src := r.LimitSource
	if src == "" {
		src = "not recorded"
	}
	if !slices.Contains(a.sources, src) {
		a.sources = append(a.sources, src)
	}
	enforced := api.LimitEnforced(r.LimitSource)
	why := func(resource string) string {
		switch {
		case r.LimitSource == "":
			return "the run did not record the limits its percentages are of (recorded before gl001 enforced limits: they were the calculator's figures, enforced by nothing)"
		case strings.HasPrefix(r.LimitSource, "not known"):
			return "the pods' limits could not be read: " + api.LimitReason(r.LimitSource)
		case !enforced:
			return "the per-replica limits were not enforced: " + api.LimitReason(r.LimitSource)
		}
		return "the pods set no " + resource + " limit"
	}
	if enforced && r.CPULimitMillicores > 0 {
		a.cpu.add(r.CPULimitMillicores)
	} else if a.cpuWhy == "" {
		a.cpuWhy = why("CPU")
	}
	if enforced && r.MemoryLimitMiB > 0 {
		a.mem.add(r.MemoryLimitMiB)
	} else if a.memWhy == "" {
		a.memWhy = why("memory")
	}
	if r.CPURequestMillicores > 0 {
		a.cpuReq.add(r.CPURequestMillicores)
	} else {
		a.noCPUReq = true
	}
	if r.MemoryRequestMiB > 0 {
		a.memReq.add(r.MemoryRequestMiB)
	} else {
		a.noMemReq = true
	}
}

func (a *limitsAcc) limits() Limits {
	l := Limits{Source: strings.Join(a.sources, "; "), CPUNotEnforced: a.cpuWhy, MemoryNotEnforced: a.memWhy}
	if a.readings == 0 {
		return l
	}
	if a.cpuWhy == "" {
		l.CPULimitMillicores = a.cpu.v
	}
	if a.memWhy == "" {
		l.MemoryLimitMiB = a.mem.v
	}
	if !a.noCPUReq {
		l.CPURequestMillicores = a.cpuReq.v
	}
	if !a.noMemReq {
		l.MemoryRequestMiB = a.memReq.v
	}
	l.Varied = a.cpu.varied || a.mem.varied || a.cpuReq.varied || a.memReq.varied
	return l
}

// point is one interval's fleet-wide reading, for trends.
type point struct {
	mid              time.Time // the interval's midpoint
	start, end       time.Time
	cpuPct, memPct   float64 // mean over replicas
	cpuMilli, memMiB float64 // mean over replicas
}

// The samplers' names, as record.Gap records them.
const (
	samplerReplicas = "replicas"
	samplerLag      = "lag"
	samplerDatabase = "database"
)

// observation is Observed with what the rest of Evaluate needs besides.
type observation struct {
	Observed
	points     []point        // intervals with replica readings
	gapIvs     map[string]int // intervals with at least one whole-reading gap, by sampler
	gaps       []Gap
	figureGaps []FigureGap // sorted by sampler, field, reason
	sampled    bool        // any interval carries a Sample
}

// unread says why the sampler's field was not read, from its first
// figure gap; "" when it has none.
func (o observation) unread(sampler, field string) string {
	for _, g := range o.figureGaps {
		if g.Sampler == sampler && g.Field == field {
			return g.Reason
		}
	}
	return ""
}

// counter follows a cumulative counter over the readings that had it.
type counter struct {
	last     *int64
	increase int64
	readings int
}

func (c *counter) add(v *int64) {
	if v == nil {
		return
	}
	if c.last != nil {
		if d := *v - *c.last; d >= 0 {
			c.increase += d
		} else {
			c.increase += *v // reset: counted from 0
		}
	}
	c.last, c.readings = ptr(*v), c.readings+1
}

// rise is the increase over the readings; nil with fewer than two.
func (c counter) rise() *int64 {
	if c.readings < 2 {
		return nil
	}
	return ptr(c.increase)
}

// observe reads the run's samples and totals.
func observe(run *runlog.Run, opts Options) observation {
	o := observation{gapIvs: map[string]int{}, gaps: []Gap{}}
	o.Intervals = len(run.Intervals)
	o.Replicas = []ReplicaObserved{}
	o.Workers = opts.Workers

	type series struct{ cpu, cpuPct, mem, memPct []float64 }
	byReplica := map[string]*series{}
	var meanCPU, meanMem []float64
	var runMin, runMax *int
	var lim limitsAcc
	var waits, timeouts counter
	type figureKey struct{ sampler, field, reason string }
	figures := map[figureKey]*FigureGap{}

	for _, iv := range run.Intervals {
		s := iv.Sample
		if s == nil {
			continue
		}
		o.sampled = true
		o.SampledIntervals++
		at := s.At
		if at.IsZero() {
			at = iv.End
		}
		gapped := map[string]bool{}
		for _, g := range s.Gaps {
			if !g.Whole() { // one figure unread; the sampler's reading stands
				k := figureKey{g.Sampler, g.Field, g.Reason}
				fg := figures[k]
				if fg == nil {
					fg = &FigureGap{Sampler: g.Sampler, Field: g.Field, Reason: g.Reason, FirstSeq: iv.Seq}
					figures[k] = fg
				}
				if fg.LastSeq != iv.Seq {
					fg.Intervals++
				}
				fg.LastSeq = iv.Seq
				continue
			}
			o.gaps = append(o.gaps, Gap{Seq: iv.Seq, At: at, Sampler: g.Sampler, Reason: g.Reason})
			if !gapped[g.Sampler] {
				gapped[g.Sampler] = true
				o.gapIvs[g.Sampler]++
			}
		}

		if len(s.Replicas) > 0 {
			o.ReplicaIntervals++
			p := point{mid: iv.Start.Add(iv.End.Sub(iv.Start) / 2), start: iv.Start, end: iv.End}
			for _, r := range s.Replicas {
				sr := byReplica[r.ID]
				if sr == nil {
					sr = &series{}
					byReplica[r.ID] = sr
				}
				sr.cpu = append(sr.cpu, r.CPUMillicores)
				sr.cpuPct = append(sr.cpuPct, r.CPUPercent)
				sr.mem = append(sr.mem, r.MemoryMiB)
				sr.memPct = append(sr.memPct, r.MemoryPercent)
				lim.add(r)
				p.cpuPct += r.CPUPercent
				p.memPct += r.MemoryPercent
				p.cpuMilli += r.CPUMillicores
				p.memMiB += r.MemoryMiB
			}
			n := float64(len(s.Replicas))
			p.cpuPct, p.memPct, p.cpuMilli, p.memMiB = p.cpuPct/n, p.memPct/n, p.cpuMilli/n, p.memMiB/n
			o.points = append(o.points, p)
			meanCPU = append(meanCPU, p.cpuPct)
			meanMem = append(meanMem, p.memPct)
			if !gapped[samplerReplicas] {
				n := len(s.Replicas)
				if runMin == nil || n < *runMin {
					runMin = ptr(n)
				}
				if runMax == nil || n > *runMax {
					runMax = ptr(n)
				}
			}
		}

		if d := s.Database; d != nil {
			o.PoolIntervals++
			if o.PoolInUsePeak == nil || d.InUse > *o.PoolInUsePeak {
				o.PoolInUsePeak = ptr(d.InUse)
			}
			if o.PoolSize == nil || d.Size < *o.PoolSize {
				o.PoolSize = ptr(d.Size)
			}
			if d.Size > 0 { // in_use and size of the same reading
				share := round(float64(d.InUse)/float64(d.Size)*100, 1)
				if o.PoolInUsePeakPercent == nil || share > *o.PoolInUsePeakPercent {
					o.PoolInUsePeakPercent = ptr(share)
				}
			}
			waits.add(d.WaitCount)
			timeouts.add(d.Timeouts)
		}

		// With k6 as the generator, the harness process sampled is the
		// observer beside it, not what sent the load.
		if h := s.Harness; h != nil && !opts.FromK6 {
			o.observeHarness(h)
		}

		if l := s.Lag; l != nil {
			o.LagIntervals++
			if o.LagGroup == "" {
				o.LagGroup = l.Group
			}
			if o.LagPeakMessages == nil || l.Messages > *o.LagPeakMessages {
				o.LagPeakMessages = ptr(l.Messages)
			}
			if secs := round(l.Seconds, 3); o.LagPeakSeconds == nil || secs > *o.LagPeakSeconds {
				o.LagPeakSeconds = ptr(secs)
			}
		}
	}

	o.PoolWaitCount, o.PoolWaitCountIncrease = waits.last, waits.rise()
	o.PoolTimeouts, o.PoolTimeoutsIncrease = timeouts.last, timeouts.rise()
	o.figureGaps = []FigureGap{}
	for _, fg := range figures {
		o.figureGaps = append(o.figureGaps, *fg)
	}
	slices.SortFunc(o.figureGaps, func(a, b FigureGap) int {
		return cmp.Or(cmp.Compare(a.Sampler, b.Sampler), cmp.Compare(a.Field, b.Field), cmp.Compare(a.Reason, b.Reason))
	})

	ids := make([]string, 0, len(byReplica))
	for id := range byReplica {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, naturalCompare)
	o.Limits = lim.limits()
	cpuJudged, memJudged := o.Limits.CPUNotEnforced == "", o.Limits.MemoryNotEnforced == ""
	// judged keeps a percentage only where its limit was enforced.
	judged := func(ok bool, v float64) *float64 {
		if !ok {
			return nil
		}
		return ptr(v)
	}
	for _, id := range ids {
		sr := byReplica[id]
		r := ReplicaObserved{
			ID: id, Intervals: len(sr.cpu),
			CPUPeakMillicores: round(slices.Max(sr.cpu), 0), CPUP95Millicores: round(p95(sr.cpu), 0),
			CPUPeakPercent: judged(cpuJudged, round(slices.Max(sr.cpuPct), 1)), CPUP95Percent: judged(cpuJudged, round(p95(sr.cpuPct), 1)),
			MemoryPeakMiB: round(slices.Max(sr.mem), 0), MemoryP95MiB: round(p95(sr.mem), 0),
			MemoryPeakPercent: judged(memJudged, round(slices.Max(sr.memPct), 1)), MemoryP95Percent: judged(memJudged, round(p95(sr.memPct), 1)),
		}
		o.Replicas = append(o.Replicas, r)
		o.CPUPeakMillicores = maxPtr(o.CPUPeakMillicores, r.CPUPeakMillicores)
		o.CPUP95Millicores = maxPtr(o.CPUP95Millicores, r.CPUP95Millicores)
		o.MemoryPeakMiB = maxPtr(o.MemoryPeakMiB, r.MemoryPeakMiB)
		o.MemoryP95MiB = maxPtr(o.MemoryP95MiB, r.MemoryP95MiB)
		if cpuJudged {
			o.CPUPeakPercent = maxPtr(o.CPUPeakPercent, *r.CPUPeakPercent)
			o.CPUP95Percent = maxPtr(o.CPUP95Percent, *r.CPUP95Percent)
		}
		if memJudged {
			o.MemoryPeakPercent = maxPtr(o.MemoryPeakPercent, *r.MemoryPeakPercent)
			o.MemoryP95Percent = maxPtr(o.MemoryP95Percent, *r.MemoryP95Percent)
		}
	}
	if len(meanCPU) > 0 {
		if cpuJudged {
			o.MasterCPUPercent = ptr(round(p95(meanCPU), 1))
		}
		if memJudged {
			o.MasterMemoryPercent = ptr(round(p95(meanMem), 1))
		}
	}

	switch {
	case runMin != nil:
		o.ReplicasRunning, o.ReplicasRunningMax, o.ReplicasSource = runMin, runMax, "samples"
	case run.Meta.ReplicasRunning > 0:
		n := run.Meta.ReplicasRunning
		o.ReplicasRunning, o.ReplicasRunningMax, o.ReplicasSource = ptr(n), ptr(n), "run header"
	}

	if s := run.Totals[record.MetricOptimizeDuration]; s != nil && s.Count() > 0 {
		o.OptimizeRequests = s.Count()
		// The latency of the answers that succeeded: a failure's time says
		// how fast the target refused, not how fast it orchestrates. A run
		// recorded before gl001 kept that submetric reads every request.
		lat, basis := run.Totals[record.AnsweredKey], record.AnsweredKey
		if lat == nil && !declares(run, record.AnsweredKey) {
			lat, basis = s, record.MetricOptimizeDuration
		}
		o.LatencyBasis, o.LatencyFrom = basis, "from the scheduled start"
		if opts.FromK6 {
			o.LatencyFrom = "from the iteration's start (k6 does not say when it was scheduled)"
		}
		if lat != nil && lat.Count() > 0 {
			o.AnsweredRequests = lat.Count()
			if v, ok := lat.Aggregate("p(95)"); ok {
				o.LatencyP95Seconds = ptr(round(v/1000, 3))
			}
		}
	}
	if s := run.Totals[record.MetricCoordinationFailed]; s != nil && s.Count() > 0 {
		o.Coordinations = s.Count()
		if v, ok := s.Aggregate("rate"); ok {
			o.CoordinationErrorPercent = ptr(round(v*100, 2))
		}
	}
	if s := run.Totals[record.MetricCoordinationServiceDur]; s != nil && s.Count() > 0 && !run.Meta.PublishOnly {
		if v, ok := s.Aggregate("p(95)"); ok {
			o.BusTransitP95MS = ptr(round(v, 0))
		}
	}
	if s := run.Totals[record.MetricHeatOptimizationDuration]; s != nil && s.Count() > 0 {
		o.HeatOptimizations = s.Count()
		if v, ok := s.Aggregate("p(95)"); ok {
			o.HeatOptimizationP95Seconds = ptr(round(v/1000, 3))
		}
	}
	return o
}

// observeHarness folds one reading of the generator's own process in.
func (o *observation) observeHarness(h *record.Harness) {
	if h.CPUMillicores != nil {
		o.HarnessCPUPeakMillicores = maxPtr(o.HarnessCPUPeakMillicores, round(*h.CPUMillicores, 0))
		if h.CPUCores > 0 {
			o.HarnessCPUCores = max(o.HarnessCPUCores, h.CPUCores)
			o.HarnessCPUPeakPercent = maxPtr(o.HarnessCPUPeakPercent, round(*h.CPUMillicores/float64(h.CPUCores*10), 1))
		}
	}
	o.HarnessRSSPeakMiB = maxPtr(o.HarnessRSSPeakMiB, round(h.RSSMiB, 0))
	if o.HarnessGoroutinesPeak == nil || h.Goroutines > *o.HarnessGoroutinesPeak {
		o.HarnessGoroutinesPeak = ptr(h.Goroutines)
	}
}

// declares reports whether the run's header declares the metric name.
func declares(run *runlog.Run, name string) bool {
	for _, m := range run.Header.Metrics {
		if m.Name == name {
			return true
		}
	}
	return false
}

// p95 is the nearest-rank 95th percentile: the value of rank ⌈0.95·n⌉
// among the n values sorted. vs must not be empty.
func p95(vs []float64) float64 {
	s := slices.Clone(vs)
	slices.Sort(s)
	rank := int(math.Ceil(0.95 * float64(len(s))))
	return s[max(rank, 1)-1]
}

func maxPtr(p *float64, v float64) *float64 {
	if p == nil || v > *p {
		return ptr(v)
	}
	return p
}

// naturalCompare orders replica IDs with their numbers as numbers, so
// "replica-2" comes before "replica-10".
func naturalCompare(a, b string) int {
	if c := naturalPrefix(a, b); c != 0 {
		return c
	}
	return cmp.Compare(a, b) // "r01" and "r1": any fixed order
}

func naturalPrefix(a, b string) int {
	for a != "" && b != "" {
		ai, bi := digitsPrefix(a), digitsPrefix(b)
		if ai > 0 && bi > 0 {
			an, _ := strconv.ParseUint(a[:ai], 10, 64)
			bn, _ := strconv.ParseUint(b[:bi], 10, 64)
			if c := cmp.Compare(an, bn); c != 0 {
				return c
			}
			a, b = a[ai:], b[bi:]
			continue
		}
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digitsPrefix(s string) int {
	i := 0
	for i < len(s) && i < 18 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}
