package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/region"
	"github.com/greenlang/gl001/xk6-gl001/engine"
	"github.com/greenlang/gl001/xk6-gl001/progress"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// exitThresholds is k6's exit code for failed thresholds.
const exitThresholds = 99

func newRunCmd(s streams) *cobra.Command {
	var (
		limits   limitFlags
		o        engine.Options
		brokers  string
		outs     []string
		verbose  bool
		interval time.Duration
		rf       *reportFlags
		segFlags *segmentFlags
		shards   *kubeShardFlags
		expandTo *expandFlags

		intervalsStdout bool
		kube            bool
		kubeOpts        engine.KubeOptions
		profile         string
		regions         string
	)
	cmd := &cobra.Command{
		Use:   "run SCENARIO [--target URL] [--brokers LIST] [--out DIR] [--out json=FILE]",
		Short: "Run a load test: paced optimize requests and coordination events, k6-compatible results",
		Long: `run drives the GL-001 orchestrator with the scenario's heat-optimization
requests (HTTP) and agent-coordination events (Kafka) at open-model rates (k6's
ramping-arrival-rate: the schedule never waits for the target; an arrival that
finds no free VU is dropped and counted). Latency is measured from each
iteration's scheduled start, so a slow target cannot hide its slowness.

SCENARIO is a scenario file (the guide's scenario.json schema, plus optional
"thresholds", "replicas", "partitions", "seed", "regions") or the name of a shipped one:
` + strings.Join(scenarios.Shipped(), ", ") + `.

With no --target, run starts the stand-in GL-001 deployment on 127.0.0.1 (the
scenario's replicas, or the capacity calculator's) with an embedded Kafka
broker, and stops it at the end. Each stand-in replica is held by a cgroup to
--replica-cpu-limit and --replica-memory-limit (see gl001 simulate --help).

While it runs, samplers read every replica's CPU and memory (/proc for the
stand-in, metrics.k8s.io with --kube), the consumer lag of gl-001-orchestrator,
the orchestrator's /metrics and its database pool. CPU and memory percentages
are of the limits each replica runs under: the stand-in's enforced limits, or
with --kube the pods' own, read from their spec. The report keeps the capacity
calculator's figures beside them as the prediction; on the stand-in, CPU and
memory rehearse the guide's triggers and decision tree, they do not validate
the calculator's absolute figures.

Writes into the results folder (default results/<test_name>-<UTC time>/):
  intervals.ndjson  one line per interval, flushed as the run goes
  summary.json      k6's end-of-test summary data, plus a "gl001" section
  report.md, report.html, junit.xml, *.png, *.svg   the validation report
and with --out json=FILE, k6's --out json lines.

Thresholds default to the guide's triggers table:
  gl001_optimize_duration p(95)<2000, gl001_coordination_failed rate<0.01,
  gl001_heat_optimization_duration p(95)<2000, gl001_optimize_failed rate<0.01
(each only for traffic the scenario sends), and the scenario's "thresholds"
map (k6 syntax) replaces them per metric. A submetric such as
gl001_optimize_duration{status:200} is judged on the matching samples; a
threshold that sees no sample is "no data" and does not pass.

Ctrl-C stops gracefully and still writes the summary, marked not complete;
a second Ctrl-C stops at once.

Distributed: --segment i/n runs shard i of n (k6's execution segments) and
gl001 report DIR1 DIR2 … merges the shards. --kube-shards N does it in a
cluster: it creates the Indexed Job of deploy/k8s/base/job.yaml (completions
N, image --image, scenario from ConfigMap --scenario-configmap, which must
hold SCENARIO), follows each pod's log, merges the shards live into the
results folder and reports once; an abortOnFail threshold on the merged
data, or Ctrl-C, deletes the Job. It needs --target as the pods reach it,
and credentials as kubectl finds them (--kubeconfig, in-cluster, $KUBECONFIG,
~/.kube/config).

Expansion: --expand-to PLANTS[,AGENTS] runs the scenario's fleet into
OUT/before, then the expanded fleet at the same per-plant rates into
OUT/after (on the same replicas, or with --prescale the calculator's for the
new fleet), and writes OUT/expansion.md and expansion.json: the guide's
"Adding new plants (5+)?" answered with both verdicts, the headroom left, the
triggers crossed and the HPA replayed over each. It exits 0 when the
expansion holds, 1 when it does not, 99 when a threshold of the expanded run
failed.

Exit codes: 0 every threshold passed; 99 a threshold failed or saw no data,
or an abortOnFail threshold stopped the run (as k6); 2 bad input; 1 anything
else (a run that could not start, was interrupted, or with --fail-on critical
a report whose verdict is fail).`,
		Example: `  gl001 run short_load_test.json
  gl001 run multi_plant_load_test.json --out results/expansion
  gl001 run my_scenario.json --target http://gl-001.greenlang:8000 --brokers kafka-0:9092 --out json=points.json
  gl001 run multi_plant_load_test.json --kube-shards 3 --target http://gl-001-process-heat-orchestrator.greenlang.svc:8000 --brokers kafka.greenlang.svc:9092`,
		Args: exactArgs(1, "SCENARIO"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			sc, err := scenarios.Load(args[0])
			if err != nil {
				return badInput(err)
			}
			if cmd.Flags().Changed("regions") {
				if sc.Regions, err = region.Parse(regions, sc.Plants, "--regions"); err != nil {
					return badInput(err)
				}
			}
			o.Scenario, o.ScenarioFile = sc, args[0]
			if o.Profile, err = api.LoadProfile(profile); err != nil {
				return badInput(fmt.Errorf("--profile: %w", err))
			}
			if profile != "guide" {
				o.ProfileFile = profile
			}
			o.Bus.Brokers = splitList(brokers)
			busPasswordFromEnv(&o.Bus)
			if err := parseOuts(outs, &o, sc.TestName, time.Now()); err != nil {
				return badInput(err)
			}
			if interval < 100*time.Millisecond || interval > time.Minute {
				return badInput(fmt.Errorf("invalid argument %q for \"--interval\" flag: must be from 100ms to 1m", interval))
			}
			o.Interval = interval
			for _, d := range []struct {
				flag string
				v    time.Duration
			}{{"--request-timeout", o.RequestTimeout}, {"--ack-timeout", o.AckTimeout}, {"--db-query-time", o.StandIn.DBQueryTime}} {
				if d.v < 0 {
					return badInput(fmt.Errorf("invalid argument %q for %q flag: must not be negative", d.v, d.flag))
				}
			}
			if cmd.Flags().Changed("kube-shards") {
				return kubeShardsRun(cmd, s, shards, o, profile, kubeOpts, rf)
			}
			if err := segFlags.apply(cmd.Flags(), &o); err != nil {
				return badInput(err)
			}
			stdout := s.out
			if intervalsStdout { // stdout is the intervals stream alone
				o.IntervalsTee, stdout = s.out, s.err
			}
			if kube {
				o.Kube = &kubeOpts
			}
			o.StandIn.CPULimitMillicores, o.StandIn.MemoryLimitMiB = limits.cpu.millicores, limits.memory.mib
			if o.Target != "" {
				for _, name := range []string{"replica-cpu-limit", "replica-memory-limit"} {
					if cmd.Flags().Changed(name) {
						return badInput(fmt.Errorf("--%s applies to the stand-in only: with --target the limits are the pods' own (read with --kube)", name))
					}
				}
			}
			o.Logger = runLogger(s, verbose)
			o.Progress = progress.New(s.err, s.errTerminal != nil && s.errTerminal(), 10*time.Second)
			o.Version = version
			if cmd.Flags().Changed("expand-to") || expandTo.prescale {
				if sc.Regions != nil {
					return badInput(errors.New("--expand-to does not go with regions yet: the expanded fleet's plants would need a second layout; validate the expansion without --regions, then run the expanded fleet with them"))
				}
				return expandRun(cmd, s, expandTo, o, rf)
			}

			ctx, hard, stop := onSignal(cmd.Context(), s.signals)
			defer stop()
			fmt.Fprintf(s.err, "gl001 run %s: %d plants, %d sub-agents, %.4g min, %.4g optimize/min, %.4g coordinate/s → %s\n",
				sc.TestName, sc.Plants, sc.SubAgents, sc.DurationMinutes, sc.HeatOptimizationRequestsPerMinute,
				sc.AgentCoordinationEventsPerSecond, o.OutDir)
			var out engine.Outcome
			err = untilHardStop(hard, func() error {
				var err error
				out, err = engine.Run(ctx, o)
				return err
			})
			if errors.Is(err, engine.ErrInput) {
				return badInput(err)
			}
			if out.Start.IsZero() {
				return err // never started; nothing to report
			}
			writeRunSummary(stdout, out)
			if err != nil {
				return err
			}
			rep, rerr := report.Generate(out.Dir, rf.options())
			if rep.Verdict != "" {
				writeVerdict(stdout, out.Dir, rep)
			}
			switch {
			case rerr != nil:
				return fmt.Errorf("report: %w", rerr)
			case out.Aborted:
				// k6's code for a run an abortOnFail threshold stopped.
				return &exitError{code: exitThresholds, err: fmt.Errorf("run aborted by a threshold (%s); partial results in %s", out.Stopped, out.Dir)}
			case !out.Complete:
				return &exitError{code: exitFailed, err: fmt.Errorf("run stopped early (%s); partial results in %s", out.Stopped, out.Dir)}
			case !out.Passed:
				return &exitError{code: exitThresholds, err: thresholdsError(out.Thresholds)}
			}
			return rf.verdictExit(rep)
		}),
	}
	f := cmd.Flags()
	f.StringVar(&o.Target, "target", "", "base URL of the GL-001 orchestrator (empty: start the stand-in on 127.0.0.1)")
	f.StringVar(&brokers, "brokers", "", "Kafka bootstrap brokers, comma-separated (required with --target when the scenario sends events)")
	f.StringArrayVar(&outs, "out", nil, "results folder, and/or json=FILE for k6's --out json lines (repeatable)")
	f.DurationVar(&interval, "interval", time.Second, "sampling interval: one intervals.ndjson line each")
	f.BoolVar(&o.PublishOnly, "publish-only", false, "a coordination iteration ends when its event is published, for a target that sends no acks")
	f.DurationVar(&o.RequestTimeout, "request-timeout", 30*time.Second, "timeout of one optimization request")
	f.DurationVar(&o.AckTimeout, "ack-timeout", 10*time.Second, "how long a coordination event waits for its ack before it counts as failed")
	f.StringVar(&o.MetricsAddr, "metrics-addr", "", "serve the harness's own Prometheus metrics on this address, e.g. 127.0.0.1:9464 (off when empty)")
	addBusFlags(f, &o.Bus)
	f.BoolVarP(&verbose, "verbose", "v", false, "log every failed iteration and the stand-in's replicas")
	f.IntVar(&o.StandIn.DBPoolSize, "db-pool-size", 0, "stand-in only: DB_POOL_SIZE for the whole deployment (0: the calculator's); a small pool rehearses an under-provisioned database")
	f.DurationVar(&o.StandIn.DBQueryTime, "db-query-time", 0, "stand-in only: service time of one database query (0: 2ms)")
	f.StringVar(&o.SummaryExport, "summary-export", "", "also write k6's legacy --summary-export file here (note: there a threshold's true means it did NOT pass)")
	limits = addLimitFlags(f, "stand-in only: ")
	addKubeFlags(f, &kube, &kubeOpts)
	addProfileFlag(f, &profile)
	f.StringVar(&regions, "regions", "", regionsUsage+"; every sample gets a region tag, so thresholds may be per region (gl001_optimize_duration{region:apac}), and the report breaks latency and coordination down by region")
	segFlags = addSegmentFlags(f)
	shards = addKubeShardFlags(f)
	expandTo = addExpandFlags(cmd)
	f.BoolVar(&intervalsStdout, "intervals-stdout", false, "also write intervals.ndjson's lines to stdout as they are written (a shard in a pod streams them in its log); the summary and verdict then go to stderr")
	rf = addReportFlags(f)
	return cmd
}

