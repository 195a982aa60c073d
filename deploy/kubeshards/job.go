// Package kubeshards runs a distributed gl001 run on Kubernetes, the
// engine its users already run, not a scheduler of its own: it creates
// the shards' Indexed Job (deploy/k8s's base/job.yaml, completions N,
// each pod `gl001 run --segment $JOB_COMPLETION_INDEX/N`), follows every
// pod's log stream into a live merge (reports/merge), stops the Job when
// an abortOnFail threshold fails on the merged data or the launcher is
// interrupted, and leaves one results folder behind.
package kubeshards

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/greenlang/gl001/deploy/k8s"
)

// Labels and annotations of the shard Job and its pods. The two
// batch.kubernetes.io ones are set by the Job controller.
const (
	LabelName       = "app.kubernetes.io/name"
	LabelComponent  = "app.kubernetes.io/component"
	LabelRunID      = "gl001/run-id"
	LabelJobName    = "batch.kubernetes.io/job-name"
	IndexAnnotation = "batch.kubernetes.io/job-completion-index"
	ContainerName   = "gl001"
	// ScenarioPath is where the pods find the scenario (the ConfigMap's
	// scenario.json, mounted).
	ScenarioPath = "/config/scenario.json"
)

// ErrSpec marks a Spec the user must fix.
var ErrSpec = errors.New("invalid shard job")

// Spec is what varies between launches of the shard Job.
type Spec struct {
	Namespace string
	Shards    int
	Image     string
	RunID     string // lower-case letters and digits, at most 40
	// ConfigMap holds the scenario as scenario.json (default: the
	// manifest's, gl-001-load-test).
	ConfigMap string
	// Args are the flags every shard gets after its own (--target,
	// --brokers, --profile, …).
	Args []string
	// ActiveDeadlineSeconds bounds the Job (0: the manifest's).
	ActiveDeadlineSeconds int64
}

// Name is the Job's name: the manifest's, with the run id.
func (s Spec) Name() string { return "gl001-load-test-" + s.RunID }

// Validate checks the spec, naming the flag to fix.
func (s Spec) Validate() error {
	switch {
	case s.Shards < 1 || s.Shards > 1000:
		return fmt.Errorf("%w: --kube-shards %d: want 1 to 1000 shards", ErrSpec, s.Shards)
	case s.Image == "":
		return fmt.Errorf("%w: --image: empty, want the gl001 image the pods run (make image builds one)", ErrSpec)
	case s.Namespace == "":
		return fmt.Errorf("%w: --namespace: empty", ErrSpec)
	case s.RunID == "" || len(s.RunID) > 40 || strings.Trim(s.RunID, "abcdefghijklmnopqrstuvwxyz0123456789") != "":
		return fmt.Errorf("%w: run id %q: want 1 to 40 lower-case letters and digits (it names the Job)", ErrSpec, s.RunID)
	}
	return nil
}

// ShardArgs are the container's arguments: a shard of N, its intervals
// on stdout for the launcher to follow, then s.Args.
func (s Spec) ShardArgs() []string {
	return append([]string{"run", ScenarioPath,
		"--segment", "$(JOB_COMPLETION_INDEX)/" + strconv.Itoa(s.Shards),
		"--sampler-shard", "0",
		"--run-id", s.RunID,
		"--intervals-stdout",
		"--out", "/results"}, s.Args...)
}

// Job builds the shard Job from deploy/k8s's manifest: N completions,
// all at once, the image and arguments of this launch, labelled with the
// run id; the harness ConfigMap's settings are the launcher's flags
// instead, so the manifest's envFrom is dropped.
func (s Spec) Job() (*batchv1.Job, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict(k8s.ShardJob, &job); err != nil {
		return nil, fmt.Errorf("deploy/k8s/base/job.yaml: %w", err)
	}
	job.Name, job.Namespace = s.Name(), s.Namespace
	n := int32(s.Shards)
	job.Spec.Completions, job.Spec.Parallelism = &n, &n
	if s.ActiveDeadlineSeconds > 0 {
		job.Spec.ActiveDeadlineSeconds = &s.ActiveDeadlineSeconds
	}
	for _, l := range []map[string]string{job.Labels, job.Spec.Template.Labels} {
		l[LabelRunID] = s.RunID
	}
	pod := &job.Spec.Template.Spec
	i := slices.IndexFunc(pod.Containers, func(c corev1.Container) bool { return c.Name == ContainerName })
	if i < 0 {
		return nil, fmt.Errorf("deploy/k8s/base/job.yaml: no container %q", ContainerName)
	}
	c := &pod.Containers[i]
	c.Image, c.Args, c.EnvFrom = s.Image, s.ShardArgs(), nil
	c.Env = slices.DeleteFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "GL001_RUN_ID" })
	if s.ConfigMap != "" {
		for k := range pod.Volumes {
			if cm := pod.Volumes[k].ConfigMap; cm != nil {
				cm.Name = s.ConfigMap
			}
		}
	}
	return &job, nil
}

// shardIndex is a pod's completion index, or -1.
func shardIndex(pod *corev1.Pod) int {
	v, ok := pod.Annotations[IndexAnnotation]
	if !ok {
		v, ok = pod.Labels[IndexAnnotation]
	}
	if !ok {
		return -1
	}
	i, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return i
}
