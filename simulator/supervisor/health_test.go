package supervisor_test

import (
	"net/http"
	"testing"

	"github.com/greenlang/gl001/simulator/supervisor"
)

func TestHealthOf(t *testing.T) {
	up := func(id string) supervisor.Replica { return supervisor.Replica{ID: id, Up: true} }
	down := func(id string) supervisor.Replica { return supervisor.Replica{ID: id} }
	for _, tc := range []struct {
		name     string
		replicas []supervisor.Replica
		status   string
		reason   string
		code     int
	}{
		{"all up", []supervisor.Replica{up("replica-0"), up("replica-1")}, supervisor.Healthy, "", http.StatusOK},
		{"some down", []supervisor.Replica{up("replica-0"), down("replica-1"), down("replica-2")}, supervisor.Degraded,
			"1 of 3 replicas up; down: replica-1, replica-2", http.StatusOK},
		{"none up", []supervisor.Replica{down("replica-0")}, supervisor.Unhealthy, "no replica up (0 of 1); down: replica-0", http.StatusServiceUnavailable},
		{"none configured", nil, supervisor.Unhealthy, "no replicas configured", http.StatusServiceUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := supervisor.HealthOf(tc.replicas)
			if h.Status != tc.status || h.Reason != tc.reason || h.HTTPStatus() != tc.code || h.ReplicasConfigured != len(tc.replicas) || h.Replicas == nil {
				t.Errorf("got %+v (HTTP %d), want %s %q (HTTP %d)", h, h.HTTPStatus(), tc.status, tc.reason, tc.code)
			}
		})
	}
}
