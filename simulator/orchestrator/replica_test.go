package orchestrator

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/dbpool"
	"github.com/greenlang/gl001/simulator/fleet"
)

// newTestReplica is a replica whose HTTP side is served by httptest; its
// Kafka consumer is not started (the brokers address is never dialled).
func newTestReplica(t *testing.T, pool dbpool.Config) (*Replica, *httptest.Server) {
	t.Helper()
	r, err := New(Config{ID: "replica-t", Brokers: []string{"127.0.0.1:1"}, Pool: pool,
		CPULimitMillicores: 2000, MemoryLimitMiB: 1024}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(r.Handler())
	t.Cleanup(srv.Close)
	return r, srv
}

func post(t *testing.T, url string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url+api.PathOptimize, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// A hand-checked two-boiler plant: demand 30 MW, the cheaper boiler (gas
// at 90 % efficiency) has 20 MW, so it runs full and the dearer one
// supplies the other 10 MW.
const handChecked = `{
  "plant_data": {"fuel_input_mw": 100, "electricity_input_mw": 0, "steam_import_mw": 0,
    "process_heat_output_mw": 80, "electricity_output_mw": 0, "steam_export_mw": 0, "measured_losses_mw": 20},
  "sensor_feeds": {"heat_demands": {"p1/u1": 30}, "heat_sources": {"p1/cheap": 20, "p1/dear": 40}},
  "constraints": {"max_temperature_variance_c": 5, "min_efficiency_percent": 85},
  "emissions_data": {"co2_kg_hr": 0, "nox_kg_hr": 0, "sox_kg_hr": 0, "particulate_kg_hr": 0, "heat_output_mw": 0},
  "coordinate_agents": true, "agent_ids": ["gl-002-p1-cheap"],
  "source_details": {
    "p1/cheap": {"min_output_mw": 0, "efficiency": 0.9, "fuel_cost_per_mwh": 18, "emission_factor_kg_per_mwh": 200},
    "p1/dear":  {"min_output_mw": 0, "efficiency": 0.8, "fuel_cost_per_mwh": 40, "emission_factor_kg_per_mwh": 200}},
  "carbon_cost_per_tonne": 0
}`

func TestOptimizeHandChecked(t *testing.T) {
	_, srv := newTestReplica(t, dbpool.Config{Size: 2, Timeout: time.Second})
	status, body := post(t, srv.URL, []byte(handChecked))
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var r api.OptimizeResponse
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatal(err)
	}
	near := func(name string, got, want float64) {
		t.Helper()
		if d := got - want; d > 1e-3 || d < -1e-3 {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	near("cheap output", r.SourceDispatch["p1/cheap"].OutputMW, 20)
	near("dear output", r.SourceDispatch["p1/dear"].OutputMW, 10)
	// Fuel: 20/0.9 = 22.222 MWh/h at 18 = 400/h; 10/0.8 = 12.5 MWh/h at 40 = 500/h.
	near("cheap cost", r.SourceDispatch["p1/cheap"].CostPerHour, 400)
	near("dear cost", r.SourceDispatch["p1/dear"].CostPerHour, 500)
	// CO2: (22.222 + 12.5) MWh/h × 200 kg = 6944.44 kg/h over 30 MW.
	near("dispatched CO2", r.EmissionsCompliance.DispatchedCO2KgHr, 6944.44)
	near("CO2 intensity", r.EmissionsCompliance.CO2IntensityKgPerMWh, 231.48)
	if r.EmissionsCompliance.ComplianceStatus != api.CompliancePass { // 231 ≤ 0.9 × 300
		t.Errorf("compliance %q, want PASS", r.EmissionsCompliance.ComplianceStatus)
	}
	u := r.HeatDistribution.DistributionMatrix["p1/u1"]
	near("allocated", u.AllocatedMW, 30)
	near("satisfaction", u.SatisfactionPercent, 100)
	// Dispatch efficiency 30 / 34.722 = 86.4 % ≥ 85 %: constraints hold.
	if !r.HeatDistribution.ConstraintsSatisfied {
		t.Error("constraints_satisfied = false, want true")
	}
	near("thermal efficiency (80 of 100 MW)", r.ThermalEfficiency, 80)
	if !r.EnergyBalance.Balanced || r.EnergyBalance.ImbalanceMW != 0 {
		t.Errorf("energy balance %+v, want balanced", r.EnergyBalance)
	}
	if r.Replica != "replica-t" || r.AgentID != "GL-001" || r.CoordinationResult.TasksIssued != 1 || len(r.ProvenanceHash) != 64 {
		t.Errorf("identity fields: replica %q agent %q tasks %d hash %q", r.Replica, r.AgentID, r.CoordinationResult.TasksIssued, r.ProvenanceHash)
	}
	if r.PerformanceMetrics.PlantsOptimized != 1 || r.PerformanceMetrics.LPVariables == 0 {
		t.Errorf("performance metrics %+v", r.PerformanceMetrics)
	}
}

func TestOptimizeShortfallAndCompliance(t *testing.T) {
	_, srv := newTestReplica(t, dbpool.Config{Size: 2, Timeout: time.Second})
	var m map[string]any
	_ = json.Unmarshal([]byte(handChecked), &m)
	m["sensor_feeds"].(map[string]any)["heat_demands"] = map[string]any{"p1/u1": 80} // 60 MW available
	m["emissions_data"] = map[string]any{"co2_kg_hr": 25000, "nox_kg_hr": 1, "sox_kg_hr": 0, "particulate_kg_hr": 0, "heat_output_mw": 80}
	body, _ := json.Marshal(m)
	status, out := post(t, srv.URL, body)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, out)
	}
	var r api.OptimizeResponse
	_ = json.Unmarshal(out, &r)
	if got := r.HeatDistribution.DistributionMatrix["p1/u1"].SatisfactionPercent; got != 75 {
		t.Errorf("satisfaction %v, want 75 (60 of 80 MW)", got)
	}
	if r.HeatDistribution.ConstraintsSatisfied {
		t.Error("constraints_satisfied with 20 MW unserved")
	}
	// Measured stack CO2 312.5 kg/MWh > 300: FAIL.
	if r.EmissionsCompliance.ComplianceStatus != api.ComplianceFail {
		t.Errorf("compliance %q at 312.5 kg/MWh, want FAIL", r.EmissionsCompliance.ComplianceStatus)
	}
}

func TestOptimizeRejectsNamingTheField(t *testing.T) {
	r, srv := newTestReplica(t, dbpool.Config{Size: 2, Timeout: time.Second})
	for _, tc := range []struct{ body, want string }{
		{`{"plant_data": {"fuel_input_mw": "lots"}}`, "plant_data.fuel_input_mw"},
		{strings.Replace(handChecked, `"efficiency": 0.9`, `"efficiency": 9`, 1), `source_details[\"p1/cheap\"].efficiency (9)`},
		{`not json`, "malformed JSON"},
	} {
		status, body := post(t, srv.URL, []byte(tc.body))
		if status != http.StatusBadRequest || !strings.Contains(string(body), tc.want) {
			t.Errorf("got %d %s, want 400 naming %s", status, body, tc.want)
		}
	}
	if s := r.Snapshot(); s.OptimizationRequestsInvalid != 3 || s.OptimizationRequestsOK != 0 {
		t.Errorf("counted %d invalid, %d ok; want 3, 0", s.OptimizationRequestsInvalid, s.OptimizationRequestsOK)
	}
}

// An under-provisioned pool makes requests wait and then time out: real
// contention, counted in the pool's statistics and answered 503.
func TestOptimizePoolPressure(t *testing.T) {
	r, srv := newTestReplica(t, dbpool.Config{Size: 1, Timeout: 50 * time.Millisecond, QueryTime: 100 * time.Millisecond})
	f, err := fleet.New(fleet.Config{Plants: 2, Agents: 5})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(f.NextRequest(fleet.DefaultStart))
	var wg sync.WaitGroup
	statuses := make([]int, 4)
	for i := range statuses {
		wg.Go(func() { statuses[i], _ = post(t, srv.URL, body) })
	}
	wg.Wait()
	ok, unavailable := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusServiceUnavailable:
			unavailable++
		}
	}
	// One holds the only connection for 200 ms; the others give up after 50 ms.
	if ok < 1 || unavailable < 1 || ok+unavailable != 4 {
		t.Errorf("statuses %v: want some 200 and some 503", statuses)
	}
	st := r.pool.Stats()
	if st.Timeouts != int64(unavailable) || st.WaitCount < int64(unavailable) {
		t.Errorf("pool stats %+v, want %d timeouts", st, unavailable)
	}
	if s := r.Snapshot(); s.OptimizationRequestsError != int64(unavailable) {
		t.Errorf("errors counted %d, want %d", s.OptimizationRequestsError, unavailable)
	}
}

