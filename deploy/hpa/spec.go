// Package hpa is the Kubernetes HorizontalPodAutoscaler (autoscaling/v2)
// as its controller runs it, for replaying what the guide's HPA would have
// done with a run's load: per-metric proposals with the 0.1 tolerance,
// Resource Utilization of requests and Pods AverageValue, the highest
// proposal of all metrics, a missing metric that blocks a scale-down,
// per-direction stabilization windows, Percent and Pods policies over
// their periods with selectPolicy Max, Min or Disabled, and min/max
// replicas, at the controller's 15 s sync period
// (pkg/controller/podautoscaler of kubernetes, v1.37).
//
// What it does not model: pods that are not ready or have no metrics yet
// (every replica the HPA would have is taken as ready and measured at
// once), the time a new pod takes to start, and the legacy behaviour of
// an HPA without behavior (the API's default behavior is used instead,
// which the controller's legacy path matches at one sync period).
package hpa

import (
	"errors"
	"fmt"
	"os"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// SyncPeriodSeconds is the controller's default
// --horizontal-pod-autoscaler-sync-period.
const SyncPeriodSeconds = 15

// Tolerance is the controller's default
// --horizontal-pod-autoscaler-tolerance: a usage ratio within 10 % of 1
// proposes no change.
const Tolerance = 0.1

// ErrSpec marks an HPA the model cannot take.
var ErrSpec = errors.New("invalid HPA")

// Spec is an HPA with the API server's defaults applied.
type Spec struct {
	Name        string
	MinReplicas int32
	MaxReplicas int32
	Metrics     []autoscalingv2.MetricSpec
	ScaleUp     autoscalingv2.HPAScalingRules
	ScaleDown   autoscalingv2.HPAScalingRules
}

// Load reads an HPA's yaml (or JSON) file: one autoscaling/v2
// HorizontalPodAutoscaler, decoded strictly.
func Load(path string) (Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Spec{}, err
	}
	s, err := Parse(b)
	if err != nil {
		return Spec{}, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Parse decodes an HPA and applies the defaults the API server applies
// (autoscaling/v2's SetDefaults_HorizontalPodAutoscaler): minReplicas 1,
// a CPU target of 80 % when there is no metric, and the default behavior
// for every rule left out.
func Parse(b []byte) (Spec, error) {
	var h autoscalingv2.HorizontalPodAutoscaler
	if err := yaml.UnmarshalStrict(b, &h); err != nil {
		return Spec{}, fmt.Errorf("%w: %v", ErrSpec, err)
	}
	if h.APIVersion != "autoscaling/v2" || h.Kind != "HorizontalPodAutoscaler" {
		return Spec{}, fmt.Errorf("%w: apiVersion %q, kind %q: want autoscaling/v2 HorizontalPodAutoscaler", ErrSpec, h.APIVersion, h.Kind)
	}
	s := Spec{Name: h.Name, MinReplicas: 1, MaxReplicas: h.Spec.MaxReplicas, Metrics: h.Spec.Metrics}
	if h.Spec.MinReplicas != nil {
		s.MinReplicas = *h.Spec.MinReplicas
	}
	if len(s.Metrics) == 0 {
		s.Metrics = []autoscalingv2.MetricSpec{{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			Name: corev1.ResourceCPU, Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(80))}}}}
	}
	var up, down *autoscalingv2.HPAScalingRules
	if b := h.Spec.Behavior; b != nil {
		up, down = b.ScaleUp, b.ScaleDown
	}
	s.ScaleUp, s.ScaleDown = scaleUpRules(up), scaleDownRules(down)
	return s, s.validate()
}

// scaleUpRules is GenerateHPAScaleUpRules: a window of 0, Max of 4 pods
// or 100 % per 15 s.
func scaleUpRules(r *autoscalingv2.HPAScalingRules) autoscalingv2.HPAScalingRules {
	return withDefaults(r, 0, []autoscalingv2.HPAScalingPolicy{
		{Type: autoscalingv2.PodsScalingPolicy, Value: 4, PeriodSeconds: 15},
		{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}})
}

// scaleDownRules is GenerateHPAScaleDownRules: a window of 300 s, 100 %
// per 15 s.
func scaleDownRules(r *autoscalingv2.HPAScalingRules) autoscalingv2.HPAScalingRules {
	return withDefaults(r, 300, []autoscalingv2.HPAScalingPolicy{
		{Type: autoscalingv2.PercentScalingPolicy, Value: 100, PeriodSeconds: 15}})
}

