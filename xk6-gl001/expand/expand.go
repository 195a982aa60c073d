// Package expand validates an expansion as one job: it runs the current
// fleet, then the expanded fleet (more plants and sub-agents at the
// scenario's per-plant rates) on the same deployment or, prescaled, on the
// calculator's replicas for it, reports each, and answers the guide's
// "Adding new plants (5+)?" from the two (reports/expansion).
package expand

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/greenlang/gl001/reports/expansion"
	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/xk6-gl001/engine"
)

// ErrInput marks options the user must fix.
var ErrInput = errors.New("invalid expansion")

// Options configure an expansion run.
type Options struct {
	// Engine is the current fleet's run; its OutDir holds before/ and
	// after/ and the comparison.
	Engine engine.Options
	// Plants and Agents are the expanded fleet; Agents 0 keeps the
	// scenario's sub-agents per plant.
	Plants, Agents int
	// Prescale runs the expanded fleet on the calculator's replicas for
	// it (the stand-in only); otherwise on the current fleet's.
	Prescale bool
	// Report are both reports' options; the after report's PlantsToAdd
	// is the expansion.
	Report report.Options
}

// Outcome is both runs and their comparison.
type Outcome struct {
	Before, After engine.Outcome
	Comparison    expansion.Comparison
}

// Validate checks the options, naming the flag.
func (o Options) Validate() error {
	sc := o.Engine.Scenario
	switch {
	case o.Plants <= sc.Plants:
		return fmt.Errorf("%w: --expand-to %d: want more plants than the scenario's %d", ErrInput, o.Plants, sc.Plants)
	case o.Agents < 0:
		return fmt.Errorf("%w: --expand-to …,%d: want sub-agents ≥ 0", ErrInput, o.Agents)
	case o.Prescale && o.Engine.Target != "":
		return fmt.Errorf("%w: --prescale sizes the stand-in; with --target scale the deployment to the calculator's replicas (gl001 capacity --plants %d prints the kubectl commands) and run again", ErrInput, o.Plants)
	case sc.Scenarios != nil:
		return fmt.Errorf("%w: %s: a scenario with k6 \"scenarios\" cannot be scaled per plant", ErrInput, o.Engine.ScenarioFile)
	}
	return nil
}

// Expanded is the scenario at the expanded fleet: more plants and
// sub-agents, each plant at the scenario's per-plant rates.
func Expanded(sc scenarios.Scenario, plants, agents int) scenarios.Scenario {
	scale := float64(plants) / float64(sc.Plants)
	out := sc
	out.TestName = sc.TestName + "_expanded"
	out.Plants = plants
	out.SubAgents = agents
	if agents == 0 {
		out.SubAgents = int(math.Round(float64(sc.SubAgents) * scale))
	}
	out.HeatOptimizationRequestsPerMinute *= scale
	out.AgentCoordinationEventsPerSecond *= scale
	return out
}

// Run runs both fleets in turn and writes expansion.md and
// expansion.json beside their folders.
func Run(ctx context.Context, o Options) (Outcome, error) {
	var out Outcome
	if err := o.Validate(); err != nil {
		return out, err
	}
	root := o.Engine.OutDir
	sc := o.Engine.Scenario
	after := Expanded(sc, o.Plants, o.Agents)
	replicas := 0
	if o.Engine.Target == "" {
		replicas = sc.ReplicasOrPredicted()
		sc.Replicas, after.Replicas = replicas, replicas
	}
	afterReplicas := replicas
	if o.Prescale {
		afterReplicas = after.Prediction().Replicas
		after.Replicas = afterReplicas
	}
	if err := after.Validate(); err != nil {
		return out, fmt.Errorf("%w: the expanded scenario: %w", ErrInput, err)
	}
	phases := []struct {
		name string
		sc   scenarios.Scenario
		res  *engine.Outcome
		reps int
	}{{"before", sc, &out.Before, replicas}, {"after", after, &out.After, afterReplicas}}
	var ph [2]expansion.Phase
	for i, p := range phases {
		eo := o.Engine
		eo.Scenario, eo.OutDir = p.sc, filepath.Join(root, p.name)
		res, err := engine.Run(ctx, eo)
		*p.res = res
		if err != nil {
			return out, fmt.Errorf("%s (%d plants): %w", p.name, p.sc.Plants, err)
		}
		ropts := o.Report
		if i == 1 {
			added := o.Plants - o.Engine.Scenario.Plants
			ropts.PlantsToAdd = &added
		}
		rep, err := report.Generate(res.Dir, ropts)
		if err != nil {
			return out, fmt.Errorf("%s: report: %w", p.name, err)
		}
		ph[i] = expansion.Phase{Name: p.name, Dir: res.Dir, Plants: p.sc.Plants, Agents: p.sc.SubAgents, Replicas: p.reps, Report: rep}
		if ctx.Err() != nil {
			return out, fmt.Errorf("interrupted during the %s run (%d plants): its partial results and report are in %s; no comparison was written", p.name, p.sc.Plants, res.Dir)
		}
	}
	out.Comparison = expansion.Compare(ph[0], ph[1], o.Prescale)
	return out, write(root, out.Comparison)
}

func write(dir string, c expansion.Comparison) error {
	for name, w := range map[string]func(f *os.File) error{
		"expansion.md":   func(f *os.File) error { return c.WriteMarkdown(f) },
		"expansion.json": func(f *os.File) error { return c.WriteJSON(f) },
	} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		err = w(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
