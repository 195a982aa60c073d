package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/reports/decision"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/reports/triggers"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// Evaluate builds the report of run. It does not fail: what it cannot
// read or compute is reported as not observed, or, for the thresholds,
// in ThresholdsError, and shows in the verdict.
//
// The verdict is:
//   - fail when a threshold failed, a health trigger (the seven measured
//     rows) is critical, a planning row (plant count, sub-agent count) at
//     warning or critical had its action not taken, or an executor started
//     under MinStartedPercent of the arrivals its schedule called for (the
//     load asked was not the load sent; the reason names the cause: the
//     generator fell behind, or the target left no VU free);
//   - otherwise warning when a health trigger is warning, not observed, or
//     observed through sampler gaps (the missing readings may hold the
//     peak); the pool made callers wait or time out during the run though
//     its share read in band (the readings missed the moments it was
//     full); a planning action could not be verified; the run is
//     incomplete (see Completeness: a run stopped early or a truncated
//     file is at most a warning); the thresholds could not be built, or
//     one saw no data; an executor dropped any arrival, started
//     iterations late (schedule lag p99 above MaxScheduleLagP99MS) or did
//     not record its schedule's count; or the generator's own CPU peaked
//     above MaxHarnessCPUPercent of its cores; or Options.SourceWarnings
//     says part of the k6 files the run was built from was not read;
//   - otherwise pass.
//
// A run without sampler readings (CPU, memory, pool, lag not observed) is
// therefore a warning, not a fail: nothing was seen to go wrong, but the
// report cannot vouch for what it did not see.
func Evaluate(run *runlog.Run, opts Options) Report {
	info := runInfo(run)
	pred := run.Meta.Prediction
	if pred.Replicas == 0 {
		pred = run.Meta.Scenario.Prediction()
	}
	o := observe(run, opts)
	in := o.triggerInput(info)

	ctx := opts.Context
	if opts.PlantsToAdd != nil {
		ctx.PlantsToAdd = opts.PlantsToAdd
	}
	var deployedBasis string
	if ctx.RecentDeployment == nil && run.Meta.StandIn {
		// The run started the stand-in itself, from its own binary: no new
		// release came before the load, so there is no regression to chase.
		ctx.RecentDeployment = ptr(false)
		deployedBasis = "the stand-in was started by this run from its own gl001 binary: no new release to regress"
	}
	pts := steady(o.points, run.Start(), run.Meta.Scenario.RampUp(), run.Meta.Scenario.Duration())
	ctx, trends := deriveTrends(ctx, pts, o.Limits.CPUNotEnforced, o.Limits.MemoryNotEnforced)
	diag := decision.Diagnose(in, ctx)
	if diag == nil {
		diag = []decision.Diagnosis{}
	}

	prof, profWarning := profileOf(run, opts)
	info.Profile = prof.Name
	r := Report{
		Apply:                 capacity.NewPlan(pred, capacity.Target{Namespace: prof.Namespace, Deployment: prof.Deployment}).Kubectl,
		Completeness:          completeness(run, opts),
		Run:                   info,
		Predicted:             pred,
		Observed:              o.Observed,
		StandInNote:           standInNote(info, o, pred, run.Meta.ReplicaLimits),
		Comparison:            compare(o, pred, info.StandIn),
		Triggers:              triggerRows(o, in, pred),
		Trends:                trends,
		Context:               ctx,
		Diagnosis:             diag,
		RecentDeploymentBasis: deployedBasis,
		RightSizing:           rightSize(o, pred, info.StandIn, run.Meta.ReplicaLimits),
		Schedule:              schedule(run),
		HPA:                   replayHPA(run, opts.HPA),
		Regions:               regionRows(run),
		Gaps:                  o.gaps,
		FigureGaps:            o.figureGaps,
	}
	r.Thresholds, r.ThresholdsError = evaluateThresholds(run, opts.Thresholds)
	r.Thresholds = withK6Verdicts(r.Thresholds, opts.K6Verdicts)
	r.SourceNotes, r.SourceWarnings = slices.Clone(opts.SourceNotes), slices.Clone(opts.SourceWarnings)
	if profWarning != "" {
		r.SourceWarnings = append(r.SourceWarnings, profWarning)
	}
	r.Verdict, r.Reasons = r.judge()
	r.Why = r.why()
	return r
}

