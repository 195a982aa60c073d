package sampler_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kubefake "k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
	metricsfake "k8s.io/metrics/pkg/client/clientset/versioned/fake"

	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

func podMetrics(name, app string, usage ...[2]string) *metricsv1beta1.PodMetrics {
	pm := &metricsv1beta1.PodMetrics{ObjectMeta: metav1.ObjectMeta{
		Name: name, Namespace: "greenlang", Labels: map[string]string{"app": app},
	}}
	for i, u := range usage {
		pm.Containers = append(pm.Containers, metricsv1beta1.ContainerMetrics{
			Name: "c" + string(rune('0'+i)),
			Usage: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse(u[0]),
				corev1.ResourceMemory: resource.MustParse(u[1]),
			},
		})
	}
	return pm
}

// metricsClient is a fake metrics API holding pms. The fake's client asks
// its tracker for resource "pods" in metrics.k8s.io, while the tracker's
// Add would file a PodMetrics under the guessed resource "podmetricses",
// where List never looks; so the objects are created under "pods".
func metricsClient(t *testing.T, pms ...*metricsv1beta1.PodMetrics) *metricsfake.Clientset {
	t.Helper()
	c := metricsfake.NewSimpleClientset()
	gvr := metricsv1beta1.SchemeGroupVersion.WithResource("pods")
	for _, pm := range pms {
		if err := c.Tracker().Create(gvr, pm, pm.Namespace); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func i32(v int32) *int32 { return &v }

func qty(s string) *resource.Quantity { q := resource.MustParse(s); return &q }

// guideHPA is the guide's autoscaler with a status.
func guideHPA() *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Name: "gl-001-process-heat-orchestrator-hpa", Namespace: "greenlang"},
		Spec:       autoscalingv2.HorizontalPodAutoscalerSpec{MinReplicas: i32(3), MaxReplicas: 20},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			CurrentReplicas: 5, DesiredReplicas: 6,
			CurrentMetrics: []autoscalingv2.MetricStatus{
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
					Name: corev1.ResourceCPU, Current: autoscalingv2.MetricValueStatus{AverageUtilization: i32(45), AverageValue: qty("450m")}}},
				{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricStatus{
					Name: corev1.ResourceMemory, Current: autoscalingv2.MetricValueStatus{AverageUtilization: i32(61)}}},
				{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricStatus{
					Metric:  autoscalingv2.MetricIdentifier{Name: "orchestration_latency_p95_seconds"},
					Current: autoscalingv2.MetricValueStatus{AverageValue: qty("1500m")}}},
				{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricStatus{
					Metric:  autoscalingv2.MetricIdentifier{Name: "agent_coordination_per_second"},
					Current: autoscalingv2.MetricValueStatus{AverageValue: qty("42")}}},
				{Type: autoscalingv2.ObjectMetricSourceType, Object: &autoscalingv2.ObjectMetricStatus{
					Metric:  autoscalingv2.MetricIdentifier{Name: "kafka_consumergroup_lag"},
					Current: autoscalingv2.MetricValueStatus{Value: qty("1200")}}},
				{Type: autoscalingv2.ContainerResourceMetricSourceType, ContainerResource: &autoscalingv2.ContainerResourceMetricStatus{
					Name: corev1.ResourceMemory, Container: "orchestrator", Current: autoscalingv2.MetricValueStatus{AverageValue: qty("384Mi")}}},
			},
		},
	}
}

// pod is an orchestrator pod whose containers have the given limits and
// requests: {cpu limit, memory limit, cpu request, memory request}, ""
// for none.
func pod(name string, containers ...[4]string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: name, Namespace: "greenlang", Labels: map[string]string{"app": "gl-001-process-heat-orchestrator"},
	}}
	for i, c := range containers {
		lim, req := corev1.ResourceList{}, corev1.ResourceList{}
		for j, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if c[j] != "" {
				lim[name] = resource.MustParse(c[j])
			}
			if c[j+2] != "" {
				req[name] = resource.MustParse(c[j+2])
			}
		}
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{
			Name: "c" + string(rune('0'+i)), Resources: corev1.ResourceRequirements{Limits: lim, Requests: req},
		})
	}
	return p
}

