package simulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/supervisor"
)

// fakeDeployment is a set of replicas with no processes behind them: each
// up replica's URL is a test server.
type fakeDeployment struct{ replicas []supervisor.Replica }

func (d fakeDeployment) Replicas() []supervisor.Replica { return slices.Clone(d.replicas) }

func (d fakeDeployment) Live() []supervisor.Replica {
	var out []supervisor.Replica
	for _, r := range d.replicas {
		if r.Up {
			out = append(out, r)
		}
	}
	return out
}

func (d fakeDeployment) FrontDoor() http.Handler { return http.NotFoundHandler() }

// replicaServer serves body (JSON) for GET path and 404 for the rest.
func replicaServer(t *testing.T, bodies map[string]string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := bodies[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, b)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// serveFront answers one GET of path at a front door over d.
func serveFront(t *testing.T, d deployment, path string) (int, map[string]any) {
	t.Helper()
	f := &frontDoor{sup: d, client: http.DefaultClient, paths: api.GuideProfile().Paths}
	rec := httptest.NewRecorder()
	f.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	var body map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("GET %s: %d, body not JSON: %v: %s", path, rec.Code, err, rec.Body)
	}
	return rec.Code, body
}

// /api/v1/health behind the front door is the deployment's: unhealthy
// (503, with the reason) when no replica is up, as a Kubernetes probe
// reads it; degraded but serving (200) when some are.
func TestFrontDoorHealth(t *testing.T) {
	for _, tc := range []struct {
		name       string
		up         []bool
		wantCode   int
		wantStatus string
		wantReason string
	}{
		{"all up", []bool{true, true}, http.StatusOK, "healthy", ""},
		{"one down", []bool{true, false}, http.StatusOK, "degraded", "1 of 2 replicas up; down: replica-1"},
		{"none up", []bool{false, false}, http.StatusServiceUnavailable, "unhealthy", "no replica up (0 of 2); down: replica-0, replica-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d fakeDeployment
			for i, up := range tc.up {
				d.replicas = append(d.replicas, supervisor.Replica{ID: "replica-" + string(rune('0'+i)), Up: up})
			}
			code, body := serveFront(t, d, "/api/v1/health")
			if code != tc.wantCode || body["status"] != tc.wantStatus {
				t.Errorf("got %d %v, want %d with status %q", code, body, tc.wantCode, tc.wantStatus)
			}
			if reason, _ := body["reason"].(string); !strings.Contains(reason, tc.wantReason) || (tc.wantReason == "" && reason != "") {
				t.Errorf("reason %q, want %q", reason, tc.wantReason)
			}
		})
	}
}

// up is an up replica whose endpoints answer bodies.
func up(t *testing.T, id string, bodies map[string]string) supervisor.Replica {
	return supervisor.Replica{ID: id, Up: true, URL: replicaServer(t, bodies)}
}

// GET /api/v1/metrics: a figure no replica has data for is null, never 0
// or 1; one some replicas have is theirs (worst p95, mean of the
// readings); with no replica read the answer is 503 saying why.
func TestFrontDoorMetrics(t *testing.T) {
	const (
		nothing = `{"replica": "%s", "orchestration_latency_p95": null, "heat_optimization_time_p95": null,
			"cpu_percent": null, "memory_percent": null, "agent_coordination_success_rate": null,
			"coordination_events_total": 0, "coordination_events_failed": 0}`
		busy = `{"replica": "replica-0", "orchestration_latency_p95": 0.5, "heat_optimization_time_p95": 0.2,
			"cpu_percent": 40, "memory_percent": 10, "agent_coordination_success_rate": 0.75,
			"coordination_events_total": 4, "coordination_events_failed": 1}`
	)
	quiet := func(id string) string { return strings.Replace(nothing, "%s", id, 1) }
	t.Run("nothing behind the figures", func(t *testing.T) {
		d := fakeDeployment{replicas: []supervisor.Replica{
			up(t, "replica-0", map[string]string{"/api/v1/metrics": quiet("replica-0")}),
			up(t, "replica-1", map[string]string{"/api/v1/metrics": quiet("replica-1")}),
		}}
		code, body := serveFront(t, d, "/api/v1/metrics")
		if code != http.StatusOK {
			t.Fatalf("status %d: %v", code, body)
		}
		for _, name := range []string{"orchestration_latency_p95", "heat_optimization_time_p95", "cpu_percent", "memory_percent",
			"cpu_percent_max", "memory_percent_max", "agent_coordination_success_rate"} {
			if v, ok := body[name]; !ok || v != nil {
				t.Errorf("%s = %v (present %v), want null", name, v, ok)
			}
		}
	})
	t.Run("one replica has data", func(t *testing.T) {
		d := fakeDeployment{replicas: []supervisor.Replica{
			up(t, "replica-0", map[string]string{"/api/v1/metrics": busy}),
			up(t, "replica-1", map[string]string{"/api/v1/metrics": quiet("replica-1")}),
		}}
		_, body := serveFront(t, d, "/api/v1/metrics")
		want := map[string]any{"orchestration_latency_p95": 0.5, "heat_optimization_time_p95": 0.2,
			"cpu_percent": 40.0, "memory_percent": 10.0, "cpu_percent_max": 40.0, "agent_coordination_success_rate": 0.75, "replicas": 2.0}
		for name, v := range want {
			if body[name] != v {
				t.Errorf("%s = %v, want %v", name, body[name], v)
			}
		}
	})
	t.Run("no replica read", func(t *testing.T) {
		d := fakeDeployment{replicas: []supervisor.Replica{{ID: "replica-0"}, {ID: "replica-1"}}}
		code, body := serveFront(t, d, "/api/v1/metrics")
		if reason, _ := body["error"].(string); code != http.StatusServiceUnavailable || !strings.Contains(reason, "no replica") {
			t.Errorf("got %d %v, want 503 saying no replica was read", code, body)
		}
	})
}

