package report_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// t0 is every synthetic run's start, so rendered reports are stable.
var t0 = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

// fleet describes a synthetic run: one interval per second, with the
// samplers' readings and the load side's totals given by functions.
type fleet struct {
	name          string
	plants        int
	agents        int
	replicas      int // replicas running (samples and header)
	intervals     int // also the scenario's duration, in seconds
	rampUpMinutes float64

	// cpu and mem give replica r's use in interval i (millicores, MiB);
	// nil: no replica readings.
	cpu, mem func(i, r int) float64
	db       func(i int) *record.Database
	lag      func(i int) *record.Lag
	gaps     func(i int) []record.Gap
	// noSamples leaves every interval without a Sample.
	noSamples bool
	// standIn makes the target the stand-in, its replicas held to
	// cpuLimit and memLimit by a cgroup (cgroup-v1); otherwise it is a
	// deployment whose pods' spec sets the calculator's limits and
	// requests. limitSource, when set, is recorded instead (e.g. "not
	// enforced (…)"); "none" records no limits, as runs from before gl001
	// recorded them, with percentages of the calculator's figures. For a
	// deployment, cpuLimit overrides the pods' CPU limit (-1: none).
	standIn            bool
	cpuLimit, memLimit int
	limitSource        string

	optimizeMS func(k int) float64 // per request; requests = optimizeN
	optimizeN  int
	// optimizeFailedN of the requests failed, fast (1 ms, a refusal),
	// and are not in the answered latency.
	optimizeFailedN int
	heatMS          func(k int) float64
	coordN          int
	coordFailedN    int
	executors       map[string]record.Executor
	// scheduleLagMS are each executor's schedule lag samples, ms.
	scheduleLagMS map[string][]float64
	// harness gives the generator's own reading in interval i; nil: none.
	harness func(i int) *record.Harness
}

// healthyFleet is 15 plants and 75 sub-agents on the 11 replicas the
// calculator predicts, comfortably inside every band.
func healthyFleet() fleet {
	return fleet{
		name: "healthy", plants: 15, agents: 75, replicas: 11, intervals: 60,
		cpu: func(i, r int) float64 { // 2,400–2,900m of 6,250m, a one-interval burst on every third replica
			v := 2400 + float64(r)*35 + float64((i*7+r*3)%11)*15
			if i == 30 && r%3 == 0 {
				v += 400
			}
			return v
		},
		mem: func(i, r int) float64 { return 5800 + float64(r)*60 + float64((i+r)%5)*40 }, // ≈ 50 % of 12,548 Mi
		// As the stand-in's front door answers: the replicas' pools read
		// at once and summed, and no deployment max_in_use.
		db: func(i int) *record.Database {
			inUse := int64(80 + i%10)
			return &record.Database{Size: 205, InUse: inUse, Available: 205 - inUse, WaitCount: ptr[int64](0), Timeouts: ptr[int64](0),
				InUsePercent: ptr(float64(inUse) / 205 * 100)}
		},
		gaps: func(int) []record.Gap {
			return []record.Gap{{Sampler: "database", Field: "max_in_use", Reason: "connection_pool max_in_use is null"}}
		},
		lag: func(i int) *record.Lag {
			return &record.Lag{Group: "gl-001-orchestrator", Topic: "agent.coordination", Messages: int64(10 + i%7), Seconds: 0.02 + float64(i%4)*0.01}
		},
		optimizeMS: func(k int) float64 { return 200 + float64(k%50)*12 }, // 200–788 ms
		optimizeN:  100,
		heatMS:     func(k int) float64 { return 150 + float64(k%40)*10 },
		coordN:     3000, coordFailedN: 6,
		executors: map[string]record.Executor{
			"optimize":   {Scheduled: 100, Started: 100, Expected: 100, ElapsedSeconds: 60},
			"coordinate": {Scheduled: 3000, Started: 3000, Expected: 3000, ElapsedSeconds: 60},
		},
		scheduleLagMS: map[string][]float64{"optimize": {0.1, 0.2, 0.4}, "coordinate": {0.1, 0.3, 1.2}},
		harness: func(i int) *record.Harness {
			cpu := 150 + float64(i%5)*10
			return &record.Harness{CPUMillicores: &cpu, CPUCores: 2, RSSMiB: 60 + float64(i%3), Goroutines: 40 + i%4}
		},
	}
}

