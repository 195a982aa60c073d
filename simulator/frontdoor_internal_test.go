package simulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

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
	f := &frontDoor{sup: d, client: http.DefaultClient}
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
