// Package engine runs one gl001 load test: it turns a scenario into
// open-model arrival-rate executors (its Executors: the planned optimize
// and coordinate, or the file's own k6 scenarios, each running optimize
// over HTTP or coordinate over Kafka as its exec says), records every iteration's latency from its scheduled start into
// per-interval HDR histograms, writes intervals.ndjson as the run goes and
// summary.json at the end, and evaluates k6 thresholds.
//
// Run wires the parts (this file); the iterations and what they record
// are in iterations.go, the interval loop in intervals.go, the summaries
// in summary.go, and the stand-in, a `gl001 simulate` child process the
// run starts when it has no target, in standin.go. Run owns every
// goroutine it starts and stops them in one ordered place: executors
// (graceful stop) → the interval loop (a last flush) → clients → the
// stand-in, if it started one.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"time"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/xk6-gl001/executor"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/progress"
	"github.com/greenlang/gl001/xk6-gl001/record"
	"github.com/greenlang/gl001/xk6-gl001/sampler"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// ErrInput marks an Options problem the user must fix (exit 2).
var ErrInput = errors.New("invalid run options")

// Options are one run's settings. Zero values take the defaults noted.
type Options struct {
	Scenario     scenarios.Scenario
	ScenarioFile string // where the scenario came from, for the record

	// Target is the orchestrator's base URL; empty starts the stand-in
	// deployment on 127.0.0.1 for the run and stops it at the end.
	Target string
	// Bus reaches the user's Kafka. With no Target and no brokers the
	// stand-in's embedded broker is used.
	Bus kafkabus.Options
	// StandIn sizes the stand-in started without Target.
	StandIn StandInOptions
	// Profile is the names the target answers to (topics, group, paths,
	// metrics, Kubernetes objects); the guide's when its Name is empty.
	Profile api.Profile
	// ProfileFile is where Profile came from, handed to the stand-in a run
	// starts; "" for the guide's.
	ProfileFile string

	OutDir  string // results folder; created; must not hold a previous run
	JSONOut string // k6 --out json file; "" for none
	// SummaryExport is a file for k6's legacy --summary-export shape; ""
	// for none.
	SummaryExport string

	Interval       time.Duration // sampling interval; 1 s
	PublishOnly    bool          // coordination completes on publish, not on ack
	RequestTimeout time.Duration // per optimization request; 30 s
	AckTimeout     time.Duration // per coordination ack; 10 s

	Progress    progress.Display // nil: none
	MetricsAddr string           // serve the harness's Prometheus metrics here; "" off
	Version     string
	Logger      *slog.Logger

	// Kube, when set, samples the orchestrator's pods and HPA through the
	// Kubernetes API instead of local processes.
	Kube *KubeOptions
	// NoSamplers turns the samplers off (the run records only what the
	// load side measures).
	NoSamplers bool

	// Segment, when set, makes the run one shard of a distributed run
	// (gl001 run --segment): its share of every scenario's arrivals, at
	// the single run's instants, with its share of the VUs, playing the
	// fleet's plants the segment owns (see executor.Segment). nil or a
	// full segment is the whole run.
	Segment *executor.Segment
	// SamplerShard says this shard runs the samplers; the other shards
	// of a distributed run record none, so a merge does not count the
	// target twice. Ignored without Segment.
	SamplerShard bool
	// RunID ties the shards of one distributed run together (in the
	// header's shard record).
	RunID string
	// IntervalsTee, when set, also gets every line of intervals.ndjson,
	// the same bytes as they are written (gl001 run --intervals-stdout:
	// a shard in a pod streams its intervals in its log).
	IntervalsTee io.Writer
}

