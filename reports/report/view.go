package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/greenlang/gl001/reports/plots"
	"github.com/greenlang/gl001/reports/triggers"
)

// The rendered reports (Markdown, HTML) are built from one document model,
// so they hold the same sections, in the same order, with the same words.

// document is a rendered report.
type document struct {
	Title    string
	Verdict  Verdict
	Sections []section
}

// section is one "##" section.
type section struct {
	ID     string
	Title  string
	Blocks []block
}

// block is one paragraph, list, table or figure; exactly one is set.
type block struct {
	Para   string
	List   []string
	Table  *table
	Figure *figure
}

// table is a table with a header row. Right lists the right-aligned
// columns; Class is a per-row CSS class ("pass", "warning", "fail") or "".
type table struct {
	Head  []string
	Right map[int]bool
	Rows  [][]string
	Class []string
}

// figure is one plot.
type figure struct {
	Name, Title, Note string
	PNG, SVG          []byte
}

func para(s string) block       { return block{Para: s} }
func list(items []string) block { return block{List: items} }
func tableBlock(t *table) block { return block{Table: t} }
func (t *table) add(class string, cells ...string) {
	t.Rows = append(t.Rows, cells)
	t.Class = append(t.Class, class)
}

// outcomeClass is the CSS class for an outcome.
func outcomeClass(v Verdict) string { return string(v) }

// build lays the report out.
func (r Report) build(figs []plots.Figure) document {
	title := "GL-001 validation report"
	if r.Run.TestName != "" {
		title += ": " + r.Run.TestName
	}
	doc := document{
		Title:   title,
		Verdict: r.Verdict,
		Sections: []section{
			r.verdictSection(),
			r.comparisonSection(),
			r.triggersSection(),
			r.decisionSection(),
			r.sizingSection(),
			r.thresholdsSection(),
			r.scheduleSection(),
			r.hpaSection(),
			plotsSection(figs),
			r.gapsSection(),
			r.detailsSection(),
		},
	}
	if s := r.regionsSection(); s != nil { // after the triggers, which are fleet-wide
		doc.Sections = slices.Insert(doc.Sections, 3, *s)
	}
	if len(r.SourceNotes)+len(r.SourceWarnings) > 0 {
		doc.Sections = slices.Insert(doc.Sections, 1, r.sourceSection())
	}
	return doc
}

func (r Report) verdictSection() section {
	s := section{ID: "verdict", Title: "Verdict: " + strings.ToUpper(string(r.Verdict)), Blocks: []block{para(r.Why)}}
	if r.StandInNote != "" {
		s.Blocks = append(s.Blocks, para(r.StandInNote))
	}
	return s
}

// sourceSection says where a report built from k6's files got its data.
func (r Report) sourceSection() section {
	return section{ID: "source", Title: "Source of the data", Blocks: []block{list(append(slices.Clone(r.SourceNotes), r.SourceWarnings...))}}
}

