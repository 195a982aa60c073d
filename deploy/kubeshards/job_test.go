package kubeshards

import (
	"errors"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// The launched Job is the manifest's, N shards wide, with the launch's
// image, run id and flags.
func TestJobFromTheManifest(t *testing.T) {
	s := Spec{Namespace: "greenlang", Shards: 5, Image: "registry.local/gl001:v1", RunID: "abc123", ConfigMap: "my-scenario",
		Args: []string{"--target", "http://gl-001:8000", "--kube"}, ActiveDeadlineSeconds: 600}
	job, err := s.Job()
	if err != nil {
		t.Fatal(err)
	}
	c := job.Spec.Template.Spec.Containers[0]
	want := []string{"run", "/config/scenario.json", "--segment", "$(JOB_COMPLETION_INDEX)/5", "--sampler-shard", "0", "--run-id", "abc123",
		"--intervals-stdout", "--out", "/results", "--target", "http://gl-001:8000", "--kube"}
	switch {
	case job.Name != "gl001-load-test-abc123" || job.Namespace != "greenlang":
		t.Errorf("name %s/%s", job.Namespace, job.Name)
	case *job.Spec.Completions != 5 || *job.Spec.Parallelism != 5 || *job.Spec.BackoffLimit != 0 || *job.Spec.ActiveDeadlineSeconds != 600:
		t.Errorf("spec %+v", job.Spec)
	case job.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyNever:
		t.Errorf("restart policy %s", job.Spec.Template.Spec.RestartPolicy)
	case c.Image != s.Image || !slices.Equal(c.Args, want) || c.EnvFrom != nil:
		t.Errorf("container %s %q envFrom %v", c.Image, c.Args, c.EnvFrom)
	case job.Labels[LabelRunID] != "abc123" || job.Spec.Template.Labels[LabelRunID] != "abc123":
		t.Errorf("labels %v %v", job.Labels, job.Spec.Template.Labels)
	case job.Spec.Template.Spec.Volumes[0].ConfigMap.Name != "my-scenario":
		t.Errorf("volumes %+v", job.Spec.Template.Spec.Volumes)
	}
	if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "JOB_COMPLETION_INDEX" }) ||
		slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "GL001_RUN_ID" }) {
		t.Errorf("env %+v", c.Env)
	}
}

func TestSpecValidate(t *testing.T) {
	ok := Spec{Namespace: "greenlang", Shards: 3, Image: "i", RunID: "r1"}
	for _, tc := range []struct {
		mod  func(*Spec)
		want string
	}{
		{func(s *Spec) { s.Shards = 0 }, "--kube-shards 0"},
		{func(s *Spec) { s.Image = "" }, "--image"},
		{func(s *Spec) { s.RunID = "Not_OK" }, `run id "Not_OK"`},
		{func(s *Spec) { s.Namespace = "" }, "--namespace"},
	} {
		s := ok
		tc.mod(&s)
		if err := s.Validate(); !errors.Is(err, ErrSpec) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", s, err, tc.want)
		}
	}
	if err := ok.Validate(); err != nil {
		t.Error(err)
	}
}
