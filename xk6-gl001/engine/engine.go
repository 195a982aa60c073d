// Package engine runs one gl001 load test: it turns a scenario into two
// open-model arrival-rate executors (optimize over HTTP, coordinate over
// Kafka), records every iteration's latency from its scheduled start into
// per-interval HDR histograms, writes intervals.ndjson as the run goes and
// summary.json at the end, and evaluates k6 thresholds.
//
// Run owns every goroutine it starts and stops them in one ordered place:
// executors (graceful stop) → the interval loop (a last flush) → clients →
// the stand-in, if it started one.
package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/greenlang/gl001/deploy/kafkabus"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/xk6-gl001/client"
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

	OutDir  string // results folder; created; must not hold a previous run
	JSONOut string // k6 --out json file; "" for none

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

	// StandInDBPoolSize and StandInDBQueryTime size the stand-in's
	// database pool (DB_POOL_SIZE for the deployment, and one query's
	// service time) instead of the calculator's pool and 2 ms: a way to
	// rehearse an under-provisioned deployment. Ignored with Target.
	StandInDBPoolSize  int
	StandInDBQueryTime time.Duration
	// StandInCPULimitMillicores and StandInMemoryLimitMiB are each stand-in
	// replica's enforced limits (simulator.Options); 0 takes
	// simulator.DefaultLimits. Ignored with Target.
	StandInCPULimitMillicores int
	StandInMemoryLimitMiB     int
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
}

// ScenarioOutcome is how one executor's schedule was kept.
type ScenarioOutcome struct {
	Exec        string  `json:"exec"`
	Expected    float64 `json:"expected_iterations"` // what the schedule issued
	Started     int64   `json:"started"`
	Completed   int64   `json:"completed"`
	Dropped     int64   `json:"dropped"`
	Interrupted int64   `json:"interrupted"`
	Failed      int64   `json:"failed"`
	// AchievedPercent is started iterations over the whole arrivals of the
	// schedule's ∫rate for the time it ran, percent: 100 when the open
	// model kept its pace.
	AchievedPercent float64 `json:"achieved_percent"`
	VUsMax          int64   `json:"vus_max"`
}

// Outcome is what a run did.
type Outcome struct {
	Dir        string                     `json:"dir"`
	Target     string                     `json:"target"`
	StandIn    bool                       `json:"stand_in"`
	Brokers    []string                   `json:"brokers"`
	Start      time.Time                  `json:"start"`
	End        time.Time                  `json:"end"`
	Complete   bool                       `json:"complete"`
	Stopped    string                     `json:"stopped,omitempty"` // why it ended early
	Scenarios  map[string]ScenarioOutcome `json:"scenarios"`
	Prediction capacity.Prediction        `json:"prediction"`
	Replicas   int                        `json:"replicas_running,omitempty"`
	Thresholds thresholds.Results         `json:"-"`
	Passed     bool                       `json:"thresholds_passed"`
}

const (
	execOptimize, execCoordinate = record.ExecOptimize, record.ExecCoordinate
	intervalFile, summaryFile    = "intervals.ndjson", "summary.json"
	defaultMaxConnsPerHost       = 256
	standInStartTimeout          = 2 * time.Minute
)

// declare registers the run's metrics.
func declare(r *metrics.Registry) map[string]*metrics.Metric {
	m := map[string]*metrics.Metric{}
	for _, d := range record.Metrics() {
		m[d.Name] = r.MustNew(d.Name, d.Type, d.Contains)
	}
	return m
}

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
	reg   *metrics.Registry
	m     map[string]*metrics.Metric
	out   *metrics.JSONOutput
	execs []*executor.Executor
	fails map[string]*counter
	th    thresholds.Set
}

type counter struct {
	mu sync.Mutex
	n  int64
}