func (r Report) comparisonSection() section {
	s := section{ID: "predicted-vs-observed", Title: "Predicted vs observed"}
	p := r.Predicted
	whose := "the limit each replica ran under (with --kube the pods' own, from their spec), with headroom of it; the calculator's limit is the prediction beside it"
	if r.Run.StandIn {
		whose = "the limit enforced on each stand-in replica process, with headroom of it; the calculator's limit stands beside it as the prediction, which a stand-in run does not validate"
	}
	s.Blocks = append(s.Blocks, para(fmt.Sprintf(
		"The guide's capacity calculator for %s and %s beside what the run had. CPU and memory are per replica: the worst replica's peak use against Limit, %s.",
		plural(p.Plants, "plant"), plural(p.Agents, "sub-agent"), whose)))
	t := &table{Head: []string{"", "Predicted", "Limit", "Observed", "Headroom / shortfall", "Status", "Note"}, Right: map[int]bool{1: true, 2: true, 3: true}}
	for _, c := range r.Comparison {
		obs := "not observed"
		if c.Observed != nil {
			obs = amount(*c.Observed, c.Unit)
		}
		limit := "-"
		switch {
		case c.Limit != nil:
			limit = amount(*c.Limit, c.Unit)
		case c.Unit != "":
			limit = "not enforced"
		}
		class := string(Pass)
		switch c.Status {
		case StatusShort, StatusOverLimit:
			class = string(Fail)
		case StatusTight, StatusNotObserved, StatusNotEnforced:
			class = string(Warning)
		}
		t.add(class, c.Name, amount(c.Predicted, c.Unit), limit, obs, c.Margin, statusText(c.Status), c.Note)
	}
	s.Blocks = append(s.Blocks, tableBlock(t))

	o := r.Observed
	if len(o.Replicas) > 0 {
		rt := &table{Head: []string{"Replica", "Intervals", "CPU peak", "CPU p95", "Memory peak", "Memory p95"}, Right: map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true}}
		share := func(amount string, p *float64) string {
			if p == nil {
				return amount + " (limit not enforced)"
			}
			return fmt.Sprintf("%s (%s)", amount, pct(*p))
		}
		for _, rp := range o.Replicas {
			rt.add("", rp.ID, inum(rp.Intervals),
				share(millicores(rp.CPUPeakMillicores), rp.CPUPeakPercent),
				share(millicores(rp.CPUP95Millicores), rp.CPUP95Percent),
				share(mebibytes(rp.MemoryPeakMiB), rp.MemoryPeakPercent),
				share(mebibytes(rp.MemoryP95MiB), rp.MemoryP95Percent))
		}
		s.Blocks = append(s.Blocks, para(fmt.Sprintf("Per replica, over the intervals each was read in (percent of the per-replica limit; limits: %s):", dash(o.Limits.Source))), tableBlock(rt))
	}

	items := []string{
		"Orchestration latency p95 (client side, of the answered requests): " + optText(o.LatencyP95Seconds, func(v float64) string {
			return fmt.Sprintf("%s s over %s answered of %s", num(v, 3), inum(o.AnsweredRequests), plural(o.OptimizeRequests, "request"))
		}),
		"Agent coordination errors (gl001_coordination_failed): " + optText(o.CoordinationErrorPercent, func(v float64) string {
			return num(v, 2) + "% of " + plural(o.Coordinations, "coordination")
		}),
		"Heat optimization time p95 (gl001_heat_optimization_duration): " + optText(o.HeatOptimizationP95Seconds, func(v float64) string {
			return num(v, 3) + " s over " + plural(o.HeatOptimizations, "optimization")
		}),
	}
	lag := "not observed"
	if o.LagPeakMessages != nil {
		lag = fmt.Sprintf("%s, %s s", plural(*o.LagPeakMessages, "message"), num(*o.LagPeakSeconds, 3))
		if o.LagGroup != "" {
			lag += " (group " + o.LagGroup + ")"
		}
	}
	items = append(items, "Consumer lag peak: "+lag)
	pool := "not observed"
	if o.PoolInUsePeak != nil {
		pool = fmt.Sprintf("in use peak %s of %s", inum(*o.PoolInUsePeak), inum(*o.PoolSize))
		if o.PoolInUsePeakPercent != nil {
			pool += " (" + pct(*o.PoolInUsePeakPercent) + ")"
		}
		pool += " at one reading; " + observation{Observed: o, figureGaps: r.FigureGaps}.poolPressureText()
	}
	items = append(items, "Database pool: "+pool)
	s.Blocks = append(s.Blocks, list(items))
	if len(r.Apply) > 0 {
		s.Blocks = append(s.Blocks, para(fmt.Sprintf("The calculator's plan as the guide's commands, for the deployment as the %s profile names it:", dash(r.Run.Profile))), list(r.Apply))
	}
	return s
}

