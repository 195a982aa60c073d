package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"sigs.k8s.io/yaml"

	"github.com/greenlang/gl001/deploy/calibration"
	"github.com/greenlang/gl001/deploy/capacity"
)

func newCapacityCmd(s streams) *cobra.Command {
	plants := &intFlag{lo: capacity.MinPlants, hi: capacity.MaxPlants}
	agents := &intFlag{lo: capacity.MinAgents, hi: capacity.MaxAgents}
	output := outputFlag("text", "json", "yaml", "kustomize")
	target := capacity.DefaultTarget
	var calFile string
	cmd := &cobra.Command{
		Use:   "capacity --plants N --agents M [-o text|json|yaml|kustomize] [--calibration FILE]",
		Short: "Predict replicas, CPU, memory, DB pool and workers with the guide's calculator",
		Long: `capacity applies the GL-001 scaling guide's capacity planning formulas:

  replicas        = ceil(plants/5) + ceil(agents/10), clamped to [3, 20]
  CPU limit       = 1000m + 100m*plants + 50m*agents        (per replica)
  memory limit    = 2048Mi + 200Mi*plants + 100Mi*agents    (per replica)
  requests        = 60% of the CPU limit, 70% of the memory limit, rounded down
  DB pool         = 5*plants + 10*replicas + 20
  message workers = ceil(agents/20), clamped to [3, 20]

and prints the plan with the kubectl commands that apply it. With neither
flag on a terminal it asks for the two numbers, like the guide's script.

-o kustomize prints the plan as a kustomize patch file instead: the
deployment's replicas and its --container's limits and requests, and the
--configmap's DB_POOL_SIZE, KAFKA_CONSUMER_THREADS and MAX_PLANTS. Save it
beside a kustomization.yaml (deploy/k8s/overlays/guide, or your own) and
list it under patches: (- path: capacity-patch.yaml).

--calibration FILE predicts with the formulas gl001 calibrate fitted
(replicas, CPU and memory per replica), each rounded up, replicas still
clamped to [3, 20] and requests 60%/70% of the limits; a form FILE lacks keeps
the guide's. Every output says so ("calibrated from FILE (n runs)", and a
"calibration" field in JSON and yaml).`,
		Example: `  gl001 capacity --plants 15 --agents 75
  gl001 capacity --plants 20 --agents 99 -o json
  gl001 capacity --plants 15 --agents 75 -o kustomize > capacity-patch.yaml
  gl001 capacity --plants 15 --agents 75 --calibration calibration.json
  gl001 capacity --plants 15 --agents 75 -o kustomize --deployment gl-001-process-heat --configmap gl-001-process-heat-config`,
		Args: cobra.NoArgs,
		RunE: runE(func(cmd *cobra.Command, _ []string) error {
			p, a, err := capacityInput(s, plants, agents)
			if err != nil {
				return err
			}
			if calFile == "" {
				pred, err := capacity.Calculate(p, a)
				if err != nil {
					return badInput(err)
				}
				return writePlan(s, capacity.NewPlan(pred, target), output.value)
			}
			cal, err := calibration.Read(calFile)
			if err != nil {
				return badInput(fmt.Errorf("--calibration: %w", err))
			}
			pred, note, err := cal.Predict(calFile, p, a)
			if err != nil {
				return badInput(err)
			}
			pl := capacity.NewPlan(pred, target)
			pl.Calibration = note
			return writePlan(s, pl, output.value)
		}),
	}
	f := cmd.Flags()
	f.Var(plants, "plants", fmt.Sprintf("number of plants, %d to %d", capacity.MinPlants, capacity.MaxPlants))
	f.Var(agents, "agents", fmt.Sprintf("number of active sub-agents, %d to %d", capacity.MinAgents, capacity.MaxAgents))
	f.VarP(output, "output", "o", "output format: text, json, yaml or kustomize (a patch file)")
	f.StringVar(&calFile, "calibration", "", "predict with the formulas fitted in this file (gl001 calibrate --out); a form it lacks keeps the guide's")
	f.StringVar(&target.Namespace, "namespace", target.Namespace, "Kubernetes namespace in the kubectl commands and the kustomize patch")
	f.StringVar(&target.Deployment, "deployment", target.Deployment, "orchestrator deployment name in the kubectl commands and the kustomize patch")
	f.StringVar(&target.Container, "container", target.Container, "-o kustomize: the orchestrator's container in the deployment's pods")
	f.StringVar(&target.ConfigMap, "configmap", target.ConfigMap, "-o kustomize: the orchestrator's ConfigMap (DB_POOL_SIZE, KAFKA_CONSUMER_THREADS, MAX_PLANTS)")
	return cmd
}

// capacityInput takes the counts from the flags, or asks for them when
// neither flag is given and a person is at the terminal.
func capacityInput(s streams, plants, agents *intFlag) (int, int, error) {
	switch {
	case plants.set && agents.set:
		return plants.value, agents.value, nil
	case plants.set:
		return 0, 0, badInput(errors.New("--agents is required with --plants"))
	case agents.set:
		return 0, 0, badInput(errors.New("--plants is required with --agents"))
	case !s.isTerminal():
		return 0, 0, badInput(errors.New("--plants and --agents are required (or run on a terminal to be asked)"))
	}
	p, a, err := capacity.Prompt(s.in, s.out)
	if err != nil {
		return 0, 0, badInput(err)
	}
	fmt.Fprintln(s.out)
	return p, a, nil
}

func writePlan(s streams, pl capacity.Plan, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(s.out)
		enc.SetIndent("", "  ")
		return enc.Encode(pl)
	case "yaml":
		b, err := yaml.Marshal(pl)
		if err != nil {
			return err
		}
		_, err = s.out.Write(b)
		return err
	case "kustomize":
		if err := pl.WriteKustomize(s.out); err != nil {
			if errors.Is(err, capacity.ErrInput) {
				return badInput(err)
			}
			return err
		}
		return nil
	default:
		return pl.WriteText(s.out)
	}
}
