package engine_test

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/engine"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// sink is an HTTP target that answers every optimization at once with a
// 200 and the replica it names, and counts the requests it saw.
func sink(t *testing.T) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != api.PathOptimize {
			http.NotFound(w, r)
			return
		}
		n.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"replica": "sink-1", "performance_metrics": {"solve_time_ms": 0.5}}`))
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// TestSubmetricThresholds: a threshold on metric{tag:value} is judged on
// exactly the samples carrying that tag, and one that no sample matches
// is no data, which does not pass (before, it printed ✓ "no samples,
// taken as 0").
func TestSubmetricThresholds(t *testing.T) {
	srv, _ := sink(t)
	js := `{"test_name": "submetrics", "duration_minutes": 0.05, "plants": 2, "sub_agents": 6,
	  "heat_optimization_requests_per_minute": 1200, "agent_coordination_events_per_second": 0, "ramp_up_minutes": 0,
	  "thresholds": {
	    "gl001_optimize_duration{status:200}": ["max<60000"],
	    "gl001_optimize_duration{status:500}": ["p(95)<2000"],
	    "gl001_optimize_duration{replica:sink-1,expected_response:true}": ["p(95)<60000"],
	    "gl001_optimize_failed{status:200}": ["rate==0"]
	  }}`
	dir := t.TempDir()
	out, err := engine.Run(t.Context(), engine.Options{Scenario: scenario(t, js), ScenarioFile: "test.json", OutDir: dir,
		Target: srv.URL, Logger: quiet, NoSamplers: true, JSONOut: filepath.Join(dir, "points.json")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range out.Thresholds {
		switch {
		case r.NoData:
			got[r.Metric] = "no data"
		case r.OK:
			got[r.Metric] = "ok"
		default:
			got[r.Metric] = "failed"
		}
	}
	want := map[string]string{
		"gl001_optimize_duration":                                        "ok",
		"gl001_heat_optimization_duration":                               "ok",
		"gl001_optimize_duration{status:200}":                            "ok",
		"gl001_optimize_duration{status:500}":                            "no data",
		"gl001_optimize_duration{replica:sink-1,expected_response:true}": "ok",
		"gl001_optimize_failed{status:200}":                              "ok",
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %s, want %s (all: %v)", k, got[k], w, got)
		}
	}
	if out.Passed {
		t.Error("thresholds passed with one that saw no data")
	}
	started := out.Scenarios["optimize"].Started

	// The submetric's samples are in intervals.ndjson, so the report
	// judges it the same way, and its count is every matching request.
	rep, err := report.Generate(dir, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, th := range rep.Thresholds {
		if th.Metric == "gl001_optimize_duration{status:500}" && !th.NoData {
			t.Errorf("report: %+v, want no data", th)
		}
	}
	if !strings.Contains(rep.Why, "gl001_optimize_duration{status:500} p(95)<2000 saw no data") || rep.Verdict == report.Pass {
		t.Errorf("report %s: %s", rep.Verdict, rep.Why)
	}
	var sum struct {
		Metrics map[string]struct {
			Values     map[string]float64 `json:"values"`
			Thresholds map[string]struct {
				OK     bool `json:"ok"`
				NoData bool `json:"no_data"`
			} `json:"thresholds"`
		} `json:"metrics"`
	}
	b, _ := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if m := sum.Metrics["gl001_optimize_duration{status:500}"]; m.Thresholds["p(95)<2000"].OK || !m.Thresholds["p(95)<2000"].NoData || len(m.Values) != 0 {
		t.Errorf("summary of the empty submetric: %+v, want no data and no values", m)
	}

	// Every Point line of the k6 JSON output carries the tags.
	f, _ := os.Open(filepath.Join(dir, "points.json"))
	defer f.Close()
	sc := bufio.NewScanner(f)
	points := 0
	for sc.Scan() {
		var line struct {
			Type   string `json:"type"`
			Metric string `json:"metric"`
			Data   struct {
				Tags map[string]string `json:"tags"`
			} `json:"data"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		if line.Type != "Point" || line.Metric != record.MetricOptimizeDuration {
			continue
		}
		points++
		if tg := line.Data.Tags; tg["scenario"] != "optimize" || tg["status"] != "200" || tg["replica"] != "sink-1" || tg["expected_response"] != "true" {
			t.Fatalf("tags %v", tg)
		}
	}
	if int64(points) != started {
		t.Errorf("%d optimize points, %d started", points, started)
	}
}

// TestLoadBeyondTheGenerator asks for the most a scenario may (10,000
// optimize/s, for 3 s) against an in-process sink: more than a 2-core
// machine running the race detector sends. Before, the backlog the
// scheduler abandoned was counted nowhere and the report said "Achieved
// 100%". Now every arrival is started or dropped, and a run that started
// under 99 % of them fails, naming the cause. (The executor's own test
// drives the scheduler past any machine, deterministically.)
func TestLoadBeyondTheGenerator(t *testing.T) {
	if testing.Short() {
		t.Skip("saturates the machine for a few seconds")
	}
	srv, served := sink(t)
	js := `{"test_name": "overload", "duration_minutes": 0.05, "plants": 2, "sub_agents": 6,
	  "heat_optimization_requests_per_minute": 600000, "agent_coordination_events_per_second": 0, "ramp_up_minutes": 0}`
	dir := t.TempDir()
	out, err := engine.Run(t.Context(), engine.Options{Scenario: scenario(t, js), ScenarioFile: "test.json", OutDir: dir,
		Target: srv.URL, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	o := out.Scenarios["optimize"]
	t.Logf("scheduled %d: started %d, dropped %d behind + %d no VU; served %d", o.Expected, o.Started, o.DroppedBehind, o.DroppedNoVU, served.Load())
	if o.Expected != 30000 || o.Started+o.Dropped != o.Expected || o.Dropped != o.DroppedBehind+o.DroppedNoVU {
		t.Fatalf("outcome %+v: want started + dropped = 30000 scheduled", o)
	}
	rep, err := report.Generate(dir, report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	row := rep.Schedule[0]
	if row.Scheduled == nil || *row.Scheduled != 30000 || row.Started != o.Started || row.DroppedBehind != o.DroppedBehind {
		t.Errorf("schedule row %+v, outcome %+v", row, o)
	}
	if o.AchievedPercent >= report.MinStartedPercent {
		t.Logf("this machine kept 10,000/s: verdict %s", rep.Verdict)
		return
	}
	if rep.Verdict != report.Fail || !strings.Contains(rep.Why, "so the load asked was not the load sent: the ") {
		t.Errorf("verdict %s: %s", rep.Verdict, rep.Why)
	}
	if o.DroppedBehind > 0 && !strings.Contains(rep.Why, "the generator fell behind its own schedule") ||
		o.DroppedNoVU > 0 && !strings.Contains(rep.Why, "the target answered too slowly") {
		t.Errorf("the verdict does not name the cause of %+v: %s", o, rep.Why)
	}
}
