package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/greenlang/gl001/reports/k6ingest"
	"github.com/greenlang/gl001/reports/merge"
	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// reportFlags are the settings run and report share.
type reportFlags struct {
	failOn      *enumFlag
	plantsToAdd *intFlag
	// The decision tree's questions no metric answers: yes, no, or ""
	// for unknown.
	recentDeployment, networkIssues, subagentsFailing *enumFlag
	// profile, when set, names the target in the report's commands; nil
	// leaves the run's own.
	profile *api.Profile
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
	o := report.Options{Profile: rf.profile}
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

// k6RowsHelp lists --map's rows, one a line.
func k6RowsHelp() string {
	var b strings.Builder
	for _, r := range k6ingest.Rows {
		fmt.Fprintf(&b, "  %-26s %s\n", r.Key, r)
	}
	return b.String()
}

// mergeShards merges shard folders; folders that are not shards of one
// run are bad input.
func mergeShards(dirs []string, out string) (*record.Merged, error) {
	m, err := merge.Folders(dirs, out)
	if errors.Is(err, merge.ErrMismatch) || errors.Is(err, runlog.ErrNoRun) {
		return nil, badInput(err)
	}
	return m, err
}

func newReportCmd(s streams) *cobra.Command {
	var (
		rf      *reportFlags
		profile string
		merge   bool
	)
	kf := &k6Flags{}
	cmd := &cobra.Command{
		Use:   "report DIR | report SHARD_DIR… [--out DIR] | report --k6 FILE --out DIR",
		Short: "Rebuild a run's validation report from its intervals.ndjson, or build one from a k6 run's files",
		Long: `report rebuilds the validation report of a gl001 run from DIR/intervals.ndjson
alone (so a run killed midway can still be reported): the verdict, the
calculator's predictions beside what was observed, the guide's triggers table
and decision tree applied to the observations, right-sizing, thresholds and
plots. It writes report.md, report.html (self-contained), junit.xml and the
plots (PNG and SVG) into DIR, and adds the report to DIR/summary.json.

With --k6 FILE it reports on a stock k6 run instead: FILE is k6's --out json
(or gzipped), --out csv, or --summary-export (totals only: no per-interval
figures or plots). It writes --out DIR as a run's folder (intervals.ndjson,
with the samples of a gl001 observe folder merged in by time, and
summary.json in k6's shape) and the report into it. k6's thresholds are
evaluated again by gl001, k6's own verdict beside; --k6-summary supplies
k6's verdicts and the submetric thresholds --out json leaves out.
The guide's rows read gl001's metrics when the script used our module;
otherwise Orchestration Latency <- http_req_duration (its name:optimize
requests when tagged so), the optimize errors <- http_req_failed, and Heat
Optimization Time <- a trend named heat_optimization_time.
--map guide_row=k6_metric{tag:value} sets a row; guide_row is one of:
` + k6RowsHelp() + `
With two or more folders (or --merge) they are the shards of one distributed
run (gl001 run --segment i/n): their intervals are merged by wall-clock window
(histograms merged exactly, counters summed, the samples of the one shard that
sampled) into --out, and the report is evaluated once over the merge. A shard
that is missing or stopped short of its share makes the report incomplete.
Shards of different scenarios, seeds or run ids are refused (exit 2).

Exit codes: 0 written, 1 verdict fail with --fail-on critical, 2 bad input,
99 a threshold failed or saw no data (--k6), as for run.`,
		Example: `  gl001 report results/short_load_test-20261127T044144Z
  gl001 report results/expansion --plants-to-add 5 --fail-on critical
  gl001 report results/shard-0 results/shard-1 results/shard-2 --out results/merged
  gl001 report --k6 k6-out.json.gz --k6-summary summary.json --observed observed/ --out results/k6-run
  gl001 report --k6 k6-out.csv --map orchestration_latency='http_req_duration{name:optimize}' --out results/k6-run`,
		Args: func(cmd *cobra.Command, args []string) error {
			if kf.file != "" {
				return exactArgs(0, "none with --k6")(cmd, args)
			}
			if merge || len(args) > 1 {
				if len(args) == 0 {
					return badInput(errors.New("--merge needs the shard folders: gl001 report DIR1 DIR2 …"))
				}
				return nil
			}
			return exactArgs(1, "DIR")(cmd, args)
		},
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if cmd.Flags().Changed("profile") {
				p, err := api.LoadProfile(profile)
				if err != nil {
					return badInput(fmt.Errorf("--profile: %w", err))
				}
				rf.profile = &p
			}
			if kf.file != "" {
				return reportK6(s.out, kf, rf)
			}
			dir := args[0]
			if merge || len(args) > 1 {
				out := kf.out
				if out == "" {
					out = filepath.Join(filepath.Dir(filepath.Clean(args[0])), "merged-"+time.Now().UTC().Format("20060102T150405Z"))
				}
				m, err := mergeShards(args, out)
				if err != nil {
					return err
				}
				fmt.Fprintf(s.out, "merged %d of %d shards into %s\n", len(args), len(m.Shards), out)
				dir = out
			}
			rep, err := report.Generate(dir, rf.options())
			if errors.Is(err, runlog.ErrNoRun) {
				return badInput(err)
			}
			if err != nil && rep.Verdict == "" {
				return err
			}
			writeVerdict(s.out, dir, rep)
			if err != nil {
				return err
			}
			return rf.verdictExit(rep)
		}),
	}
	rf = addReportFlags(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&kf.file, "k6", "", "a stock k6 run's output to report on: --out json (or .gz), --out csv, or --summary-export")
	f.StringVar(&kf.summary, "k6-summary", "", "with --k6: k6's handleSummary JSON or --summary-export, for k6's verdicts and submetric thresholds")
	f.StringVar(&kf.observed, "observed", "", "with --k6: a gl001 observe folder whose samples are merged in by time")
	f.StringVar(&kf.scenario, "scenario", "", "with --k6: the scenario file the k6 script plays, for the calculator's prediction")
	f.Var(&kf.maps, "map", "with --k6: guide_row=k6_metric{tag:value}, repeatable (rows: see above)")
	f.StringVar(&kf.out, "out", "", "with --k6 or a merge: the folder to write the run folder and report into (a merge's default: merged-<UTC time> beside the first shard)")
	f.BoolVar(&merge, "merge", false, "the folders are shards of one distributed run (gl001 run --segment): merge them and report once over all (implied by two or more folders)")
	f.StringVar(&profile, "profile", "", `the target's names for the report's commands (namespace, deployment): "guide", "greenlang", or a JSON profile file (default: the run's own)`)
	return cmd
}
