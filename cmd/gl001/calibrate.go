package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlang/gl001/deploy/calibration"
	"github.com/greenlang/gl001/reports/runlog"
)

func newCalibrateCmd(s streams) *cobra.Command {
	output := outputFlag("table", "json")
	var outFile string
	cmd := &cobra.Command{
		Use:   "calibrate DIR|FILE.json... [-o table|json] [--out FILE]",
		Short: "Fit the capacity calculator's formulas to runs at different fleets and to breaking points",
		Long: `calibrate fits the guide's capacity formulas to measurements, each as

  value = base + per_plant*plants + per_agent*agents

by ordinary least squares, with a 95% confidence interval per coefficient (t
distribution, n-3 degrees of freedom), R² and the residual standard error:

  CPU per replica (millicores)  over runs: each run's per-replica p95 of
                                its replicas' CPU readings (the worst replica's)
  memory per replica (MiB)      over runs: likewise, of memory
  replicas                      over breaking points: each result's replicas
                                at its max_plants and max_agents

A DIR is a run's results folder (gl001 run, report --k6, k6 serve); its fleet
is its scenario's plants and sub_agents. A run whose CPU or memory was not
observed is skipped, and the output says why. A FILE ending in .json whose top
level has "results" is a breakpoint results file (gl001 breakpoint -o json):

  {"results": [{"replicas": 2, "max_plants": 10, "max_agents": 50, "broke_on": "…"}]}

Each form needs at least 3 points, at fleets that vary plants and agents
independently (not agents always 5×plants). A form with nothing given is not
fitted: gl001 capacity --calibration keeps the guide's formula for it.

Prints the guide's coefficients beside the fitted ones, their 95% CI and the
error (fitted - guide); -o json prints the calibration; --out FILE writes it
for gl001 capacity --calibration FILE.

Exit codes: 0 fitted; 2 bad input (a folder that is not a run, too few runs,
fleets that do not vary plants and agents independently).`,
		Example: `  gl001 calibrate results/fleet-5x25 results/fleet-10x30 results/fleet-15x75 results/fleet-20x60 --out calibration.json
  gl001 calibrate results/fleet-* breakpoints.json -o json
  gl001 capacity --plants 15 --agents 75 --calibration calibration.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return badInput(fmt.Errorf("%s takes runs' results folders (DIR) and breakpoint results files (FILE.json): at least 3 of one kind", cmd.CommandPath()))
			}
			return nil
		},
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			in, err := calibration.Load(args)
			if err != nil {
				if errors.Is(err, calibration.ErrInput) || errors.Is(err, runlog.ErrNoRun) {
					return badInput(err)
				}
				return err
			}
			c, err := calibration.Calibrate(in, time.Now())
			if err != nil {
				return badInput(err)
			}
			if outFile != "" {
				if err := c.Write(outFile); err != nil {
					return err
				}
			}
			if output.value == "json" {
				return c.WriteJSON(s.out)
			}
			if err := c.WriteTable(s.out); err != nil {
				return err
			}
			if outFile != "" {
				fmt.Fprintf(s.out, "\nwrote %s: gl001 capacity --plants N --agents M --calibration %s\n", outFile, outFile)
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.VarP(output, "output", "o", "output format: table or json (the calibration)")
	f.StringVar(&outFile, "out", "", "also write the calibration to this file, for gl001 capacity --calibration")
	return cmd
}
