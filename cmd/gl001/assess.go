package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/greenlang/gl001/reports/assess"
)

func newAssessCmd(s streams) *cobra.Command {
	output := outputFlag("text", "json")
	cmd := &cobra.Command{
		Use:   "assess [-o text|json] FILE|-",
		Short: "Apply the guide's scaling triggers and decision tree to observed metrics",
		Long: `assess reads observed metrics as one JSON object (FILE, or - for stdin)
and applies the GL-001 scaling guide's "Scaling Triggers and Thresholds" table
and its "When to Scale vs Optimize" decision tree.

Fields (all optional; a missing one is reported as "not observed", never ok):
  master_cpu_percent                  % of the CPU limit
  master_memory_percent               % of the memory limit
  orchestration_latency_p95_seconds   seconds
  agent_coordination_error_percent    % of coordination events, 0 to 100
  db_connections_percent              % of the DB pool in use
  message_bus_lag_ms                  milliseconds
  heat_optimization_time_seconds      seconds
  plant_count                         whole number
  subagent_count                      whole number
Signals the decision tree asks about that the metrics cannot tell:
  recent_deployment, network_issues, subagents_failing   true|false
  cpu_trend      gradual|sudden|flat
  memory_trend   growing|stable|spiky
  plants_to_add  whole number

Exit codes: 0 nothing critical, 1 a metric is critical, 2 bad input.`,
		Example: `  echo '{"plant_count": 15, "subagent_count": 75}' | gl001 assess -
  gl001 assess -o json observed.json`,
		Args: exactArgs(1, "FILE|-"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			in, err := readAssessInput(s, args[0])
			if err != nil {
				return badInput(err)
			}
			res := assess.Assess(in)
			if output.value == "json" {
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				err = enc.Encode(res)
			} else {
				err = res.WriteText(s.out)
			}
			if err != nil {
				return err
			}
			if res.Critical() {
				return &exitError{code: exitFailed}
			}
			return nil
		}),
	}
	cmd.Flags().VarP(output, "output", "o", "output format: text or json")
	return cmd
}

func readAssessInput(s streams, path string) (assess.Input, error) {
	var r io.Reader = s.in
	name := "stdin"
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return assess.Input{}, err
		}
		defer f.Close()
		r, name = f, path
	}
	return assess.Decode(r, name)
}

// exactArgs is cobra.ExactArgs with a message that names what is expected.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return fmt.Errorf("%s takes exactly %d argument (%s), got %d", cmd.CommandPath(), n, what, len(args))
		}
		return nil
	}
}
