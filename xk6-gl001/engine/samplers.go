package engine

import (
	"fmt"
	"net/http"
	"time"

	"github.com/greenlang/gl001/simulator"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// KubeOptions point the samplers at the orchestrator in Kubernetes: pod
// usage from metrics.k8s.io and the HPA's status. Empty names take the
// guide's (namespace greenlang, app=gl-001-process-heat-orchestrator,
// gl-001-process-heat-orchestrator-hpa).
type KubeOptions struct {
	Kubeconfig    string // "" = in-cluster, then the default loading rules
	Context       string
	Namespace     string
	LabelSelector string
	HPAName       string
}

// samplers builds the samplers for this run's target: the stand-in's
// replica processes from /proc, their percentages of the limits the
// stand-in enforces, or pods through the metrics API with Kube, theirs of
// the pods' own limits; the orchestrator's /metrics and database pool; the
// consumer lag when there is a Kafka to ask.
func (r *run) samplers(target string, si *simulator.StandIn, brokers []string) (*sampler.Set, error) {
	hc := &http.Client{Timeout: 2 * time.Second}
	set := &sampler.Set{}
	switch {
	case r.o.Kube != nil:
		core, mc, err := sampler.NewKube(r.o.Kube.Kubeconfig, r.o.Kube.Context)
		if err != nil {
			return nil, fmt.Errorf("%w: --kube: %w", ErrInput, err)
		}
		set.Samplers = append(set.Samplers, &sampler.KubeReplicas{Core: core, Metrics: mc,
			Namespace: r.o.Kube.Namespace, LabelSelector: r.o.Kube.LabelSelector, HPAName: r.o.Kube.HPAName})
	case si != nil:
		pr := &sampler.ProcReplicas{Limits: si.Limits(),
			List: func() []sampler.Proc {
				var ps []sampler.Proc
				for _, rep := range si.Replicas() {
					if rep.Up {
						ps = append(ps, sampler.Proc{ID: rep.ID, PID: rep.PID})
					}
				}
				return ps
			}}
		pr.Prime() // so the first interval has CPU figures
		set.Samplers = append(set.Samplers, pr)
	}
	set.Samplers = append(set.Samplers,
		&sampler.Target{BaseURL: target, Client: hc},
		&sampler.DatabasePool{BaseURL: target, Client: hc})
	if len(brokers) > 0 {
		cfg, err := r.o.Bus.Config()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		cfg.Brokers = brokers
		set.Samplers = append(set.Samplers, &sampler.KafkaLag{Config: cfg})
	}
	return set, nil
}

// limitsOf is the stand-in's replica limits, for the run's header; nil for
// a target the run cannot look inside.
func limitsOf(si *simulator.StandIn) *api.ReplicaLimits {
	if si == nil {
		return nil
	}
	l := si.Limits()
	return &l
}
