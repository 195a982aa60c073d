package capacity

import (
	"fmt"
	"io"
	"strings"
)

// Target names the Kubernetes objects the recommended commands act on. The
// guide's names are the defaults; the public GL-001 manifests call the
// deployment gl-001-process-heat, so both are settings, never literals.
type Target struct {
	Namespace  string
	Deployment string
	// Container is the orchestrator's container in the deployment's pods
	// and ConfigMap the orchestrator's settings, the two names the
	// kustomize patch (Plan.WriteKustomize) needs beyond the deployment's.
	Container string
	ConfigMap string
}

// DefaultTarget is the guide's namespace, deployment and ConfigMap, and the
// container name of deploy/k8s's stand-in deployment.
var DefaultTarget = Target{
	Namespace:  "greenlang",
	Deployment: "gl-001-process-heat-orchestrator",
	Container:  "orchestrator",
	ConfigMap:  "gl-001-config",
}

// Plan is a prediction together with the commands that apply it, the value
// `gl001 capacity -o json|yaml` prints.
type Plan struct {
	Prediction
	Kubectl []string `json:"kubectl"`
	// Calibration is set when the prediction used formulas fitted to
	// measurements (gl001 calibrate) for some of its forms; nil for the
	// guide's formulas throughout.
	Calibration *Calibration `json:"calibration,omitempty"`

	target Target // what WriteKustomize patches
}

// NewPlan pairs p with the kubectl commands that apply it to t.
func NewPlan(p Prediction, t Target) Plan {
	return Plan{Prediction: p, Kubectl: kubectl(p, t), target: t}
}

// kubectl returns the guide's recommended commands, one string each, in
// the order the guide's script prints them.
func kubectl(p Prediction, t Target) []string {
	return []string{
		fmt.Sprintf("kubectl scale deployment %s --replicas=%d -n %s", t.Deployment, p.Replicas, t.Namespace),
		fmt.Sprintf("kubectl set resources deployment %s -n %s --limits=cpu=%dm,memory=%dMi --requests=cpu=%dm,memory=%dMi",
			t.Deployment, t.Namespace, p.CPUMillicores, p.MemoryMiB, p.CPURequestMillicores, p.MemoryRequestMiB),
	}
}

// WriteText writes the plan as the guide's script prints it
// ("=== GL-001 Capacity Planning Results ==="), the long kubectl command
// folded with backslashes the same way.
func (pl Plan) WriteText(w io.Writer) error {
	p := pl.Prediction
	var b strings.Builder
	fmt.Fprintf(&b, "=== GL-001 Capacity Planning Results ===\n")
	fmt.Fprintf(&b, "Configuration: %d plants, %d sub-agents\n\n", p.Plants, p.Agents)
	if c := pl.Calibration; c != nil {
		fmt.Fprintf(&b, "Formulas calibrated from %s (%d runs):\n", c.File, c.Runs)
		for _, f := range c.Forms {
			fmt.Fprintf(&b, "  - %s: %s\n", f.Form, f.Formula)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Master Orchestrator:\n")
	fmt.Fprintf(&b, "  - Replicas: %d\n", p.Replicas)
	fmt.Fprintf(&b, "  - CPU per replica: %dm (~%s cores)\n", p.CPUMillicores, tenths(p.CPUMillicores, 1000))
	fmt.Fprintf(&b, "  - Memory per replica: %dMi (~%sGi)\n\n", p.MemoryMiB, tenths(p.MemoryMiB, 1024))
	fmt.Fprintf(&b, "Database:\n")
	fmt.Fprintf(&b, "  - Connection Pool Size: %d\n\n", p.DBPoolSize)
	fmt.Fprintf(&b, "Message Bus:\n")
	fmt.Fprintf(&b, "  - Workers: %d\n\n", p.MessageWorkers)
	fmt.Fprintf(&b, "Recommended kubectl commands:\n")
	for _, c := range pl.Kubectl {
		c = strings.Replace(c, " --limits", " \\\n  --limits", 1)
		c = strings.Replace(c, " --requests", " \\\n  --requests", 1)
		b.WriteString(c + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// tenths formats v/d truncated to one decimal, as bc does with scale=1.
func tenths(v, d int) string {
	t := v * 10 / d
	return fmt.Sprintf("%d.%d", t/10, t%10)
}

// Calibration says where a calibrated plan's formulas came from: the
// calibration file, how many runs it was fitted over, and for each form
// (replicas, CPU, memory) the formula used, fitted or the guide's.
type Calibration struct {
	File string `json:"file"`
	// Runs are the runs the CPU and memory forms were fitted over;
	// BreakpointResults the breaking points the replicas form was.
	Runs              int              `json:"runs"`
	BreakpointResults int              `json:"breakpoint_results"`
	Forms             []CalibratedForm `json:"forms"`
}

// CalibratedForm is one form of a calibrated plan.
type CalibratedForm struct {
	// Form is "replicas", "CPU per replica" or "memory per replica".
	Form string `json:"form"`
	// Fitted is false where the calibration had no fit of this form and
	// the guide's formula was kept.
	Fitted bool `json:"fitted"`
	// Formula is the formula applied, with how it was rounded, and for
	// the guide's why it was kept.
	Formula string `json:"formula"`
}