func TestHandleEvent(t *testing.T) {
	r, _ := newTestReplica(t, dbpool.Config{Size: 2, Timeout: time.Second})
	f, _ := fleet.New(fleet.Config{Plants: 2, Agents: 10})
	ev := f.NextEvent(time.Now())
	b, _ := json.Marshal(ev)
	if id, err := r.handleEvent(t.Context(), b); err != nil || id != ev.EventID {
		t.Fatalf("valid event: id %q err %v", id, err)
	}
	ev2 := f.NextEvent(time.Now())
	ev2.Group = "nope"
	b, _ = json.Marshal(ev2)
	if id, err := r.handleEvent(t.Context(), b); err == nil || id != ev2.EventID {
		t.Fatalf("invalid event: id %q err %v", id, err)
	}
	s := r.Snapshot()
	if s.CoordinationEventsTotal != 2 || s.CoordinationEventsFailed != 1 || s.AgentCoordinationSuccessRate == nil || *s.AgentCoordinationSuccessRate != 0.5 || s.PlantsSeen != 1 {
		t.Errorf("snapshot %+v", s)
	}
	if q := r.pool.Stats().QueriesTotal; q != 1 {
		t.Errorf("queries %d, want 1 (only the valid event writes)", q)
	}
}

func TestRateWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		w := newRateWindow(10 * time.Second)
		for range 50 {
			w.Add(2)
			time.Sleep(200 * time.Millisecond) // 10 events/s for 10 s
		}
		if got := w.PerSecond(); got < 9 || got > 10 {
			t.Errorf("rate %v after 10 s at 10/s, want 9–10", got)
		}
		time.Sleep(5 * time.Second)
		if got := w.PerSecond(); got < 4 || got > 5.5 {
			t.Errorf("rate %v 5 s after the events stopped, want about half", got)
		}
		time.Sleep(time.Minute)
		if got := w.PerSecond(); got != 0 {
			t.Errorf("rate %v a minute later, want 0", got)
		}
	})
}