func (r Report) triggersSection() section {
	s := section{ID: "triggers", Title: "Triggers"}
	s.Blocks = append(s.Blocks, para("The guide's \"Scaling Triggers and Thresholds\". Plant Count and Sub-Agent Count are planning triggers: their band says what the fleet calls for, and the row passes when that action was taken."))
	t := &table{Head: []string{"Metric", "Observed", "Band", "Level", "Action", "Action taken", "Outcome", "Basis"}, Right: map[int]bool{1: true}}
	for _, tr := range r.Triggers {
		level := tr.Level.String()
		taken := "-"
		if tr.Planning {
			level += " (planning)"
			switch {
			case tr.Taken != nil:
				var checks []string
				for _, c := range tr.Taken.Checks {
					checks = append(checks, c.Text())
				}
				taken = strings.ReplaceAll(string(tr.Taken.Status), "_", " ") + ": " + strings.Join(checks, "; ")
			case tr.Level == triggers.OK:
				taken = "no action called for"
			}
		}
		outcome := string(tr.Outcome)
		switch {
		case !tr.Planning && tr.Level == triggers.NotObserved:
			outcome += " (not verified: " + tr.NotObservedReason + ")"
		case !tr.Planning && tr.GapIntervals > 0:
			outcome += fmt.Sprintf(" (%s sampler gaps in %s)", tr.Sampler, plural(tr.GapIntervals, "interval"))
		}
		t.add(outcomeClass(tr.Outcome), tr.Name, tr.ValueText(), dash(tr.Band), level, dash(tr.Finding.Action), taken, outcome, tr.Basis)
	}
	s.Blocks = append(s.Blocks, tableBlock(t))
	return s
}

func (r Report) decisionSection() section {
	s := section{ID: "decision-tree", Title: "Decision tree"}
	if len(r.Diagnosis) == 0 {
		s.Blocks = append(s.Blocks, para("No branch of the guide's \"When to Scale vs Optimize\" tree is reached."))
	} else {
		var items []string
		for _, d := range r.Diagnosis {
			path := []string{d.Branch}
			if d.Condition != "" {
				path = append(path, d.Condition)
			}
			path = append(path, d.Advice)
			items = append(items, fmt.Sprintf("%s [%s] (%s)", strings.Join(path, " → "), strings.ReplaceAll(string(d.Status), "_", " "), d.Evidence))
		}
		s.Blocks = append(s.Blocks, para("The guide's \"When to Scale vs Optimize\", walked over the triggers above:"), list(items))
	}
	var ctx []string
	for _, tr := range r.Trends {
		v := "unknown"
		if tr.Value != nil {
			v = *tr.Value
		}
		ctx = append(ctx, fmt.Sprintf("%s: %s (%s: %s)", tr.Field, v, tr.Source, tr.Basis))
	}
	c := r.Context
	if c.PlantsToAdd != nil {
		ctx = append(ctx, fmt.Sprintf("plants_to_add: %d", *c.PlantsToAdd))
	} else {
		ctx = append(ctx, "plants_to_add: not asked")
	}
	for _, f := range []struct {
		name string
		v    *bool
	}{{"recent_deployment", c.RecentDeployment}, {"network_issues", c.NetworkIssues}, {"subagents_failing", c.SubagentsFailing}} {
		v := "unknown"
		if f.v != nil {
			v = fmt.Sprint(*f.v)
		}
		if f.name == "recent_deployment" && r.RecentDeploymentBasis != "" {
			v += " (" + r.RecentDeploymentBasis + ")"
		}
		ctx = append(ctx, f.name+": "+v)
	}
	s.Blocks = append(s.Blocks, para("Context:"), list(ctx))
	return s
}

