package sampler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"
)

// The guide's names for the orchestrator in Kubernetes; KubeReplicas'
// defaults.
const (
	DefaultNamespace     = "greenlang"
	DefaultLabelSelector = "app=gl-001-process-heat-orchestrator"
	DefaultHPAName       = "gl-001-process-heat-orchestrator-hpa"
)

// kubeTimeout bounds one request of the clients NewKube builds, as a
// backstop under the Set's per-interval timeout.
const kubeTimeout = 5 * time.Second

// KubeReplicas samples the orchestrator's pods through the metrics API
// (metrics.k8s.io/v1beta1, as kubectl top does) and its
// HorizontalPodAutoscaler (autoscaling/v2), with --kube.
//
// Each pod's usage is the sum over its containers: CPU in millicores,
// memory (working set, as metrics-server reports it) in MiB. Percentages
// are of CPULimitMillicores and MemoryLimitMiB (the capacity calculator's
// per-replica limits), not of the pods' own limits; 0 leaves them 0.
// Pods with no metrics yet (just started) are simply not listed by the
// metrics API.
//
// Failures are Gaps, never errors that stop the run: the metrics API
// missing or failing, or no pod matching, gives a Gap "replicas"; the HPA
// missing or unreadable gives a Gap "hpa". Safe for concurrent use.
type KubeReplicas struct {
	Core    kubernetes.Interface
	Metrics metricsclient.Interface
	// Namespace; DefaultNamespace when empty.
	Namespace string
	// LabelSelector picks the orchestrator's pods; DefaultLabelSelector
	// when empty.
	LabelSelector string
	// HPAName is the orchestrator's autoscaler; DefaultHPAName when
	// empty. With NoHPA the HPA is not read.
	HPAName string
	NoHPA   bool

	CPULimitMillicores int
	MemoryLimitMiB     int
}

// Name is "replicas".
func (k *KubeReplicas) Name() string { return "replicas" }

// Sample reads the pods' usage and the HPA's status.
func (k *KubeReplicas) Sample(ctx context.Context, s *Sample) error {
	ns := or(k.Namespace, DefaultNamespace)
	if !k.NoHPA {
		if h, err := k.hpa(ctx, ns); err != nil {
			s.Gaps = append(s.Gaps, Gap{Sampler: "hpa", Reason: err.Error()})
		} else {
			s.HPA = h
		}
	}
	pods, err := k.pods(ctx, ns)
	if err != nil {
		return err
	}
	s.Replicas = append(s.Replicas, pods...)
	return nil
}

func (k *KubeReplicas) pods(ctx context.Context, ns string) ([]ReplicaUsage, error) {
	if k.Metrics == nil {
		return nil, errors.New("no metrics API client configured")
	}
	sel := or(k.LabelSelector, DefaultLabelSelector)
	list, err := k.Metrics.MetricsV1beta1().PodMetricses(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("metrics API (metrics.k8s.io/v1beta1) not available; is metrics-server installed? %w", err)
		}
		return nil, fmt.Errorf("pod metrics in namespace %q: %w", ns, err)
	}
	if len(list.Items) == 0 {
		return nil, fmt.Errorf("no pod metrics for %q in namespace %q", sel, ns)
	}
	out := make([]ReplicaUsage, 0, len(list.Items))
	for _, pm := range list.Items {
		var cpu, mem float64
		for _, c := range pm.Containers {
			if q, ok := c.Usage[corev1.ResourceCPU]; ok {
				cpu += float64(q.MilliValue())
			}
			if q, ok := c.Usage[corev1.ResourceMemory]; ok {
				mem += q.AsApproximateFloat64() / (1 << 20)
			}
		}
		cpu, mem = finite(cpu), finite(mem)
		out = append(out, ReplicaUsage{
			ID:            pm.Name,
			CPUMillicores: cpu,
			MemoryMiB:     mem,
			CPUPercent:    percentOf(cpu, float64(k.CPULimitMillicores)),
			MemoryPercent: percentOf(mem, float64(k.MemoryLimitMiB)),
		})
	}
	return out, nil
}

func (k *KubeReplicas) hpa(ctx context.Context, ns string) (*HPA, error) {
	if k.Core == nil {
		return nil, errors.New("no Kubernetes client configured")
	}
	name := or(k.HPAName, DefaultHPAName)
	h, err := k.Core.AutoscalingV2().HorizontalPodAutoscalers(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("horizontalpodautoscaler %q not found in namespace %q", name, ns)
		}
		return nil, fmt.Errorf("horizontalpodautoscaler %q in namespace %q: %w", name, ns, err)
	}
	return hpaOf(h), nil
}

