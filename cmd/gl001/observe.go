package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/observer"
	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

func newObserveCmd(s streams) *cobra.Command {
	var (
		o        observer.Options
		brokers  string
		kube     bool
		kubeOpts sampler.KubeOptions
		profile  string
	)
	cmd := &cobra.Command{
		Use:   "observe --target URL --out DIR [--brokers LIST] [--kube] [--duration D] [--interval 1s]",
		Short: "Run a load test's samplers alone, beside a load k6 drives",
		Long: `observe takes the readings a gl001 run takes, with no load of its own: the
orchestrator's /metrics and database pool, the consumer lag of its group
with --brokers, its pods and HPA with --kube, and this process's own use.
Run it beside stock k6; it writes DIR/intervals.ndjson in a run's format
(a header, then one line per interval with the samples and no load
metrics), flushed as it goes, until Ctrl-C or --duration. Give the folder
to gl001 report --k6 ... --observed DIR to merge it with k6's points.

Exit codes: 0 written (also when stopped with Ctrl-C), 1 failed, 2 bad input.`,
		Example: `  gl001 observe --target http://gl-001.greenlang:8000 --brokers kafka-0:9092 --out results/observed &
  k6 run --out json=k6-out.json optimize.js; kill -INT %1
  gl001 report --k6 k6-out.json --observed results/observed --out results/k6-run`,
		Args: exactArgs(0, "none"),
		RunE: runE(func(cmd *cobra.Command, args []string) error {
			if o.Samplers.Target == "" {
				return badInput(errors.New(`"--target" is required: the orchestrator to observe`))
			}
			if o.OutDir == "" {
				return badInput(errors.New(`"--out" is required: the folder to write intervals.ndjson into`))
			}
			if o.Interval < 100*time.Millisecond || o.Interval > time.Minute {
				return badInput(fmt.Errorf("invalid argument %q for \"--interval\" flag: must be from 100ms to 1m", o.Interval))
			}
			if o.Duration < 0 {
				return badInput(fmt.Errorf("invalid argument %q for \"--duration\" flag: must not be negative", o.Duration))
			}
			var err error
			if o.Samplers.Profile, err = api.LoadProfile(profile); err != nil {
				return badInput(fmt.Errorf("--profile: %w", err))
			}
			o.ProfileName = profile
			o.Samplers.Bus.Brokers = splitList(brokers)
			busPasswordFromEnv(&o.Samplers.Bus)
			if kube {
				o.Samplers.Kube = &kubeOpts
			}
			o.Version = version
			ctx, hard, stop := onSignal(cmd.Context(), s.signals)
			defer stop()
			fmt.Fprintf(s.err, "gl001 observe %s → %s (Ctrl-C to stop)\n", o.Samplers.Target, o.OutDir)
			var out observer.Outcome
			err = untilHardStop(hard, func() error {
				var err error
				out, err = observer.Run(ctx, o)
				return err
			})
			if errors.Is(err, observer.ErrInput) {
				return badInput(err)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "observed %s: %d intervals, stopped (%s) → %s/%s\n", o.Samplers.Target, out.Intervals, out.Stopped, out.Dir, observer.IntervalsFile)
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&o.Samplers.Target, "target", "", "base URL of the GL-001 orchestrator to observe (required)")
	f.StringVar(&brokers, "brokers", "", "Kafka bootstrap brokers, comma-separated, for the consumer lag (none: no lag)")
	f.StringVar(&o.OutDir, "out", "", "folder to write intervals.ndjson into (required; must not hold one)")
	f.DurationVar(&o.Duration, "duration", 0, "stop after this long (0: until Ctrl-C)")
	f.DurationVar(&o.Interval, "interval", time.Second, "sampling interval: one intervals.ndjson line each")
	addBusFlags(f, &o.Samplers.Bus)
	addKubeFlags(f, &kube, &kubeOpts)
	addProfileFlag(f, &profile)
	return cmd
}
