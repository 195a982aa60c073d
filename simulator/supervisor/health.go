package supervisor

import (
	"fmt"
	"net/http"
	"strings"
)

// The Health statuses.
const (
	Healthy   = "healthy"   // every replica up
	Degraded  = "degraded"  // some up: the deployment serves, with less capacity
	Unhealthy = "unhealthy" // none up: nothing can be served
)

// Health is the deployment's health as a probe behind its Service reads
// it: healthy with every replica up, degraded with some, unhealthy with
// none. Reason says why whenever it is not healthy.
type Health struct {
	Status             string    `json:"status"`
	Reason             string    `json:"reason,omitempty"`
	ReplicasUp         int       `json:"replicas_up"`
	ReplicasConfigured int       `json:"replicas_configured"`
	Replicas           []Replica `json:"replicas"`
}

// HTTPStatus is the probe's answer: 200 while any replica is up (a
// Service with one ready endpoint still serves), 503 when none is, as a
// failing Kubernetes probe answers.
func (h Health) HTTPStatus() int {
	if h.Status == Unhealthy {
		return http.StatusServiceUnavailable
	}
	return http.StatusOK
}

// HealthOf judges replicas, a snapshot as Replicas returns it.
func HealthOf(replicas []Replica) Health {
	h := Health{ReplicasConfigured: len(replicas), Replicas: replicas}
	if h.Replicas == nil {
		h.Replicas = []Replica{}
	}
	var down []string
	for _, r := range replicas {
		if r.Up {
			h.ReplicasUp++
		} else {
			down = append(down, r.ID)
		}
	}
	switch {
	case len(replicas) == 0:
		h.Status, h.Reason = Unhealthy, "no replicas configured"
	case h.ReplicasUp == 0:
		h.Status = Unhealthy
		h.Reason = fmt.Sprintf("no replica up (0 of %d); down: %s", len(replicas), strings.Join(down, ", "))
	case len(down) > 0:
		h.Status = Degraded
		h.Reason = fmt.Sprintf("%d of %d replicas up; down: %s", h.ReplicasUp, len(replicas), strings.Join(down, ", "))
	default:
		h.Status = Healthy
	}
	return h
}
