package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/xk6-gl001/engine"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/testbin"
)

// standIn runs the stand-in the runs start: the real gl001 binary's
// simulate subcommand, built once for these tests.
var standIn engine.StandInOptions

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "engine-test")
	if err != nil {
		panic(err)
	}
	if standIn.Executable, err = testbin.Build(dir); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func scenario(t *testing.T, js string) scenarios.Scenario {
	t.Helper()
	s, err := scenarios.Decode(strings.NewReader(js), "test.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const short = `{"test_name": "engine_test", "duration_minutes": 0.1, "plants": 3, "sub_agents": 12,
  "heat_optimization_requests_per_minute": 120, "agent_coordination_events_per_second": 20,
  "ramp_up_minutes": 0.03, "replicas": 2, "partitions": 3}`

func TestRunAgainstStandIn(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a load test against replica processes")
	}
	dir := t.TempDir()
	out, err := engine.Run(t.Context(), engine.Options{
		Scenario: scenario(t, short), ScenarioFile: "test.json", OutDir: dir, JSONOut: filepath.Join(dir, "points.json"),
		Logger: quiet, StandIn: standIn,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !out.Complete || !out.StandIn || out.Replicas != 2 {
		t.Fatalf("outcome %+v", out)
	}
	for name, sc := range out.Scenarios {
		// The open model keeps its schedule: every arrival started, none
		// dropped, within 1 % of the ∫rate of the stages.
		if sc.Dropped != 0 || math.Abs(sc.AchievedPercent-100) > 1 || sc.Failed != 0 {
			t.Errorf("%s: %+v", name, sc)
		}
	}
	// 120/min for 6 s with a 1.8 s ramp: 120/60 × (6 − 0.9) = 10.2 → 10.
	if o := out.Scenarios["optimize"]; o.Started != 10 {
		t.Errorf("optimize started %d, want 10", o.Started)
	}
	if !out.Passed {
		t.Errorf("default thresholds failed: %v", out.Thresholds)
	}

	// summary.json has k6's shape and the gl001 section.
	var sum struct {
		Metrics map[string]struct {
			Type       string                     `json:"type"`
			Contains   string                     `json:"contains"`
			Values     map[string]float64         `json:"values"`
			Thresholds map[string]map[string]bool `json:"thresholds"`
		} `json:"metrics"`
		GL001 struct {
			Complete bool `json:"complete"`
		} `json:"gl001"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	od := sum.Metrics["gl001_optimize_duration"]
	if od.Type != "trend" || od.Contains != "time" || od.Values["p(95)"] <= 0 || !od.Thresholds["p(95)<2000"]["ok"] {
		t.Errorf("gl001_optimize_duration in summary: %+v", od)
	}
	for _, k := range []string{"avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"} {
		if _, ok := od.Values[k]; !ok {
			t.Errorf("trend values lack %s", k)
		}
	}
	if it := sum.Metrics["iterations"]; it.Type != "counter" || it.Values["count"] != float64(out.Scenarios["optimize"].Completed+out.Scenarios["coordinate"].Completed) {
		t.Errorf("iterations %+v vs %+v", it, out.Scenarios)
	}
	if !sum.GL001.Complete {
		t.Error("gl001.complete false")
	}

	// intervals.ndjson alone rebuilds the totals.
	f, err := os.Open(filepath.Join(dir, "intervals.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hdr, ivs, err := metrics.ReadIntervals(f)
	if err != nil || len(ivs) < 5 || len(hdr.Meta) == 0 {
		t.Fatalf("intervals: %d lines, %v", len(ivs), err)
	}
	tot, err := metrics.Totals(ivs)
	if err != nil {
		t.Fatal(err)
	}
	p95, _ := tot["gl001_optimize_duration"].Aggregate("p(95)")
	if p95 != od.Values["p(95)"] {
		t.Errorf("p95 rebuilt from intervals %v, summary %v", p95, od.Values["p(95)"])
	}
	points, _ := os.ReadFile(filepath.Join(dir, "points.json"))
	if !strings.Contains(string(points), `"type":"Point"`) || !strings.Contains(string(points), `"metric":"gl001_coordination_duration"`) {
		t.Error("--out json file lacks Point lines")
	}
}

func TestRunThresholdsFailAndAbort(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a load test against replica processes")
	}
	// No latency is under 1 µs: the threshold fails; with abortOnFail it
	// stops the run early.
	js := strings.Replace(short, `"partitions": 3}`, `"partitions": 3, "agent_coordination_events_per_second": 0,
	  "thresholds": {"gl001_optimize_duration": [{"threshold": "max<0.001", "abortOnFail": true}]}}`, 1)
	js = strings.Replace(js, `"agent_coordination_events_per_second": 20,`, ``, 1)
	out, err := engine.Run(t.Context(), engine.Options{Scenario: scenario(t, js), ScenarioFile: "test.json", OutDir: t.TempDir(), Logger: quiet, StandIn: standIn})
	if err != nil {
		t.Fatal(err)
	}
	if out.Passed || out.Complete || !strings.Contains(out.Stopped, "abortOnFail") {
		t.Errorf("outcome: passed %v complete %v stopped %q", out.Passed, out.Complete, out.Stopped)
	}
	if _, ok := out.Scenarios["coordinate"]; ok {
		t.Error("a zero-rate coordinate scenario ran")
	}
}

func TestRunInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a load test against replica processes")
	}
	ctx, cancel := context.WithCancel(t.Context())
	dir := t.TempDir()
	time.AfterFunc(3*time.Second, cancel)
	out, err := engine.Run(ctx, engine.Options{StandIn: standIn, Scenario: scenario(t, strings.Replace(short, `"duration_minutes": 0.1`, `"duration_minutes": 1`, 1)),
		ScenarioFile: "test.json", OutDir: dir, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if out.Complete || out.Stopped != "interrupted" || out.End.Sub(out.Start) > 30*time.Second {
		t.Errorf("outcome: complete %v stopped %q after %s", out.Complete, out.Stopped, out.End.Sub(out.Start))
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil || !strings.Contains(string(b), `"complete": false`) && !strings.Contains(string(b), `"complete":false`) {
		t.Errorf("summary after interrupt: %v %s", err, b)
	}
}

func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		o    engine.Options
		want string
	}{
		{"threshold on an unknown metric", engine.Options{Scenario: scenario(t, strings.Replace(short, `"partitions": 3}`,
			`"partitions": 3, "thresholds": {"http_req_duration": ["p(95)<500"]}}`, 1))}, "http_req_duration"},
		{"threshold syntax", engine.Options{Scenario: scenario(t, strings.Replace(short, `"partitions": 3}`,
			`"partitions": 3, "thresholds": {"gl001_optimize_duration": ["p(95)<<5"]}}`, 1))}, "p(95)<<5"},
		{"target without brokers", engine.Options{Scenario: scenario(t, short), Target: "http://127.0.0.1:1"}, "--brokers is required with --target"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.o.ScenarioFile, tt.o.OutDir, tt.o.Logger = "test.json", dir, quiet
			_, err := engine.Run(t.Context(), tt.o)
			if !errors.Is(err, engine.ErrInput) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrInput naming %q", err, tt.want)
			}
		})
	}
}