func (o *Options) defaults() {
	if o.Interval == 0 {
		o.Interval = time.Second
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = 30 * time.Second
	}
	if o.AckTimeout == 0 {
		o.AckTimeout = 10 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Profile.Name == "" {
		o.Profile = api.GuideProfile()
	}
}

// Outcome is what a run did.
type Outcome struct {
	Dir       string                     `json:"dir"`
	Target    string                     `json:"target"`
	StandIn   bool                       `json:"stand_in"`
	Brokers   []string                   `json:"brokers"`
	Start     time.Time                  `json:"start"`
	End       time.Time                  `json:"end"`
	Complete  bool                       `json:"complete"`
	Stopped   string                     `json:"stopped,omitempty"` // why it ended early
	Aborted   bool                       `json:"aborted,omitempty"` // an abortOnFail threshold stopped it
	Scenarios map[string]ScenarioOutcome `json:"scenarios"`
	// Prediction is the capacity calculator's answer for the scenario.
	Prediction capacity.Prediction `json:"prediction"`
	Replicas   int                 `json:"replicas_running,omitempty"`
	Thresholds thresholds.Results  `json:"-"`
	// Passed is set when every threshold held; one that failed or saw no
	// data leaves it unset.
	Passed bool `json:"thresholds_passed"`
}

const (
	execOptimize, execCoordinate = record.ExecOptimize, record.ExecCoordinate
	intervalFile, summaryFile    = "intervals.ndjson", "summary.json"
)

// Thresholds returns the run's thresholds (record.Thresholds); a problem
// wraps ErrInput.
func Thresholds(s scenarios.Scenario, file string) (thresholds.Set, error) {
	set, err := record.Thresholds(s, file)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	return set, nil
}

// run is one run's state, shared by its goroutines.
type run struct {
	o     Options
	th    thresholds.Set
	reg   *metrics.Registry
	m     map[string]*metrics.Metric // by name, as record.Metrics declares them
	subs  map[string][]submetric     // by base metric name
	out   *metrics.JSONOutput
	execs []*executor.Executor
	fails map[string]*atomic.Int64 // failed iterations, by executor
	// extra is each executor's own k6 tags (its scenario's tags), sorted
	// by key, shared by all its samples so that tagging allocates nothing.
	extra map[string][]metrics.Tag
	rates map[string]*rateWindow // by executor; touched only by the interval loop
	// owned are the plants (indices) this run plays: a shard's; nil for
	// the whole fleet.
	owned []int
}

// Run executes the load test. It returns an error wrapping ErrInput for
// options the user must fix, another error when the run could not start
// or its results could not be written; a run that starts always ends with
// summary.json written, also when ctx is cancelled (marked not complete).
func Run(ctx context.Context, o Options) (Outcome, error) {
	o.defaults()
	th, err := Thresholds(o.Scenario, o.ScenarioFile)
	if err != nil {
		return Outcome{}, err
	}
	configs, err := o.Scenario.Executors()
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: %s: %w", ErrInput, o.ScenarioFile, err)
	}
	if o.Target != "" && len(o.Bus.Brokers) == 0 && o.Scenario.Sends(execCoordinate) {
		if o.Scenario.Scenarios != nil {
			return Outcome{}, fmt.Errorf("%w: --brokers is required with --target: a scenario of %s has exec %q, which sends coordination events over Kafka",
				ErrInput, o.ScenarioFile, execCoordinate)
		}
		return Outcome{}, fmt.Errorf("%w: --brokers is required with --target: the scenario sends %v coordination events/s over Kafka (set agent_coordination_events_per_second to 0 to test HTTP alone)",
			ErrInput, o.Scenario.AgentCoordinationEventsPerSecond)
	}
	if seg := o.Segment; seg != nil && !seg.Full() && seg.Scale(int64(o.Scenario.Plants)) == 0 {
		return Outcome{}, shardWithoutPlants(*seg, o.Scenario.Plants)
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return Outcome{}, fmt.Errorf("%w: results folder %q: %w", ErrInput, o.OutDir, err)
	}
	if _, err := os.Stat(filepath.Join(o.OutDir, intervalFile)); err == nil {
		return Outcome{}, fmt.Errorf("%w: results folder %q already holds a run (%s); choose another --out", ErrInput, o.OutDir, intervalFile)
	}

	out := Outcome{Dir: o.OutDir, Target: o.Target, Brokers: o.Bus.Brokers, Prediction: o.Scenario.Prediction(), Scenarios: map[string]ScenarioOutcome{}}
	var si *standIn
	if o.Target == "" {
		if si, err = startStandIn(ctx, o); err != nil {
			return out, err
		}
		defer func() {
			if err := si.stop(); err != nil {
				o.Logger.Warn("stopping the stand-in", "err", err)
			}
		}()
		out.Target, out.Brokers, out.StandIn, out.Replicas = si.ready.API, si.ready.Brokers, true, len(si.ready.Replicas)
		o.Bus.Brokers = si.ready.Brokers
	}

	f, err := fleet.New(fleet.Config{Plants: o.Scenario.Plants, Agents: o.Scenario.SubAgents, Seed: o.Scenario.Seed})
	if err != nil {
		return out, fmt.Errorf("%w: %s: %w", ErrInput, o.ScenarioFile, err)
	}
	var seg executor.Segment
	var shard *record.Shard
	var owned []int
	if o.Segment != nil && !o.Segment.Full() {
		seg = *o.Segment
		owned = seg.Owned(f.Plants())
		if f, shard, err = shardOf(f, seg, o); err != nil {
			return out, err
		}
		o.NoSamplers = o.NoSamplers || !o.SamplerShard
	}
	r := &run{o: o, th: th, fails: map[string]*atomic.Int64{}, rates: map[string]*rateWindow{}, extra: map[string][]metrics.Tag{}, owned: owned}
	var samplers *sampler.Set
	if !o.NoSamplers {
		var limits *api.ReplicaLimits
		if si != nil {
			limits = &si.ready.Limits
		}
		if samplers, err = r.samplers(out.Target, limits, o.Bus.Brokers); err != nil {
			return out, err
		}
		defer samplers.Close()
	}
	for name := range configs {
		r.fails[name], r.rates[name] = &atomic.Int64{}, &rateWindow{}
	}
	iterations, closeClients, err := r.clients(ctx, out.Target, f, configs)
	if err != nil {
		return out, err
	}
	defer closeClients()
	for _, name := range scenarioOrder(configs) {
		e, err := executor.NewInSegment(name, configs[name], seg, iterations[name])
		if err != nil {
			return out, fmt.Errorf("%w: %s: %w", ErrInput, name, err)
		}
		r.execs = append(r.execs, e)
	}

	out.Start = time.Now()
	r.reg = metrics.NewRegistry(out.Start)
	r.m = map[string]*metrics.Metric{}
	for _, d := range record.Metrics() {
		r.m[d.Name] = r.reg.MustNew(d.Name, d.Type, d.Contains)
	}
	r.declareSubmetrics()
	var plan scenarios.Plan // a file's own scenarios replace the plan
	if o.Scenario.Scenarios == nil {
		plan = o.Scenario.Plan()
	}
	meta := record.Meta{Scenario: o.Scenario, ScenarioFile: o.ScenarioFile, Plan: plan, Prediction: out.Prediction,
		Target: out.Target, Brokers: out.Brokers, StandIn: out.StandIn, ReplicasRunning: out.Replicas,
		IntervalSeconds: o.Interval.Seconds(), Version: o.Version, PublishOnly: o.PublishOnly, Profile: o.Profile.Name, Shard: shard}
	if si != nil {
		meta.Workers, meta.ReplicaLimits = si.ready.Workers, &si.ready.Limits
	}
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return out, err
	}
	iw, closeIntervals, err := createIntervals(filepath.Join(o.OutDir, intervalFile), r.reg.Header(metaJSON), o.IntervalsTee)
	if err != nil {
		return out, err
	}
	defer closeIntervals()
	if o.JSONOut != "" {
		if r.out, err = metrics.CreateJSONOutput(o.JSONOut); err != nil {
			return out, fmt.Errorf("%w: --out json=%s: %w", ErrInput, o.JSONOut, err)
		}
		r.out.SetThresholds(expressions(th))
		defer r.out.Close()
	}
	if o.MetricsAddr != "" {
		stopServe, err := r.serveMetrics(o.MetricsAddr)
		if err != nil {
			return out, fmt.Errorf("%w: --metrics-addr %s: %w", ErrInput, o.MetricsAddr, err)
		}
		defer stopServe()
	}

	stopped, writeErr := r.loop(ctx, iw, samplers, out.Start)
	out.End = time.Now()
	if o.Progress != nil {
		o.Progress.Close()
	}
	out.Complete = stopped == nil
	if stopped != nil {
		out.Stopped = stopped.Error()
		var ab errAborted
		out.Aborted = errors.As(stopped, &ab)
		if errors.Is(stopped, context.Canceled) {
			out.Stopped = "interrupted"
		}
	}
	r.outcomes(&out)
	out.Thresholds = th.Evaluate(r.sources())
	out.Passed = out.Thresholds.Passed()
	if err := r.writeSummaries(out); err != nil {
		return out, err
	}
	return out, writeErr
}