// A replica the front door could not read has null figures in the load
// distribution, not zeros.
func TestFrontDoorLoadDistributionUnread(t *testing.T) {
	d := fakeDeployment{replicas: []supervisor.Replica{
		up(t, "replica-0", map[string]string{"/api/v1/metrics/load-distribution": `{"replicas": [{"replica": "replica-0",
			"optimization_requests": 3, "coordination_events": 9, "cpu_percent": 12.5, "memory_percent": 4, "up": true}]}`}),
		{ID: "replica-1"},
	}}
	code, body := serveFront(t, d, "/api/v1/metrics/load-distribution")
	rs, _ := body["replicas"].([]any)
	if code != http.StatusOK || len(rs) != 2 {
		t.Fatalf("got %d %v, want both replicas listed", code, body)
	}
	if r0 := rs[0].(map[string]any); r0["optimization_requests"] != 3.0 || r0["cpu_percent"] != 12.5 {
		t.Errorf("replica-0 %v", r0)
	}
	r1 := rs[1].(map[string]any)
	for _, name := range []string{"optimization_requests", "coordination_events", "cpu_percent", "memory_percent"} {
		if v, ok := r1[name]; !ok || v != nil {
			t.Errorf("down replica-1: %s = %v (present %v), want null", name, v, ok)
		}
	}
	if r1["up"] != false {
		t.Errorf("replica-1 up = %v", r1["up"])
	}
}

// GET /api/v1/metrics/database: the deployment's pool is the replicas'
// pools read at once and summed. Each replica's max_in_use is a peak at a
// moment of its own, so the deployment's is null, not their sum; each
// stays in per_replica.
func TestFrontDoorDatabase(t *testing.T) {
	pool := func(inUse, maxInUse, waits, timeouts int) string {
		return strings.NewReplacer("IN", strconv.Itoa(inUse), "AVAIL", strconv.Itoa(43-inUse), "MAX", strconv.Itoa(maxInUse),
			"WAITS", strconv.Itoa(waits), "TIMEOUTS", strconv.Itoa(timeouts)).Replace(
			`{"connection_pool": {"size": 43, "overflow": 0, "in_use": IN, "available": AVAIL, "overflow_in_use": 0, "waiting": 0,
			"wait_count": WAITS, "wait_duration_seconds_total": 0.5, "timeouts": TIMEOUTS, "queries_total": 100, "acquired_total": 90,
			"max_in_use": MAX}, "read_replicas": []}`)
	}
	d := fakeDeployment{replicas: []supervisor.Replica{
		up(t, "replica-0", map[string]string{"/api/v1/metrics/database": pool(5, 40, 3, 1)}),
		up(t, "replica-1", map[string]string{"/api/v1/metrics/database": pool(7, 30, 2, 0)}),
	}}
	code, body := serveFront(t, d, "/api/v1/metrics/database")
	cp, _ := body["connection_pool"].(map[string]any)
	if code != http.StatusOK || cp == nil {
		t.Fatalf("got %d %v", code, body)
	}
	want := map[string]any{"size": 86.0, "in_use": 12.0, "available": 74.0, "wait_count": 5.0, "timeouts": 1.0,
		"queries_total": 200.0, "acquired_total": 180.0, "replicas_read": 2.0}
	for name, v := range want {
		if cp[name] != v {
			t.Errorf("connection_pool.%s = %v, want %v", name, cp[name], v)
		}
	}
	if v, ok := cp["max_in_use"]; !ok || v != nil {
		t.Errorf("connection_pool.max_in_use = %v (present %v), want null: per-replica peaks at different moments do not add up", v, ok)
	}
	per, _ := body["per_replica"].(map[string]any)
	if r0, _ := per["replica-0"].(map[string]any); r0["max_in_use"] != 40.0 {
		t.Errorf("per_replica %v, want each replica's own max_in_use kept", per)
	}

	d = fakeDeployment{replicas: []supervisor.Replica{{ID: "replica-0"}}}
	code, body = serveFront(t, d, "/api/v1/metrics/database")
	if reason, _ := body["error"].(string); code != http.StatusServiceUnavailable || !strings.Contains(reason, "no replica") {
		t.Errorf("no replica up: got %d %v, want 503 saying so", code, body)
	}
}

// GET /metrics with no replica to read is 503, so a scrape is a failed
// scrape (Prometheus marks the target down), not an exposition with no
// series in it.
func TestFrontDoorPrometheusNoReplica(t *testing.T) {
	f := &frontDoor{sup: fakeDeployment{replicas: []supervisor.Replica{{ID: "replica-0"}}}, client: http.DefaultClient, paths: api.GuideProfile().Paths}
	rec := httptest.NewRecorder()
	f.handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "no replica") {
		t.Errorf("got %d %q, want 503 saying no replica was read", rec.Code, rec.Body)
	}
}
