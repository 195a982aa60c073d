package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/k6init"
)

func newK6Cmd(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "k6",
		Short: "Run gl001's scenarios with stock k6: scaffold a script and the files it reads",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return badInput(fmt.Errorf("%s needs a subcommand: init or serve", cmd.CommandPath()))
		},
	}
	cmd.AddCommand(newK6InitCmd(s), newK6ServeCmd(s))
	return cmd
}

func newK6InitCmd(s streams) *cobra.Command {
	var (
		o       k6init.Options
		profile string
	)
	cmd := &cobra.Command{
		Use:   "init SCENARIO DIR [--force]",
		Short: "Write a k6 script for SCENARIO into DIR, with gl001's module, fleet and options",
		Long: `init scaffolds a load test of SCENARIO for stock k6 (no xk6 build) into DIR:

  gl001.js      gl001's ES module: optimize(), coordinate(), options(); it records the
                metrics gl001 run records (gl001_optimize_duration, gl001_coordination_failed, …)
                with the same tags, so gl001 report reads both alike
  script.js     a ready script that imports ./gl001.js
  fleet.json    the scenario's plants and sub-agents from the seeded fleet model gl001 run
                uses, ` + fmt.Sprint(k6init.DefaultRequests) + ` whole-fleet optimize request bodies at successive simulated
                seconds (about 0.9 MB for 15 plants; fewer bodies past 8 MiB), and the paths
  options.json  k6 options.scenarios with the plan gl001 run runs (ramping-arrival-rate) and
                the thresholds it applies (the guide's defaults, the scenario's over them)

SCENARIO is a scenario file or the name of a shipped one: ` + strings.Join(scenarios.Shipped(), ", ") + `.
DIR must be new or empty; --force writes the four files into a folder that holds others.
init then prints the commands that run the test: gl001 k6 serve DIR (the stand-in, the
bridge and the samplers in one process, then the report) beside k6 run; or, by hand,
gl001 simulate, gl001 bridge (Kafka for coordinate()), gl001 observe, k6 run and
gl001 report --k6.`,
		Example: `  gl001 k6 init short_load_test.json k6-short
  gl001 k6 init my_scenario.json tests/k6 --force`,
		Args: exactArgs(2, "SCENARIO DIR"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return badInput(err)
			}
			o.Scenario, o.ScenarioFile, o.Dir = sc, args[0], args[1]
			if o.Profile, err = api.LoadProfile(profile); err != nil {
				return badInput(fmt.Errorf("--profile: %w", err))
			}
			if profile != "guide" {
				o.ProfileFile = profile
			}
			r, err := k6init.Write(o)
			if errors.Is(err, k6init.ErrNotEmpty) || errors.Is(err, scenarios.ErrInvalid) {
				return badInput(err)
			}
			if err != nil {
				return err
			}
			fmt.Fprint(s.out, k6init.Summary(r))
			fmt.Fprint(s.out, k6init.NextSteps(o, r))
			return nil
		}),
	}
	f := cmd.Flags()
	f.BoolVar(&o.Force, "force", false, "write into DIR although it holds files (replaces gl001.js, script.js, fleet.json, options.json)")
	f.StringVar(&profile, "profile", "guide", `the target's names (the optimize path): "guide", "greenlang" (the public implementation's), or a JSON profile file whose fields replace the guide's`)
	return cmd
}
