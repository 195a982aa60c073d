package scenarios_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/reports/golden"
	"github.com/greenlang/gl001/scenarios"
)

func TestPlanGuide(t *testing.T) {
	p := guide.Plan()
	want := scenarios.Plan{
		Optimize: scenarios.ArrivalScenario{
			Executor: "ramping-arrival-rate", StartRate: 0, TimeUnit: "1m",
			PreAllocatedVUs: 5, MaxVUs: 50,
			Stages:       []scenarios.Stage{{Duration: "5m", Target: 100}, {Duration: "25m", Target: 100}},
			GracefulStop: "30s", Exec: "optimize",
		},
		Coordinate: scenarios.ArrivalScenario{
			Executor: "ramping-arrival-rate", StartRate: 0, TimeUnit: "1s",
			PreAllocatedVUs: 100, MaxVUs: 750,
			Stages:       []scenarios.Stage{{Duration: "5m", Target: 50}, {Duration: "25m", Target: 50}},
			GracefulStop: "30s", Exec: "coordinate",
		},
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("Plan() =\n%+v\nwant\n%+v", p, want)
	}
}

func TestPlanStages(t *testing.T) {
	tests := []struct {
		name        string
		duration    float64
		ramp        float64
		optimize    float64 // per minute
		coordinate  float64 // per second
		optUnit     string
		optStart    int64
		optStages   []scenarios.Stage
		coordUnit   string
		coordStart  int64
		coordStages []scenarios.Stage
	}{
		{
			name: "no ramp: one stage, starting at the target", duration: 30, ramp: 0, optimize: 100, coordinate: 50,
			optUnit: "1m", optStart: 100, optStages: []scenarios.Stage{{"30m", 100}},
			coordUnit: "1s", coordStart: 50, coordStages: []scenarios.Stage{{"30m", 50}},
		},
		{
			name: "ramp as long as the test: no hold", duration: 10, ramp: 10, optimize: 100, coordinate: 50,
			optUnit: "1m", optStart: 0, optStages: []scenarios.Stage{{"10m", 100}},
			coordUnit: "1s", coordStart: 0, coordStages: []scenarios.Stage{{"10m", 50}},
		},
		{
			name: "the short test: fractional minutes", duration: 2, ramp: 0.5, optimize: 100, coordinate: 50,
			optUnit: "1m", optStart: 0, optStages: []scenarios.Stage{{"30s", 100}, {"1m30s", 100}},
			coordUnit: "1s", coordStart: 0, coordStages: []scenarios.Stage{{"30s", 50}, {"1m30s", 50}},
		},
		{
			name: "odd fractions of a minute", duration: 4.5, ramp: 0.0125, optimize: 1, coordinate: 1,
			optUnit: "1m", optStages: []scenarios.Stage{{"750ms", 1}, {"4m29.25s", 1}},
			coordUnit: "1s", coordStages: []scenarios.Stage{{"750ms", 1}, {"4m29.25s", 1}},
		},
		{
			name: "long soak", duration: 600, ramp: 90, optimize: 100, coordinate: 50,
			optUnit: "1m", optStages: []scenarios.Stage{{"1h30m", 100}, {"8h30m", 100}},
			coordUnit: "1s", coordStages: []scenarios.Stage{{"1h30m", 50}, {"8h30m", 50}},
		},
		{
			name: "fractional rates: 2.5/s is 5 per 2s, 2.5/min is 5 per 2m", duration: 30, ramp: 5, optimize: 2.5, coordinate: 2.5,
			optUnit: "2m", optStages: []scenarios.Stage{{"5m", 5}, {"25m", 5}},
			coordUnit: "2s", coordStages: []scenarios.Stage{{"5m", 5}, {"25m", 5}},
		},
		{
			name: "fractional rates: 0.4/min is 2 per 5m, 0.1/s is 1 per 10s", duration: 30, ramp: 0, optimize: 0.4, coordinate: 0.1,
			optUnit: "5m", optStart: 2, optStages: []scenarios.Stage{{"30m", 2}},
			coordUnit: "10s", coordStart: 1, coordStages: []scenarios.Stage{{"30m", 1}},
		},
		{
			name: "fractional rates: 0.37/s is 37 per 100s, 1/60 per minute is 1 per hour", duration: 30, ramp: 0, optimize: 1.0 / 60, coordinate: 0.37,
			optUnit: "1h", optStart: 1, optStages: []scenarios.Stage{{"30m", 1}},
			coordUnit: "1m40s", coordStart: 37, coordStages: []scenarios.Stage{{"30m", 37}},
		},
		{
			name: "float noise: 0.3/s is 3 per 10s", duration: 1, ramp: 0, optimize: 1.5, coordinate: 0.1 + 0.2,
			optUnit: "2m", optStart: 3, optStages: []scenarios.Stage{{"1m", 3}},
			coordUnit: "10s", coordStart: 3, coordStages: []scenarios.Stage{{"1m", 3}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := guide
			s.DurationMinutes, s.RampUpMinutes = tt.duration, tt.ramp
			s.HeatOptimizationRequestsPerMinute, s.AgentCoordinationEventsPerSecond = tt.optimize, tt.coordinate
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			p := s.Plan()
			check := func(a scenarios.ArrivalScenario, unit string, start int64, stages []scenarios.Stage) {
				t.Helper()
				if a.TimeUnit != unit || a.StartRate != start || !reflect.DeepEqual(a.Stages, stages) {
					t.Errorf("%s: timeUnit %q, startRate %d, stages %v; want %q, %d, %v", a.Exec, a.TimeUnit, a.StartRate, a.Stages, unit, start, stages)
				}
				var total time.Duration
				for _, st := range a.Stages {
					d, err := time.ParseDuration(st.Duration)
					if err != nil {
						t.Errorf("stage duration %q: %v", st.Duration, err)
					}
					total += d
				}
				if total != s.Duration() {
					t.Errorf("%s: stages last %v, want the test's %v", a.Exec, total, s.Duration())
				}
			}
			check(p.Optimize, tt.optUnit, tt.optStart, tt.optStages)
			check(p.Coordinate, tt.coordUnit, tt.coordStart, tt.coordStages)
		})
	}
}