func (r Report) sizingSection() section {
	s := section{ID: "right-sizing", Title: "Right-sizing"}
	against, standIn := "the limits and requests the replicas ran under (the pods' own, from their spec, or where those were not read the calculator's)", ""
	if r.Run.StandIn {
		against = "the stand-in's enforced limits (it sets no requests)"
		standIn = " This sizes the stand-in for the next rehearsal (--replica-cpu-limit, --replica-memory-limit), never production: a stand-in run neither confirms nor cuts the calculator's limits."
	}
	s.Blocks = append(s.Blocks, para(fmt.Sprintf(
		"The guide's \"Resource Right-Sizing\" per replica, against %s: peak use below %d%% of the limit → limit = peak ÷ 0.6; p95 use above %d%% of the request → request = p95 ÷ 0.8; rounded up to %s CPU and %s memory; a request never above its limit.%s",
		against, ReduceLimitBelowPercent, RaiseRequestAbovePercent, millicores(CPUStepMillicores), mebibytes(MemoryStepMiB), standIn)))
	t := &table{Head: []string{"Resource", "Sized", "Limit", "Request", "Peak (of limit)", "p95 (of request)", "Suggested limit", "Suggested request"}, Right: map[int]bool{2: true, 3: true, 4: true, 5: true, 6: true, 7: true}}
	var advice []string
	for _, z := range r.RightSizing {
		peak, p := "not observed", "not observed"
		if z.Peak != nil {
			peak, p = quantity(*z.Peak, z.Unit), quantity(*z.P95, z.Unit)
			if z.PeakPercentOfLimit != nil {
				peak += " (" + pct(*z.PeakPercentOfLimit) + ")"
			}
			if z.P95PercentOfRequest != nil {
				p += " (" + pct(*z.P95PercentOfRequest) + ")"
			}
		}
		sl, sr := "keep", "keep"
		if z.SuggestedLimit != nil {
			sl = quantity(float64(*z.SuggestedLimit), z.Unit)
		}
		if z.SuggestedRequest != nil {
			sr = quantity(float64(*z.SuggestedRequest), z.Unit)
		}
		limit, request := quantity(float64(z.Limit), z.Unit), quantity(float64(z.Request), z.Unit)
		if z.Request == 0 {
			request, sr = "none", "-"
		}
		if z.Limit == 0 {
			limit = "-"
		}
		if z.Peak == nil || z.PeakPercentOfLimit == nil {
			sl, sr = "-", "-"
		}
		name := map[string]string{"cpu": "CPU", "memory": "Memory"}[z.Resource]
		scope := map[string]string{ScopeStandIn: "the stand-in's limit", ScopePods: "the pods' limits", ScopeCalculator: "the calculator's"}[z.Scope]
		t.add("", name, scope, limit, request, peak, p, sl, sr)
		for _, a := range z.Advice {
			advice = append(advice, name+": "+a)
		}
	}
	s.Blocks = append(s.Blocks, tableBlock(t), list(advice))
	return s
}

func (r Report) thresholdsSection() section {
	s := section{ID: "thresholds", Title: "Thresholds"}
	if r.ThresholdsError != "" {
		s.Blocks = append(s.Blocks, para("The run's thresholds could not be evaluated: "+r.ThresholdsError))
		return s
	}
	if len(r.Thresholds) == 0 {
		s.Blocks = append(s.Blocks, para("No thresholds."))
		return s
	}
	withK6 := false
	for _, th := range r.Thresholds {
		withK6 = withK6 || th.K6OK != nil
	}
	t := &table{Head: []string{"Metric", "Threshold", "Observed", "Result"}, Right: map[int]bool{2: true}}
	if withK6 {
		t.Head = append(t.Head, "k6's verdict")
	}
	for _, th := range r.Thresholds {
		obs := "no samples"
		if th.Observed != nil {
			obs = num(*th.Observed, 3)
			if th.Unit != "" {
				obs += " " + th.Unit
			}
		}
		res, class := "pass", string(Pass)
		switch {
		case th.NoData:
			res, class = "no data", string(Warning)
		case !th.OK:
			res, class = "fail", string(Fail)
		}
		if th.K6Only {
			obs, res = "not evaluated again (no samples)", res+" (k6's)"
		}
		if !withK6 {
			t.add(class, th.Metric, th.Expression, obs, res)
			continue
		}
		k6 := "not given"
		if th.K6OK != nil {
			k6 = map[bool]string{true: "pass", false: "fail"}[*th.K6OK]
		}
		t.add(class, th.Metric, th.Expression, obs, res, k6)
	}
	s.Blocks = append(s.Blocks, tableBlock(t))
	return s
}

