package k8s_test

// Tests against a real kube-apiserver, run by `make test-kube`
// (deploy/k8s/test-kube.sh), which starts one on loopback, applies the
// manifests and points GL001_TEST_KUBECONFIG at a kubeconfig holding a
// token of the ServiceAccount gl001. Without it they skip, so `make test`
// needs no cluster.

import (
	"context"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// kubeconfig is GL001_TEST_KUBECONFIG, or the test skips.
func kubeconfig(t *testing.T) string {
	t.Helper()
	kc := os.Getenv("GL001_TEST_KUBECONFIG")
	if kc == "" {
		t.Skip("GL001_TEST_KUBECONFIG not set: `make test-kube` runs this against a kube-apiserver on loopback")
	}
	return kc
}

// rules is what a SelfSubjectRulesReview (what `kubectl auth can-i --list`
// prints) says the kubeconfig's user may do in ns: resource grants as
// "group/resource:verb", non-resource ones as "URL:verb", sorted.
func rules(t *testing.T, ctx context.Context, kc, ns string) (resources, nonResources []string) {
	t.Helper()
	core, _, err := sampler.NewKube(kc, "")
	if err != nil {
		t.Fatal(err)
	}
	rev, err := core.AuthorizationV1().SelfSubjectRulesReviews().Create(ctx,
		&authorizationv1.SelfSubjectRulesReview{Spec: authorizationv1.SelfSubjectRulesReviewSpec{Namespace: ns}},
		metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("rules review in %s with %s: %v", ns, kc, err)
	}
	if rev.Status.Incomplete {
		t.Errorf("rules review in %s incomplete: %s", ns, rev.Status.EvaluationError)
	}
	for _, r := range rev.Status.ResourceRules {
		if len(r.ResourceNames) > 0 {
			t.Errorf("rule limited to resourceNames %q: %+v", r.ResourceNames, r)
		}
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					resources = append(resources, g+"/"+res+":"+v)
				}
			}
		}
	}
	for _, r := range rev.Status.NonResourceRules {
		for _, u := range r.NonResourceURLs {
			for _, v := range r.Verbs {
				nonResources = append(nonResources, u+":"+v)
			}
		}
	}
	sort.Strings(resources)
	sort.Strings(nonResources)
	return slices.Compact(resources), slices.Compact(nonResources)
}

// TestKubeRulesAreTheRoles asks the server what ServiceAccount gl001
// (GL001_TEST_KUBECONFIG) may do and compares it with the Roles of
// GL001_TEST_KUBE_RBAC's kustomization (base or overlays/launcher, what the
// script applied last) plus what the server grants any ServiceAccount with
// no binding of its own: the baseline, read with the token of one in
// GL001_TEST_KUBE_BASELINE_KUBECONFIG (the self-review APIs, discovery,
// health and version, the issuer's discovery documents, and in v1.37
// clustertrustbundles). The baseline itself must only read, bar the
// self-reviews' create. In greenlang, kube-system and default.
func TestKubeRulesAreTheRoles(t *testing.T) {
	kc := kubeconfig(t)
	dir, baseKC := os.Getenv("GL001_TEST_KUBE_RBAC"), os.Getenv("GL001_TEST_KUBE_BASELINE_KUBECONFIG")
	if dir == "" || baseKC == "" {
		t.Fatal("GL001_TEST_KUBE_RBAC (base or overlays/launcher: the Roles applied) and GL001_TEST_KUBE_BASELINE_KUBECONFIG (a ServiceAccount bound to nothing) must be set")
	}
	roles := grants(t, render(t, dir))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, ns := range []string{"greenlang", "kube-system", "default"} {
		t.Run(ns, func(t *testing.T) {
			baseRes, baseNonRes := rules(t, ctx, baseKC, ns)
			for _, g := range baseRes {
				verb := g[strings.LastIndex(g, ":")+1:]
				selfReview := strings.Contains(g, "/selfsubject") && verb == "create"
				if !selfReview && verb != "get" && verb != "list" && verb != "watch" {
					t.Errorf("baseline grants %s to any ServiceAccount: more than reading", g)
				}
			}
			for _, g := range baseNonRes {
				if !strings.HasSuffix(g, ":get") {
					t.Errorf("baseline grants %s to any ServiceAccount: more than reading", g)
				}
			}
			want := slices.Clone(baseRes)
			if ns == "greenlang" {
				want = append(want, roles...)
			}
			sort.Strings(want)
			want = slices.Compact(want)
			res, nonRes := rules(t, ctx, kc, ns)
			if !slices.Equal(res, want) {
				t.Errorf("resource rules in %s\n got %q\nwant %q (the Roles of %s + the baseline)", ns, res, want, dir)
			}
			if !slices.Equal(nonRes, baseNonRes) {
				t.Errorf("non-resource rules in %s\n got %q\nwant the baseline's %q", ns, nonRes, baseNonRes)
			}
			t.Logf("%s: %d resource grants (%d the baseline's), %d non-resource (all the baseline's)", ns, len(res), len(baseRes), len(nonRes))
			if ns == "greenlang" {
				t.Logf("baseline: %s", strings.Join(baseRes, " "))
			}
		})
	}
}

// TestKubeSamplerReadsTheGuidesHPA is --kube's sampler, with the harness's
// token, reading hpa-gl-001.yaml back from the server. There is no
// metrics-server (nor kubelet), so the pods' reading fails, as a Gap in a
// run; the HPA must be read all the same.
func TestKubeSamplerReadsTheGuidesHPA(t *testing.T) {
	kc := kubeconfig(t)
	core, metrics, err := sampler.NewKube(kc, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	k := &sampler.KubeReplicas{Core: core, Metrics: metrics, Namespace: "greenlang"}
	var s sampler.Sample
	err = k.Sample(ctx, &s)
	if err == nil || !strings.Contains(err.Error(), "metrics") {
		t.Errorf("pods' reading with no metrics API: err = %v, want the metrics API's error", err)
	} else {
		t.Logf("pods' reading (no metrics-server here): %v", err)
	}
	if len(s.Gaps) > 0 {
		t.Errorf("gaps %+v", s.Gaps)
	}
	want := &sampler.HPA{Name: sampler.DefaultHPAName, MinReplicas: 3, MaxReplicas: 20}
	if s.HPA == nil || !reflect.DeepEqual(s.HPA, want) {
		t.Fatalf("HPA read %+v, want %+v", s.HPA, want)
	}
	t.Logf("HPA read through the server: %+v", *s.HPA)
}