// hpaOf reads an autoscaler's status. Metrics are keyed as follows:
//   - Resource: the resource name ("cpu", "memory") → average utilisation
//     in percent of requests; when the HPA targets an average value
//     instead, "<name>_average" → that value (cpu in millicores, memory
//     in MiB).
//   - ContainerResource: "<container>/<name>", the same way.
//   - Pods, Object, External: the metric name → the average value per
//     pod, or the value when there is no average.
func hpaOf(h *autoscalingv2.HorizontalPodAutoscaler) *HPA {
	out := &HPA{
		Name:            h.Name,
		MinReplicas:     1, // the API's default
		MaxReplicas:     h.Spec.MaxReplicas,
		CurrentReplicas: h.Status.CurrentReplicas,
		DesiredReplicas: h.Status.DesiredReplicas,
	}
	if h.Spec.MinReplicas != nil {
		out.MinReplicas = *h.Spec.MinReplicas
	}
	m := map[string]float64{}
	resourceValue := func(key string, name corev1.ResourceName, v autoscalingv2.MetricValueStatus) {
		if v.AverageUtilization != nil {
			m[key] = float64(*v.AverageUtilization)
			return
		}
		q := v.AverageValue
		if q == nil {
			q = v.Value
		}
		if q == nil {
			return
		}
		switch name {
		case corev1.ResourceCPU:
			m[key+"_average"] = float64(q.MilliValue())
		case corev1.ResourceMemory:
			m[key+"_average"] = finite(q.AsApproximateFloat64() / (1 << 20))
		default:
			m[key+"_average"] = finite(q.AsApproximateFloat64())
		}
	}
	metricValue := func(name string, v autoscalingv2.MetricValueStatus) {
		for _, q := range []*resource.Quantity{v.AverageValue, v.Value} {
			if q != nil {
				if f := q.AsApproximateFloat64(); !math.IsNaN(f) {
					m[name] = finite(f)
				}
				return
			}
		}
	}
	for _, ms := range h.Status.CurrentMetrics {
		switch {
		case ms.Resource != nil:
			resourceValue(string(ms.Resource.Name), ms.Resource.Name, ms.Resource.Current)
		case ms.ContainerResource != nil:
			cr := ms.ContainerResource
			resourceValue(cr.Container+"/"+string(cr.Name), cr.Name, cr.Current)
		case ms.Pods != nil:
			metricValue(ms.Pods.Metric.Name, ms.Pods.Current)
		case ms.Object != nil:
			metricValue(ms.Object.Metric.Name, ms.Object.Current)
		case ms.External != nil:
			metricValue(ms.External.Metric.Name, ms.External.Current)
		}
	}
	if len(m) > 0 {
		out.Metrics = m
	}
	return out
}

// NewKube builds the Kubernetes and metrics API clients from kubeconfig,
// using context kubeContext ("" for the file's current context). An empty
// kubeconfig means in-cluster credentials (a pod's service account) when
// running in a pod and no context is asked for, and otherwise the default
// loading rules ($KUBECONFIG, then ~/.kube/config), as kubectl does.
// Errors name the file.
func NewKube(kubeconfig, kubeContext string) (kubernetes.Interface, metricsclient.Interface, error) {
	cfg, err := restConfig(kubeconfig, kubeContext)
	if err != nil {
		return nil, nil, err
	}
	cfg.Timeout = kubeTimeout
	core, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("kubernetes client from %s: %w", describeKubeconfig(kubeconfig), err)
	}
	metrics, err := metricsclient.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("metrics API client from %s: %w", describeKubeconfig(kubeconfig), err)
	}
	return core, metrics, nil
}

func restConfig(kubeconfig, kubeContext string) (*rest.Config, error) {
	if kubeconfig == "" && kubeContext == "" {
		if cfg, err := rest.InClusterConfig(); err == nil {
			return cfg, nil
		}
	}
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		if _, err := os.Stat(kubeconfig); err != nil {
			return nil, fmt.Errorf("kubeconfig %q: %w", kubeconfig, err)
		}
		rules.ExplicitPath = kubeconfig
	}
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: kubeContext})
	cfg, err := loader.ClientConfig()
	if err != nil {
		if kubeContext != "" {
			return nil, fmt.Errorf("%s, context %q: %w", describeKubeconfig(kubeconfig), kubeContext, err)
		}
		return nil, fmt.Errorf("%s: %w", describeKubeconfig(kubeconfig), err)
	}
	return cfg, nil
}

func describeKubeconfig(path string) string {
	if path == "" {
		return "kubeconfig (in-cluster, $KUBECONFIG or ~/.kube/config)"
	}
	return fmt.Sprintf("kubeconfig %q", path)
}

// or is v, or def when v is empty.
func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
