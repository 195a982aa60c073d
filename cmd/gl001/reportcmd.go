package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/reports/runlog"
)

// reportFlags are the settings run and report share.
type reportFlags struct {
	failOn      *enumFlag
	plantsToAdd *intFlag
	// The decision tree's questions no metric answers: yes, no, or ""
	// for unknown.
	recentDeployment, networkIssues, subagentsFailing *enumFlag
}

func addReportFlags(f *pflag.FlagSet) *reportFlags {
	rf := &reportFlags{failOn: outputFlag("none", "critical"), plantsToAdd: &intFlag{value: 0, lo: 0, hi: 10_000},
		recentDeployment: outputFlag("", "yes", "no"), networkIssues: outputFlag("", "yes", "no"), subagentsFailing: outputFlag("", "yes", "no")}
	f.Var(rf.failOn, "fail-on", "none, or critical: exit 1 when the report's verdict is fail (a critical trigger, an untaken planning action)")
	f.Var(rf.plantsToAdd, "plants-to-add", "the expansion being validated, in plants: enters the decision tree's \"Adding new plants (5+)?\" branch (0: not asked)")
	f.Var(rf.recentDeployment, "recent-deployment", "the decision tree's \"Recent deployment?\": yes or no (unset: unknown, to check; no for a run on the stand-in it started)")
	f.Var(rf.networkIssues, "network-issues", "the decision tree's \"Network issues?\": yes or no (unset: unknown, to check)")
	f.Var(rf.subagentsFailing, "subagents-failing", "the decision tree's \"Sub-agents failing?\": yes or no (unset: unknown, to check)")
	return rf
}

func (rf *reportFlags) options() report.Options {
	var o report.Options
	if rf.plantsToAdd.set {
		n := rf.plantsToAdd.value
		o.PlantsToAdd = &n
	}
	answer := func(f *enumFlag) *bool {
		if f.value == "" {
			return nil
		}
		b := f.value == "yes"
		return &b
	}
	o.Context.RecentDeployment = answer(rf.recentDeployment)
	o.Context.NetworkIssues = answer(rf.networkIssues)
	o.Context.SubagentsFailing = answer(rf.subagentsFailing)
	return o
}

// writeVerdict prints the report's verdict, why, and where the files are.
func writeVerdict(w io.Writer, dir string, r report.Report) {
	fmt.Fprintf(w, "verdict: %s\n%s\nreport: %s/%s, %s/%s, %s/%s\n", r.Verdict, r.Why,
		dir, report.MarkdownFile, dir, report.HTMLFile, dir, report.JUnitFile)
}

// verdictExit applies --fail-on to a report.
func (rf *reportFlags) verdictExit(r report.Report) error {
	if rf.failOn.value == "critical" && r.Verdict == report.Fail {
		return &exitError{code: exitFailed, err: errors.New("verdict fail (--fail-on critical)")}
	}
	return nil
}

func newReportCmd(s streams) *cobra.Command {
	var rf *reportFlags
	cmd := &cobra.Command{
		Use:   "report DIR",
		Short: "Rebuild a run's validation report from its intervals.ndjson",
		Long: `report rebuilds the validation report of a gl001 run from DIR/intervals.ndjson
alone (so a run killed midway can still be reported): the verdict, the
calculator's predictions beside what was observed, the guide's triggers table
and decision tree applied to the observations, right-sizing, thresholds and
plots. It writes report.md, report.html (self-contained), junit.xml and the
plots (PNG and SVG) into DIR, and adds the report to DIR/summary.json.

Exit codes: 0 written, 1 verdict fail with --fail-on critical, 2 bad input.`,
		Example: `  gl001 report results/short_load_test-20261127T044144Z
  gl001 report results/expansion --plants-to-add 5 --fail-on critical`,
		Args: exactArgs(1, "DIR"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			rep, err := report.Generate(args[0], rf.options())
			if errors.Is(err, runlog.ErrNoRun) {
				return badInput(err)
			}
			if err != nil && rep.Verdict == "" {
				return err
			}
			writeVerdict(s.out, args[0], rep)
			if err != nil {
				return err
			}
			return rf.verdictExit(rep)
		}),
	}
	rf = addReportFlags(cmd.Flags())
	return cmd
}