func (r Report) scheduleSection() section {
	s := section{ID: "schedule", Title: "Schedule kept"}
	if len(r.Schedule) == 0 {
		s.Blocks = append(s.Blocks, para("No executor state was recorded."))
		return s
	}
	s.Blocks = append(s.Blocks, para(fmt.Sprintf("Each executor's open-model schedule at the last interval: the arrivals the schedule called for, "+
		"those started, and those dropped, never sent: no VU free (the target answered too slowly) or behind (the generator itself fell behind its schedule). "+
		"Started + dropped = scheduled. Under %s started, the verdict is fail. Schedule lag is how late iterations started (p99).", pct(MinStartedPercent))))
	t := &table{Head: []string{"Scenario", "Scheduled", "Started", "Dropped: no VU", "Dropped: behind", "Failed", "Achieved", "Schedule lag p99"},
		Right: map[int]bool{1: true, 2: true, 3: true, 4: true, 5: true, 6: true, 7: true}}
	for _, row := range r.Schedule {
		scheduled, ach, class := "not recorded", "-", string(Pass)
		if row.Scheduled != nil {
			scheduled = inum(*row.Scheduled)
		}
		switch {
		case row.AchievedPercent == nil:
			class = string(Warning)
		case *row.AchievedPercent < MinStartedPercent:
			ach, class = pct(*row.AchievedPercent), string(Fail)
		default:
			ach = pct(*row.AchievedPercent)
			if row.Dropped > 0 {
				class = string(Warning)
			}
		}
		lag := "not recorded"
		if row.LagP99MS != nil {
			lag = num(*row.LagP99MS, 1) + " ms"
			if *row.LagP99MS > MaxScheduleLagP99MS && class == string(Pass) {
				class = string(Warning)
			}
		}
		t.add(class, row.Scenario, scheduled, inum(row.Started), inum(row.DroppedNoVU), inum(row.DroppedBehind), inum(row.Failed), ach, lag)
	}
	s.Blocks = append(s.Blocks, tableBlock(t))
	if o := r.Observed; o.HarnessCPUPeakMillicores != nil || o.HarnessRSSPeakMiB != nil {
		line := "The load generator itself (the harness process):"
		if o.HarnessCPUPeakMillicores != nil {
			line += fmt.Sprintf(" CPU peak %s m of %d cores (%s)", num(*o.HarnessCPUPeakMillicores, 0), o.HarnessCPUCores, pct(*o.HarnessCPUPeakPercent))
		}
		if o.HarnessRSSPeakMiB != nil {
			line += fmt.Sprintf(", RSS peak %s MiB", num(*o.HarnessRSSPeakMiB, 0))
		}
		if o.HarnessGoroutinesPeak != nil {
			line += fmt.Sprintf(", goroutines peak %s", inum(int64(*o.HarnessGoroutinesPeak)))
		}
		s.Blocks = append(s.Blocks, para(line+"."))
	} else {
		s.Blocks = append(s.Blocks, para("The load generator's own CPU and memory were not sampled."))
	}
	return s
}

func plotsSection(figs []plots.Figure) section {
	s := section{ID: "plots", Title: "Plots"}
	if len(figs) == 0 {
		s.Blocks = append(s.Blocks, para("No plots."))
		return s
	}
	for _, f := range figs {
		s.Blocks = append(s.Blocks, block{Figure: &figure{Name: f.Name, Title: f.Title, Note: f.Note, PNG: f.PNG, SVG: f.SVG}})
	}
	return s
}

func (r Report) gapsSection() section {
	s := section{ID: "gaps", Title: "Gaps"}
	switch {
	case len(r.Gaps) > 0:
		s.Blocks = append(s.Blocks, para(fmt.Sprintf("%s: readings a sampler could not take. They are missing from every figure above, never filled in.", plural(len(r.Gaps), "gap"))))
		t := &table{Head: []string{"Interval", "Time", "Sampler", "Reason"}, Right: map[int]bool{0: true}}
		for _, g := range r.Gaps {
			t.add(string(Warning), inum(g.Seq), r.timeText(g.At), g.Sampler, g.Reason)
		}
		s.Blocks = append(s.Blocks, tableBlock(t))
	case r.Observed.SampledIntervals == 0:
		s.Blocks = append(s.Blocks, para("No sampler ran in this run, so there are no gaps to list; every trigger that needs a sampler is not observed."))
	default:
		s.Blocks = append(s.Blocks, para(fmt.Sprintf("None: the samplers read all %s they ran in.", plural(r.Observed.SampledIntervals, "interval"))))
	}
	if len(r.FigureGaps) > 0 {
		s.Blocks = append(s.Blocks, para("Figures the target did not report, while the rest of each reading stood. They are not observed wherever they appear above, never 0."))
		t := &table{Head: []string{"Sampler", "Figure", "Reason", "Intervals", "From", "To"}, Right: map[int]bool{3: true, 4: true, 5: true}}
		for _, g := range r.FigureGaps {
			t.add("", g.Sampler, g.Field, g.Reason, fmt.Sprintf("%s of %s", inum(g.Intervals), inum(r.Observed.SampledIntervals)),
				inum(g.FirstSeq), inum(g.LastSeq))
		}
		s.Blocks = append(s.Blocks, tableBlock(t))
	}
	return s
}

