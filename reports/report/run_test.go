package report_test

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/scenarios"
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

	optimizeMS   func(k int) float64 // per request; requests = optimizeN
	optimizeN    int
	heatMS       func(k int) float64
	coordN       int
	coordFailedN int
	executors    map[string]record.Executor
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
			"optimize":   {Started: 100, Expected: 100, ElapsedSeconds: 60},
			"coordinate": {Started: 3000, Expected: 3000, ElapsedSeconds: 60},
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
			"optimize":   {Started: 90, Dropped: 10, Failed: 3, Expected: 100, ElapsedSeconds: 60},
			"coordinate": {Started: 3000, Failed: 96, Expected: 3000, ElapsedSeconds: 60},
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

	run := &runlog.Run{
		Header: metrics.Header{Kind: "header", Format: metrics.FileFormat, Version: metrics.FileVersion, Start: t0, Metrics: []metrics.MetricInfo{
			{Name: record.MetricOptimizeDuration, Type: metrics.Trend, Contains: metrics.Time},
			{Name: record.MetricHeatOptimizationDuration, Type: metrics.Trend, Contains: metrics.Time},
			{Name: record.MetricCoordinationFailed, Type: metrics.Rate, Contains: metrics.Default},
		}},
		Meta: record.Meta{
			Scenario: sc, ScenarioFile: f.name + ".json", Plan: sc.Plan(), Prediction: pred,
			Target: "http://127.0.0.1:8000", Brokers: []string{"127.0.0.1:9092"}, StandIn: true,
			ReplicasRunning: f.replicas, IntervalSeconds: 1, Version: "test",
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
						CPUPercent: c / float64(pred.CPUMillicores) * 100, MemoryPercent: m / float64(pred.MemoryMiB) * 100,
					})
				}
			}
			if f.db != nil {
				s.Database = f.db(i)
			}
			if f.lag != nil {
				s.Lag = f.lag(i)
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
		heat := metrics.NewSink(metrics.Trend, metrics.Time)
		for k := range f.optimizeN {
			lat.Add(f.optimizeMS(k))
			heat.Add(f.heatMS(k))
		}
		lat.Duration, heat.Duration = d, d
		run.Totals[record.MetricOptimizeDuration] = lat
		run.Totals[record.MetricHeatOptimizationDuration] = heat
	}
	if f.coordN > 0 {
		failed := metrics.NewSink(metrics.Rate, metrics.Default)
		for k := range f.coordN {
			failed.Add(boolValue(k < f.coordFailedN))
		}
		failed.Duration = d
		run.Totals[record.MetricCoordinationFailed] = failed
	}
	return run
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