func TestKubeReplicas(t *testing.T) {
	metrics := metricsClient(t,
		podMetrics("gl-001-b", "gl-001-process-heat-orchestrator", [2]string{"250m", "256Mi"}, [2]string{"100m", "64Mi"}),
		podMetrics("gl-001-a", "gl-001-process-heat-orchestrator", [2]string{"1", "1Gi"}),
		podMetrics("gl-001-c", "gl-001-process-heat-orchestrator", [2]string{"300m", "100Mi"}),
		podMetrics("gl-001-new", "gl-001-process-heat-orchestrator", [2]string{"10m", "10Mi"}),
		podMetrics("gl-002-x", "gl-002-boiler-efficiency", [2]string{"2", "2Gi"}),
	)
	levelPod := pod("gl-001-c", [4]string{"", "", "", ""})
	levelPod.Spec.Resources = &corev1.ResourceRequirements{
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("600m"), corev1.ResourceMemory: resource.MustParse("400Mi")},
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("300m")},
	}
	k := &sampler.KubeReplicas{
		Core: kubefake.NewClientset(guideHPA(),
			pod("gl-001-a", [4]string{"2", "2Gi", "1", "1Gi"}),
			// The second container sets no CPU limit, so the pod has none.
			pod("gl-001-b", [4]string{"500m", "512Mi", "250m", "256Mi"}, [4]string{"", "128Mi", "", "64Mi"}),
			levelPod),
		Metrics: metrics,
	}
	set := &sampler.Set{Samplers: []sampler.Sampler{k}}
	got := set.Sample(context.Background(), time.Unix(0, 0))
	want := sampler.Sample{
		At: time.Unix(0, 0),
		Replicas: []sampler.ReplicaUsage{
			{ID: "gl-001-a", CPUMillicores: 1000, MemoryMiB: 1024, CPUPercent: 50, MemoryPercent: 50,
				CPULimitMillicores: 2000, MemoryLimitMiB: 2048, LimitSource: "pod-spec", CPURequestMillicores: 1000, MemoryRequestMiB: 1024},
			{ID: "gl-001-b", CPUMillicores: 350, MemoryMiB: 320, CPUPercent: 0, MemoryPercent: 50,
				CPULimitMillicores: 0, MemoryLimitMiB: 640, LimitSource: "pod-spec", CPURequestMillicores: 0, MemoryRequestMiB: 320},
			{ID: "gl-001-c", CPUMillicores: 300, MemoryMiB: 100, CPUPercent: 50, MemoryPercent: 25,
				CPULimitMillicores: 600, MemoryLimitMiB: 400, LimitSource: "pod-spec", CPURequestMillicores: 300},
			{ID: "gl-001-new", CPUMillicores: 10, MemoryMiB: 10,
				LimitSource: `not known (pod "gl-001-new" has metrics but is not among the pods of "app=gl-001-process-heat-orchestrator")`},
		},
		HPA: &sampler.HPA{
			Name: "gl-001-process-heat-orchestrator-hpa", MinReplicas: 3, MaxReplicas: 20, CurrentReplicas: 5, DesiredReplicas: 6,
			Metrics: map[string]float64{
				"cpu": 45, "memory": 61, "orchestration_latency_p95_seconds": 1.5, "agent_coordination_per_second": 42,
				"kafka_consumergroup_lag": 1200, "orchestrator/memory_average": 384,
			},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v %+v\nwant %+v %+v", got, got.HPA, want, want.HPA)
	}
}

func TestKubeReplicasWithoutPodAccess(t *testing.T) {
	core := kubefake.NewClientset(pod("gl-001-a", [4]string{"2", "2Gi", "1", "1Gi"}))
	core.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("RBAC: list pods not allowed"))
	})
	k := &sampler.KubeReplicas{Core: core, NoHPA: true,
		Metrics: metricsClient(t, podMetrics("gl-001-a", "gl-001-process-heat-orchestrator", [2]string{"1", "1Gi"}))}
	got := (&sampler.Set{Samplers: []sampler.Sampler{k}}).Sample(context.Background(), time.Unix(0, 0))
	if len(got.Gaps) != 0 || len(got.Replicas) != 1 {
		t.Fatalf("got %+v: want the usage, without a gap", got)
	}
	r := got.Replicas[0]
	if r.CPUMillicores != 1000 || r.CPULimitMillicores != 0 || r.CPUPercent != 0 ||
		!strings.HasPrefix(r.LimitSource, `not known (pods "app=gl-001-process-heat-orchestrator" in namespace "greenlang": pods is forbidden`) {
		t.Errorf("got %+v: want the use, no limit, and why not", r)
	}
}

