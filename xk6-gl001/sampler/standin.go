package sampler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/greenlang/gl001/simulator/api"
)

// maxCapacityBytes bounds a /api/v1/capacity body.
const maxCapacityBytes = 1 << 20

// StandInReplicas lists the stand-in's replica processes for
// ProcReplicas, from its GET capacity endpoint at path (the guide's
// /api/v1/capacity, which on the stand-in names each replica's pid): the stand-in runs in a process of its own, and its replicas
// restart under new pids. A replica that is down is listed too, under its
// last pid, so that it shows as a gap rather than vanishing from the
// reading.
func StandInReplicas(c *http.Client, baseURL, path string) func(ctx context.Context) ([]Proc, error) {
	return func(ctx context.Context) ([]Proc, error) {
		body, err := get(ctx, c, baseURL, path, "application/json", maxCapacityBytes)
		if err != nil {
			return nil, err
		}
		var v struct {
			Replicas []api.Replica `json:"replicas"`
		}
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		var ps []Proc
		for _, r := range v.Replicas {
			if r.PID > 0 {
				ps = append(ps, Proc{ID: r.ID, PID: r.PID})
			}
		}
		return ps, nil
	}
}