// runLogger logs warnings to stderr, and with --verbose everything.
func runLogger(s streams, verbose bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(s.err, &slog.HandlerOptions{Level: level}))
}

// thresholdsError says why the thresholds did not pass: some failed, some
// saw no data, or both.
func thresholdsError(rs thresholds.Results) error {
	failed, noData := len(rs.Failed()), len(rs.NoData())
	switch {
	case failed > 0 && noData > 0:
		return fmt.Errorf("thresholds failed (%d), and %d saw no data", failed, noData)
	case failed > 0:
		return errors.New("thresholds failed")
	}
	return fmt.Errorf("thresholds not verified: %d saw no data", noData)
}

// parseOuts reads the --out values: at most one folder, and json=FILE.
func parseOuts(outs []string, o *engine.Options, testName string, now time.Time) error {
	for _, v := range outs {
		kind, rest, found := strings.Cut(v, "=")
		switch {
		case found && kind == "json":
			if rest == "" {
				return errors.New(`invalid argument "json=" for "--out" flag: want json=FILE`)
			}
			o.JSONOut = rest
		case found && !strings.ContainsAny(kind, `/\.`):
			return fmt.Errorf("invalid argument %q for \"--out\" flag: unknown output %q, want a folder or json=FILE", v, kind)
		case o.OutDir != "":
			return fmt.Errorf("invalid argument %q for \"--out\" flag: the results folder is already %q", v, o.OutDir)
		default:
			o.OutDir = v
		}
	}
	if o.OutDir == "" {
		o.OutDir = filepath.Join("results", testName+"-"+now.UTC().Format("20060102T150405Z"))
	}
	return nil
}

// writeRunSummary prints the end-of-test lines: each scenario's schedule
// kept, then each threshold.
func writeRunSummary(w io.Writer, out engine.Outcome) {
	state := "complete"
	if !out.Complete {
		state = "stopped early: " + out.Stopped
	}
	fmt.Fprintf(w, "\nrun %s in %s against %s\n", state, out.End.Sub(out.Start).Truncate(time.Millisecond), out.Target)
	names := make([]string, 0, len(out.Scenarios))
	for n := range out.Scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		sc := out.Scenarios[n]
		fmt.Fprintf(w, "  %-11s %d started of %d scheduled (%.2f%%), %d failed, %d dropped (%d no free VU, %d generator behind), %d interrupted, %d VUs at most\n",
			n, sc.Started, sc.Expected, sc.AchievedPercent, sc.Failed, sc.Dropped, sc.DroppedNoVU, sc.DroppedBehind, sc.Interrupted, sc.VUsMax)
	}
	fmt.Fprintln(w, "thresholds:")
	_ = out.Thresholds.WriteText(w)
	fmt.Fprintf(w, "results: %s\n", out.Dir)
}
