package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Profile is the names a GL-001 deployment answers to, as settings: the
// Kubernetes objects the samplers look at, the Kafka topics and consumer
// group, the HTTP paths, and the Prometheus metrics the samplers read and
// the stand-in exposes. The guide's names are GuideProfile; a deployment
// that names things otherwise (the public implementation calls its
// deployment gl-001-process-heat) gets a profile file of its own.
type Profile struct {
	Name string `json:"name"`

	Namespace  string `json:"namespace"`
	Deployment string `json:"deployment"`
	Selector   string `json:"selector"` // the orchestrator's pods, e.g. app=gl-001-process-heat-orchestrator
	HPA        string `json:"hpa"`
	ConfigMap  string `json:"configmap"`

	Topic    string `json:"topic"`     // agent coordination events
	AckTopic string `json:"ack_topic"` // the orchestrator's acks
	Group    string `json:"group"`     // the orchestrator's consumer group

	Paths   Paths       `json:"paths"`
	Metrics MetricNames `json:"metrics"`
}

// Paths are the orchestrator's HTTP API paths.
type Paths struct {
	Optimize         string `json:"optimize"`
	Health           string `json:"health"`
	Ready            string `json:"ready"`
	Metrics          string `json:"metrics"`
	LoadDistribution string `json:"load_distribution"`
	Database         string `json:"database"`
	Capacity         string `json:"capacity"`
	Prometheus       string `json:"prometheus"`
	LoadTest         string `json:"load_test"`
	LoadTestReport   string `json:"load_test_report"`
}

// MetricNames are the Prometheus metrics the target sampler reads and the
// stand-in's replicas expose.
type MetricNames struct {
	OrchestrationLatencyP95Seconds string `json:"orchestration_latency_p95_seconds"` // a gauge, seconds
	HeatOptimizationTimeP95Seconds string `json:"heat_optimization_time_p95"`        // a gauge, seconds
	AgentCoordinationPerSecond     string `json:"agent_coordination_per_second"`     // a gauge, events/s
	BoilerCalculationQueueDepth    string `json:"boiler_calculation_queue_depth"`    // a gauge, messages
	RequestsTotal                  string `json:"requests_total"`                    // a counter
	CoordinationFailuresTotal      string `json:"coordination_failures_total"`       // a counter
}

// GuideProfile is the scaling guide's names (with the public GL-001
// implementation's gl_001_ counters, which the guide does not name).
func GuideProfile() Profile {
	return Profile{
		Name:       "guide",
		Namespace:  "greenlang",
		Deployment: "gl-001-process-heat-orchestrator",
		Selector:   "app=gl-001-process-heat-orchestrator",
		HPA:        "gl-001-process-heat-orchestrator-hpa",
		ConfigMap:  "gl-001-config",
		Topic:      TopicCoordination,
		AckTopic:   TopicAck,
		Group:      ConsumerGroup,
		Paths: Paths{
			Optimize: PathOptimize, Health: PathHealth, Ready: PathReady, Metrics: PathMetrics,
			LoadDistribution: PathLoadDistribution, Database: PathDatabase, Capacity: PathCapacity,
			Prometheus: PathPrometheus, LoadTest: PathLoadTest, LoadTestReport: PathLoadTestReport,
		},
		Metrics: MetricNames{
			OrchestrationLatencyP95Seconds: "orchestration_latency_p95_seconds",
			HeatOptimizationTimeP95Seconds: "heat_optimization_time_p95",
			AgentCoordinationPerSecond:     "agent_coordination_per_second",
			BoilerCalculationQueueDepth:    "boiler_calculation_queue_depth",
			RequestsTotal:                  "gl_001_orchestration_requests_total",
			CoordinationFailuresTotal:      "gl_001_subagent_coordination_failures_total",
		},
	}
}

