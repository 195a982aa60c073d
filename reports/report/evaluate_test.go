package report_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/reports/decision"
	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/reports/triggers"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

func trigger(t *testing.T, r report.Report, metric string) report.Trigger {
	t.Helper()
	for _, tr := range r.Triggers {
		if tr.Metric == metric {
			return tr
		}
	}
	t.Fatalf("no trigger row %q", metric)
	return report.Trigger{}
}

func constant(v float64) func(i, r int) float64 { return func(int, int) float64 { return v } }

func TestVerdict(t *testing.T) {
	strict, err := thresholds.Decode([]byte(`{"gl001_optimize_duration": ["p(95)<100"]}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		fleet   func() fleet
		opts    report.Options
		run     func(*runlog.Run)
		want    report.Verdict
		because string // a reason with this text must be given
	}{
		{name: "healthy run passes", fleet: healthyFleet, opts: report.Options{Workers: ptr(4)}, want: report.Pass},
		{name: "a failed threshold fails", fleet: healthyFleet, opts: report.Options{Thresholds: strict},
			want: report.Fail, because: "threshold gl001_optimize_duration p(95)<100 failed (observed 764"},
		{name: "a critical health trigger fails", fleet: func() fleet { f := healthyFleet(); f.cpu = constant(5600); return f },
			want: report.Fail, because: "Master CPU Usage is critical at 89.6% (>80%)"},
		{name: "a health trigger at warning warns", fleet: func() fleet { f := healthyFleet(); f.cpu = constant(4700); return f },
			want: report.Warning, because: "Master CPU Usage is in the warning band at 75.2% (70-80%)"},
		{name: "a planning action not taken fails", fleet: func() fleet { f := healthyFleet(); f.replicas = 5; return f },
			want: report.Fail, because: "Plant Count 15 plants (>10 plants) calls for Proactive Horizontal Scale, not taken: replicas running 5 < 11 predicted"},
		{name: "a planning action not verifiable warns", fleet: func() fleet { f := healthyFleet(); f.db = nil; return f },
			want: report.Warning, because: "not verified: DB pool size not observed, 205 predicted"},
		{name: "a health trigger not observed warns", fleet: func() fleet { f := healthyFleet(); f.lag = nil; return f },
			want: report.Warning, because: "Message Bus Lag not observed (the lag sampler did not run), so not verified"},
		{name: "sampler gaps that hide a trigger warn", fleet: func() fleet {
			f := healthyFleet()
			f.gaps = func(i int) []record.Gap {
				if i == 7 {
					return []record.Gap{{Sampler: "database", Reason: "connection refused"}}
				}
				return nil
			}
			return f
		}, want: report.Warning, because: "Database Connections may read low: the database sampler had gaps in 1 interval"},
		{name: "a gap that hides no trigger does not warn", fleet: func() fleet {
			f := healthyFleet()
			f.gaps = func(i int) []record.Gap {
				if i == 7 {
					return []record.Gap{{Sampler: "hpa", Reason: "no HPA"}}
				}
				return nil
			}
			return f
		}, want: report.Pass},
		{name: "a truncated file warns", fleet: healthyFleet,
			run: func(r *runlog.Run) {
				r.Truncated = &metrics.Truncation{Line: 62, Bytes: 100, Err: "unexpected end of JSON input"}
			},
			want: report.Warning, because: "intervals.ndjson ends in a partial line (line 62, 100 bytes, ignored)"},
		{name: "summary.json's stopped run warns", fleet: healthyFleet, opts: report.Options{Complete: ptr(false), Stopped: "interrupted"},
			want: report.Warning, because: "summary.json says the run did not complete (stopped: interrupted)"},
		{name: "a run stopped early warns", fleet: healthyFleet,
			run:  func(r *runlog.Run) { r.Intervals = r.Intervals[:40] },
			want: report.Warning, because: "the intervals span 40s of the 1m0s schedule: the run stopped early"},
		{name: "two intervals short is still complete", fleet: healthyFleet,
			run: func(r *runlog.Run) {
				last := r.Intervals[len(r.Intervals)-1].Executors
				r.Intervals = r.Intervals[:58]
				r.Intervals[57].Executors = last
			},
			want: report.Pass},
		{name: "no executor state is not a pass", fleet: func() fleet { f := healthyFleet(); f.executors = nil; return f },
			want: report.Warning, because: "no executor state was recorded, so whether the load asked was the load sent is not verified"},
		{name: "an incomplete run still fails on a critical", fleet: func() fleet { f := healthyFleet(); f.cpu = constant(5600); return f },
			opts: report.Options{Complete: ptr(false)}, want: report.Fail, because: "summary.json says the run did not complete"},
		{name: "a few dropped iterations warn", fleet: func() fleet {
			f := healthyFleet()
			f.executors = map[string]record.Executor{"optimize": {Scheduled: 1000, Started: 995, Dropped: 5, DroppedNoVU: 5}}
			return f
		}, want: report.Warning, because: "the optimize executor dropped 5 of 1,000 scheduled iterations (0.5%): the target answered too slowly for the VUs allowed (5 arrivals found no free VU; optimize p95 "},
		// The finding: 10,000 optimize/s against a sink, of which
		// the generator started 59 %. The backlog it could not issue is
		// counted, and the verdict fails naming the generator.
		{name: "a generator that fell behind fails", fleet: func() fleet {
			f := healthyFleet()
			f.executors = map[string]record.Executor{"optimize": {Scheduled: 150000, Started: 88635, Dropped: 61365, DroppedBehind: 61365}}
			f.scheduleLagMS = map[string][]float64{"optimize": {900, 1500, 2500}}
			return f
		}, want: report.Fail, because: "the optimize executor started 88,635 of the 150,000 iterations its schedule called for (59.1%, under 99%), so the load asked was not the load sent: the generator fell behind its own schedule (61,365 arrivals never issued in time; schedule lag p99 2,480.6 ms; the harness peaked at"},
		{name: "a target that left no VU free fails", fleet: func() fleet {
			f := healthyFleet()
			f.executors = map[string]record.Executor{"optimize": {Scheduled: 100, Started: 90, Dropped: 10, DroppedNoVU: 10}}
			return f
		}, want: report.Fail, because: "(90%, under 99%), so the load asked was not the load sent: the target answered too slowly for the VUs allowed (10 arrivals found no free VU"},
		{name: "a file without the schedule's count warns", fleet: func() fleet {
			f := healthyFleet()
			f.executors = map[string]record.Executor{"optimize": {Started: 100, Expected: 100}}
			return f
		}, want: report.Warning, because: "does not record how many arrivals its schedule called for"},
		{name: "late starts warn", fleet: func() fleet {
			f := healthyFleet()
			f.scheduleLagMS = map[string][]float64{"coordinate": {1, 2, 250}}
			return f
		}, want: report.Warning, because: "the coordinate executor started iterations late (schedule lag p99 245.1 ms, above 100 ms)"},
		{name: "a generator short of CPU warns", fleet: func() fleet {
			f := healthyFleet()
			f.harness = func(int) *record.Harness { cpu := 1950.0; return &record.Harness{CPUMillicores: &cpu, CPUCores: 2} }
			return f
		}, want: report.Warning, because: "the load generator itself peaked at 97.5% of its 2 cores"},
		// A dead target refuses every request in a millisecond: that is
		// no orchestration latency, and the run fails on its errors.
		{name: "a target that answers nothing fails", fleet: func() fleet {
			f := healthyFleet()
			f.optimizeFailedN = f.optimizeN
			return f
		}, want: report.Fail, because: "threshold gl001_optimize_failed rate<0.01 failed (observed 1)"},
		{name: "a threshold without data warns", fleet: healthyFleet,
			run: func(r *runlog.Run) {
				r.Meta.Scenario.Thresholds = json.RawMessage(`{"gl001_optimize_duration{status:200}": ["p(95)<1"]}`)
			},
			want: report.Warning, because: "threshold gl001_optimize_duration{status:200} p(95)<1 saw no data"},
		{name: "unbuildable thresholds warn", fleet: healthyFleet,
			run: func(r *runlog.Run) {
				r.Meta.Scenario.Thresholds = json.RawMessage(`{"gl001_optimize_duration": ["p(95)<<2"]}`)
			},
			want: report.Warning, because: "the run's thresholds could not be evaluated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run := tt.fleet().run(t)
			if tt.run != nil {
				tt.run(run)
			}
			opts := tt.opts
			if opts.Workers == nil {
				opts.Workers = ptr(4)
			}
			r := report.Evaluate(run, opts)
			if r.Verdict != tt.want {
				t.Errorf("verdict %s, want %s; why: %s", r.Verdict, tt.want, r.Why)
			}
			if tt.because != "" && !strings.Contains(r.Why, tt.because) {
				t.Errorf("why does not say %q:\n%s", tt.because, r.Why)
			}
			if tt.want == report.Pass && len(r.Reasons) != 0 {
				t.Errorf("a pass with reasons: %v", r.Reasons)
			}
			if !strings.HasPrefix(r.Why, strings.ToUpper(string(tt.want))+".") {
				t.Errorf("why does not start with the verdict: %s", r.Why)
			}
		})
	}
}

func TestPlanningRows(t *testing.T) {
	tests := []struct {
		name           string
		plants, agents int
		replicas       int
		poolSize       int64 // 0: no pool readings
		workers        *int
		plantLevel     triggers.Level
		plantStatus    report.ActionStatus // "" when no action is called for
		plantOutcome   report.Verdict
		agentStatus    report.ActionStatus
		agentOutcome   report.Verdict
	}{
		{name: "small fleet calls for nothing", plants: 7, agents: 30, replicas: 5, poolSize: 300,
			plantLevel: triggers.OK, plantOutcome: report.Pass, agentOutcome: report.Pass},
		{name: "9 plants at warning, action taken", plants: 9, agents: 30, replicas: 5, poolSize: 115,
			plantLevel: triggers.Warning, plantStatus: report.ActionTaken, plantOutcome: report.Pass, agentOutcome: report.Pass},
		{name: "15 plants critical, action taken", plants: 15, agents: 75, replicas: 11, poolSize: 205, workers: ptr(4),
			plantLevel: triggers.Critical, plantStatus: report.ActionTaken, plantOutcome: report.Pass,
			agentStatus: report.ActionTaken, agentOutcome: report.Pass},
		{name: "more replicas and pool than predicted is taken", plants: 15, agents: 75, replicas: 14, poolSize: 300,
			plantLevel: triggers.Critical, plantStatus: report.ActionTaken, plantOutcome: report.Pass,
			agentStatus: report.ActionTaken, agentOutcome: report.Pass},
		{name: "1 replica of 11 is not taken", plants: 15, agents: 75, replicas: 1, poolSize: 205,
			plantLevel: triggers.Critical, plantStatus: report.ActionNotTaken, plantOutcome: report.Fail,
			agentStatus: report.ActionNotTaken, agentOutcome: report.Fail},
		{name: "pool below the calculator's is not taken", plants: 15, agents: 75, replicas: 11, poolSize: 100,
			plantLevel: triggers.Critical, plantStatus: report.ActionNotTaken, plantOutcome: report.Fail,
			agentStatus: report.ActionTaken, agentOutcome: report.Pass},
		{name: "pool not observed is not verified", plants: 15, agents: 75, replicas: 11,
			plantLevel: triggers.Critical, plantStatus: report.ActionNotVerified, plantOutcome: report.Warning,
			agentStatus: report.ActionTaken, agentOutcome: report.Pass},
		{name: "workers below the calculator's are not taken", plants: 15, agents: 75, replicas: 11, poolSize: 205, workers: ptr(2),
			plantLevel: triggers.Critical, plantStatus: report.ActionTaken, plantOutcome: report.Pass,
			agentStatus: report.ActionNotTaken, agentOutcome: report.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := healthyFleet()
			f.plants, f.agents, f.replicas = tt.plants, tt.agents, tt.replicas
			f.cpu, f.mem = constant(1000), constant(2000)
			f.db = nil
			if tt.poolSize > 0 {
				f.db = func(int) *record.Database { return &record.Database{Size: tt.poolSize, InUse: 10} }
			}
			r := report.Evaluate(f.run(t), report.Options{Workers: tt.workers})
			check := func(metric string, level *triggers.Level, status report.ActionStatus, outcome report.Verdict) {
				t.Helper()
				row := trigger(t, r, metric)
				if !row.Planning {
					t.Errorf("%s is not a planning row", metric)
				}
				if level != nil && row.Level != *level {
					t.Errorf("%s level %v, want %v", metric, row.Level, *level)
				}
				got := report.ActionStatus("")
				if row.Taken != nil {
					got = row.Taken.Status
				}
				if got != status || row.Outcome != outcome {
					t.Errorf("%s action %q outcome %s, want %q %s (%s)", metric, got, row.Outcome, status, outcome, row.Note)
				}
			}
			check("plant_count", &tt.plantLevel, tt.plantStatus, tt.plantOutcome)
			check("subagent_count", nil, tt.agentStatus, tt.agentOutcome)
		})
	}
}

func TestPlanningCriticalIsNotAHealthFailure(t *testing.T) {
	// 15 plants read critical in the table, yet with the action taken the
	// run passes: the band is shown, the action is what counts.
	r := report.Evaluate(healthyFleet().run(t), report.Options{Workers: ptr(4)})
	row := trigger(t, r, "plant_count")
	if row.Level != triggers.Critical || row.Band != ">10 plants" || row.Finding.Action != "Proactive Horizontal Scale" {
		t.Errorf("plant row = %v %q %q, want critical >10 plants Proactive Horizontal Scale", row.Level, row.Band, row.Finding.Action)
	}
	if r.Verdict != report.Pass {
		t.Errorf("verdict %s: %s", r.Verdict, r.Why)
	}
}

func TestRightSizing(t *testing.T) {
	// 15 plants, 75 agents: CPU limit 6,250m, request 3,750m; memory limit
	// 12,548 Mi, request 8,783 Mi. Each run is 20 intervals at base with
	// one at peak, so p95 (rank 19 of 20) is base and the peak is peak.
	tests := []struct {
		name                   string
		resource               string
		base, peak             float64
		wantLimit, wantRequest *int
		wantAdvice             string
	}{
		{"low use: limit to peak ÷ 0.6, request lowered under it", "cpu", 2000, 2100, ptr(3500), ptr(2500),
			"reduce the limit to 3,500m (peak ÷ 0.6, rounded up to 100m)"},
		{"low peak but p95 above 80% of the request: both move", "cpu", 3400, 3500, ptr(5900), ptr(4300),
			"raise the request to 4,300m (p95 ÷ 0.8, rounded up to 100m)"},
		{"limit fine, request too small", "cpu", 3900, 4000, nil, ptr(4900),
			"p95 3,900m is 104% of the pods' 3,750m request"},
		{"request raised above the limit raises the limit", "cpu", 6000, 6100, ptr(10200), ptr(7500),
			"raise the limit to 10,200m (peak ÷ 0.6, rounded up)"},
		{"reduce the limit, keep the request", "cpu", 2900, 3000, ptr(5000), nil,
			"reduce the limit to 5,000m"},
		{"rounded target not below the limit: keep", "cpu", 3700, 3740, nil, ptr(4700),
			"peak ÷ 0.6 rounded up (6,300m) is not below the limit: keep it"},
		{"within both rules: keep", "cpu", 2800, 4000, nil, nil,
			"keep 6,250m limit and 3,750m request"},
		{"memory: reduce the limit in 256 Mi steps", "memory", 6000, 6400, ptr(10752), nil,
			"reduce the limit to 10,752 Mi (peak ÷ 0.6, rounded up to 256 Mi)"},
		{"memory: request above 80%", "memory", 7500, 7600, nil, ptr(9472),
			"raise the request to 9,472 Mi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := healthyFleet()
			f.intervals = 20
			series := func(i, r int) float64 {
				if i == 10 {
					return tt.peak
				}
				return tt.base
			}
			if tt.resource == "cpu" {
				f.cpu, f.mem = series, constant(7000)
			} else {
				f.cpu, f.mem = constant(3000), series
			}
			r := report.Evaluate(f.run(t), report.Options{Workers: ptr(4)})
			var s report.Sizing
			for _, z := range r.RightSizing {
				if z.Resource == tt.resource {
					s = z
				}
			}
			if s.Peak == nil || !near(*s.Peak, tt.peak) || s.P95 == nil || !near(*s.P95, tt.base) {
				t.Fatalf("peak %v p95 %v, want %v %v", s.Peak, s.P95, tt.peak, tt.base)
			}
			if !eqIntPtr(s.SuggestedLimit, tt.wantLimit) || !eqIntPtr(s.SuggestedRequest, tt.wantRequest) {
				t.Errorf("suggested limit %v request %v, want %v %v; advice %q", deref(s.SuggestedLimit), deref(s.SuggestedRequest), deref(tt.wantLimit), deref(tt.wantRequest), s.Advice)
			}
			if !strings.Contains(strings.Join(s.Advice, "\n"), tt.wantAdvice) {
				t.Errorf("advice %q does not say %q", s.Advice, tt.wantAdvice)
			}
			limit, request := s.Limit, s.Request
			if s.SuggestedLimit != nil {
				limit = *s.SuggestedLimit
			}
			if s.SuggestedRequest != nil {
				request = *s.SuggestedRequest
			}
			if request > limit {
				t.Errorf("suggested request %d above limit %d", request, limit)
			}
		})
	}
}

func TestRightSizingNotObserved(t *testing.T) {
	f := healthyFleet()
	f.cpu, f.mem = nil, nil
	r := report.Evaluate(f.run(t), report.Options{})
	for _, s := range r.RightSizing {
		if s.Peak != nil || s.SuggestedLimit != nil || s.SuggestedRequest != nil {
			t.Errorf("%s: sized without readings: %+v", s.Resource, s)
		}
	}
}

func TestTrends(t *testing.T) {
	tests := []struct {
		name       string
		intervals  int
		rampUp     float64 // minutes
		cpu, mem   func(i, r int) float64
		given      decision.Context
		wantCPU    string // "" for unknown
		wantMemory string
		wantSource string
	}{
		{name: "level is flat and stable", intervals: 60, cpu: constant(3000), mem: constant(6000),
			wantCPU: decision.CPUFlat, wantMemory: decision.MemoryStable, wantSource: "derived"},
		{name: "a slow climb of 20 points is gradual and growing", intervals: 60,
			cpu:     func(i, _ int) float64 { return 2500 + float64(i)*6250*0.20/59 },
			mem:     func(i, _ int) float64 { return 5000 + float64(i)*12548*0.20/59 },
			wantCPU: decision.CPUGradual, wantMemory: decision.MemoryGrowing, wantSource: "derived"},
		{name: "a climb of 8 points is flat and stable", intervals: 60,
			cpu:     func(i, _ int) float64 { return 2500 + float64(i)*6250*0.08/59 },
			mem:     func(i, _ int) float64 { return 5000 + float64(i)*12548*0.08/59 },
			wantCPU: decision.CPUFlat, wantMemory: decision.MemoryStable, wantSource: "derived"},
		{name: "a 25-point step is sudden; a 25-point step that stays is growing", intervals: 60,
			cpu: func(i, _ int) float64 {
				if i >= 40 {
					return 3000 + 6250*0.25
				}
				return 3000
			},
			mem: func(i, _ int) float64 {
				if i >= 30 {
					return 5000 + 12548*0.25
				}
				return 5000
			},
			wantCPU: decision.CPUSudden, wantMemory: decision.MemoryGrowing, wantSource: "derived"},
		{name: "a 15-point step is not sudden", intervals: 60,
			cpu: func(i, _ int) float64 {
				if i >= 55 {
					return 3000 + 6250*0.15
				}
				return 3000
			},
			mem: constant(6000), wantCPU: decision.CPUFlat, wantMemory: decision.MemoryStable, wantSource: "derived"},
		{name: "a spike that drops back is spiky", intervals: 60, cpu: constant(3000),
			mem: func(i, _ int) float64 {
				if i == 30 || i == 31 {
					return 5000 + 12548*0.30
				}
				return 5000
			},
			wantCPU: decision.CPUFlat, wantMemory: decision.MemorySpiky, wantSource: "derived"},
		{name: "the ramp-up is not a trend", intervals: 90, rampUp: 0.5,
			cpu: func(i, _ int) float64 {
				if i < 30 {
					return float64(i) * 100
				}
				return 3000
			},
			mem: func(i, _ int) float64 {
				if i < 30 {
					return 2000 + float64(i)*130
				}
				return 6000
			},
			wantCPU: decision.CPUFlat, wantMemory: decision.MemoryStable, wantSource: "derived"},
		{name: "too few intervals is unknown", intervals: 4, cpu: constant(3000), mem: constant(6000),
			wantSource: "unknown"},
		{name: "given trends are used as given", intervals: 60, cpu: constant(3000), mem: constant(6000),
			given:   decision.Context{CPUTrend: ptr(decision.CPUGradual), MemoryTrend: ptr(decision.MemorySpiky)},
			wantCPU: decision.CPUGradual, wantMemory: decision.MemorySpiky, wantSource: "given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := healthyFleet()
			f.intervals, f.rampUpMinutes, f.cpu, f.mem = tt.intervals, tt.rampUp, tt.cpu, tt.mem
			r := report.Evaluate(f.run(t), report.Options{Context: tt.given})
			if len(r.Trends) != 2 {
				t.Fatalf("%d trends, want 2", len(r.Trends))
			}
			for i, want := range []string{tt.wantCPU, tt.wantMemory} {
				tr := r.Trends[i]
				got := ""
				if tr.Value != nil {
					got = *tr.Value
				}
				if got != want || tr.Source != tt.wantSource {
					t.Errorf("%s = %q (%s), want %q (%s); basis: %s", tr.Field, got, tr.Source, want, tt.wantSource, tr.Basis)
				}
			}
			if got, want := r.Context.CPUTrend, r.Trends[0].Value; (got == nil) != (want == nil) || got != nil && *got != *want {
				t.Errorf("context cpu_trend %v, trends say %v", got, want)
			}
		})
	}
}

func TestTrendsReachTheDecisionTree(t *testing.T) {
	f := starvedFleet()
	r := report.Evaluate(f.run(t), report.Options{PlantsToAdd: ptr(5)})
	var advice []string
	for _, d := range r.Diagnosis {
		if d.Status == decision.Indicated {
			advice = append(advice, d.Advice)
		}
	}
	for _, want := range []string{"Proactive horizontal scale", "Scale message bus", "Proactive scale: master, database, message bus"} {
		if !strings.Contains(strings.Join(advice, "|"), want) {
			t.Errorf("indicated advice %q lacks %q", advice, want)
		}
	}
}

func TestGapsAreNotObservedNeverZero(t *testing.T) {
	f := healthyFleet()
	f.gaps = func(i int) []record.Gap {
		return []record.Gap{
			{Sampler: "replicas", Reason: "metrics.k8s.io: forbidden"},
			{Sampler: "lag", Reason: "kafka: broker unreachable"},
		}
	}
	run := f.run(t)
	r := report.Evaluate(run, report.Options{Workers: ptr(4)})
	for _, metric := range []string{"master_cpu_percent", "master_memory_percent", "message_bus_lag_ms"} {
		row := trigger(t, r, metric)
		if row.Level != triggers.NotObserved || row.Value != nil || row.Outcome != report.Warning {
			t.Errorf("%s = %v %v %s, want not observed, no value, warning", metric, row.Level, row.Value, row.Outcome)
		}
		if row.GapIntervals != 60 {
			t.Errorf("%s gap intervals %d, want 60", metric, row.GapIntervals)
		}
	}
	if got := trigger(t, r, "db_connections_percent"); got.Level != triggers.OK {
		t.Errorf("db_connections_percent %v, want ok: its sampler had no gap", got.Level)
	}
	o := r.Observed
	if o.CPUPeakMillicores != nil || o.MasterCPUPercent != nil || o.LagPeakSeconds != nil || o.LagPeakMessages != nil {
		t.Errorf("observed values filled in for failed samplers: %+v", o)
	}
	if len(r.Gaps) != 120 {
		t.Fatalf("%d gaps listed, want 120 (2 samplers × 60 intervals)", len(r.Gaps))
	}
	if g := r.Gaps[1]; g.Seq != 1 || g.Sampler != "lag" || g.Reason != "kafka: broker unreachable" || !g.At.Equal(run.Intervals[0].End) {
		t.Errorf("gap 2 = %+v", g)
	}
	// Replicas come from the header when the sampler read none.
	if o.ReplicasRunning == nil || *o.ReplicasRunning != 11 || o.ReplicasSource != "run header" {
		t.Errorf("replicas running %v from %q, want 11 from the run header", o.ReplicasRunning, o.ReplicasSource)
	}
	if r.Verdict != report.Warning {
		t.Errorf("verdict %s, want warning: %s", r.Verdict, r.Why)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"cpu_peak_millicores":null`) || !strings.Contains(string(b), `"lag_peak_seconds":null`) {
		t.Errorf("not-observed values are not null in JSON")
	}
}

func TestObserved(t *testing.T) {
	f := starvedFleet()
	f.replicas = 3
	f.cpu = func(i, r int) float64 { return float64(1000*(r+1) + i) } // replica-3 is the worst
	r := report.Evaluate(f.run(t), report.Options{})
	o := r.Observed
	if len(o.Replicas) != 3 || o.Replicas[2].ID != "replica-3" {
		t.Fatalf("replicas %+v", o.Replicas)
	}
	checks := []struct {
		name      string
		got, want float64
	}{
		{"worst replica's CPU peak", *o.CPUPeakMillicores, 3059},
		{"worst replica's CPU p95 (rank 57 of 60)", *o.CPUP95Millicores, 3056},
		{"CPU peak percent of 6,250m", *o.CPUPeakPercent, 48.9},
		{"master CPU: p95 of the mean over replicas", *o.MasterCPUPercent, round1((2000 + 56) / 6250.0 * 100)},
		{"pool in-use peak", float64(*o.PoolInUsePeak), 39},
		{"pool in-use peak percent", *o.PoolInUsePeakPercent, 97.5},
		{"pool wait count (last reading)", float64(*o.PoolWaitCount), 708},
		{"pool wait count increase (from 0 at the first reading)", float64(*o.PoolWaitCountIncrease), 708},
		{"pool timeouts (last reading)", float64(*o.PoolTimeouts), 2},
		{"pool timeouts increase", float64(*o.PoolTimeoutsIncrease), 2},
		{"lag peak messages", float64(*o.LagPeakMessages), 11800},
		{"lag peak seconds", *o.LagPeakSeconds, 2.36},
		{"lag intervals (one gap)", float64(o.LagIntervals), 59},
		{"coordination errors percent", *o.CoordinationErrorPercent, 3.2},
		{"replicas running", float64(*o.ReplicasRunning), 3},
	}
	for _, c := range checks {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if lat := run95(t, f); !near(*o.LatencyP95Seconds, lat) {
		t.Errorf("latency p95 %v s, want %v", *o.LatencyP95Seconds, lat)
	}
	if got := trigger(t, r, "message_bus_lag_ms"); got.Value == nil || *got.Value != 2360 {
		t.Errorf("message_bus_lag_ms = %v, want 2360 (2.36 s × 1000)", got.Value)
	}
}

// run95 is the optimize p95 in seconds, rounded to the ms, as the
// report takes it from the totals.
func run95(t *testing.T, f fleet) float64 {
	v, _ := f.run(t).Totals[record.MetricOptimizeDuration].Aggregate("p(95)")
	return float64(int64(v+0.5)) / 1000
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }

func TestComparison(t *testing.T) {
	r := report.Evaluate(starvedFleet().run(t), report.Options{})
	want := map[string]struct {
		status report.RowStatus
		margin string
	}{
		"replicas":           {report.StatusShort, "shortfall 10 (90.9%)"},
		"cpu_per_replica":    {report.StatusTight, "headroom 2.9%"},
		"memory_per_replica": {report.StatusTight, "headroom 19.5%"},
		"db_pool":            {report.StatusShort, "shortfall 165 (80.5%)"},
		"workers":            {report.StatusNotObserved, "-"},
	}
	if len(r.Comparison) != len(want) {
		t.Fatalf("%d rows, want %d", len(r.Comparison), len(want))
	}
	for _, c := range r.Comparison {
		w := want[c.Item]
		if c.Status != w.status || c.Margin != w.margin {
			t.Errorf("%s: %s %q, want %s %q", c.Item, c.Status, c.Margin, w.status, w.margin)
		}
	}

	// The guide's example: 2,100m of a 6,250m limit is 66 % headroom.
	f := healthyFleet()
	f.cpu = constant(2100)
	r = report.Evaluate(f.run(t), report.Options{})
	if c := r.Comparison[1]; c.Margin != "headroom 66.4%" || c.Status != report.StatusOK {
		t.Errorf("cpu row %s %q, want ok headroom 66.4%%", c.Status, c.Margin)
	}
}

func TestPredictionFromScenarioWhenHeaderHasNone(t *testing.T) {
	run := healthyFleet().run(t)
	run.Meta.Prediction = capacity.Prediction{}
	r := report.Evaluate(run, report.Options{Workers: ptr(4)})
	if r.Predicted.Replicas != 11 || r.Verdict != report.Pass {
		t.Errorf("predicted %+v, verdict %s: %s", r.Predicted, r.Verdict, r.Why)
	}
}

func TestJSONArraysAreNeverNull(t *testing.T) {
	r := report.Evaluate(&runlog.Run{}, report.Options{})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"reasons", "triggers", "trends", "diagnosis", "right_sizing", "thresholds", "schedule", "gaps", "predicted_vs_observed"} {
		if strings.Contains(string(b), `"`+key+`":null`) {
			t.Errorf("%s is null", key)
		}
	}
	if r.Verdict != report.Warning || r.Completeness.Complete {
		t.Errorf("an empty run: verdict %s, complete %v: %s", r.Verdict, r.Completeness.Complete, r.Why)
	}
}

func eqIntPtr(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func deref(p *int) any {
	if p == nil {
		return "keep"
	}
	return *p
}

// The Orchestration Latency row reads the requests that succeeded: a
// refusal is fast, and counted in it, a target refusing half the requests
// would look faster than a healthy one.
func TestLatencyIsOfAnsweredRequests(t *testing.T) {
	latency := func(f fleet) report.Trigger {
		t.Helper()
		for _, tr := range report.Evaluate(f.run(t), report.Options{Workers: ptr(4)}).Triggers {
			if tr.Metric == "orchestration_latency_p95_seconds" {
				return tr
			}
		}
		t.Fatal("no latency row")
		return report.Trigger{}
	}
	healthy := latency(healthyFleet())
	half := healthyFleet()
	half.optimizeFailedN = 50
	if got := latency(half); got.Value == nil || *got.Value < *healthy.Value*0.9 || !strings.Contains(got.Basis, "over 50 answered requests (of 100)") {
		t.Errorf("half refused: %v (%s), healthy %v", got.Value, got.Basis, *healthy.Value)
	}
	none := healthyFleet()
	none.optimizeFailedN = none.optimizeN
	if got := latency(none); got.Level != triggers.NotObserved || got.NotObservedReason != "none of the 100 optimization requests succeeded" {
		t.Errorf("all refused: %v %q, want not observed", got.Level, got.NotObservedReason)
	}
}