// profileOf is the profile the report names the target by: opts.Profile,
// else the one the run's header names, else the guide's; with a warning
// when the header names one that cannot be loaded now.
func profileOf(run *runlog.Run, opts Options) (api.Profile, string) {
	if opts.Profile != nil {
		return *opts.Profile, ""
	}
	p, err := api.LoadProfile(run.Meta.Profile)
	if err != nil {
		return api.GuideProfile(), fmt.Sprintf("the run's profile cannot be read now (%v); the guide's names are used (--profile sets them)", err)
	}
	return p, ""
}

func runInfo(run *runlog.Run) RunInfo {
	m := run.Meta
	s := m.Scenario
	info := RunInfo{
		TestName: s.TestName, ScenarioFile: m.ScenarioFile,
		Plants: s.Plants, SubAgents: s.SubAgents,
		RequestsPerMinute: s.HeatOptimizationRequestsPerMinute, EventsPerSecond: s.AgentCoordinationEventsPerSecond,
		DurationMinutes: s.DurationMinutes, RampUpMinutes: s.RampUpMinutes,
		Target: m.Target, StandIn: m.StandIn, Brokers: slices.Clone(m.Brokers),
		Start: run.Start(), End: run.End(), Intervals: len(run.Intervals),
		IntervalSeconds: m.IntervalSeconds, Version: m.Version, Dir: run.Dir,
	}
	if info.Brokers == nil {
		info.Brokers = []string{}
	}
	if info.Plants == 0 && m.Prediction.Plants > 0 {
		info.Plants, info.SubAgents = m.Prediction.Plants, m.Prediction.Agents
	}
	return info
}

func completeness(run *runlog.Run, opts Options) Completeness {
	c := Completeness{Problems: []string{}, Stopped: opts.Stopped}
	if len(run.Intervals) > 0 {
		c.RanSeconds = round(run.End().Sub(run.Start()).Seconds(), 3)
	}
	c.ScheduledSeconds = run.Meta.Scenario.Duration().Seconds()
	if run.Truncated != nil {
		c.Truncated = run.Truncated.String()
		c.Problems = append(c.Problems, fmt.Sprintf("%s ends in a partial line (line %d, %d bytes, ignored): the run was killed mid-write",
			runlog.IntervalsFile, run.Truncated.Line, run.Truncated.Bytes))
	}
	if len(run.Intervals) == 0 {
		c.Problems = append(c.Problems, "no interval was recorded")
	}
	if m := run.Meta.Merged; m != nil {
		// A merge of shards is whole only if every shard ran its share:
		// the others' intervals would otherwise span the schedule alone.
		for _, sh := range m.Shards {
			if !sh.Complete {
				c.Problems = append(c.Problems, fmt.Sprintf("shard %d of %d (segment %s) is incomplete: %s", sh.Index, len(m.Shards), sh.Segment, sh.Problem))
			}
		}
	}
	if opts.Complete != nil {
		c.Source = "summary"
		if !*opts.Complete {
			why := "summary.json says the run did not complete"
			if opts.Stopped != "" {
				why += " (stopped: " + opts.Stopped + ")"
			}
			c.Problems = append(c.Problems, why)
		}
	} else {
		c.Source = "intervals"
		interval := run.Meta.IntervalSeconds
		if interval <= 0 {
			interval = 1
		}
		slack := max(2*interval, 2)
		if c.ScheduledSeconds > 0 && len(run.Intervals) > 0 && c.RanSeconds < c.ScheduledSeconds-slack {
			c.Problems = append(c.Problems, fmt.Sprintf("the intervals span %s of the %s schedule: the run stopped early",
				seconds(c.RanSeconds), seconds(c.ScheduledSeconds)))
		}
	}
	c.Complete = len(c.Problems) == 0
	return c
}

