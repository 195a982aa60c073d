package main

import (
	"os"
	"regexp"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	"sigs.k8s.io/yaml"
)

// The Jobs' arguments in deploy/k8s parse with run's own flags, their
// $(VAR)s filled as the kubelet fills them: a flag renamed here breaks
// this test, not a pod in a cluster.
func TestManifestJobArgsParse(t *testing.T) {
	vars := map[string]string{"JOB_COMPLETION_INDEX": "1", "GL001_RUN_ID": "0f1e2d3c", "GL001_TARGET": "http://gl-001:8000",
		"GL001_BROKERS": "kafka:9092", "GL001_PROFILE": "guide", "GL001_IMAGE": "ghcr.io/greenlang/gl001:latest"}
	ref := regexp.MustCompile(`\$\(([A-Z0-9_]+)\)`)
	for _, file := range []string{"../../deploy/k8s/base/job.yaml", "../../deploy/k8s/overlays/launcher/launcher-job.yaml"} {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var job batchv1.Job
		if err := yaml.UnmarshalStrict(b, &job); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		args := job.Spec.Template.Spec.Containers[0].Args
		var filled []string
		for _, a := range args {
			filled = append(filled, ref.ReplaceAllStringFunc(a, func(m string) string {
				v, ok := vars[ref.FindStringSubmatch(m)[1]]
				if !ok {
					t.Errorf("%s: %s is not set for the pod", file, m)
				}
				return v
			}))
		}
		if filled[0] != "run" {
			t.Fatalf("%s: args %q, want gl001 run …", file, args)
		}
		cmd := newRunCmd(streams{})
		if err := cmd.ParseFlags(filled[1:]); err != nil {
			t.Errorf("%s: args %q: %v", file, filled, err)
		}
		if n := cmd.Flags().NArg(); n != 1 {
			t.Errorf("%s: %d positional arguments %q, want the scenario alone", file, n, cmd.Flags().Args())
		}
	}
}
