package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/greenlang/gl001/xk6-gl001/engine"
	"github.com/greenlang/gl001/xk6-gl001/expand"
)

// expandFlags are run's flags for validating an expansion.
type expandFlags struct {
	to       string
	prescale bool
}

func addExpandFlags(cmd *cobra.Command) *expandFlags {
	e := &expandFlags{}
	f := cmd.Flags()
	f.StringVar(&e.to, "expand-to", "", `validate an expansion: run the scenario's fleet, then PLANTS[,AGENTS] (sub-agents default: the scenario's per plant) at the same per-plant rates, and answer "Adding new plants (5+)?" from the two (expansion.md)`)
	f.BoolVar(&e.prescale, "prescale", false, "with --expand-to, run the expanded fleet on the calculator's replicas for it (stand-in only); default: the current fleet's")
	return e
}

// parse reads --expand-to "15" or "15,75".
func (e *expandFlags) parse() (plants, agents int, err error) {
	p, a, hasAgents := strings.Cut(e.to, ",")
	bad := fmt.Errorf("invalid argument %q for \"--expand-to\" flag: want PLANTS or PLANTS,AGENTS, e.g. 15 or 15,75", e.to)
	if plants, err = strconv.Atoi(strings.TrimSpace(p)); err != nil || plants < 1 {
		return 0, 0, bad
	}
	if hasAgents {
		if agents, err = strconv.Atoi(strings.TrimSpace(a)); err != nil || agents < 0 {
			return 0, 0, bad
		}
	}
	return plants, agents, nil
}

// expandRun is gl001 run SCENARIO --expand-to: both fleets, both reports,
// the comparison. Exit 0 when the expansion holds, 1 when it does not, 99
// when a threshold of the expanded run failed.
func expandRun(cmd *cobra.Command, s streams, e *expandFlags, o engine.Options, rf *reportFlags) error {
	if !cmd.Flags().Changed("expand-to") && e.prescale {
		return badInput(errors.New("--prescale applies to --expand-to"))
	}
	for _, name := range []string{"segment", "kube-shards", "summary-export", "intervals-stdout"} {
		if cmd.Flags().Changed(name) {
			return badInput(fmt.Errorf("--%s does not go with --expand-to", name))
		}
	}
	if o.JSONOut != "" {
		return badInput(errors.New("--out json=FILE does not go with --expand-to: each phase is a run's folder"))
	}
	plants, agents, err := e.parse()
	if err != nil {
		return badInput(err)
	}
	eo := expand.Options{Engine: o, Plants: plants, Agents: agents, Prescale: e.prescale, Report: rf.options()}
	if err := eo.Validate(); err != nil {
		return badInput(err)
	}
	ctx, hard, stop := onSignal(cmd.Context(), s.signals)
	defer stop()
	fmt.Fprintf(s.err, "gl001 run %s --expand-to %s: %d plants, then %d → %s\n", o.Scenario.TestName, e.to, o.Scenario.Plants, plants, o.OutDir)
	var out expand.Outcome
	err = untilHardStop(hard, func() error {
		var err error
		out, err = expand.Run(ctx, eo)
		return err
	})
	switch {
	case err == errHardStop:
		return err
	case errors.Is(err, expand.ErrInput), errors.Is(err, engine.ErrInput):
		return badInput(err)
	case err != nil:
		return err
	}
	c := out.Comparison
	answer := "yes"
	if !c.Holds {
		answer = "no"
	}
	fmt.Fprintf(s.out, "\nAdding new plants (%+d)? %s: %s\nexpansion: %s/expansion.md (before: %s, after: %s)\n", c.PlantsAdded, answer, c.Why, o.OutDir, c.Before.Dir, c.After.Dir)
	switch {
	case !out.After.Passed:
		return &exitError{code: exitThresholds, err: thresholdsError(out.After.Thresholds)}
	case !c.Holds:
		return &exitError{code: exitFailed, err: errors.New("the expansion does not hold: " + c.Why)}
	}
	return nil
}
