package k8s_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/simulator/api"
)

// Every kustomization in this package, by its path under deploy/k8s.
var dirs = []string{"base", "overlays/standin", "overlays/guide", "overlays/greenlang", "overlays/launcher"}

// rendered is one kustomization's output, decoded strictly into client-go's
// typed objects.
type rendered struct {
	objs []runtime.Object
}

func render(t *testing.T, dir string) rendered {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	var r rendered
	for _, res := range m.Resources() {
		b, err := res.AsYAML()
		if err != nil {
			t.Fatalf("%s: %s: %v", dir, res.CurId(), err)
		}
		r.objs = append(r.objs, decodeStrict(t, dir+": "+res.CurId().String(), b))
	}
	return r
}

// strict decodes YAML into the scheme's typed object for its kind and fails
// on a field the type does not have, or a field given twice.
var strict = kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
	kjson.SerializerOptions{Yaml: true, Strict: true})

func decodeStrict(t *testing.T, where string, b []byte) runtime.Object {
	t.Helper()
	obj, _, err := strict.Decode(b, nil, nil)
	if err != nil {
		t.Fatalf("%s: strict decode: %v\n%s", where, err, b)
	}
	return obj
}

// all returns r's objects of type T.
func all[T runtime.Object](r rendered) []T {
	var out []T
	for _, o := range r.objs {
		if v, ok := o.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// one returns r's object of type T named name.
func one[T interface {
	runtime.Object
	GetName() string
}](t *testing.T, r rendered, name string) T {
	t.Helper()
	for _, o := range all[T](r) {
		if o.GetName() == name {
			return o
		}
	}
	var zero T
	t.Fatalf("no %T named %q", zero, name)
	return zero
}

func TestEveryKustomizationRendersStrictly(t *testing.T) {
	for _, dir := range dirs {
		t.Run(dir, func(t *testing.T) {
			r := render(t, dir)
			if len(r.objs) == 0 {
				t.Fatal("renders nothing")
			}
			for _, o := range r.objs {
				m := o.(interface{ GetNamespace() string })
				if ns := m.GetNamespace(); ns != "greenlang" {
					t.Errorf("%T %v: namespace %q, want greenlang", o, o.(interface{ GetName() string }).GetName(), ns)
				}
			}
			for _, img := range images(r) {
				if !strings.HasPrefix(img, "ghcr.io/greenlang/gl001") {
					t.Errorf("image %q, want ghcr.io/greenlang/gl001[:tag]", img)
				}
				if dir != "base" && img != "ghcr.io/greenlang/gl001:latest" {
					t.Errorf("image %q: the overlay's images: entry did not apply", img)
				}
			}
		})
	}
}

func images(r rendered) []string {
	var out []string
	specs := []corev1.PodSpec{}
	for _, d := range all[*appsv1.Deployment](r) {
		specs = append(specs, d.Spec.Template.Spec)
	}
	for _, j := range all[*batchv1.Job](r) {
		specs = append(specs, j.Spec.Template.Spec)
	}
	for _, s := range specs {
		for _, c := range s.Containers {
			out = append(out, c.Image)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// guideHPASpec is hpa-gl-001.yaml as the guide has it, but for the
// scaleTargetRef, which follows the overlay's deployment.
func guideHPASpec(deployment string) autoscalingv2.HorizontalPodAutoscalerSpec {
	pods := func(name, v string) autoscalingv2.MetricSpec {
		return autoscalingv2.MetricSpec{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: name},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr(resource.MustParse(v))},
		}}
	}
	util := func(name corev1.ResourceName, pct int32) autoscalingv2.MetricSpec {
		return autoscalingv2.MetricSpec{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			Name:   name,
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(pct)},
		}}
	}
	return autoscalingv2.HorizontalPodAutoscalerSpec{
		ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: deployment},
		MinReplicas:    ptr(int32(3)),
		MaxReplicas:    20,
		Metrics: []autoscalingv2.MetricSpec{
			util(corev1.ResourceCPU, 70),
			util(corev1.ResourceMemory, 75),
			pods("orchestration_latency_p95_seconds", "2"),
			pods("agent_coordination_per_second", "50"),
		},
		Behavior: &autoscalingv2.HorizontalPodAutoscalerBehavior{
			ScaleUp: &autoscalingv2.HPAScalingRules{
				StabilizationWindowSeconds: ptr(int32(60)),
				Policies: []autoscalingv2.HPAScalingPolicy{
					{Type: autoscalingv2.PercentScalingPolicy, Value: 50, PeriodSeconds: 60},
					{Type: autoscalingv2.PodsScalingPolicy, Value: 2, PeriodSeconds: 60},
				},
				SelectPolicy: ptr(autoscalingv2.MaxChangePolicySelect),
			},
			ScaleDown: &autoscalingv2.HPAScalingRules{
				StabilizationWindowSeconds: ptr(int32(300)),
				Policies: []autoscalingv2.HPAScalingPolicy{
					{Type: autoscalingv2.PercentScalingPolicy, Value: 25, PeriodSeconds: 60},
					{Type: autoscalingv2.PodsScalingPolicy, Value: 1, PeriodSeconds: 60},
				},
				SelectPolicy: ptr(autoscalingv2.MinChangePolicySelect),
			},
		},
	}
}