// saturatedStandIn is the rehearsal: one stand-in replica held to
// 100m by a cgroup under more optimize load than 100m can serve, so its
// CPU sits at the limit, while memory stays low in a 256 Mi limit.
func saturatedStandIn() fleet {
	return fleet{
		name: "stand_in_saturated", plants: 2, agents: 6, replicas: 1, intervals: 30,
		standIn: true, cpuLimit: 100, memLimit: 256,
		cpu: func(i, r int) float64 { return 96 + float64(i%5) }, // 96–100m of 100m
		mem: func(i, r int) float64 { return 52 + float64(i%3) }, // ≈ 21 % of 256 Mi
		db: func(i int) *record.Database {
			return &record.Database{Size: 30, InUse: 3, Available: 27, WaitCount: ptr[int64](0), Timeouts: ptr[int64](0), InUsePercent: ptr(10.0)}
		},
		lag: func(i int) *record.Lag {
			return &record.Lag{Group: "gl-001-orchestrator", Topic: "agent.coordination", Messages: 0, Seconds: 0.01}
		},
		optimizeMS: func(k int) float64 { return 400 + float64(k%20)*60 },
		optimizeN:  600,
		heatMS:     func(k int) float64 { return 30 + float64(k%10)*8 },
		coordN:     150,
		executors: map[string]record.Executor{
			"optimize":   {Scheduled: 600, Started: 600, Expected: 600, ElapsedSeconds: 30},
			"coordinate": {Scheduled: 150, Started: 150, Expected: 150, ElapsedSeconds: 30},
		},
	}
}

// starvedFleet is the same fleet on 1 replica of the 11 predicted, with a
// small pool near full, CPU high and rising, and Kafka lag building.
func starvedFleet() fleet {
	return fleet{
		name: "under_provisioned", plants: 15, agents: 75, replicas: 1, intervals: 60,
		cpu: func(i, r int) float64 { return 5300 + float64(i)*13 },    // 5,300–6,067m: 85 % → 97 %
		mem: func(i, r int) float64 { return 10000 + float64(i%3)*50 }, // ≈ 80 %
		db: func(i int) *record.Database {
			inUse := int64(36 + i%4)
			return &record.Database{Size: 40, InUse: inUse, Available: 40 - inUse, MaxInUse: ptr(inUse), WaitCount: ptr(int64(i * 12)), Timeouts: ptr(int64(i / 20)),
				InUsePercent: ptr(float64(inUse) / 40 * 100)}
		},
		lag: func(i int) *record.Lag {
			return &record.Lag{Group: "gl-001-orchestrator", Topic: "agent.coordination", Messages: int64(200 * i), Seconds: float64(i) * 0.04}
		},
		gaps: func(i int) []record.Gap {
			switch i {
			case 20:
				return []record.Gap{{Sampler: "lag", Reason: "kafka: describe group gl-001-orchestrator: i/o timeout"}}
			case 41:
				return []record.Gap{{Sampler: "target", Reason: "GET /metrics: context deadline exceeded"}}
			}
			return nil
		},
		optimizeMS: func(k int) float64 { return 1500 + float64(k%30)*80 }, // up to 3,820 ms
		optimizeN:  90,
		heatMS:     func(k int) float64 { return 900 + float64(k%20)*90 },
		coordN:     3000, coordFailedN: 96,
		executors: map[string]record.Executor{
			"optimize":   {Scheduled: 100, Started: 90, Dropped: 10, DroppedNoVU: 10, Failed: 3, Expected: 100, ElapsedSeconds: 60},
			"coordinate": {Scheduled: 3000, Started: 3000, Failed: 96, Expected: 3000, ElapsedSeconds: 60},
		},
	}
}

