package sampler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/api"
)

// ErrConfig marks a Config problem the user must fix (a bad kubeconfig,
// bad Kafka TLS or SASL settings).
var ErrConfig = errors.New("invalid sampler settings")

// KubeOptions point the samplers at the orchestrator in Kubernetes: pod
// usage from metrics.k8s.io and the HPA's status. Empty names take the
// profile's (the guide's: namespace greenlang,
// app=gl-001-process-heat-orchestrator, gl-001-process-heat-orchestrator-hpa).
type KubeOptions struct {
	Kubeconfig    string // "" = in-cluster, then the default loading rules
	Context       string
	Namespace     string
	LabelSelector string
	HPAName       string
}

// Config is what NewSet builds a run's samplers from: the same for a load
// test (`gl001 run`) and for `gl001 observe` beside someone else's load.
type Config struct {
	Target string // the orchestrator's base URL
	// Limits are the stand-in's per-replica limits when Target is a
	// stand-in the caller started (its replicas are then read from
	// /proc); nil for another target.
	Limits *api.ReplicaLimits
	// Kube, when set, reads the pods and HPA through the Kubernetes API.
	Kube *KubeOptions
	// Bus reaches the Kafka whose consumer lag is read; no brokers, no lag.
	Bus     kafkabus.Options
	Profile api.Profile
}

// NewSet builds the samplers for c: the stand-in's replica processes
// from /proc (listed by the stand-in), their percentages of the limits
// the stand-in enforces, or with Kube pods through the metrics API, theirs
// of the pods' own limits; the orchestrator's /metrics and database pool;
// the consumer lag when there is a Kafka to ask; and always the calling
// process itself. Its errors wrap ErrConfig.
func NewSet(c Config) (*Set, error) {
	hc := &http.Client{Timeout: 2 * time.Second}
	harness := &Harness{}
	harness.Prime()
	set := &Set{Samplers: []Sampler{harness}}
	p := c.Profile
	switch {
	case c.Kube != nil:
		core, mc, err := NewKube(c.Kube.Kubeconfig, c.Kube.Context)
		if err != nil {
			return nil, fmt.Errorf("%w: --kube: %w", ErrConfig, err)
		}
		set.Samplers = append(set.Samplers, &KubeReplicas{Core: core, Metrics: mc,
			Namespace: or(c.Kube.Namespace, p.Namespace), LabelSelector: or(c.Kube.LabelSelector, p.Selector), HPAName: or(c.Kube.HPAName, p.HPA)})
	case c.Limits != nil:
		pr := &ProcReplicas{Limits: *c.Limits, List: StandInReplicas(hc, c.Target, p.Paths.Capacity)}
		ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
		pr.Prime(ctx) // so the first interval has CPU figures
		cancel()
		set.Samplers = append(set.Samplers, pr)
	}
	set.Samplers = append(set.Samplers,
		&Target{BaseURL: c.Target, Client: hc, Path: p.Paths.Prometheus, Names: p.Metrics},
		&DatabasePool{BaseURL: c.Target, Client: hc, Path: p.Paths.Database})
	if len(c.Bus.Brokers) > 0 {
		cfg, err := c.Bus.Config()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		cfg.Brokers = c.Bus.Brokers
		set.Samplers = append(set.Samplers, &KafkaLag{Config: cfg, Group: p.Group, Topic: p.Topic})
	}
	return set, nil
}