func (c *counter) add() { c.mu.Lock(); c.n++; c.mu.Unlock() }
func (c *counter) get() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
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
	plan := o.Scenario.Plan()
	configs := map[string]executor.Config{}
	for name, a := range map[string]scenarios.ArrivalScenario{execOptimize: plan.Optimize, execCoordinate: plan.Coordinate} {
		if a.Skip() {
			continue
		}
		b, _ := json.Marshal(a) // the plan is k6 JSON, as a k6 script's options would hold
		c, err := executor.DecodeConfig(b)
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			return Outcome{}, fmt.Errorf("%w: %s: scenario %q: %w", ErrInput, o.ScenarioFile, name, err)
		}
		configs[name] = c
	}
	if o.Target != "" && len(o.Bus.Brokers) == 0 && !plan.Coordinate.Skip() {
		return Outcome{}, fmt.Errorf("%w: --brokers is required with --target: the scenario sends %v coordination events/s over Kafka (set agent_coordination_events_per_second to 0 to test HTTP alone)",
			ErrInput, o.Scenario.AgentCoordinationEventsPerSecond)
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return Outcome{}, fmt.Errorf("%w: results folder %q: %w", ErrInput, o.OutDir, err)
	}
	if _, err := os.Stat(filepath.Join(o.OutDir, intervalFile)); err == nil {
		return Outcome{}, fmt.Errorf("%w: results folder %q already holds a run (%s); choose another --out", ErrInput, o.OutDir, intervalFile)
	}

	out := Outcome{Dir: o.OutDir, Target: o.Target, Brokers: o.Bus.Brokers, Prediction: o.Scenario.Prediction(), Scenarios: map[string]ScenarioOutcome{}}
	var si *simulator.StandIn
	if o.Target == "" {
		var err error
		if si, err = startStandIn(ctx, o); err != nil {
			return out, err
		}
		defer si.Stop()
		out.Target, out.Brokers, out.StandIn, out.Replicas = si.API(), si.Brokers(), true, len(si.Replicas())
		o.Bus.Brokers = si.Brokers()
	}

	f, err := fleet.New(fleet.Config{Plants: o.Scenario.Plants, Agents: o.Scenario.SubAgents, Seed: o.Scenario.Seed})
	if err != nil {
		return out, fmt.Errorf("%w: %s: %w", ErrInput, o.ScenarioFile, err)
	}
	r := &run{o: o, th: th, fails: map[string]*counter{execOptimize: {}, execCoordinate: {}}}
	var samplers *sampler.Set
	if !o.NoSamplers {
		if samplers, err = r.samplers(out.Target, si, o.Bus.Brokers); err != nil {
			return out, err
		}
		defer samplers.Close()
	}
	iterations, closeClients, err := r.clients(ctx, out.Target, f, configs)
	if err != nil {
		return out, err
	}
	defer closeClients()

	for _, name := range []string{execOptimize, execCoordinate} {
		c, ok := configs[name]
		if !ok {
			continue
		}
		e, err := executor.New(name, c, iterations[name])
		if err != nil {
			return out, fmt.Errorf("%w: %s: %w", ErrInput, name, err)
		}
		r.execs = append(r.execs, e)
	}

	out.Start = time.Now()
	r.reg = metrics.NewRegistry(out.Start)
	r.m = declare(r.reg)
	meta, _ := json.Marshal(map[string]any{
		"scenario": o.Scenario, "scenario_file": o.ScenarioFile, "plan": plan, "prediction": out.Prediction,
		"target": out.Target, "brokers": out.Brokers, "stand_in": out.StandIn, "replicas_running": out.Replicas,
		"interval_seconds": o.Interval.Seconds(), "version": o.Version, "workers": workersOf(si), "publish_only": o.PublishOnly,
		"replica_limits": limitsOf(si),
	})
	iw, err := metrics.CreateIntervalFile(filepath.Join(o.OutDir, intervalFile), r.reg.Header(meta))
	if err != nil {
		return out, err
	}
	defer iw.Close()
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

	// Executors run until their schedule ends or ctx is cancelled; an
	// abortOnFail threshold stops them through abort.
	runCtx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	var wg sync.WaitGroup
	for _, e := range r.execs {
		wg.Go(func() { _ = e.Run(runCtx) })
	}
	execsDone := make(chan struct{})
	go func() { wg.Wait(); close(execsDone) }()

	// Evaluating thresholds copies every metric's totals, so only do it
	// each interval when a threshold can abort the run.
	canAbort := false
	for _, ts := range th {
		for _, t := range ts {
			canAbort = canAbort || t.AbortOnFail
		}
	}
	ticker := time.NewTicker(o.Interval)
	defer ticker.Stop()
	last := map[string]executor.Stats{}
	var writeErr error
	for done := false; !done; {
		select {
		case <-ticker.C:
		case <-execsDone:
			done = true
		}
		iv := r.flush(last)
		if samplers != nil {
			if b, err := json.Marshal(samplers.Sample(ctx, iv.End)); err == nil {
				iv.Extra[record.SamplesKey] = b
			}
		}
		if err := iw.Write(iv); err != nil && writeErr == nil {
			writeErr = err
			o.Logger.Error("cannot write intervals; the run goes on", "file", filepath.Join(o.OutDir, intervalFile), "err", err)
		}
		r.showProgress(last)
		if !canAbort {
			continue
		}
		if stop, which := th.ShouldAbort(r.sources(), time.Since(out.Start)); stop && context.Cause(runCtx) == nil {
			abort(fmt.Errorf("abortOnFail threshold crossed: %v", which))
			o.Logger.Warn("aborting: a threshold with abortOnFail failed", "thresholds", which)
			// As k6: an abort interrupts in-flight iterations at once,
			// without their gracefulStop.
			for _, e := range r.execs {
				e.Stop()
			}
		}
	}
	out.End = time.Now()
	if o.Progress != nil {
		o.Progress.Close()
	}

	out.Complete = context.Cause(runCtx) == nil
	if cause := context.Cause(runCtx); cause != nil {
		out.Stopped = cause.Error()
		if errors.Is(cause, context.Canceled) {
			out.Stopped = "interrupted"
		}
	}
	for _, e := range r.execs {
		st := e.Stats()
		ran := st.Elapsed
		exp := e.Config().ExpectedIterations(ran)
		so := ScenarioOutcome{Exec: e.Name(), Expected: exp, Started: st.Started, Completed: st.Completed,
			Dropped: st.Dropped, Interrupted: st.Interrupted, Failed: r.fails[e.Name()].get(), VUsMax: st.AllocatedVUs}
		// A perfect schedule issues the whole arrivals of ∫rate.
		if whole := math.Floor(exp + 1e-9); whole > 0 {
			so.AchievedPercent = float64(st.Started) / whole * 100
		}
		out.Scenarios[e.Name()] = so
	}
	out.Thresholds = th.Evaluate(r.sources())
	out.Passed = out.Thresholds.Passed()
	if err := r.writeSummary(out); err != nil {
		return out, err
	}
	return out, writeErr
}