func (r Report) detailsSection() section {
	s := section{ID: "run-details", Title: "Run details"}
	ri := r.Run
	target := ri.Target
	if ri.StandIn {
		target += " (the embedded stand-in)"
	}
	brokers := strings.Join(ri.Brokers, ", ")
	interval := "-"
	if ri.IntervalSeconds > 0 {
		interval = num(ri.IntervalSeconds, 3) + " s"
	}
	complete := "complete"
	if !r.Completeness.Complete {
		complete = "incomplete: " + strings.Join(r.Completeness.Problems, "; ")
	}
	items := []string{
		"Test: " + dash(ri.TestName),
		"Scenario file: " + dash(ri.ScenarioFile),
		fmt.Sprintf("Fleet: %s, %s", plural(ri.Plants, "plant"), plural(ri.SubAgents, "sub-agent")),
		fmt.Sprintf("Load: %s heat optimization requests per minute, %s agent coordination events per second", num(ri.RequestsPerMinute, 3), num(ri.EventsPerSecond, 3)),
		fmt.Sprintf("Schedule: %s min, ramp-up %s min", num(ri.DurationMinutes, 3), num(ri.RampUpMinutes, 3)),
		"Target: " + dash(target),
		"Profile (the target's names): " + dash(ri.Profile),
		"Brokers: " + dash(brokers),
		"Replica limits: " + replicaLimitsText(r.Observed.Limits, ri.StandIn),
		"Start: " + timestamp(ri.Start),
		"End: " + timestamp(ri.End),
		fmt.Sprintf("Intervals: %s of %s", inum(ri.Intervals), interval),
		fmt.Sprintf("Completeness: %s (from %s)", complete, r.Completeness.Source),
	}
	if r.Completeness.Stopped != "" {
		items = append(items, "Stopped: "+r.Completeness.Stopped)
	}
	items = append(items, "Version: "+dash(ri.Version))
	if ri.Dir != "" {
		items = append(items, "Results folder: "+ri.Dir)
	}
	s.Blocks = append(s.Blocks, list(items))
	return s
}

// replicaLimitsText says what the replicas were held to, for Run details.
func replicaLimitsText(l Limits, standIn bool) string {
	var parts []string
	if l.CPULimitMillicores != nil {
		parts = append(parts, millicores(float64(*l.CPULimitMillicores))+" CPU")
	}
	if l.MemoryLimitMiB != nil {
		parts = append(parts, mebibytes(float64(*l.MemoryLimitMiB))+" memory")
	}
	switch {
	case l.Source == "" && standIn:
		return "not read (no replica readings)"
	case l.Source == "":
		return "not read"
	case len(parts) == 0:
		return "none enforced (" + l.Source + ")"
	}
	s := strings.Join(parts, ", ") + " per replica (" + sourceText(l.Source) + ")"
	if l.Varied {
		s += ", the smallest of several"
	}
	if l.CPUNotEnforced != "" {
		s += "; CPU: " + l.CPUNotEnforced
	}
	if l.MemoryNotEnforced != "" {
		s += "; memory: " + l.MemoryNotEnforced
	}
	return s
}

// timeText writes an instant as its offset into the run and its UTC time.
func (r Report) timeText(t time.Time) string {
	return fmt.Sprintf("+%s (%s)", seconds(t.Sub(r.Run.Start).Seconds()), t.UTC().Format("15:04:05Z"))
}

func timestamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// amount writes a number in a Comparison's unit.
func amount(v float64, unit string) string {
	switch unit {
	case "m", "Mi":
		return quantity(v, unit)
	}
	return num(v, 0)
}

func statusText(s RowStatus) string { return strings.ReplaceAll(string(s), "_", " ") }

func optText(p *float64, f func(float64) string) string {
	if p == nil {
		return "not observed"
	}
	return f(*p)
}

// dash stands in for an empty cell.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