var boilerHPASpec = autoscalingv2.HorizontalPodAutoscalerSpec{
	ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "gl-002-boiler-efficiency"},
	MinReplicas:    ptr(int32(5)),
	MaxReplicas:    20,
	Metrics: []autoscalingv2.MetricSpec{
		{Type: autoscalingv2.ResourceMetricSourceType, Resource: &autoscalingv2.ResourceMetricSource{
			Name:   corev1.ResourceCPU,
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr(int32(70))},
		}},
		{Type: autoscalingv2.PodsMetricSourceType, Pods: &autoscalingv2.PodsMetricSource{
			Metric: autoscalingv2.MetricIdentifier{Name: "boiler_calculation_queue_depth"},
			Target: autoscalingv2.MetricTarget{Type: autoscalingv2.AverageValueMetricType, AverageValue: ptr(resource.MustParse("10"))},
		}},
	},
}

// profileOf is the target profile each harness-carrying kustomization is
// written for.
var profileOf = map[string]string{
	"base": "guide", "overlays/guide": "guide", "overlays/greenlang": "greenlang", "overlays/launcher": "guide",
}

func loadProfile(t *testing.T, name string) api.Profile {
	t.Helper()
	p, err := api.LoadProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHPAsAreTheGuides(t *testing.T) {
	for dir, prof := range profileOf {
		t.Run(dir, func(t *testing.T) {
			p := loadProfile(t, prof)
			r := render(t, dir)
			if n := len(all[*autoscalingv2.HorizontalPodAutoscaler](r)); n != 2 {
				t.Errorf("%d HPAs, want 2 (orchestrator, boiler agents)", n)
			}
			hpa := one[*autoscalingv2.HorizontalPodAutoscaler](t, r, p.HPA)
			if want := guideHPASpec(p.Deployment); !apiequality.Semantic.DeepEqual(hpa.Spec, want) {
				t.Errorf("%s spec:\n got %s\nwant %s", p.HPA, js(hpa.Spec), js(want))
			}
			boiler := one[*autoscalingv2.HorizontalPodAutoscaler](t, r, "gl-002-boiler-efficiency-hpa")
			if !apiequality.Semantic.DeepEqual(boiler.Spec, boilerHPASpec) {
				t.Errorf("boiler spec:\n got %s\nwant %s", js(boiler.Spec), js(boilerHPASpec))
			}
		})
	}
}

func js(v any) string { b, _ := json.Marshal(v); return string(b) }

// The overlays that carry the stand-in name it, its Service, its ConfigMap
// and its HPA as their profile does, so `--profile X --kube` finds them.
func TestOverlayNamesFollowTheProfile(t *testing.T) {
	for _, dir := range []string{"overlays/guide", "overlays/greenlang"} {
		t.Run(dir, func(t *testing.T) {
			p := loadProfile(t, profileOf[dir])
			r := render(t, dir)
			d := one[*appsv1.Deployment](t, r, p.Deployment)
			sel := strings.SplitN(p.Selector, "=", 2)
			for what, labels := range map[string]map[string]string{
				"labels": d.Labels, "selector": d.Spec.Selector.MatchLabels, "pod labels": d.Spec.Template.Labels,
			} {
				if labels[sel[0]] != sel[1] {
					t.Errorf("deployment %s: %s %v, want %s", d.Name, what, labels, p.Selector)
				}
			}
			svc := one[*corev1.Service](t, r, p.Deployment)
			if !reflect.DeepEqual(svc.Spec.Selector, d.Spec.Selector.MatchLabels) {
				t.Errorf("service selector %v, want the pods' %v", svc.Spec.Selector, d.Spec.Selector.MatchLabels)
			}
			one[*corev1.ConfigMap](t, r, p.ConfigMap)
			c := d.Spec.Template.Spec.Containers[0]
			if c.EnvFrom[0].ConfigMapRef.Name != p.ConfigMap {
				t.Errorf("stand-in envFrom %q, want %q", c.EnvFrom[0].ConfigMapRef.Name, p.ConfigMap)
			}
			if v := envValue(c, "GL001_PROFILE"); v != p.Name {
				t.Errorf("stand-in GL001_PROFILE %q, want %q", v, p.Name)
			}
			h := one[*corev1.ConfigMap](t, r, "gl001-harness")
			if h.Data["GL001_PROFILE"] != p.Name {
				t.Errorf("harness GL001_PROFILE %q, want %q", h.Data["GL001_PROFILE"], p.Name)
			}
			if want := "http://" + svc.Name + ".greenlang.svc:" + fmt.Sprint(svc.Spec.Ports[0].Port); h.Data["GL001_TARGET"] != want {
				t.Errorf("harness GL001_TARGET %q, want the Service, %q", h.Data["GL001_TARGET"], want)
			}
			if p.Paths.Health != "/api/v1/health" || p.Paths.Ready != "/api/v1/ready" {
				t.Fatalf("profile %s paths changed: %+v", p.Name, p.Paths)
			}
			if c.LivenessProbe.HTTPGet.Path != p.Paths.Health || c.ReadinessProbe.HTTPGet.Path != p.Paths.Ready {
				t.Errorf("probes %s, %s; want %s, %s", c.LivenessProbe.HTTPGet.Path, c.ReadinessProbe.HTTPGet.Path, p.Paths.Health, p.Paths.Ready)
			}
		})
	}
}

func envValue(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}

func TestLoadTestConfigMapIsTheShippedScenario(t *testing.T) {
	shipped, err := os.ReadFile("../../scenarios/multi_plant_load_test.json")
	if err != nil {
		t.Fatal(err)
	}
	for dir := range profileOf {
		cm := one[*corev1.ConfigMap](t, render(t, dir), "gl-001-load-test")
		var got, want any
		if err := json.Unmarshal([]byte(cm.Data["scenario.json"]), &got); err != nil {
			t.Fatalf("%s: scenario.json: %v", dir, err)
		}
		if err := json.Unmarshal(shipped, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: gl-001-load-test scenario.json\n%s\nis not scenarios/multi_plant_load_test.json\n%s", dir, cm.Data["scenario.json"], shipped)
		}
	}
}

// grants lists every (apiGroup, resource, verb) the Roles bound to the
// harness's ServiceAccount give it, sorted.
func grants(t *testing.T, r rendered) []string {
	t.Helper()
	bound := map[string]bool{}
	for _, b := range all[*rbacv1.RoleBinding](r) {
		for _, s := range b.Subjects {
			if s.Kind == "ServiceAccount" && s.Name == "gl001" && s.Namespace == "greenlang" && b.RoleRef.Kind == "Role" {
				bound[b.RoleRef.Name] = true
			}
		}
	}
	var out []string
	for _, role := range all[*rbacv1.Role](r) {
		if !bound[role.Name] {
			t.Errorf("role %s is bound to nothing", role.Name)
		}
		for _, rule := range role.Rules {
			if len(rule.ResourceNames) > 0 || len(rule.NonResourceURLs) > 0 {
				t.Errorf("role %s: unexpected resourceNames/nonResourceURLs", role.Name)
			}
			for _, g := range rule.APIGroups {
				for _, res := range rule.Resources {
					for _, v := range rule.Verbs {
						out = append(out, g+"/"+res+":"+v)
					}
				}
			}
		}
	}
	sort.Strings(out)
	return out
}

func TestRoleGrantsExactlyWhatIsListed(t *testing.T) {
	// The calls the code makes: sampler (pods list, metrics list, HPA
	// get) and kubeshards (pods watch and get, pods/log get; jobs create,
	// watch, delete).
	read := []string{"/pods:get", "/pods:list", "/pods:watch", "/pods/log:get", "metrics.k8s.io/pods:list", "autoscaling/horizontalpodautoscalers:get"}
	launch := slices.Clone(read)
	for _, v := range []string{"create", "watch", "delete"} {
		launch = append(launch, "batch/jobs:"+v)
	}
	sort.Strings(read)
	sort.Strings(launch)
	for _, tc := range []struct {
		dir  string
		want []string
	}{
		{"base", read}, {"overlays/guide", read}, {"overlays/greenlang", read}, {"overlays/launcher", launch},
		{"overlays/standin", nil},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			r := render(t, tc.dir)
			if got := grants(t, r); !slices.Equal(got, tc.want) {
				t.Errorf("grants\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// securePod checks what every pod here has: non-root, no privilege
// escalation, a read-only root, and requests and limits on each container.
func securePod(t *testing.T, what string, s corev1.PodSpec) {
	t.Helper()
	if s.SecurityContext == nil || s.SecurityContext.RunAsNonRoot == nil || !*s.SecurityContext.RunAsNonRoot ||
		s.SecurityContext.RunAsUser == nil || *s.SecurityContext.RunAsUser == 0 {
		t.Errorf("%s: pod securityContext %s, want runAsNonRoot and a non-zero runAsUser", what, js(s.SecurityContext))
	}
	for _, c := range s.Containers {
		sc := c.SecurityContext
		if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
			sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Errorf("%s/%s: securityContext %s", what, c.Name, js(sc))
		}
		for _, rl := range []corev1.ResourceList{c.Resources.Requests, c.Resources.Limits} {
			if rl.Cpu().IsZero() || rl.Memory().IsZero() {
				t.Errorf("%s/%s: resources %s, want cpu and memory requests and limits", what, c.Name, js(c.Resources))
			}
		}
	}
}

func TestHarnessIsAnIndexedJob(t *testing.T) {
	for _, dir := range []string{"base", "overlays/guide", "overlays/greenlang"} {
		t.Run(dir, func(t *testing.T) {
			r := render(t, dir)
			j := one[*batchv1.Job](t, r, "gl001-load-test")
			s := j.Spec
			if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
				t.Errorf("completionMode %v, want Indexed", s.CompletionMode)
			}
			if *s.Completions != 3 || *s.Parallelism != 3 {
				t.Errorf("completions %d parallelism %d, want 3 and 3", *s.Completions, *s.Parallelism)
			}
			if *s.BackoffLimit != 0 || s.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
				t.Errorf("backoffLimit %d restartPolicy %s, want 0 and Never (a shard is never replayed)", *s.BackoffLimit, s.Template.Spec.RestartPolicy)
			}
			if s.ActiveDeadlineSeconds == nil {
				t.Error("no activeDeadlineSeconds: a stuck run would hold its pods forever")
			}
			ps := s.Template.Spec
			securePod(t, j.Name, ps)
			if ps.ServiceAccountName != "gl001" {
				t.Errorf("serviceAccountName %q", ps.ServiceAccountName)
			}
			c := ps.Containers[0]
			args := strings.Join(c.Args, " ")
			want := fmt.Sprintf("run /config/scenario.json --segment $(JOB_COMPLETION_INDEX)/%d --sampler-shard 0 --run-id $(GL001_RUN_ID) --intervals-stdout --target $(GL001_TARGET) --brokers $(GL001_BROKERS) --profile $(GL001_PROFILE)", *s.Completions)
			if !strings.HasPrefix(args, want) {
				t.Errorf("args %q, want them to start %q", args, want)
			}
			if c.EnvFrom[0].ConfigMapRef.Name != "gl001-harness" {
				t.Errorf("envFrom %v", c.EnvFrom)
			}
			one[*corev1.ConfigMap](t, r, "gl001-harness")
			mounted := false
			for _, m := range c.VolumeMounts {
				for _, v := range ps.Volumes {
					if m.Name == v.Name && m.MountPath == "/config" && v.ConfigMap != nil && v.ConfigMap.Name == "gl-001-load-test" {
						mounted = true
					}
				}
			}
			if !mounted {
				t.Error("gl-001-load-test is not mounted at /config")
			}
		})
	}
}

func TestLauncherRunsTheShardsItself(t *testing.T) {
	r := render(t, "overlays/launcher")
	jobs := all[*batchv1.Job](r)
	if len(jobs) != 1 || jobs[0].Name != "gl001-launcher" {
		var names []string
		for _, j := range jobs {
			names = append(names, j.Name)
		}
		t.Fatalf("jobs %v, want only gl001-launcher (the static shard Job would double the load)", names)
	}
	j := jobs[0]
	if *j.Spec.Completions != 1 || *j.Spec.Parallelism != 1 || *j.Spec.BackoffLimit != 0 {
		t.Errorf("completions %d parallelism %d backoffLimit %d, want one pod, never retried", *j.Spec.Completions, *j.Spec.Parallelism, *j.Spec.BackoffLimit)
	}
	securePod(t, j.Name, j.Spec.Template.Spec)
	args := strings.Join(j.Spec.Template.Spec.Containers[0].Args, " ")
	if !strings.HasPrefix(args, "run /config/scenario.json --kube-shards 3 ") {
		t.Errorf("args %q", args)
	}
}

func TestStandInListensForTheService(t *testing.T) {
	r := render(t, "overlays/standin")
	d := one[*appsv1.Deployment](t, r, "gl-001-process-heat-orchestrator")
	securePod(t, d.Name, d.Spec.Template.Spec)
	c := d.Spec.Template.Spec.Containers[0]
	args := strings.Join(c.Args, " ")
	for _, w := range []string{"simulate ", "--listen 0.0.0.0:8000", "--replicas 1", "--brokers $(KAFKA_BOOTSTRAP_SERVERS)",
		"--db-pool-size $(DB_POOL_SIZE)", "--workers $(KAFKA_CONSUMER_THREADS)", "--plants $(MAX_PLANTS)", "--profile $(GL001_PROFILE)"} {
		if !strings.Contains(args, w) {
			t.Errorf("args %q lack %q", args, w)
		}
	}
	if c.Ports[0].ContainerPort != 8000 {
		t.Errorf("port %d", c.Ports[0].ContainerPort)
	}
	svc := one[*corev1.Service](t, r, d.Name)
	if svc.Spec.Ports[0].Port != 8000 || svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("service ports %s", js(svc.Spec.Ports))
	}
	// Its limits are the calculator's for the guide's pre-expansion fleet.
	p, _ := capacity.Calculate(10, 50)
	checkResources(t, c, p)
	cm := one[*corev1.ConfigMap](t, r, "gl-001-config")
	for _, k := range []string{capacity.KeyDBPoolSize, capacity.KeyKafkaConsumerThreads, capacity.KeyMaxPlants, "KAFKA_BOOTSTRAP_SERVERS"} {
		if cm.Data[k] == "" {
			t.Errorf("gl-001-config lacks %s", k)
		}
	}
}

func checkResources(t *testing.T, c corev1.Container, p capacity.Prediction) {
	t.Helper()
	want := corev1.ResourceRequirements{
		Limits: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(fmt.Sprintf("%dm", p.CPUMillicores)),
			corev1.ResourceMemory: resource.MustParse(fmt.Sprintf("%dMi", p.MemoryMiB)),
		},
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(fmt.Sprintf("%dm", p.CPURequestMillicores)),
			corev1.ResourceMemory: resource.MustParse(fmt.Sprintf("%dMi", p.MemoryRequestMiB)),
		},
	}
	if !apiequality.Semantic.DeepEqual(c.Resources, want) {
		t.Errorf("container %s resources %s, want %s", c.Name, js(c.Resources), js(want))
	}
}

