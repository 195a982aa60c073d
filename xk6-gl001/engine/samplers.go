package engine

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// KubeOptions point the samplers at the orchestrator in Kubernetes: pod
// usage from metrics.k8s.io and the HPA's status. Empty names take the
// run's profile's (the guide's: namespace greenlang,
// app=gl-001-process-heat-orchestrator, gl-001-process-heat-orchestrator-hpa).
type KubeOptions struct {
	Kubeconfig    string // "" = in-cluster, then the default loading rules
	Context       string
	Namespace     string
	LabelSelector string
	HPAName       string
}

// samplers builds the samplers for this run's target: the stand-in's
// replica processes from /proc (listed by the stand-in), their
// percentages of the limits the stand-in enforces (limits, nil for
// another target), or pods through the metrics API with Kube, theirs of
// the pods' own limits; the orchestrator's /metrics and database pool; the
// consumer lag when there is a Kafka to ask; and always the harness's own
// process.
func (r *run) samplers(target string, limits *api.ReplicaLimits, brokers []string) (*sampler.Set, error) {
	hc := &http.Client{Timeout: 2 * time.Second}
	harness := &sampler.Harness{}
	harness.Prime()
	set := &sampler.Set{Samplers: []sampler.Sampler{harness}}
	switch {
	case r.o.Kube != nil:
		core, mc, err := sampler.NewKube(r.o.Kube.Kubeconfig, r.o.Kube.Context)
		if err != nil {
			return nil, fmt.Errorf("%w: --kube: %w", ErrInput, err)
		}
		p := r.o.Profile
		set.Samplers = append(set.Samplers, &sampler.KubeReplicas{Core: core, Metrics: mc,
			Namespace: or(r.o.Kube.Namespace, p.Namespace), LabelSelector: or(r.o.Kube.LabelSelector, p.Selector), HPAName: or(r.o.Kube.HPAName, p.HPA)})
	case limits != nil:
		pr := &sampler.ProcReplicas{Limits: *limits, List: sampler.StandInReplicas(hc, target, r.o.Profile.Paths.Capacity)}
		ctx, cancel := context.WithTimeout(context.Background(), sampler.DefaultTimeout)
		pr.Prime(ctx) // so the first interval has CPU figures
		cancel()
		set.Samplers = append(set.Samplers, pr)
	}
	set.Samplers = append(set.Samplers,
		&sampler.Target{BaseURL: target, Client: hc, Path: r.o.Profile.Paths.Prometheus, Names: r.o.Profile.Metrics},
		&sampler.DatabasePool{BaseURL: target, Client: hc, Path: r.o.Profile.Paths.Database})
	if len(brokers) > 0 {
		cfg, err := r.o.Bus.Config()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		cfg.Brokers = brokers
		set.Samplers = append(set.Samplers, &sampler.KafkaLag{Config: cfg, Group: r.o.Profile.Group, Topic: r.o.Profile.Topic})
	}
	return set, nil
}

// or is a, or b when a is empty.
func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