func schedule(run *runlog.Run) []ScheduleRow {
	rows := []ScheduleRow{}
	for i := len(run.Intervals) - 1; i >= 0; i-- {
		ex := run.Intervals[i].Executors
		if len(ex) == 0 {
			continue
		}
		names := make([]string, 0, len(ex))
		for name := range ex {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			e := ex[name]
			row := ScheduleRow{Scenario: name, Started: e.Started, Dropped: e.Dropped,
				DroppedNoVU: e.DroppedNoVU, DroppedBehind: e.DroppedBehind, Failed: e.Failed}
			if e.Scheduled > 0 {
				row.Scheduled = ptr(e.Scheduled)
				row.AchievedPercent = ptr(round(float64(e.Started)/float64(e.Scheduled)*100, 1))
				row.DroppedPercent = ptr(round(float64(e.Dropped)/float64(e.Scheduled)*100, 1))
			}
			if s := run.Totals[record.ScheduleLagKey(name)]; s != nil {
				if v, ok := s.Aggregate("p(99)"); ok {
					row.LagP99MS = ptr(round(v, 1))
				}
			}
			rows = append(rows, row)
		}
		break
	}
	return rows
}

// scheduleCause names why an executor started too few of its arrivals:
// the generator (it fell behind; with its CPU and schedule lag as
// evidence) or the target (no free VU because answers were slow).
func (r Report) scheduleCause(s ScheduleRow) string {
	var causes []string
	if s.DroppedBehind > 0 {
		c := fmt.Sprintf("the generator fell behind its own schedule (%s arrivals never issued in time", inum(s.DroppedBehind))
		if s.LagP99MS != nil {
			c += fmt.Sprintf("; schedule lag p99 %s ms", num(*s.LagP99MS, 1))
		}
		if h := r.Observed.HarnessCPUPeakPercent; h != nil {
			c += fmt.Sprintf("; the harness peaked at %s of its %d cores", pct(*h), r.Observed.HarnessCPUCores)
		}
		causes = append(causes, c+")")
	}
	if s.DroppedNoVU > 0 {
		c := fmt.Sprintf("the target answered too slowly for the VUs allowed (%s arrivals found no free VU", inum(s.DroppedNoVU))
		if s.Scenario == record.ExecOptimize && r.Observed.LatencyP95Seconds != nil {
			c += fmt.Sprintf("; optimize p95 %s s", num(*r.Observed.LatencyP95Seconds, 3))
		}
		causes = append(causes, c+")")
	}
	if len(causes) == 0 {
		return "no drop was recorded, so the shortfall is unexplained"
	}
	return joinAnd(causes)
}

func evaluateThresholds(run *runlog.Run, set thresholds.Set) ([]ThresholdResult, string) {
	out := []ThresholdResult{}
	if set == nil {
		var err error
		if set, err = record.Thresholds(run.Meta.Scenario, run.Meta.ScenarioFile); err != nil {
			return out, err.Error()
		}
	}
	src := record.Sources(run.Totals)
	timeMetric := map[string]bool{}
	for _, m := range run.Header.Metrics {
		timeMetric[m.Name] = m.Contains == metrics.Time
	}
	for name, s := range run.Totals {
		timeMetric[name] = s.Contains == metrics.Time
	}
	for _, res := range set.Evaluate(src) {
		t := ThresholdResult{Metric: res.Metric, Expression: res.Threshold.Source, OK: res.OK, AbortOnFail: res.Threshold.AbortOnFail}
		if t.Expression == "" {
			t.Expression = res.Threshold.String()
		}
		if !res.NoData {
			t.Observed = ptr(res.Observed)
		}
		t.NoData = res.NoData
		base, _, _ := strings.Cut(res.Metric, "{")
		if m := res.Threshold.Aggregation.Method; timeMetric[base] && m != thresholds.MethodCount && m != thresholds.MethodRate {
			t.Unit = "ms"
		}
		out = append(out, t)
	}
	return out, ""
}

