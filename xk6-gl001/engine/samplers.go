package engine

import (
	"errors"
	"fmt"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// KubeOptions point the samplers at the orchestrator in Kubernetes; see
// sampler.KubeOptions.
type KubeOptions = sampler.KubeOptions

// samplers builds the samplers for this run's target (see
// sampler.NewSet): limits are the stand-in's, nil for another target.
func (r *run) samplers(target string, limits *api.ReplicaLimits, brokers []string) (*sampler.Set, error) {
	bus := r.o.Bus
	bus.Brokers = brokers
	set, err := sampler.NewSet(sampler.Config{Target: target, Limits: limits, Kube: r.o.Kube, Bus: bus, Profile: r.o.Profile})
	if errors.Is(err, sampler.ErrConfig) {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return set, err
}