// The capacity patch, put on top of an overlay by a kustomization of the
// user's (the overlay as its resource, the patch under patches:), gives
// the calculator's replicas, limits and ConfigMap values and keeps the
// rest.
func TestCapacityPatchAppliesToEachOverlay(t *testing.T) {
	pred, err := capacity.Calculate(15, 75)
	if err != nil {
		t.Fatal(err)
	}
	if pred.Replicas != 11 || pred.CPUMillicores != 6250 || pred.MemoryMiB != 12548 || pred.DBPoolSize != 205 || pred.MessageWorkers != 4 {
		t.Fatalf("calculator changed: %+v", pred)
	}
	for _, dir := range []string{"overlays/standin", "overlays/guide", "overlays/greenlang"} {
		t.Run(dir, func(t *testing.T) {
			p := loadProfile(t, "guide")
			if dir == "overlays/greenlang" {
				p = loadProfile(t, "greenlang")
			}
			target := capacity.DefaultTarget
			target.Namespace, target.Deployment, target.ConfigMap = p.Namespace, p.Deployment, p.ConfigMap
			var patch bytes.Buffer
			if err := capacity.NewPlan(pred, target).WriteKustomize(&patch); err != nil {
				t.Fatal(err)
			}
			overlay, err := filepath.Abs(dir)
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			rel, err := filepath.Rel(tmp, overlay)
			if err != nil {
				t.Fatal(err)
			}
			kz := "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n- " + rel +
				"\npatches:\n- path: capacity-patch.yaml\n"
			writeFile(t, filepath.Join(tmp, "kustomization.yaml"), kz)
			writeFile(t, filepath.Join(tmp, "capacity-patch.yaml"), patch.String())

			before := render(t, dir)
			r := render(t, tmp)
			d := one[*appsv1.Deployment](t, r, p.Deployment)
			if *d.Spec.Replicas != int32(pred.Replicas) {
				t.Errorf("replicas %d, want %d", *d.Spec.Replicas, pred.Replicas)
			}
			checkResources(t, d.Spec.Template.Spec.Containers[0], pred)
			// Only resources changed in the container; args, env, probes stay.
			was := one[*appsv1.Deployment](t, before, p.Deployment).Spec.Template.Spec.Containers[0]
			now := d.Spec.Template.Spec.Containers[0]
			was.Resources, now.Resources = corev1.ResourceRequirements{}, corev1.ResourceRequirements{}
			if !apiequality.Semantic.DeepEqual(was, now) {
				t.Errorf("the patch changed more than resources:\n was %s\n now %s", js(was), js(now))
			}
			cm := one[*corev1.ConfigMap](t, r, p.ConfigMap)
			wantData := one[*corev1.ConfigMap](t, before, p.ConfigMap).Data
			wantData[capacity.KeyDBPoolSize] = "205"
			wantData[capacity.KeyKafkaConsumerThreads] = "4"
			wantData[capacity.KeyMaxPlants] = "15"
			if !reflect.DeepEqual(cm.Data, wantData) {
				t.Errorf("%s data %v, want %v", p.ConfigMap, cm.Data, wantData)
			}
			if len(r.objs) != len(before.objs) {
				t.Errorf("%d objects, the overlay alone renders %d", len(r.objs), len(before.objs))
			}
		})
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// kubectl's own kustomize renders overlays/guide to the same objects as
// the Go API this package is tested with.
func TestKubectlKustomizeRendersTheSame(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl is not on PATH; `kubectl kustomize deploy/k8s/overlays/guide` not compared")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, kubectl, "kustomize", "overlays/guide")
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl kustomize overlays/guide: %v\n%s", err, stderr.String())
	}
	got := map[string]runtime.Object{}
	for i, doc := range bytes.Split(out, []byte("\n---\n")) {
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		o := decodeStrict(t, fmt.Sprintf("kubectl output, document %d", i), doc)
		got[key(o)] = o
	}
	want := render(t, "overlays/guide")
	if len(got) != len(want.objs) {
		t.Errorf("kubectl renders %d objects, the Go API %d", len(got), len(want.objs))
	}
	for _, o := range want.objs {
		g, ok := got[key(o)]
		if !ok {
			t.Errorf("kubectl does not render %s", key(o))
			continue
		}
		if !apiequality.Semantic.DeepEqual(g, o) {
			gy, _ := yaml.Marshal(g)
			wy, _ := yaml.Marshal(o)
			t.Errorf("%s differs:\nkubectl:\n%s\nGo API:\n%s", key(o), gy, wy)
		}
	}
}

func key(o runtime.Object) string {
	m := o.(interface {
		GetName() string
		GetNamespace() string
	})
	return fmt.Sprintf("%T %s/%s", o, m.GetNamespace(), m.GetName())
}

// Every $(VAR) in a container's arguments is one its pod defines: an env
// entry, or a key of a ConfigMap it takes with envFrom in the same
// render. An undefined one reaches the program as the literal "$(VAR)".
func TestArgsVariablesAreDefined(t *testing.T) {
	ref := regexp.MustCompile(`\$\(([A-Za-z0-9_]+)\)`)
	for _, dir := range dirs {
		r := render(t, dir)
		var pods []corev1.PodTemplateSpec
		for _, j := range all[*batchv1.Job](r) {
			pods = append(pods, j.Spec.Template)
		}
		for _, d := range all[*appsv1.Deployment](r) {
			pods = append(pods, d.Spec.Template)
		}
		for _, p := range pods {
			for _, c := range p.Spec.Containers {
				defined := map[string]bool{}
				for _, e := range c.Env {
					defined[e.Name] = true
				}
				for _, ef := range c.EnvFrom {
					if ef.ConfigMapRef != nil {
						for k := range one[*corev1.ConfigMap](t, r, ef.ConfigMapRef.Name).Data {
							defined[k] = true
						}
					}
				}
				for _, a := range c.Args {
					for _, m := range ref.FindAllStringSubmatch(a, -1) {
						if !defined[m[1]] {
							t.Errorf("%s: %s/%s: argument %q: %s is not defined in its env or envFrom", dir, p.Labels["app.kubernetes.io/component"], c.Name, a, m[1])
						}
					}
				}
			}
		}
	}
}