// GreenlangProfile is the public GL-001 implementation's names: its
// manifests call the deployment and its pods' label gl-001-process-heat,
// and its Prometheus metrics are the gl_001_ families. It has no p95
// gauges: the latencies are histograms (gl_001_orchestration_duration_seconds,
// gl_001_calculation_duration_seconds), whose p95 the target sampler takes
// from the buckets' increase between two scrapes, as histogram_quantile over
// rate() does; and the coordination rate is the increase of the counter
// gl_001_message_bus_messages_total per second. Its probes, API paths,
// topics and group are the guide's. The HPA and ConfigMap names follow the
// deployment's.
func GreenlangProfile() Profile {
	p := GuideProfile()
	p.Name = "greenlang"
	p.Deployment = "gl-001-process-heat"
	p.Selector = "app=gl-001-process-heat"
	p.HPA = "gl-001-process-heat-hpa"
	p.ConfigMap = "gl-001-process-heat-config"
	p.Metrics = MetricNames{
		OrchestrationLatencyP95Seconds: "gl_001_orchestration_duration_seconds",
		HeatOptimizationTimeP95Seconds: "gl_001_calculation_duration_seconds",
		AgentCoordinationPerSecond:     "gl_001_message_bus_messages_total",
		BoilerCalculationQueueDepth:    "gl_001_subagent_message_queue_depth",
		RequestsTotal:                  "gl_001_orchestration_requests_total",
		CoordinationFailuresTotal:      "gl_001_subagent_coordination_failures_total",
	}
	return p
}

// BuiltinProfiles are the profile names LoadProfile knows without a file.
func BuiltinProfiles() []string { return []string{"guide", "greenlang"} }

// LoadProfile returns the profile named by name: "guide" (or "") for
// GuideProfile, "greenlang" for GreenlangProfile, otherwise a JSON file of
// Profile's fields. A field the file leaves out keeps the guide's value;
// an unknown field, or a name set to "", is an error naming the file and
// the field.
func LoadProfile(name string) (Profile, error) {
	switch name {
	case "", "guide":
		return GuideProfile(), nil
	case "greenlang":
		return GreenlangProfile(), nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return Profile{}, fmt.Errorf("profile %q: want \"guide\", \"greenlang\" or a JSON profile file: %w", name, err)
	}
	p := GuideProfile()
	p.Name = name
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return Profile{}, fmt.Errorf("profile %s: %w", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Profile{}, fmt.Errorf("profile %s: data after the profile object", name)
	}
	if err := p.Validate(); err != nil {
		return Profile{}, fmt.Errorf("profile %s: %w", name, err)
	}
	return p, nil
}

// Validate reports every name of p that is empty.
func (p Profile) Validate() error {
	var errs []error
	check := func(field, v string) {
		if v == "" {
			errs = append(errs, fmt.Errorf("%s is empty, want a name (leave the field out for the guide's)", field))
		}
	}
	check("namespace", p.Namespace)
	check("deployment", p.Deployment)
	check("selector", p.Selector)
	check("hpa", p.HPA)
	check("configmap", p.ConfigMap)
	check("topic", p.Topic)
	check("ack_topic", p.AckTopic)
	check("group", p.Group)
	for _, f := range []struct{ name, v string }{
		{"optimize", p.Paths.Optimize}, {"health", p.Paths.Health}, {"ready", p.Paths.Ready}, {"metrics", p.Paths.Metrics},
		{"load_distribution", p.Paths.LoadDistribution}, {"database", p.Paths.Database}, {"capacity", p.Paths.Capacity},
		{"prometheus", p.Paths.Prometheus}, {"load_test", p.Paths.LoadTest}, {"load_test_report", p.Paths.LoadTestReport},
	} {
		if f.v == "" || f.v[0] != '/' {
			errs = append(errs, fmt.Errorf("paths.%s %q, want a path starting with /", f.name, f.v))
		}
	}
	for _, f := range []struct{ name, v string }{
		{"orchestration_latency_p95_seconds", p.Metrics.OrchestrationLatencyP95Seconds},
		{"heat_optimization_time_p95", p.Metrics.HeatOptimizationTimeP95Seconds},
		{"agent_coordination_per_second", p.Metrics.AgentCoordinationPerSecond},
		{"boiler_calculation_queue_depth", p.Metrics.BoilerCalculationQueueDepth},
		{"requests_total", p.Metrics.RequestsTotal},
		{"coordination_failures_total", p.Metrics.CoordinationFailuresTotal},
	} {
		check("metrics."+f.name, f.v)
	}
	return errors.Join(errs...)
}