func TestKubeReplicasGaps(t *testing.T) {
	pod := podMetrics("gl-001-a", "gl-001-process-heat-orchestrator", [2]string{"1", "1Gi"})
	for _, tc := range []struct {
		name       string
		k          *sampler.KubeReplicas
		replicas   int
		hpa        bool
		wantReason map[string]string // sampler → part of the reason
	}{
		{
			name: "metrics API missing",
			k: &sampler.KubeReplicas{Core: kubefake.NewClientset(guideHPA()), Metrics: func() *metricsfake.Clientset {
				c := metricsfake.NewSimpleClientset()
				c.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, apierrors.NewNotFound(schema.GroupResource{Group: "metrics.k8s.io", Resource: "pods"}, "")
				})
				return c
			}()},
			hpa:        true,
			wantReason: map[string]string{"replicas": "metrics API (metrics.k8s.io/v1beta1) not available"},
		},
		{
			name: "metrics API fails",
			k: &sampler.KubeReplicas{Core: kubefake.NewClientset(guideHPA()), Metrics: func() *metricsfake.Clientset {
				c := metricsfake.NewSimpleClientset()
				c.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, apierrors.NewServiceUnavailable("the server is currently unable to handle the request")
				})
				return c
			}()},
			hpa:        true,
			wantReason: map[string]string{"replicas": `pod metrics in namespace "greenlang": the server is currently unable`},
		},
		{
			name:       "HPA absent",
			k:          &sampler.KubeReplicas{Core: kubefake.NewClientset(), Metrics: metricsClient(t, pod)},
			replicas:   1,
			wantReason: map[string]string{"hpa": `horizontalpodautoscaler "gl-001-process-heat-orchestrator-hpa" not found in namespace "greenlang"`},
		},
		{
			name:       "no pods in another namespace",
			k:          &sampler.KubeReplicas{Core: kubefake.NewClientset(), Metrics: metricsClient(t, pod), Namespace: "other", NoHPA: true},
			wantReason: map[string]string{"replicas": `no pod metrics for "app=gl-001-process-heat-orchestrator" in namespace "other"`},
		},
		{
			name:       "no clients",
			k:          &sampler.KubeReplicas{},
			wantReason: map[string]string{"replicas": "no metrics API client", "hpa": "no Kubernetes client"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := &sampler.Set{Samplers: []sampler.Sampler{tc.k}}
			got := set.Sample(context.Background(), time.Unix(0, 0))
			if len(got.Replicas) != tc.replicas || (got.HPA != nil) != tc.hpa || len(got.Gaps) != len(tc.wantReason) {
				t.Fatalf("got %+v", got)
			}
			for _, g := range got.Gaps {
				if !strings.Contains(g.Reason, tc.wantReason[g.Sampler]) || tc.wantReason[g.Sampler] == "" {
					t.Errorf("gap %+v, want %q", g, tc.wantReason[g.Sampler])
				}
			}
		})
	}
}

const kubeconfigYAML = `apiVersion: v1
kind: Config
clusters:
- name: test
  cluster:
    server: https://127.0.0.1:6443
users:
- name: test
  user:
    token: not-a-secret
contexts:
- name: test
  context: {cluster: test, user: test, namespace: greenlang}
current-context: test
`

func TestNewKube(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(kubeconfigYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	if core, metrics, err := sampler.NewKube(path, ""); err != nil || core == nil || metrics == nil {
		t.Errorf("NewKube(%q): %v", path, err)
	}
	if _, _, err := sampler.NewKube(path, "test"); err != nil {
		t.Errorf("NewKube with context test: %v", err)
	}
	// Out of a cluster, "" falls back to $KUBECONFIG.
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBECONFIG", path)
	if _, _, err := sampler.NewKube("", ""); err != nil {
		t.Errorf(`NewKube("") with $KUBECONFIG: %v`, err)
	}
	for _, tc := range []struct{ file, context, want string }{
		{filepath.Join(dir, "missing"), "", `kubeconfig "` + filepath.Join(dir, "missing") + `"`},
		{path, "prod", `kubeconfig "` + path + `", context "prod"`},
	} {
		_, _, err := sampler.NewKube(tc.file, tc.context)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewKube(%q, %q) = %v, want an error naming %s", tc.file, tc.context, err, tc.want)
		}
	}
}
