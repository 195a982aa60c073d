package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/kubernetes"

	"github.com/greenlang/gl001/deploy/kubeconfig"
	"github.com/greenlang/gl001/deploy/kubeshards"
	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/engine"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// kubeShardFlags are run's flags for a distributed run on Kubernetes.
type kubeShardFlags struct {
	shards    int
	image     string
	configMap string
}

func addKubeShardFlags(f *pflag.FlagSet) *kubeShardFlags {
	k := &kubeShardFlags{}
	f.IntVar(&k.shards, "kube-shards", 0, "launch the run as an Indexed Job of this many shards in the cluster (--kubeconfig, --namespace), follow their logs, merge them live and report once")
	f.StringVar(&k.image, "image", "ghcr.io/greenlang/gl001:"+version, "with --kube-shards, the gl001 image the shards' pods run (make image builds it)")
	f.StringVar(&k.configMap, "scenario-configmap", "gl-001-load-test", "with --kube-shards, the ConfigMap whose scenario.json the pods run; it must hold SCENARIO")
	return k
}

// The seams of --kube-shards: the cluster's client, and how a pod's log
// is opened. Tests replace them with a fake clientset and child processes.
var (
	kubeClient = defaultKubeClient
	kubeLogs   = kubeshards.PodLogs
)

func defaultKubeClient(path, context string) (kubernetes.Interface, error) {
	cfg, err := kubeconfig.Load(path, context)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg) // no client timeout: log streams last the run
}

// shardFlagsPassed are run's flags a launcher hands on to its shards as
// given; the others are the launcher's own or refused.
var shardFlagsPassed = []string{"target", "brokers", "profile", "interval", "publish-only", "request-timeout", "ack-timeout",
	"selector", "hpa", "kafka-tls", "kafka-sasl-mechanism", "kafka-sasl-username"}

// shardFlagsRefused cannot be carried to a pod: files and secrets that are
// not there, and outputs of one process.
var shardFlagsRefused = map[string]string{
	"segment": "--kube-shards launches the shards, each with its own --segment", "segment-sequence": "the launcher sets the shards' sequence",
	"sampler-shard": "shard 0 samples", "run-id": "the launcher makes the run id", "intervals-stdout": "the shards stream their intervals to the launcher",
	"kafka-tls-ca": "a file here is not in the pods", "kafka-tls-cert": "a file here is not in the pods", "kafka-tls-key": "a file here is not in the pods",
	"kafka-sasl-password": "a secret does not go in a Job's arguments", "summary-export": "k6's summary is per process", "metrics-addr": "the shards do not serve the harness's metrics",
	"expand-to": "validate an expansion with two runs of one process, not in a cluster", "prescale": "stand-in only",
	"db-pool-size": "stand-in only", "db-query-time": "stand-in only", "replica-cpu-limit": "stand-in only", "replica-memory-limit": "stand-in only",
}