// withK6Verdicts sets k6's own verdict beside each threshold, and adds
// those gl001 has no threshold for as k6's alone.
func withK6Verdicts(ts []ThresholdResult, k6 map[string]map[string]bool) []ThresholdResult {
	if len(k6) == 0 {
		return ts
	}
	used := map[[2]string]bool{}
	for i := range ts {
		if ok, found := k6[ts[i].Metric][ts[i].Expression]; found {
			ts[i].K6OK = ptr(ok)
			used[[2]string{ts[i].Metric, ts[i].Expression}] = true
		}
	}
	for _, metric := range slices.Sorted(maps.Keys(k6)) {
		for _, expr := range slices.Sorted(maps.Keys(k6[metric])) {
			if used[[2]string{metric, expr}] {
				continue
			}
			ok := k6[metric][expr]
			ts = append(ts, ThresholdResult{Metric: metric, Expression: expr, OK: ok, K6OK: ptr(ok), K6Only: true})
		}
	}
	slices.SortStableFunc(ts, func(a, b ThresholdResult) int { return strings.Compare(a.Metric, b.Metric) })
	return ts
}

// judge applies the verdict rules of Evaluate and returns the reasons,
// fails first.
func (r Report) judge() (Verdict, []Reason) {
	var fails, warns []string
	for _, t := range r.thresholdsFailed() {
		fails = append(fails, fmt.Sprintf("threshold %s %s failed (%s)", t.Metric, t.Expression, t.observedText()))
	}
	warns = append(warns, r.SourceWarnings...)
	regionFails, regionWarns := r.regionReasons()
	fails, warns = append(fails, regionFails...), append(warns, regionWarns...)
	for _, t := range r.Thresholds {
		if t.NoData {
			warns = append(warns, fmt.Sprintf("threshold %s %s saw no data: no sample matched, so it is not verified", t.Metric, t.Expression))
		}
	}
	notObserved := map[string][]string{} // why → row names
	var whyOrder []string
	for _, t := range r.Triggers {
		switch {
		case t.Planning && t.Taken != nil && t.Taken.Status == ActionNotTaken:
			fails = append(fails, fmt.Sprintf("%s %s (%s) calls for %s, not taken: %s", t.Name, t.ValueText(), t.Band, t.Finding.Action, t.Taken.missing()))
		case t.Planning && t.Taken != nil && t.Taken.Status == ActionNotVerified:
			warns = append(warns, fmt.Sprintf("%s %s (%s) calls for %s, not verified: %s", t.Name, t.ValueText(), t.Band, t.Finding.Action, t.Taken.missing()))
		case t.Planning && t.Level == triggers.NotObserved:
			warns = append(warns, t.Name+" not observed: the run's header has no scenario")
		case t.Planning:
		case t.Level == triggers.Critical:
			fails = append(fails, fmt.Sprintf("%s is critical at %s (%s): %s", t.Name, t.ValueText(), t.Band, t.Finding.Action))
		case t.Level == triggers.Warning:
			warns = append(warns, fmt.Sprintf("%s is in the warning band at %s (%s): %s", t.Name, t.ValueText(), t.Band, t.Finding.Action))
		case t.Level == triggers.NotObserved:
			why := t.NotObservedReason
			if _, seen := notObserved[why]; !seen {
				whyOrder = append(whyOrder, why)
			}
			notObserved[why] = append(notObserved[why], t.Name)
		}
		if !t.Planning && t.Level == triggers.OK && t.Pressure != "" {
			warns = append(warns, fmt.Sprintf("%s read at most %s in use, but %s: the guide scales the pool when wait_count increases", t.Name, t.ValueText(), t.Pressure))
		}
		if !t.Planning && t.Level != triggers.NotObserved && t.GapIntervals > 0 {
			warns = append(warns, fmt.Sprintf("%s may read low: the %s sampler had gaps in %s", t.Name, t.Sampler, plural(t.GapIntervals, "interval")))
		}
	}
	for _, why := range whyOrder {
		warns = append(warns, fmt.Sprintf("%s not observed (%s), so not verified", joinAnd(notObserved[why]), why))
	}
	if !r.Completeness.Complete {
		warns = append(warns, "the run is incomplete: "+strings.Join(r.Completeness.Problems, "; "))
	}
	if r.ThresholdsError != "" {
		warns = append(warns, "the run's thresholds could not be evaluated: "+r.ThresholdsError)
	}
	if len(r.Schedule) == 0 {
		warns = append(warns, "no executor state was recorded, so whether the load asked was the load sent is not verified")
	}
	for _, s := range r.Schedule {
		switch {
		case s.AchievedPercent == nil:
			warns = append(warns, fmt.Sprintf("the %s executor's file does not record how many arrivals its schedule called for (a k6 run without the --scenario whose plan it ran, or a run from before gl001 counted them), so whether the load asked was the load sent is not verified", s.Scenario))
		case *s.AchievedPercent < MinStartedPercent:
			fails = append(fails, fmt.Sprintf("the %s executor started %s of the %s iterations its schedule called for (%s, under %s), so the load asked was not the load sent: %s",
				s.Scenario, inum(s.Started), inum(*s.Scheduled), pct(*s.AchievedPercent), pct(MinStartedPercent), r.scheduleCause(s)))
		case s.Dropped > 0:
			warns = append(warns, fmt.Sprintf("the %s executor dropped %s of %s scheduled iterations (%s): %s",
				s.Scenario, inum(s.Dropped), inum(*s.Scheduled), pct(*s.DroppedPercent), r.scheduleCause(s)))
		}
		if s.LagP99MS != nil && *s.LagP99MS > MaxScheduleLagP99MS {
			warns = append(warns, fmt.Sprintf("the %s executor started iterations late (schedule lag p99 %s ms, above %s ms): the latencies it measured include the generator's own delay",
				s.Scenario, num(*s.LagP99MS, 1), num(MaxScheduleLagP99MS, 0)))
		}
	}
	if h := r.Observed.HarnessCPUPeakPercent; h != nil && *h > MaxHarnessCPUPercent {
		warns = append(warns, fmt.Sprintf("the load generator itself peaked at %s of its %d cores (above %s): a generator short of CPU adds its own delay to what it measures",
			pct(*h), r.Observed.HarnessCPUCores, pct(MaxHarnessCPUPercent)))
	}
	reasons := []Reason{}
	for _, f := range fails {
		reasons = append(reasons, Reason{Fail, f})
	}
	for _, w := range warns {
		reasons = append(reasons, Reason{Warning, w})
	}
	switch {
	case len(fails) > 0:
		return Fail, reasons
	case len(warns) > 0:
		return Warning, reasons
	}
	return Pass, reasons
}