// run builds the runlog.Run the fleet describes.
func (f fleet) run(t testing.TB) *runlog.Run {
	t.Helper()
	pred, err := capacity.Calculate(f.plants, f.agents)
	if err != nil {
		t.Fatal(err)
	}
	sc := scenarios.NewScenario()
	sc.TestName = f.name
	sc.DurationMinutes = float64(f.intervals) / 60
	sc.Plants, sc.SubAgents = f.plants, f.agents
	sc.HeatOptimizationRequestsPerMinute, sc.AgentCoordinationEventsPerSecond = 100, 50
	sc.RampUpMinutes = f.rampUpMinutes

	target, cpuLimit, memLimit, cpuReq, memReq, source := "http://gl-001.greenlang.svc:8000", pred.CPUMillicores, pred.MemoryMiB, pred.CPURequestMillicores, pred.MemoryRequestMiB, "pod-spec"
	var limits *api.ReplicaLimits
	if f.standIn {
		target, cpuLimit, memLimit, cpuReq, memReq, source = "http://127.0.0.1:8000", f.cpuLimit, f.memLimit, 0, 0, "cgroup-v1"
	} else if f.cpuLimit != 0 { // a pod's own: -1 sets none
		cpuLimit = max(f.cpuLimit, 0)
	}
	switch f.limitSource {
	case "":
	case "none":
		source, cpuReq, memReq = "", 0, 0
		cpuLimit, memLimit = pred.CPUMillicores, pred.MemoryMiB
	default:
		source = f.limitSource
	}
	if f.standIn {
		limits = &api.ReplicaLimits{CPULimitMillicores: cpuLimit, MemoryLimitMiB: memLimit, LimitSource: source}
	}
	run := &runlog.Run{
		Header: metrics.Header{Kind: "header", Format: metrics.FileFormat, Version: metrics.FileVersion, Start: t0, Metrics: []metrics.MetricInfo{
			{Name: record.MetricOptimizeDuration, Type: metrics.Trend, Contains: metrics.Time},
			{Name: record.MetricHeatOptimizationDuration, Type: metrics.Trend, Contains: metrics.Time},
			{Name: record.MetricCoordinationFailed, Type: metrics.Rate, Contains: metrics.Default},
			{Name: record.MetricOptimizeFailed, Type: metrics.Rate, Contains: metrics.Default},
			{Name: record.AnsweredKey, Type: metrics.Trend, Contains: metrics.Time},
		}},
		Meta: record.Meta{
			Scenario: sc, ScenarioFile: f.name + ".json", Plan: sc.Plan(), Prediction: pred,
			Target: target, Brokers: []string{"127.0.0.1:9092"}, StandIn: f.standIn,
			ReplicasRunning: f.replicas, IntervalSeconds: 1, Version: "test", ReplicaLimits: limits,
		},
	}
	for i := range f.intervals {
		iv := runlog.Interval{Interval: metrics.Interval{
			Seq: int64(i + 1), Start: t0.Add(time.Duration(i) * time.Second), End: t0.Add(time.Duration(i+1) * time.Second),
		}}
		if i == f.intervals-1 {
			iv.Executors = f.executors
		}
		if !f.noSamples {
			s := &record.Sample{At: iv.End}
			if f.cpu != nil {
				for r := range f.replicas {
					c, m := f.cpu(i, r), f.mem(i, r)
					s.Replicas = append(s.Replicas, record.ReplicaUsage{
						ID: fmt.Sprintf("replica-%d", r+1), CPUMillicores: c, MemoryMiB: m,
						CPUPercent: percent(c, cpuLimit), MemoryPercent: percent(m, memLimit),
						CPULimitMillicores: cpuLimit, MemoryLimitMiB: memLimit, LimitSource: source,
						CPURequestMillicores: cpuReq, MemoryRequestMiB: memReq,
					})
				}
			}
			if f.db != nil {
				s.Database = f.db(i)
			}
			if f.lag != nil {
				s.Lag = f.lag(i)
			}
			if f.harness != nil {
				s.Harness = f.harness(i)
			}
			if f.gaps != nil {
				s.Gaps = f.gaps(i)
				for _, g := range s.Gaps { // a failed sampler leaves its part empty
					if !g.Whole() {
						continue // one figure unread: the part stands
					}
					switch g.Sampler {
					case "lag":
						s.Lag = nil
					case "database":
						s.Database = nil
					case "replicas":
						s.Replicas = nil
					}
				}
			}
			iv.Sample = s
		}
		run.Intervals = append(run.Intervals, iv)
	}

	d := time.Duration(f.intervals) * time.Second
	run.Totals = map[string]*metrics.Sink{}
	if f.optimizeN > 0 {
		lat := metrics.NewSink(metrics.Trend, metrics.Time)
		answered := metrics.NewSink(metrics.Trend, metrics.Time)
		heat := metrics.NewSink(metrics.Trend, metrics.Time)
		failed := metrics.NewSink(metrics.Rate, metrics.Default)
		for k := range f.optimizeN {
			if k < f.optimizeFailedN {
				lat.Add(1)
				failed.Add(1)
				continue
			}
			lat.Add(f.optimizeMS(k))
			answered.Add(f.optimizeMS(k))
			heat.Add(f.heatMS(k))
			failed.Add(0)
		}
		lat.Duration, answered.Duration, heat.Duration, failed.Duration = d, d, d, d
		run.Totals[record.MetricOptimizeDuration] = lat
		run.Totals[record.MetricOptimizeFailed] = failed
		if answered.Count() > 0 {
			run.Totals[record.AnsweredKey] = answered
		}
		if heat.Count() > 0 {
			run.Totals[record.MetricHeatOptimizationDuration] = heat
		}
	}
	if f.coordN > 0 {
		failed := metrics.NewSink(metrics.Rate, metrics.Default)
		for k := range f.coordN {
			failed.Add(boolValue(k < f.coordFailedN))
		}
		failed.Duration = d
		run.Totals[record.MetricCoordinationFailed] = failed
	}
	for exec, lags := range f.scheduleLagMS {
		lag := metrics.NewSink(metrics.Trend, metrics.Time)
		for _, v := range lags {
			lag.Add(v)
		}
		lag.Duration = d
		run.Totals[record.ScheduleLagKey(exec)] = lag
	}
	return run
}

func percent(v float64, limit int) float64 {
	if limit <= 0 {
		return 0
	}
	return v / float64(limit) * 100
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func ptr[T any](v T) *T { return &v }

// near reports whether a and b agree to 1e-9.
func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