// snoopWriter is a ResponseWriter that runs peek once, when the answer
// starts to leave: whatever peek reads then is what a client that has its
// answer and scrapes at once would see.
type snoopWriter struct {
	*httptest.ResponseRecorder
	peek   func()
	peeked bool
}

func (w *snoopWriter) WriteHeader(code int) {
	if !w.peeked {
		w.peeked = true
		w.peek()
	}
	w.ResponseRecorder.WriteHeader(code)
}

func (w *snoopWriter) Write(b []byte) (int, error) {
	if !w.peeked {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseRecorder.Write(b)
}

// A request is counted, and its latency recorded, before its answer is
// written: a client that has its answer and then scrapes sees it.
func TestOptimizeCountedBeforeAnswer(t *testing.T) {
	for _, tc := range []struct {
		name    string
		body    string
		status  int
		counted func(Snapshot) bool
	}{
		{"ok", handChecked, http.StatusOK, func(s Snapshot) bool {
			return s.OptimizationRequestsOK == 1 && s.OrchestrationLatencyP95 != nil && *s.OrchestrationLatencyP95 > 0 &&
				s.HeatOptimizationTimeP95 != nil && *s.HeatOptimizationTimeP95 > 0
		}},
		{"invalid", `not json`, http.StatusBadRequest, func(s Snapshot) bool { return s.OptimizationRequestsInvalid == 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := newTestReplica(t, dbpool.Config{Size: 2, Timeout: time.Second})
			var seen Snapshot
			w := &snoopWriter{ResponseRecorder: httptest.NewRecorder(), peek: func() { seen = r.Snapshot() }}
			r.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, api.PathOptimize, strings.NewReader(tc.body)))
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if !tc.counted(seen) {
				t.Errorf("when the answer left, the replica read %+v: the request was not counted yet", seen)
			}
		})
	}
}

// A replica that has served nothing, handled no event and not yet read
// its own usage answers null for every figure with nothing behind it,
// never 0 or 1; its counters are readings, 0.
func TestSnapshotNothingReadIsNull(t *testing.T) {
	_, srv := newTestReplica(t, dbpool.Config{Size: 2, Timeout: time.Second})
	resp, err := http.Get(srv.URL + api.PathMetrics)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var got map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"orchestration_latency_p95", "heat_optimization_time_p95",
		"agent_coordination_success_rate", "cpu_percent", "memory_percent"} {
		if v, ok := got[name]; !ok || v != nil {
			t.Errorf("%s = %v (present %v), want null", name, v, ok)
		}
	}
	for _, name := range []string{"optimization_requests_total", "coordination_events_total"} {
		if got[name] != 0.0 {
			t.Errorf("%s = %v, want 0", name, got[name])
		}
	}

	// Prometheus: the p95 gauges are NaN (no data), as an empty summary's
	// quantiles are, not 0.
	resp, err = http.Get(srv.URL + api.PathPrometheus)
	if err != nil {
		t.Fatal(err)
	}
	prom, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, line := range []string{`orchestration_latency_p95_seconds{replica="replica-t"} NaN`, `heat_optimization_time_p95{replica="replica-t"} NaN`,
		`gl_001_orchestration_requests_total{replica="replica-t",status="ok"} 0`} {
		if !strings.Contains(string(prom), line+"\n") {
			t.Errorf("/metrics lacks %q", line)
		}
	}
}

// With data, the figures are the readings.
func TestSnapshotWithData(t *testing.T) {
	r, srv := newTestReplica(t, dbpool.Config{Size: 2, Timeout: time.Second})
	if status, body := post(t, srv.URL, []byte(handChecked)); status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	f, _ := fleet.New(fleet.Config{Plants: 2, Agents: 10})
	b, _ := json.Marshal(f.NextEvent(time.Now()))
	if _, err := r.handleEvent(t.Context(), b); err != nil {
		t.Fatal(err)
	}
	s := r.Snapshot()
	if s.OrchestrationLatencyP95 == nil || *s.OrchestrationLatencyP95 <= 0 || s.HeatOptimizationTimeP95 == nil || *s.HeatOptimizationTimeP95 <= 0 ||
		s.AgentCoordinationSuccessRate == nil || *s.AgentCoordinationSuccessRate != 1 {
		t.Errorf("snapshot %+v", s)
	}
}
