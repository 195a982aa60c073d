package sampler_test

import (
	"context"
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

func TestKubeReplicas(t *testing.T) {
	metrics := metricsClient(t,
		podMetrics("gl-001-b", "gl-001-process-heat-orchestrator", [2]string{"250m", "256Mi"}, [2]string{"100m", "64Mi"}),
		podMetrics("gl-001-a", "gl-001-process-heat-orchestrator", [2]string{"1", "1Gi"}),
		podMetrics("gl-002-x", "gl-002-boiler-efficiency", [2]string{"2", "2Gi"}),
	)
	k := &sampler.KubeReplicas{
		Core: kubefake.NewClientset(guideHPA()), Metrics: metrics,
		CPULimitMillicores: 1000, MemoryLimitMiB: 2048,
	}
	set := &sampler.Set{Samplers: []sampler.Sampler{k}}
	got := set.Sample(context.Background(), time.Unix(0, 0))
	want := sampler.Sample{
		At: time.Unix(0, 0),
		Replicas: []sampler.ReplicaUsage{
			{ID: "gl-001-a", CPUMillicores: 1000, MemoryMiB: 1024, CPUPercent: 100, MemoryPercent: 50},
			{ID: "gl-001-b", CPUMillicores: 350, MemoryMiB: 320, CPUPercent: 35, MemoryPercent: 15.625},
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
