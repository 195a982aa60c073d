package engine_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/engine"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// point is one Point line of the k6 JSON output.
type point struct {
	Type   string `json:"type"`
	Metric string `json:"metric"`
	Data   struct {
		Time  time.Time         `json:"time"`
		Value float64           `json:"value"`
		Tags  map[string]string `json:"tags"`
	} `json:"data"`
}

func readPoints(t *testing.T, path string) []point {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ps []point
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var p point
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		if p.Type == "Point" {
			ps = append(ps, p)
		}
	}
	return ps
}

// TestRunK6Scenarios runs a file's own scenarios against a sink: they
// replace the plan (no "coordinate" runs although its rate is > 0), each
// runs under its name with its exec, starts startTime after the test, and
// its tags reach every Point line and a submetric threshold.
func TestRunK6Scenarios(t *testing.T) {
	srv, hits := sink(t)
	js := `{"test_name": "k6scen", "duration_minutes": 1, "plants": 2, "sub_agents": 6,
	  "heat_optimization_requests_per_minute": 60, "agent_coordination_events_per_second": 5, "ramp_up_minutes": 0,
	  "thresholds": {"gl001_optimize_duration{profile:late}": ["max<60000"], "iterations{scenario:early}": ["count>0"]},
	  "scenarios": {
	    "early": {"executor": "constant-arrival-rate", "exec": "optimize", "rate": 20, "duration": "1s", "preAllocatedVUs": 4,
	      "tags": {"profile": "early"}},
	    "late": {"executor": "ramping-arrival-rate", "exec": "optimize", "startRate": 20, "startTime": "1500ms", "preAllocatedVUs": 4,
	      "stages": [{"duration": "1s", "target": 20}], "tags": {"profile": "late"}}
	  }}`
	dir := t.TempDir()
	out, err := engine.Run(t.Context(), engine.Options{Scenario: scenario(t, js), ScenarioFile: "test.json", OutDir: dir,
		Target: srv.URL, Logger: quiet, NoSamplers: true, JSONOut: filepath.Join(dir, "points.json")})
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(func(yield func(string) bool) {
		for k := range out.Scenarios {
			yield(k)
		}
	}); !slices.Equal(got, []string{"early", "late"}) {
		t.Fatalf("scenarios run %v, want early and late (the plan replaced)", got)
	}
	for name, sc := range out.Scenarios {
		if sc.Exec != scenarios.ExecOptimize || sc.Started != 20 || sc.Dropped != 0 || sc.Expected != 20 {
			t.Errorf("%s: %+v, want exec optimize, 20 of 20 started", name, sc)
		}
	}
	if hits.Load() != 40 {
		t.Errorf("sink saw %d requests, want 40", hits.Load())
	}
	if !out.Passed {
		t.Errorf("thresholds: %v", out.Thresholds)
	}
	for _, r := range out.Thresholds {
		if r.NoData {
			t.Errorf("%s saw no data", r.Metric)
		}
	}

	var first = map[string]time.Time{}
	n := map[string]int{}
	for _, p := range readPoints(t, filepath.Join(dir, "points.json")) {
		if p.Metric != record.MetricOptimizeDuration {
			continue
		}
		sc := p.Data.Tags["scenario"]
		if p.Data.Tags["profile"] != sc {
			t.Fatalf("point of %s tagged %v, want profile:%s", sc, p.Data.Tags, sc)
		}
		n[sc]++
		if f, ok := first[sc]; !ok || p.Data.Time.Before(f) {
			first[sc] = p.Data.Time
		}
	}
	if n["early"] != 20 || n["late"] != 20 {
		t.Errorf("points by scenario %v, want 20 each", n)
	}
	// late starts 1.5 s after the test: after early's 1 s schedule ended.
	if d := first["late"].Sub(out.Start); d < 1500*time.Millisecond {
		t.Errorf("late's first answer %v after the start, want ≥ its startTime 1.5s", d)
	}
	if d := first["early"].Sub(out.Start); d > time.Second {
		t.Errorf("early's first answer %v after the start, want at once", d)
	}

	// summary.json and intervals.ndjson name the scenarios.
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Metrics map[string]struct {
			Values map[string]float64 `json:"values"`
		} `json:"metrics"`
		GL001 struct {
			Scenarios map[string]engine.ScenarioOutcome `json:"scenarios"`
		} `json:"gl001"`
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if v := sum.Metrics["gl001_optimize_duration{profile:late}"].Values; v["max"] <= 0 {
		t.Errorf("submetric {profile:late}: %v, want its samples", v)
	}
	if len(sum.GL001.Scenarios) != 2 || sum.GL001.Scenarios["late"].Started != 20 {
		t.Errorf("summary scenarios %+v", sum.GL001.Scenarios)
	}
}

// TestRunK6ScenariosGracefulStop: against a target that answers after
// 2 s, a scenario with gracefulStop 0s has its in-flight iterations
// interrupted at its end, one with 10s lets them finish.
func TestRunK6ScenariosGracefulStop(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != api.PathOptimize {
			http.NotFound(w, r)
			return
		}
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
			return
		case <-release:
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"replica": "slow-1"}`))
	}))
	defer srv.Close()
	defer close(release)
	js := `{"test_name": "graceful", "duration_minutes": 1, "plants": 2, "sub_agents": 6,
	  "heat_optimization_requests_per_minute": 0, "agent_coordination_events_per_second": 0, "ramp_up_minutes": 0,
	  "thresholds": {"gl001_optimize_failed": ["rate<=1"]},
	  "scenarios": {
	    "abrupt": {"executor": "constant-arrival-rate", "exec": "optimize", "rate": 5, "duration": "1s", "preAllocatedVUs": 10, "gracefulStop": "0s"},
	    "patient": {"executor": "constant-arrival-rate", "exec": "optimize", "rate": 5, "duration": "1s", "preAllocatedVUs": 10, "gracefulStop": "10s"}
	  }}`
	t0 := time.Now()
	out, err := engine.Run(t.Context(), engine.Options{Scenario: scenario(t, js), ScenarioFile: "test.json", OutDir: t.TempDir(),
		Target: srv.URL, Logger: quiet, NoSamplers: true})
	if err != nil {
		t.Fatal(err)
	}
	if a := out.Scenarios["abrupt"]; a.Started != 5 || a.Interrupted != 5 || a.Completed != 0 {
		t.Errorf("abrupt: %+v, want 5 started, all interrupted", a)
	}
	if p := out.Scenarios["patient"]; p.Started != 5 || p.Interrupted != 0 || p.Completed != 5 || p.Failed != 0 {
		t.Errorf("patient: %+v, want 5 started, all completed", p)
	}
	if took := time.Since(t0); took < 2*time.Second || took > 20*time.Second {
		t.Errorf("run took %v, want about 3 s (patient's last answer)", took)
	}
}

// TestRecordTagsReserved: the tags a scenario file may not set are the
// ones a run sets.
func TestRecordTagsReserved(t *testing.T) {
	if !slices.Equal(record.Tags(), scenarios.ReservedTags) {
		t.Errorf("record.Tags() %v != scenarios.ReservedTags %v", record.Tags(), scenarios.ReservedTags)
	}
}
