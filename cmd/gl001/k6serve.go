package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/k6serve"
)

func newK6ServeCmd(s streams) *cobra.Command {
	var (
		o                 k6serve.Options
		brokers, scenario string
		profile           string
		interval          time.Duration
		verbose           bool
		rf                *reportFlags
		limits            limitFlags
	)
	cmd := &cobra.Command{
		Use:   "serve DIR [--target URL --brokers LIST] [--scenario FILE] [--until-k6]",
		Short: "Serve everything k6 run needs for a gl001 k6 init folder, then report",
		Long: `serve runs, in this one process, what a stock k6 test of DIR (a folder gl001 k6
init wrote) needs beside k6: the stand-in deployment, sized from the scenario as
gl001 run sizes it (unless --target and --brokers name a real orchestrator); the
bridge that carries the module's coordinate() to Kafka, on --bridge-listen; and
the samplers, into DIR/observed, with the stand-in's replica CPU and memory when
it is the stand-in. It then prints the k6 run command to start in another
terminal, and waits.

On Ctrl-C (or, with --until-k6, once k6 has written DIR/summary-export.json and
its points file has stopped growing) it
stops the samplers, the bridge and the stand-in, and builds the report from
DIR/k6-out.json.gz, the summary export and DIR/observed into DIR/report, as
gl001 report --k6 does. A second Ctrl-C stops at once, with no report.

--scenario defaults to the one DIR/fleet.json was written for (its test_name).

Exit codes as gl001 report --k6: 0 ok, 99 a threshold failed or saw no data,
1 failed, 2 bad input (DIR not a gl001 k6 init folder, k6's files missing).`,
		Example: `  gl001 k6 init short_load_test.json k6run
  gl001 k6 serve k6run          # then, in another terminal, the k6 run line it prints
  gl001 k6 serve k6run --until-k6
  gl001 k6 serve k6run --target http://gl-001.greenlang:8000 --brokers kafka-0:9092`,
		Args: exactArgs(1, "DIR"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			o.Dir = args[0]
			if err := k6serve.Check(o.Dir); err != nil {
				return badInput(err)
			}
			if scenario == "" {
				name, err := k6serve.FleetScenario(o.Dir)
				if err != nil {
					return badInput(err)
				}
				if name == "" {
					return badInput(fmt.Errorf("%s names no scenario: give --scenario FILE", filepath.Join(o.Dir, "fleet.json")))
				}
				scenario = name + ".json"
			}
			sc, err := scenarios.Load(scenario)
			if err != nil {
				return badInput(fmt.Errorf("--scenario: %w", err))
			}
			o.Scenario, o.ScenarioFile = sc, scenario
			if o.Profile, err = api.LoadProfile(profile); err != nil {
				return badInput(fmt.Errorf("--profile: %w", err))
			}
			o.ProfileName = profile
			if profile != "guide" {
				o.ProfileFile = profile
			}
			if interval < 100*time.Millisecond || interval > time.Minute {
				return badInput(fmt.Errorf("invalid argument %q for \"--interval\" flag: must be from 100ms to 1m", interval))
			}
			o.Interval = interval
			if o.StandIn.DBQueryTime < 0 {
				return badInput(fmt.Errorf("invalid argument %q for \"--db-query-time\" flag: must not be negative", o.StandIn.DBQueryTime))
			}
			o.StandIn.CPULimitMillicores, o.StandIn.MemoryLimitMiB = limits.cpu.millicores, limits.memory.mib
			if o.Target != "" {
				for _, name := range []string{"replica-cpu-limit", "replica-memory-limit", "db-pool-size", "db-query-time"} {
					if cmd.Flags().Changed(name) {
						return badInput(fmt.Errorf("--%s applies to the stand-in only: with --target serve starts none", name))
					}
				}
			}
			o.Bus.Brokers = splitList(brokers)
			busPasswordFromEnv(&o.Bus)
			o.Version = version
			level := slog.LevelWarn
			if verbose {
				level = slog.LevelDebug
			}
			o.Logger = slog.New(slog.NewTextHandler(s.err, &slog.HandlerOptions{Level: level}))
			o.Ready = func(sv k6serve.Serving) {
				what := "the stand-in"
				if !sv.StandIn {
					what = sv.Target
				}
				fmt.Fprintf(s.err, "gl001 k6 serve: %s at %s, bridge %s, observing into %s (Ctrl-C when k6 has finished)\n",
					what, sv.Target, orNone(sv.Bridge), filepath.Join(o.Dir, k6serve.ObservedDir))
				fmt.Fprintf(s.out, "In another terminal: %s\n", sv.K6Command)
			}

			ctx, hard, stop := onSignal(cmd.Context(), s.signals)
			defer stop()
			return untilHardStop(hard, func() error {
				out, err := k6serve.Run(ctx, o)
				if errors.Is(err, k6serve.ErrInput) {
					return badInput(err)
				}
				if err != nil {
					return err
				}
				st := out.Bridge
				fmt.Fprintf(s.out, "stopped (%s): %d intervals observed; bridge %d received, %d acked, %d timeouts, %d errors, %d refused\n",
					out.Stopped, out.Observed.Intervals, st.Received, st.Acked, st.Timeouts, st.Errors, st.Refused)
				kf := &k6Flags{file: filepath.Join(o.Dir, o.K6Out), summary: filepath.Join(o.Dir, o.Summary),
					observed: filepath.Join(o.Dir, k6serve.ObservedDir), scenario: scenario, out: filepath.Join(o.Dir, k6serve.ReportDir)}
				if _, err := os.Stat(kf.file); err != nil {
					return badInput(fmt.Errorf("no report: %s is not there, so k6 did not run (or wrote elsewhere): run the printed k6 command before stopping serve, then gl001 report --k6 with --observed %s", kf.file, kf.observed))
				}
				return reportK6(s.out, kf, rf)
			})
		}),
	}
	f := cmd.Flags()
	f.StringVar(&o.Target, "target", "", "base URL of a real GL-001 orchestrator (default: start the stand-in)")
	f.StringVar(&brokers, "brokers", "", "Kafka bootstrap brokers, comma-separated: required with --target; with the stand-in, handed to it instead of its embedded broker")
	f.StringVar(&scenario, "scenario", "", "scenario file or shipped name (default: the one DIR/fleet.json was written for)")
	f.StringVar(&o.BridgeListen, "bridge-listen", k6serve.DefaultListen, "the bridge's loopback address, host:port (GL001_BRIDGE)")
	f.StringVar(&o.K6Out, "k6-out", k6serve.K6OutFile, "the name, in DIR, of k6's --out json file")
	f.StringVar(&o.Summary, "k6-summary", k6serve.SummaryFile, "the name, in DIR, of k6's --summary-export file")
	f.BoolVar(&o.UntilK6, "until-k6", false, "stop by itself once k6 has written DIR's summary export (k6 writes it as it exits)")
	f.DurationVar(&interval, "interval", time.Second, "sampling interval: one DIR/observed/intervals.ndjson line each")
	f.BoolVarP(&verbose, "verbose", "v", false, "log at debug level (warnings are always logged)")
	f.IntVar(&o.StandIn.DBPoolSize, "db-pool-size", 0, "stand-in only: DB_POOL_SIZE for the whole deployment (0: the calculator's)")
	f.DurationVar(&o.StandIn.DBQueryTime, "db-query-time", 0, "stand-in only: service time of one database query (0: 2ms)")
	limits = addLimitFlags(f, "stand-in only: ")
	addBusFlags(f, &o.Bus)
	addProfileFlag(f, &profile)
	rf = addReportFlags(f)
	return cmd
}

func orNone(s string) string {
	if s == "" {
		return "none (no brokers)"
	}
	return strings.TrimSpace(s)
}