func withDefaults(r *autoscalingv2.HPAScalingRules, window int32, policies []autoscalingv2.HPAScalingPolicy) autoscalingv2.HPAScalingRules {
	out := autoscalingv2.HPAScalingRules{}
	if r != nil {
		out = *r.DeepCopy()
	}
	if out.StabilizationWindowSeconds == nil {
		out.StabilizationWindowSeconds = ptr(window)
	}
	if out.SelectPolicy == nil {
		out.SelectPolicy = ptr(autoscalingv2.MaxChangePolicySelect)
	}
	if len(out.Policies) == 0 {
		out.Policies = policies
	}
	return out
}

// validate refuses what the controller would refuse, and the metric kinds
// the model has no reading for (Object, External, ContainerResource).
func (s Spec) validate() error {
	var errs []string
	if s.MinReplicas < 1 || s.MaxReplicas < s.MinReplicas {
		errs = append(errs, fmt.Sprintf("minReplicas %d, maxReplicas %d: want 1 ≤ min ≤ max", s.MinReplicas, s.MaxReplicas))
	}
	for i, m := range s.Metrics {
		at := fmt.Sprintf("spec.metrics[%d]", i)
		switch {
		case m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil:
			if n := m.Resource.Name; n != corev1.ResourceCPU && n != corev1.ResourceMemory {
				errs = append(errs, fmt.Sprintf("%s: resource %q: want cpu or memory", at, n))
			}
			t := m.Resource.Target
			switch {
			case t.Type == autoscalingv2.UtilizationMetricType && t.AverageUtilization != nil && *t.AverageUtilization > 0:
			case t.Type == autoscalingv2.AverageValueMetricType && t.AverageValue != nil && t.AverageValue.Sign() > 0:
			default:
				errs = append(errs, fmt.Sprintf("%s: target %s: want Utilization with averageUtilization > 0, or AverageValue > 0", at, t.Type))
			}
		case m.Type == autoscalingv2.PodsMetricSourceType && m.Pods != nil:
			if t := m.Pods.Target; t.Type != autoscalingv2.AverageValueMetricType || t.AverageValue == nil || t.AverageValue.Sign() <= 0 {
				errs = append(errs, fmt.Sprintf("%s: pods metric %q: target %s: want AverageValue > 0", at, m.Pods.Metric.Name, t.Type))
			}
		default:
			errs = append(errs, fmt.Sprintf("%s: type %s: the model reads Resource (cpu, memory) and Pods metrics", at, m.Type))
		}
	}
	for dir, r := range map[string]autoscalingv2.HPAScalingRules{"scaleUp": s.ScaleUp, "scaleDown": s.ScaleDown} {
		if w := *r.StabilizationWindowSeconds; w < 0 || w > 3600 {
			errs = append(errs, fmt.Sprintf("behavior.%s.stabilizationWindowSeconds %d: want 0 to 3600", dir, w))
		}
		switch *r.SelectPolicy {
		case autoscalingv2.MaxChangePolicySelect, autoscalingv2.MinChangePolicySelect, autoscalingv2.DisabledPolicySelect:
		default:
			errs = append(errs, fmt.Sprintf("behavior.%s.selectPolicy %q: want Max, Min or Disabled", dir, *r.SelectPolicy))
		}
		for i, p := range r.Policies {
			if p.Value <= 0 || p.PeriodSeconds <= 0 || p.PeriodSeconds > 1800 || (p.Type != autoscalingv2.PodsScalingPolicy && p.Type != autoscalingv2.PercentScalingPolicy) {
				errs = append(errs, fmt.Sprintf("behavior.%s.policies[%d]: %s %d per %d s: want Pods or Percent, value > 0, period 1 to 1800 s", dir, i, p.Type, p.Value, p.PeriodSeconds))
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %s", ErrSpec, strings.Join(errs, "; "))
	}
	return nil
}

// MetricName names a metric spec as the trajectory does: "cpu",
// "memory", or the Pods metric's name.
func MetricName(m autoscalingv2.MetricSpec) string {
	if m.Resource != nil {
		return string(m.Resource.Name)
	}
	if m.Pods != nil {
		return m.Pods.Metric.Name
	}
	return string(m.Type)
}

func ptr[T any](v T) *T { return &v }