// workersOf is the coordination workers per replica (the guide's
// KAFKA_CONSUMER_THREADS) when the run knows them: the stand-in's; 0 for a
// target the run cannot look inside.
func workersOf(si *simulator.StandIn) int {
	if si == nil {
		return 0
	}
	return si.Workers()
}

func startStandIn(ctx context.Context, o Options) (*simulator.StandIn, error) {
	sctx, cancel := context.WithTimeout(ctx, standInStartTimeout)
	defer cancel()
	si, err := simulator.Start(sctx, simulator.Options{
		Plants: o.Scenario.Plants, Agents: o.Scenario.SubAgents, Replicas: o.Scenario.Replicas,
		Listen: "127.0.0.1:0", Bus: o.Bus, Partitions: o.Scenario.Partitions, Logger: o.Logger,
		DBPoolSize: o.StandInDBPoolSize, DBQueryTime: o.StandInDBQueryTime,
		CPULimitMillicores: o.StandInCPULimitMillicores, MemoryLimitMiB: o.StandInMemoryLimitMiB,
	})
	if errors.Is(err, simulator.ErrOptions) {
		return nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if err != nil {
		return nil, fmt.Errorf("starting the stand-in orchestrator: %w", err)
	}
	return si, nil
}

// clients builds the two iteration functions and what they need.
func (r *run) clients(ctx context.Context, target string, f *fleet.Fleet, configs map[string]executor.Config) (map[string]executor.Iteration, func(), error) {
	its := map[string]executor.Iteration{}
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	if c, ok := configs[execOptimize]; ok {
		start := time.Now()
		opt := &client.Optimizer{
			URL:  target + api.PathOptimize,
			HTTP: client.NewHTTPClient(r.o.RequestTimeout, int(min(c.MaxVUs, defaultMaxConnsPerHost))),
			// The fleet's simulated day starts at its DefaultStart and
			// advances in real time, so demand moves during the run.
			Fleet: f, Clock: func(now time.Time) time.Time { return fleet.DefaultStart.Add(now.Sub(start)) },
		}
		closers = append(closers, opt.HTTP.CloseIdleConnections)
		its[execOptimize] = r.optimizeIteration(opt)
	}
	if _, ok := configs[execCoordinate]; ok {
		cfg, err := r.o.Bus.Config()
		if err != nil {
			return nil, closeAll, fmt.Errorf("%w: %w", ErrInput, err)
		}
		co := &client.Coordinator{Writer: kafkabus.NewWriter(cfg, api.TopicCoordination), Fleet: f,
			PublishOnly: r.o.PublishOnly, AckTimeout: r.o.AckTimeout}
		closers = append(closers, func() { _ = co.Writer.Close() })
		if !r.o.PublishOnly {
			acks, err := kafkabus.NewAckWaiter(ctx, cfg, kafkabus.AckWaiterOptions{TTL: 2 * r.o.AckTimeout, Logger: r.o.Logger})
			if err != nil {
				closeAll()
				return nil, func() {}, fmt.Errorf("listening for acks on %s at %v: %w", api.TopicAck, cfg.Brokers, err)
			}
			co.Acks = acks
			closers = append(closers, func() { _ = acks.Close() })
		}
		its[execCoordinate] = r.coordinateIteration(co)
	}
	return its, closeAll, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// sample records one value, and writes it to the k6 JSON output if any.
func (r *run) sample(name string, t time.Time, v float64, tags map[string]string) {
	m := r.m[name]
	r.reg.Add(m, v)
	if r.out != nil {
		_ = r.out.Add(m, t, v, tags) // an output error surfaces at Close
	}
}

// optimizeIteration measures from the scheduled start, so time spent
// waiting for a VU counts against the target (no coordinated omission).
func (r *run) optimizeIteration(opt *client.Optimizer) executor.Iteration {
	return func(ctx context.Context, scheduled time.Time) {
		res := opt.Optimize(ctx)
		now := time.Now()
		tags := map[string]string{"scenario": execOptimize, "status": fmt.Sprint(res.Status)}
		r.sample(record.MetricOptimizeDuration, now, ms(now.Sub(scheduled)), tags)
		r.sample(record.MetricOptimizeRequestDuration, now, ms(res.Service), tags)
		if res.HeatOptimization > 0 {
			r.sample(record.MetricHeatOptimizationDuration, now, ms(res.HeatOptimization), tags)
		}
		r.outcome(execOptimize, record.MetricOptimizeFailed, now, res, tags)
	}
}

func (r *run) coordinateIteration(co *client.Coordinator) executor.Iteration {
	return func(ctx context.Context, scheduled time.Time) {
		res := co.Coordinate(ctx)
		now := time.Now()
		tags := map[string]string{"scenario": execCoordinate}
		r.sample(record.MetricCoordinationDuration, now, ms(now.Sub(scheduled)), tags)
		r.sample(record.MetricCoordinationServiceDur, now, ms(res.Service), tags)
		if res.Publish > 0 {
			r.sample(record.MetricCoordinationPublishDur, now, ms(res.Publish), tags)
		}
		r.outcome(execCoordinate, record.MetricCoordinationFailed, now, res, tags)
	}
}

// outcome records what every iteration ends with: its failure rate, the
// checks rate, the iterations counter, and a failure's count and reason.
func (r *run) outcome(exec, failedMetric string, now time.Time, res client.Result, tags map[string]string) {
	r.sample(failedMetric, now, boolValue(!res.OK), tags)
	r.sample(record.MetricChecks, now, boolValue(res.OK), tags)
	r.sample(record.MetricIterations, now, 1, tags)
	if !res.OK {
		r.fails[exec].add()
		r.o.Logger.Debug(exec+" failed", "status", res.Status, "err", res.Error)
	}
}

// flush closes the interval: executor counters become the k6 metrics
// dropped_iterations, vus and vus_max, then every metric is flushed.
func (r *run) flush(last map[string]executor.Stats) metrics.Interval {
	now := time.Now()
	var active, allocated int64
	extra := map[string]record.Executor{}
	for _, e := range r.execs {
		st := e.Stats()
		if d := st.Dropped - last[e.Name()].Dropped; d > 0 {
			r.sample(record.MetricDroppedIterations, now, float64(d), map[string]string{"scenario": e.Name()})
		}
		active += st.ActiveVUs
		allocated += st.AllocatedVUs
		extra[e.Name()] = record.Executor{TargetPerSecond: st.TargetRate, Started: st.Started, Dropped: st.Dropped,
			Failed: r.fails[e.Name()].get(), ActiveVUs: st.ActiveVUs, AllocatedVUs: st.AllocatedVUs,
			ElapsedSeconds: st.Elapsed.Seconds(), Expected: st.Expected}
	}
	r.sample(record.MetricVUs, now, float64(active), nil)
	r.sample(record.MetricVUsMax, now, float64(allocated), nil)
	iv := r.reg.Flush(now)
	if b, err := json.Marshal(extra); err == nil {
		if iv.Extra == nil {
			iv.Extra = map[string]json.RawMessage{}
		}
		iv.Extra[record.ExecutorsKey] = b
	}
	return iv
}

func (r *run) showProgress(last map[string]executor.Stats) {
	var lines []progress.Line
	for _, e := range r.execs {
		st := e.Stats()
		prev := last[e.Name()]
		dt := (st.Elapsed - prev.Elapsed).Seconds()
		rate := 0.0
		if dt > 0 {
			rate = float64(st.Started-prev.Started) / dt
		}
		lines = append(lines, progress.Line{Name: e.Name(), Elapsed: st.Elapsed, Total: e.Config().TotalDuration(),
			RatePerSecond: rate, TargetPerSecond: st.TargetRate, Iterations: st.Completed,
			Failed: r.fails[e.Name()].get(), Dropped: st.Dropped, VUs: st.ActiveVUs})
		last[e.Name()] = st
	}
	if r.o.Progress != nil {
		r.o.Progress.Update(lines)
	}
}

// sources adapts the running totals for threshold evaluation.
func (r *run) sources() map[string]thresholds.Source {
	src := map[string]thresholds.Source{}
	for name, s := range r.reg.Totals() {
		src[name] = thresholds.SourceFunc(func(a thresholds.Aggregation) (float64, bool) {
			return s.Aggregate(a.String())
		})
	}
	return src
}

func (r *run) writeSummary(out Outcome) error {
	gl, err := json.Marshal(map[string]any{
		"scenario": r.o.Scenario, "scenario_file": r.o.ScenarioFile, "prediction": out.Prediction,
		"target": out.Target, "brokers": out.Brokers, "stand_in": out.StandIn, "replicas_running": out.Replicas,
		"start": out.Start, "end": out.End, "complete": out.Complete, "stopped": out.Stopped,
		"scenarios": out.Scenarios, "thresholds_passed": out.Passed, "version": r.o.Version,
	})
	if err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(r.o.OutDir, summaryFile))
	if err != nil {
		return err
	}
	sinks := r.reg.Totals()
	for name := range r.th {
		// A thresholded metric that never got a sample (a skipped
		// scenario's) is reported empty, as k6 does.
		if m, ok := r.m[name]; ok && sinks[name] == nil {
			sinks[name] = metrics.NewSink(m.Type, m.Contains)
		}
	}
	err = metrics.WriteSummary(f, metrics.Summary{
		Metrics: sinks, Thresholds: verdicts(out.Thresholds),
		TrendStats:      []string{"avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"},
		TestRunDuration: out.End.Sub(out.Start), GL001: gl,
	})
	return errors.Join(err, f.Close())
}

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
