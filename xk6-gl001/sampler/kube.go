package sampler

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"

	"github.com/greenlang/gl001/deploy/kubeconfig"
	"github.com/greenlang/gl001/simulator/api"
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
// are of the pod's own limits, read from its spec through the core API
// (the pods of LabelSelector, listed each Sample) and recorded beside
// them with limit_source "pod-spec", with the pod's requests: the
// pod-level resources where the spec sets them, else the sum over its
// containers. A pod where some container sets no CPU (memory) limit has
// none: its CPU (memory) limit is 0, and so is the percentage. When the
// pods cannot be listed (e.g. no RBAC permission), or a pod with metrics
// is not among them, the limits are 0 and limit_source says "not known"
// and why. Pods with no metrics yet (just started) are simply not listed
// by the metrics API.
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
	specs, specErr := k.podSpecs(ctx, ns, sel)
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
		u := ReplicaUsage{ID: pm.Name, CPUMillicores: cpu, MemoryMiB: mem}
		switch pod, ok := specs[pm.Name]; {
		case specErr != nil:
			u.LimitSource = api.LimitNotKnown(specErr.Error())
		case !ok:
			u.LimitSource = api.LimitNotKnown(fmt.Sprintf("pod %q has metrics but is not among the pods of %q", pm.Name, sel))
		default:
			r := podResources(pod)
			u.LimitSource = api.LimitSourcePodSpec
			u.CPULimitMillicores, u.MemoryLimitMiB = r.cpuLimit, r.memLimit
			u.CPURequestMillicores, u.MemoryRequestMiB = r.cpuRequest, r.memRequest
			u.CPUPercent = percentOf(cpu, float64(r.cpuLimit))
			u.MemoryPercent = percentOf(mem, float64(r.memLimit))
		}
		out = append(out, u)
	}
	return out, nil
}

// podSpecs lists the pods of selector sel in ns, by name.
func (k *KubeReplicas) podSpecs(ctx context.Context, ns, sel string) (map[string]*corev1.Pod, error) {
	if k.Core == nil {
		return nil, errors.New("no Kubernetes client configured to read the pods' limits")
	}
	list, err := k.Core.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, fmt.Errorf("pods %q in namespace %q: %w", sel, ns, err)
	}
	out := make(map[string]*corev1.Pod, len(list.Items))
	for i := range list.Items {
		out[list.Items[i].Name] = &list.Items[i]
	}
	return out, nil
}

// resources are a pod's limits and requests: millicores and MiB, 0 where
// the pod sets none.
type resources struct {
	cpuLimit, memLimit, cpuRequest, memRequest int
}

// podResources reads a pod's spec: its pod-level resources where set,
// else the sum over its containers, where one container without a value
// leaves the pod without one (its use is bounded by nothing).
func podResources(pod *corev1.Pod) resources {
	var r resources
	get := func(name corev1.ResourceName, limit bool) int {
		if pr := pod.Spec.Resources; pr != nil {
			list := pr.Requests
			if limit {
				list = pr.Limits
			}
			if q, ok := list[name]; ok {
				return quantityIn(name, q)
			}
		}
		total := 0
		for _, c := range pod.Spec.Containers {
			list := c.Resources.Requests
			if limit {
				list = c.Resources.Limits
			}
			q, ok := list[name]
			if !ok {
				return 0
			}
			total += quantityIn(name, q)
		}
		return total
	}
	r.cpuLimit, r.memLimit = get(corev1.ResourceCPU, true), get(corev1.ResourceMemory, true)
	r.cpuRequest, r.memRequest = get(corev1.ResourceCPU, false), get(corev1.ResourceMemory, false)
	return r
}

// quantityIn is q in millicores (cpu) or whole MiB, rounded down (memory).
func quantityIn(name corev1.ResourceName, q resource.Quantity) int {
	if name == corev1.ResourceCPU {
		return int(q.MilliValue())
	}
	return int(q.Value() >> 20)
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

func restConfig(path, kubeContext string) (*rest.Config, error) {
	return kubeconfig.Load(path, kubeContext)
}

func describeKubeconfig(path string) string { return kubeconfig.Describe(path) }

// or is v, or def when v is empty.
func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