func TestPlanZeroRateIsSkipped(t *testing.T) {
	s := guide
	s.HeatOptimizationRequestsPerMinute = 0
	p := s.Plan()
	if !p.Optimize.Skip() || !reflect.DeepEqual(p.Optimize, scenarios.ArrivalScenario{}) {
		t.Errorf("optimize at rate 0 = %+v, want the zero scenario", p.Optimize)
	}
	if p.Coordinate.Skip() {
		t.Errorf("coordinate skipped")
	}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "optimize") || !strings.Contains(string(b), `"coordinate":{`) {
		t.Errorf("JSON of the plan = %s, want coordinate only", b)
	}
}

// Virtual users: max(5, ceil(rate/s × 2 s)) pre-allocated, max(50, ceil(rate/s × 15 s)) at most.
func TestPlanVUs(t *testing.T) {
	tests := []struct {
		name       string
		coordinate float64 // per second
		pre, max   int64
	}{
		{"the guide's 50/s", 50, 100, 750},
		{"1/s: the floors", 1, 5, 50},
		{"3/s: 6 pre-allocated, 45 raised to 50", 3, 6, 50},
		{"2.5/s (5 per 2s)", 2.5, 5, 50},
		{"0.37/s (37 per 100s): ceil(0.74), ceil(5.55)", 0.37, 5, 50},
		{"10000/s", 10000, 20000, 150000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := guide
			s.AgentCoordinationEventsPerSecond = tt.coordinate
			a := s.Plan().Coordinate
			if a.PreAllocatedVUs != tt.pre || a.MaxVUs != tt.max {
				t.Errorf("preAllocatedVUs, maxVUs = %d, %d; want %d, %d", a.PreAllocatedVUs, a.MaxVUs, tt.pre, tt.max)
			}
		})
	}
	s := guide
	s.HeatOptimizationRequestsPerMinute = 6000 // 100/s
	if a := s.Plan().Optimize; a.PreAllocatedVUs != 200 || a.MaxVUs != 1500 {
		t.Errorf("optimize at 6000/min: %d, %d; want 200, 1500", a.PreAllocatedVUs, a.MaxVUs)
	}
}

func TestPlanGracefulStop(t *testing.T) {
	tests := []struct {
		minutes float64
		want    string
	}{
		{30, "30s"},
		{2, "30s"},
		{1.5, "23s"}, // 90 s / 4 = 22.5 s, rounded up
		{0.25, "4s"}, // 15 s / 4 = 3.75 s
		{1.0 / 6, "3s"},
		{1.0 / 60, "1s"},
	}
	for _, tt := range tests {
		s := guide
		s.DurationMinutes, s.RampUpMinutes = tt.minutes, 0
		p := s.Plan()
		if p.Optimize.GracefulStop != tt.want || p.Coordinate.GracefulStop != tt.want {
			t.Errorf("%v minutes: gracefulStop %q, %q; want %q", tt.minutes, p.Optimize.GracefulStop, p.Coordinate.GracefulStop, tt.want)
		}
	}
}

func TestPlanGolden(t *testing.T) {
	for _, name := range scenarios.Shipped() {
		t.Run(name, func(t *testing.T) {
			s, err := scenarios.LoadShipped(name)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetIndent("", "  ")
			if err := enc.Encode(s.Plan()); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", strings.TrimSuffix(name, ".json")+".plan.golden.json"), buf.Bytes())
		})
	}
}