// missing lists the checks of an action that were not met or not observed.
func (a PlanningAction) missing() string {
	var out []string
	for _, c := range a.Checks {
		if c.Met == nil || !*c.Met {
			out = append(out, c.Text())
		}
	}
	return joinAnd(out)
}

// why writes the verdict's paragraph.
func (r Report) why() string {
	var b strings.Builder
	b.WriteString(strings.ToUpper(string(r.Verdict)) + ".")
	var fails, warns []string
	for _, rs := range r.Reasons {
		if rs.Level == Fail {
			fails = append(fails, rs.Text)
		} else {
			warns = append(warns, rs.Text)
		}
	}
	if len(fails) > 0 {
		b.WriteString(" Failed: " + strings.Join(fails, "; ") + ".")
	}
	if len(warns) > 0 {
		label := " Warnings: "
		if len(fails) > 0 {
			label = " Also: "
		}
		b.WriteString(label + strings.Join(warns, "; ") + ".")
	}
	if r.Verdict == Pass {
		b.WriteString(fmt.Sprintf(" Every threshold held (%d of %d), every scheduled iteration started, every health trigger was observed in the guide's healthy band, and every planning action the fleet calls for was taken.",
			len(r.Thresholds), len(r.Thresholds)))
	}
	if r.Completeness.Complete {
		b.WriteString(fmt.Sprintf(" The run is complete: %s over %s", plural(r.Run.Intervals, "interval"), seconds(r.Completeness.RanSeconds)))
		if r.Completeness.ScheduledSeconds > 0 {
			b.WriteString(fmt.Sprintf(" of a %s schedule", seconds(r.Completeness.ScheduledSeconds)))
		}
		b.WriteString(".")
	} else {
		b.WriteString(" The run is incomplete, so it cannot pass.")
	}
	return b.String()
}

// observedText is the threshold's observed value in words.
func (t ThresholdResult) observedText() string {
	if t.K6Only {
		return "k6's verdict; no samples to evaluate it again"
	}
	if t.Observed == nil {
		return "no data: no samples, so not verified"
	}
	v := num(*t.Observed, 3)
	if t.Unit != "" {
		v += " " + t.Unit
	}
	return "observed " + v
}
