package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/greenlang/gl001/deploy/hpa"
	"github.com/greenlang/gl001/deploy/k8s"
	"github.com/greenlang/gl001/reports/hpareplay"
	"github.com/greenlang/gl001/reports/plots"
	"github.com/greenlang/gl001/reports/runlog"
)

func newHPACmd(s streams) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "hpa",
		Short: "What the guide's HorizontalPodAutoscaler would have done: the autoscaling/v2 algorithm replayed",
	}
	cmd.AddCommand(newHPAReplayCmd(s))
	return cmd
}

func newHPAReplayCmd(s streams) *cobra.Command {
	var hpaFile, seriesFile, output, plotFile string
	cmd := &cobra.Command{
		Use:   "replay [--hpa FILE] (DIR | --series FILE) [-o table|json] [--plot FILE.png|FILE.svg]",
		Short: "Replay a run's load, or a series, through an HPA: the replica trajectory it would have had",
		Long: `replay runs the Kubernetes autoscaling/v2 HPA controller's algorithm over a
load: a sync every 15 s; per metric ceil(replicas × usage / target), no change
within the 0.1 tolerance, the highest proposal of all metrics; Resource
Utilization of the requests and Pods AverageValue; a missing metric blocks a
scale-down; the scale-down window's highest and the scale-up window's lowest
recommendation; Percent and Pods policies over their periods, selectPolicy
Max, Min or Disabled; minReplicas and maxReplicas.

The HPA is --hpa's yaml (default: the guide's hpa-gl-001.yaml, as
deploy/k8s/base has it). The load is a run's folder DIR (its intervals in 15 s
windows: the replicas' CPU and memory totals, the target's latency p95 and
coordination rate) or --series FILE:

  {"start_replicas": 3, "cpu_request_millicores": 1000, "memory_request_mib": 1024,
   "interval_seconds": 15, "points": [{"cpu_millicores": 4200, "memory_mib": 1500,
   "orchestration_latency_p95_seconds": 0.5, "agent_coordination_per_second": 50}, …]}

CPU, memory and the coordination rate are totals over the deployment, shared
across the replicas the HPA would have; the latency is taken as observed and
not modelled. Before the first point the HPA is steady at start_replicas.

Prints one row per sync: t_seconds, replicas, desired (the metrics' proposal),
observed and live_hpa (from a run), the metric that drove it and what limited
it (a stabilization window, a policy, min/max, a missing metric). -o json
gives {"trajectory": [{"t_seconds", "replicas", "desired", "metric",
"limited_by"}, …]} with the notes. --plot draws the trajectory.

Exit codes: 0 replayed; 2 bad input (an HPA the model cannot take, a series
that does not decode, a folder that is not a run or has no replicas sampled).`,
		Example: `  gl001 hpa replay results/short_load_test-20261203T153319Z
  gl001 hpa replay --hpa deploy/k8s/base/hpa-gl-001.yaml --series what-if.json -o json
  gl001 hpa replay DIR --plot hpa.svg`,
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			switch {
			case seriesFile == "" && len(args) != 1:
				return badInput(fmt.Errorf("%s takes a run's folder (DIR) or --series FILE", cmd.CommandPath()))
			case seriesFile != "" && len(args) > 0:
				return badInput(fmt.Errorf("%s takes DIR or --series, not both (got %q and --series %q)", cmd.CommandPath(), args[0], seriesFile))
			case output != "table" && output != "json":
				return badInput(fmt.Errorf("invalid argument %q for \"-o, --output\" flag: want table or json", output))
			}
			if ext := strings.ToLower(filepath.Ext(plotFile)); plotFile != "" && ext != ".png" && ext != ".svg" {
				return badInput(fmt.Errorf("invalid argument %q for \"--plot\" flag: want a .png or .svg file", plotFile))
			}
			spec, err := loadHPA(hpaFile)
			if err != nil {
				return badInput(err)
			}
			var r hpa.Replay
			if seriesFile != "" {
				series, err := hpa.LoadSeries(seriesFile)
				if err != nil {
					return badInput(fmt.Errorf("--series: %w", err))
				}
				r = hpa.Run(spec, series)
			} else {
				run, err := runlog.Load(args[0])
				if err != nil {
					return badInput(err)
				}
				if r, err = hpareplay.Replay(run, spec); err != nil {
					return badInput(fmt.Errorf("%s: %w", args[0], err))
				}
			}
			if plotFile != "" {
				fig, err := plots.HPA(r)
				if err != nil {
					return err
				}
				b := fig.PNG
				if strings.EqualFold(filepath.Ext(plotFile), ".svg") {
					b = fig.SVG
				}
				if err := os.WriteFile(plotFile, b, 0o644); err != nil {
					return err
				}
			}
			if output == "json" {
				return r.WriteJSON(s.out)
			}
			return r.WriteTable(s.out)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&hpaFile, "hpa", "", "the HPA's yaml, one autoscaling/v2 HorizontalPodAutoscaler (default: the guide's hpa-gl-001.yaml)")
	f.StringVar(&seriesFile, "series", "", "a series JSON file to replay instead of a run's folder")
	f.StringVarP(&output, "output", "o", "table", "table or json")
	f.StringVar(&plotFile, "plot", "", "also draw the trajectory into this .png or .svg file")
	return cmd
}

// loadHPA reads --hpa, or the guide's HPA.
func loadHPA(path string) (hpa.Spec, error) {
	if path == "" {
		s, err := hpa.Parse(k8s.GuideHPA)
		if err != nil {
			return s, errors.New("the guide's hpa-gl-001.yaml: " + err.Error())
		}
		return s, nil
	}
	s, err := hpa.Load(path)
	if err != nil {
		return s, fmt.Errorf("--hpa: %w", err)
	}
	return s, nil
}