// kubeShardsRun is gl001 run --kube-shards N: it launches the shards,
// merges them into o.OutDir and reports as run does.
func kubeShardsRun(cmd *cobra.Command, s streams, k *kubeShardFlags, o engine.Options, profile string, kubeOpts engine.KubeOptions, rf *reportFlags) error {
	f := cmd.Flags()
	for _, name := range slices.Sorted(maps.Keys(shardFlagsRefused)) {
		if f.Changed(name) {
			return badInput(fmt.Errorf("--%s does not go with --kube-shards: %s", name, shardFlagsRefused[name]))
		}
	}
	switch {
	case o.Target == "":
		return badInput(errors.New("--kube-shards needs --target, the orchestrator's URL as the pods reach it (the shards cannot share a stand-in)"))
	case !slices.Contains(api.BuiltinProfiles(), profile):
		return badInput(fmt.Errorf("--profile %q: with --kube-shards the pods need a built-in profile (%s): a file here is not in the pods", profile, strings.Join(api.BuiltinProfiles(), ", ")))
	case o.JSONOut != "":
		return badInput(errors.New("--out json=FILE does not go with --kube-shards: k6's JSON lines are per process; the merged intervals.ndjson holds every shard"))
	}
	var args []string
	for _, name := range shardFlagsPassed {
		if fl := f.Lookup(name); fl != nil && f.Changed(name) {
			args = append(args, "--"+name+"="+fl.Value.String())
		}
	}
	if f.Changed("namespace") {
		args = append(args, "--namespace="+kubeOpts.Namespace)
	}
	if f.Changed("regions") { // a file here is not in the pods: hand on its JSON
		args = append(args, "--regions="+o.Scenario.Regions.JSON())
	}
	args = append(args, "--kube") // shard 0 samples the orchestrator from inside the cluster
	ns := kubeOpts.Namespace
	if ns == "" {
		ns = o.Profile.Namespace
	}
	th, err := engine.Thresholds(o.Scenario, o.ScenarioFile)
	if err != nil {
		return badInput(err)
	}
	client, err := kubeClient(kubeOpts.Kubeconfig, kubeOpts.Context)
	if err != nil {
		return badInput(fmt.Errorf("--kube-shards: %w", err))
	}
	want, _ := json.Marshal(o.Scenario)
	spec := kubeshards.Spec{Namespace: ns, Shards: k.shards, Image: k.image, RunID: newRunID(), ConfigMap: k.configMap, Args: args,
		ActiveDeadlineSeconds: int64(o.Scenario.DurationMinutes*60) + 900}
	if err := spec.Validate(); err != nil {
		return badInput(err)
	}
	launch := kubeshards.Options{
		Client: client, Spec: spec, Logs: kubeLogs(client), Out: o.OutDir, Thresholds: th,
		Logger: slog.New(slog.NewTextHandler(s.err, &slog.HandlerOptions{Level: slog.LevelInfo})),
		Accept: func(meta record.Meta) error {
			if got, _ := json.Marshal(meta.Scenario); !bytes.Equal(got, want) {
				return fmt.Errorf("%w: the pods ran ConfigMap %s/%s's scenario.json (%s), not %s: update it with "+
					"`kubectl create configmap %s -n %s --from-file=scenario.json=%s --dry-run=client -o yaml | kubectl apply -f -`",
					errScenarioMismatch, ns, k.configMap, meta.Scenario.TestName, o.ScenarioFile, k.configMap, ns, o.ScenarioFile)
			}
			return nil
		},
	}
	ctx, hard, stop := onSignal(cmd.Context(), s.signals)
	defer stop()
	fmt.Fprintf(s.err, "gl001 run %s: %d shards as Job %s/%s (image %s) → %s\n", o.Scenario.TestName, k.shards, ns, spec.Name(), k.image, o.OutDir)
	var out kubeshards.Outcome
	err = untilHardStop(hard, func() error {
		var err error
		out, err = kubeshards.Run(ctx, launch)
		return err
	})
	if err == errHardStop {
		return &exitError{code: errHardStop.code, err: fmt.Errorf("%w; the shard Job may still run: kubectl delete job -n %s %s", errHardStop.err, ns, spec.Name())}
	}
	switch {
	case errors.Is(err, kubeshards.ErrSpec), errors.Is(err, errScenarioMismatch):
		return badInput(err)
	case errors.Is(err, kubeshards.ErrUnreachable):
		return badInput(fmt.Errorf("--kube-shards: %w (credentials from %s)", err, kubeconfig.Describe(kubeOpts.Kubeconfig)))
	case err != nil && out.Merged == nil && out.Stopped != "":
		return &exitError{code: exitFailed, err: fmt.Errorf("run stopped (%s) before any shard sent an interval (Job deleted: %t): %w", out.Stopped, out.JobDeleted, err)}
	case err != nil && out.Merged == nil:
		return err
	}
	writeShardsSummary(s.out, out)
	rep, rerr := report.Generate(out.Dir, rf.options())
	if rep.Verdict != "" {
		writeVerdict(s.out, out.Dir, rep)
	}
	switch {
	case rerr != nil:
		return fmt.Errorf("report: %w", rerr)
	case out.Aborted != nil:
		return &exitError{code: exitThresholds, err: fmt.Errorf("run aborted by a threshold on the merged data (%s); Job deleted; partial results in %s", strings.Join(out.Aborted, ", "), out.Dir)}
	case out.Stopped != "":
		return &exitError{code: exitFailed, err: fmt.Errorf("run stopped early (%s); partial results in %s", out.Stopped, out.Dir)}
	}
	for _, t := range rep.Thresholds {
		if !t.OK {
			return &exitError{code: exitThresholds, err: errors.New("thresholds failed or saw no data on the merged data")}
		}
	}
	return rf.verdictExit(rep)
}

var errScenarioMismatch = errors.New("the shards ran another scenario")

// writeShardsSummary prints the Job's end and each shard's outcome.
func writeShardsSummary(w io.Writer, out kubeshards.Outcome) {
	state := out.JobResult
	if out.Stopped != "" {
		state = "stopped: " + out.Stopped
		if out.JobDeleted {
			state += " (Job deleted)"
		}
	}
	fmt.Fprintf(w, "\nJob %s: %s, after %s\n", out.Job, state, out.End.Sub(out.Start).Truncate(time.Millisecond))
	for _, sh := range out.Merged.Shards {
		st := "complete"
		if !sh.Complete {
			st = "INCOMPLETE: " + sh.Problem
		}
		fmt.Fprintf(w, "  shard %d (segment %s): %d intervals, %s\n", sh.Index, sh.Segment, sh.Intervals, st)
	}
	fmt.Fprintf(w, "results: %s\n", out.Dir)
}

// newRunID names one launch: the time, and randomness so that two
// launches in one second differ.
func newRunID() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x%s", time.Now().Unix(), hex.EncodeToString(b))
}
