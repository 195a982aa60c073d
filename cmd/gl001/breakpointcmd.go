package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/breakpoint"
	"github.com/greenlang/gl001/xk6-gl001/engine"
)

func newBreakpointCmd(s streams) *cobra.Command {
	var (
		o        breakpoint.Options
		limits   limitFlags
		replicas string
		brokers  string
		profile  string
		output   string
		outDir   string
		verbose  bool
	)
	cmd := &cobra.Command{
		Use:   "breakpoint SCENARIO [--replicas 1,2,3] [--by plants|rate] [--step-duration 2m] [--max-steps 8] [--out DIR]",
		Short: "Raise the load in steps until the deployment breaks; the largest fleet that held at each replica count",
		Long: `breakpoint runs SCENARIO as a series of load tests, each --step-duration
long, raising the load each step: with --by plants (the default), step k plays
--start + (k−1)·--step plants (default: the scenario's plants, then as many
more each step), its sub-agents and both rates scaled by the same factor, so
each plant keeps the scenario's per-plant rates; with --by rate the fleet
stays and the rates are the scenario's × k.

A step breaks when a health trigger of the guide's table goes critical, a
threshold fails, under 99 % of its schedule starts, or its latency does not
settle (the p95 of its last third over 1.5 × its middle third's, and over
100 ms). The search stops at the first step that breaks, or after --max-steps.
It repeats for each --replicas count of the stand-in, each replica held by a
cgroup to --replica-cpu-limit (give it, so that every count runs under the
same per-replica limit), or, with --target, once, at the deployment's own
count.

Writes into --out (default results/breakpoint-<test_name>-<UTC time>/): one
folder per step (replicas-R/step-K, a run's folder with its report), and
breakpoint.json ({"results": [{"replicas", "max_plants", "max_agents",
"broke_on", "calculator_replicas", "steps"}]}), breakpoint.md and
breakpoint.png/.svg: the sustainable plants against replicas with the
capacity calculator's line over it. Prints the results (-o json: the JSON).

Exit codes: 0 searched; 2 bad input; 1 a step could not run; 130 a second
Ctrl-C (the first stops the search and still writes what it found).`,
		Example: `  gl001 breakpoint short_load_test.json --replicas 1,2,3 --replica-cpu-limit 500m --step-duration 1m
  gl001 breakpoint my.json --by rate --target http://gl-001:8000 --brokers kafka:9092`,
		Args: exactArgs(1, "SCENARIO"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return badInput(err)
			}
			if sc.Regions != nil {
				return badInput(fmt.Errorf("%s: regions do not go with breakpoint yet: each step changes the plants, and the layout is for %d; remove the regions field, or run each fleet with gl001 run --regions", args[0], sc.Plants))
			}
			o.Scenario, o.ScenarioFile = sc, args[0]
			if o.Replicas, err = parseReplicas(replicas); err != nil {
				return badInput(err)
			}
			if output != "text" && output != "json" {
				return badInput(fmt.Errorf("invalid argument %q for \"-o, --output\" flag: want text or json", output))
			}
			if o.Engine.Profile, err = api.LoadProfile(profile); err != nil {
				return badInput(fmt.Errorf("--profile: %w", err))
			}
			if profile != "guide" {
				o.Engine.ProfileFile = profile
			}
			o.Engine.Bus.Brokers = splitList(brokers)
			busPasswordFromEnv(&o.Engine.Bus)
			if o.Engine.Target != "" && (cmd.Flags().Changed("replica-cpu-limit") || cmd.Flags().Changed("replica-memory-limit")) {
				return badInput(errors.New("--replica-cpu-limit and --replica-memory-limit apply to the stand-in only"))
			}
			o.Engine.StandIn.CPULimitMillicores, o.Engine.StandIn.MemoryLimitMiB = limits.cpu.millicores, limits.memory.mib
			if len(o.Replicas) == 0 && o.Engine.Target == "" {
				o.Replicas = []int{sc.ReplicasOrPredicted()}
			}
			if outDir == "" {
				outDir = filepath.Join("results", "breakpoint-"+sc.TestName+"-"+time.Now().UTC().Format("20060102T150405Z"))
			}
			o.Out = outDir
			if err := o.Validate(); err != nil {
				return badInput(err)
			}
			o.Engine.Logger = runLogger(s, verbose)
			o.Engine.Version = version
			o.Progress = func(line string) { fmt.Fprintln(s.err, "breakpoint: "+line) }
			ctx, hard, stop := onSignal(cmd.Context(), s.signals)
			defer stop()
			var res []breakpoint.Result
			err = untilHardStop(hard, func() error {
				var err error
				res, err = breakpoint.Run(ctx, o)
				return err
			})
			if err == errHardStop {
				return err
			}
			if errors.Is(err, engine.ErrInput) {
				return badInput(err)
			}
			rs := breakpoint.Results{Scenario: sc.TestName, By: o.By, StepSeconds: o.StepDuration.Seconds(), Results: res}
			if sc.Plants > 0 {
				rs.AgentsPerPlant = float64(sc.SubAgents) / float64(sc.Plants)
			}
			if limits.cpu.millicores > 0 {
				rs.CPULimit = fmt.Sprintf("%dm", limits.cpu.millicores)
			}
			if len(res) > 0 {
				if werr := rs.WriteFiles(outDir); werr != nil {
					return errors.Join(err, werr)
				}
			}
			if output == "json" {
				if jerr := rs.WriteJSON(s.out); jerr != nil {
					return jerr
				}
			} else if terr := rs.WriteTable(s.out); terr != nil {
				return terr
			}
			fmt.Fprintf(s.out, "results: %s\n", outDir)
			if err != nil && ctx.Err() == nil {
				return err
			}
			if ctx.Err() != nil {
				return &exitError{code: exitFailed, err: fmt.Errorf("search interrupted; what it found is in %s", outDir)}
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&o.By, "by", breakpoint.ByPlants, "raise plants and sub-agents at the scenario's per-plant rates (plants), or the rates alone (rate)")
	f.StringVar(&replicas, "replicas", "", "the stand-in's replica counts to search at, comma-separated (default: the scenario's, or the calculator's)")
	f.DurationVar(&o.StepDuration, "step-duration", 2*time.Minute, "how long each step runs")
	f.IntVar(&o.MaxSteps, "max-steps", 8, "the most steps per replica count")
	f.IntVar(&o.Start, "start", 0, "plants of the first step, --by plants (0: the scenario's)")
	f.IntVar(&o.Step, "step", 0, "plants added each step, --by plants (0: the scenario's plants)")
	f.StringVar(&o.Engine.Target, "target", "", "base URL of the GL-001 orchestrator (empty: the stand-in, started for each step)")
	f.StringVar(&brokers, "brokers", "", "Kafka bootstrap brokers, comma-separated (with --target)")
	f.StringVarP(&output, "output", "o", "text", "text or json")
	f.StringVar(&outDir, "out", "", "results folder (default results/breakpoint-<test_name>-<UTC time>)")
	f.BoolVarP(&verbose, "verbose", "v", false, "log every failed iteration")
	addBusFlags(f, &o.Engine.Bus)
	addProfileFlag(f, &profile)
	limits = addLimitFlags(f, "stand-in only: ")
	return cmd
}

// parseReplicas reads --replicas "1,2,3".
func parseReplicas(v string) ([]int, error) {
	if v == "" {
		return nil, nil
	}
	var out []int
	for _, p := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 || n > 64 {
			return nil, fmt.Errorf("invalid argument %q for \"--replicas\" flag: want counts from 1 to 64, comma-separated, e.g. 1,2,3", v)
		}
		out = append(out, n)
	}
	return out, nil
}
