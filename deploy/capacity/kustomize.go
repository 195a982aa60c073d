package capacity

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// The guide's ConfigMap keys the kustomize patch sets ("Scaling for Large
// Facilities", "Connection Pool Scaling", "Kafka Scaling").
const (
	KeyDBPoolSize           = "DB_POOL_SIZE"
	KeyKafkaConsumerThreads = "KAFKA_CONSUMER_THREADS"
	KeyMaxPlants            = "MAX_PLANTS"
)

// WriteKustomize writes the plan as one kustomize patch file of two
// strategic-merge patches, the value `gl001 capacity -o kustomize` prints:
// the deployment's replicas and its container's limits and requests, and
// the ConfigMap's DB_POOL_SIZE, KAFKA_CONSUMER_THREADS (the calculator's
// message workers) and MAX_PLANTS. It applies to any kustomization that
// renders the plan's Target (deploy/k8s/overlays/guide, and with
// --deployment gl-001-process-heat --configmap gl-001-process-heat-config
// overlays/greenlang), listed as
//
//	patches:
//	- path: capacity-patch.yaml
//
// Strategic merge keeps everything the patch does not name: the
// container's other fields, the ConfigMap's other keys. It returns an error
// naming the field when a Target name is not a valid Kubernetes name.
func (pl Plan) WriteKustomize(w io.Writer) error {
	t, p := pl.target, pl.Prediction
	if err := t.validate(); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# gl001 capacity --plants %d --agents %d -o kustomize\n", p.Plants, p.Agents)
	replicasNote := fmt.Sprintf("ceil(%d/5) + ceil(%d/10), clamped to [%d, %d]", p.Plants, p.Agents, MinReplicas, MaxReplicas)
	limitsNote := "per replica: 1000m + 100m*plants + 50m*agents, 2048Mi + 200Mi*plants + 100Mi*agents"
	if c := pl.Calibration; c != nil {
		replicasNote = fmt.Sprintf("the calibration's replicas formula (above), clamped to [%d, %d]", MinReplicas, MaxReplicas)
		limitsNote = "per replica: the calibration's CPU and memory formulas (above)"
		fmt.Fprintf(&b, "# Formulas calibrated from %s (%d runs):\n", c.File, c.Runs)
		for _, f := range c.Forms {
			fmt.Fprintf(&b, "#   %s: %s\n", f.Form, f.Formula)
		}
	}
	b.WriteString(`#
# The guide's capacity calculator as a kustomize patch. Save it beside your
# kustomization.yaml and list it under patches:
#   patches:
#   - path: capacity-patch.yaml
# then kubectl apply -k, and kubectl rollout restart the deployment so the
# orchestrator reads the new ConfigMap (as the guide does). The HPA, when
# there is one, owns the replica count afterwards; the count here is the
# pre-scale the guide applies before adding plants.
`)
	fmt.Fprintf(&b, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
  namespace: %s
spec:
  # %s
  replicas: %d
  template:
    spec:
      containers:
      - name: %s
        # %s;
        # requests 60 %% and 70 %% of them, rounded down
        resources:
          limits:
            cpu: %dm
            memory: %dMi
          requests:
            cpu: %dm
            memory: %dMi
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: %s
  namespace: %s
data:
  # 5*plants + 10*replicas + 20
  %s: "%d"
  # the message workers: ceil(agents/20), clamped to [%d, %d]
  %s: "%d"
  %s: "%d"
`, t.Deployment, t.Namespace, replicasNote, p.Replicas,
		t.Container, limitsNote, p.CPUMillicores, p.MemoryMiB, p.CPURequestMillicores, p.MemoryRequestMiB,
		t.ConfigMap, t.Namespace,
		KeyDBPoolSize, p.DBPoolSize, MinWorkers, MaxWorkers, KeyKafkaConsumerThreads, p.MessageWorkers, KeyMaxPlants, p.Plants)
	_, err := io.WriteString(w, b.String())
	return err
}

// validate names each Target field that is not a name Kubernetes accepts
// for it: namespace and container are DNS labels, deployment and ConfigMap
// DNS subdomains.
func (t Target) validate() error {
	var errs []error
	check := func(field, v string, f func(string) []string) {
		if msgs := f(v); len(msgs) > 0 {
			errs = append(errs, fmt.Errorf("%w: %s %q: %s", ErrInput, field, v, strings.Join(msgs, "; ")))
		}
	}
	check("namespace", t.Namespace, validation.IsDNS1123Label)
	check("deployment", t.Deployment, validation.IsDNS1123Subdomain)
	check("container", t.Container, validation.IsDNS1123Label)
	check("configmap", t.ConfigMap, validation.IsDNS1123Subdomain)
	return errors.Join(errs...)
}