// scenarioOrder is the order executors run and report in: the planned
// optimize and coordinate first, then any other name, sorted.
func scenarioOrder(configs map[string]executor.Config) []string {
	var names []string
	for _, name := range []string{execOptimize, execCoordinate} {
		if _, ok := configs[name]; ok {
			names = append(names, name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(configs)) {
		if name != execOptimize && name != execCoordinate {
			names = append(names, name)
		}
	}
	return names
}

// sources adapts the running totals for threshold evaluation.
func (r *run) sources() map[string]thresholds.Source { return record.Sources(r.reg.Totals()) }

// serveMetrics exposes the harness's own live figures for Prometheus.
func (r *run) serveMetrics(addr string) (func(), error) {
	h, err := newHarnessMetrics(r)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 5 * time.Second}
	ln, err := listen(addr)
	if err != nil {
		return nil, err
	}
	go func() { _ = srv.Serve(ln) }()
	return func() { _ = srv.Close() }, nil
}

// shardOf is the part of f a segment plays, and its header record: the
// plants the segment owns of the fleet's, by the same striping as the
// arrivals. A segment that owns no plant (more shards than plants) is
// bad input.
func shardOf(f *fleet.Fleet, seg executor.Segment, o Options) (*fleet.Fleet, *record.Shard, error) {
	plants := seg.Owned(f.Plants())
	if len(plants) == 0 {
		return nil, nil, shardWithoutPlants(seg, f.Plants())
	}
	part, err := f.Only(plants)
	if err != nil {
		return nil, nil, err
	}
	ids := f.PlantIDs()
	sh := &record.Shard{Segment: seg.String(), Sequence: seg.Sequence(), Index: seg.Index(), Count: seg.Count(),
		RunID: o.RunID, Sampler: o.SamplerShard}
	for _, p := range plants {
		sh.Plants = append(sh.Plants, ids[p])
	}
	return part, sh, nil
}

// createIntervals creates intervals.ndjson at path, its lines also
// written to tee when it is set; close ends the stream and the file.
func createIntervals(path string, h metrics.Header, tee io.Writer) (*metrics.IntervalWriter, func(), error) {
	if tee == nil {
		iw, err := metrics.CreateIntervalFile(path, h)
		if err != nil {
			return nil, nil, err
		}
		return iw, func() { _ = iw.Close() }, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, nil, err
	}
	iw, err := metrics.NewIntervalWriter(io.MultiWriter(f, tee), h)
	if err != nil {
		_ = f.Close()
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return iw, func() { _ = iw.Close(); _ = f.Close() }, nil
}

// shardWithoutPlants is the error of a segment that owns none of the
// fleet's plants (more shards than plants).
func shardWithoutPlants(seg executor.Segment, plants int) error {
	return fmt.Errorf("%w: --segment %s of %d shards owns none of the fleet's %d plants: use at most %d shards, so each plays a plant",
		ErrInput, seg, seg.Count(), plants, plants)
}
