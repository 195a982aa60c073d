package engine

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/simulator/region"
	"github.com/greenlang/gl001/xk6-gl001/client"
	"github.com/greenlang/gl001/xk6-gl001/executor"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// tags are one sample's k6 tags (record.Tag*). A struct, not a map, so
// that recording a sample allocates nothing; the k6 JSON output, when on,
// turns it into a map.
type tags struct {
	scenario string // the k6 scenario's name
	status   string // HTTP status, or ack / timeout / error
	replica  string // the replica that answered, when it said
	region   string // the region of the plant the request or event is from
	cause    string // a dropped iteration's: no_vu or behind
	expected string // expected_response: "true" or "false"; "" when not an answer
	// extra are the scenario's own tags (its k6 tags), sorted by key: one
	// slice per scenario, shared by every sample, never copied.
	extra []metrics.Tag
}

// get returns the value of tag key, "" when the sample does not carry it.
func (t tags) get(key string) string {
	switch key {
	case record.TagScenario:
		return t.scenario
	case record.TagStatus:
		return t.status
	case record.TagReplica:
		return t.replica
	case record.TagRegion:
		return t.region
	case record.TagCause:
		return t.cause
	case record.TagExpectedResponse:
		return t.expected
	}
	for _, x := range t.extra {
		if x.Key == key {
			return x.Value
		}
	}
	return ""
}

// pairs appends the tags the sample carries to dst, in record.Tags order
// and then the scenario's own, for the k6 JSON output.
func (t tags) pairs(dst []metrics.Tag) []metrics.Tag {
	for _, k := range tagKeys {
		if v := t.get(k); v != "" {
			dst = append(dst, metrics.Tag{Key: k, Value: v})
		}
	}
	return append(dst, t.extra...)
}

// scenarioTags are a scenario's k6 tags as the sorted slice tags.extra
// holds; nil for none.
func scenarioTags(m map[string]string) []metrics.Tag {
	var out []metrics.Tag
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, metrics.Tag{Key: k, Value: m[k]})
	}
	return out
}

// tagKeys is record.Tags, read once.
var tagKeys = record.Tags()

// submetric is a thresholded "metric{tag:value,…}": every sample of its
// base metric whose tags match all of filters is also recorded into m.
type submetric struct {
	m       *metrics.Metric
	filters []thresholds.Tag
}

func (s submetric) matches(t tags) bool {
	for _, f := range s.filters {
		if t.get(f.Key) != f.Value {
			return false
		}
	}
	return true
}

// declareSubmetrics registers a metric for every thresholded submetric
// key, as written, so that thresholds, intervals.ndjson and the report
// find it under the key the user wrote (keys were validated with the
// set), and what the report reads besides: each executor's schedule lag,
// the latency of the optimizations that succeeded and, with regions,
// each region's latency and failures.
func (r *run) declareSubmetrics() {
	r.subs = map[string][]submetric{}
	keys := r.th.Names()
	for _, e := range r.execs {
		keys = append(keys, record.ScheduleLagKey(e.Name()))
		if e.Config().Exec == execOptimize {
			keys = append(keys, record.AnsweredKey)
		}
		for _, reg := range r.o.Scenario.Regions {
			keys = append(keys, record.RegionKeys(e.Config().Exec, reg.Name)...)
		}
	}
	for _, key := range keys {
		if r.reg.Lookup(key) != nil {
			continue // written twice: once is enough
		}
		k, err := thresholds.ParseMetricKey(key)
		base, ok := r.m[k.Name]
		if err != nil || !ok || len(k.Tags) == 0 {
			continue
		}
		m := r.reg.MustNew(key, base.Type, base.Contains)
		r.subs[k.Name] = append(r.subs[k.Name], submetric{m: m, filters: k.Tags})
	}
}

// sample records one value of the metric name with its tags: into the
// metric, into every submetric it matches, and into the k6 JSON output
// when there is one.
func (r *run) sample(name string, at time.Time, v float64, t tags) {
	m := r.m[name]
	r.reg.Add(m, v)
	for _, s := range r.subs[name] {
		if s.matches(t) {
			r.reg.Add(s.m, v)
		}
	}
	if r.out != nil {
		var buf [8]metrics.Tag
		_ = r.out.Add(m, at, v, t.pairs(buf[:0])) // an output error surfaces at Close
	}
}

// clients builds each scenario's iteration function and the clients its
// exec needs: one HTTP client for every optimize scenario, one Kafka
// writer (and ack waiter) for every coordinate scenario.
func (r *run) clients(ctx context.Context, target string, f *fleet.Fleet, configs map[string]executor.Config) (map[string]executor.Iteration, func(), error) {
	its := map[string]executor.Iteration{}
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	var optVUs int64
	coordinate := false
	for _, c := range configs {
		switch c.Exec {
		case execOptimize:
			optVUs += max(c.MaxVUs, c.PreAllocatedVUs)
		case execCoordinate:
			coordinate = true
		}
	}
	kinds := map[string]func(name string, extra []metrics.Tag) executor.Iteration{}
	if optVUs > 0 {
		start := time.Now()
		// As many idle connections as VUs, so a burst past some smaller
		// cap does not dial new connections and close them after.
		httpClient := client.NewHTTPClient(r.o.RequestTimeout, int(optVUs))
		closers = append(closers, httpClient.CloseIdleConnections)
		optimizer := func(part *fleet.Fleet, region string) *client.Optimizer {
			return &client.Optimizer{URL: target + r.o.Profile.Paths.Optimize, HTTP: httpClient, Region: region,
				// The fleet's simulated day starts at its DefaultStart and
				// advances in real time, so demand moves during the run.
				Fleet: part, Clock: func(now time.Time) time.Time { return fleet.DefaultStart.Add(now.Sub(start)) }}
		}
		do := optimizer(f, "").Optimize
		if layout := r.o.Scenario.Regions; layout != nil {
			reg, err := regionalOptimizer(f, r.owned, layout, optimizer)
			if err != nil {
				closeAll()
				return nil, func() {}, err
			}
			do = reg.Optimize
		}
		kinds[execOptimize] = func(name string, extra []metrics.Tag) executor.Iteration {
			return r.optimizeIteration(do, name, extra)
		}
	}
	if coordinate {
		cfg, err := r.o.Bus.Config()
		if err != nil {
			return nil, closeAll, fmt.Errorf("%w: %w", ErrInput, err)
		}
		co := &client.Coordinator{Writer: kafkabus.NewWriter(cfg, r.o.Profile.Topic), Fleet: f,
			PublishOnly: r.o.PublishOnly, AckTimeout: r.o.AckTimeout, Regions: plantRegions(f, r.o.Scenario.Regions)}
		closers = append(closers, func() { _ = co.Writer.Close() })
		if !r.o.PublishOnly {
			acks, err := kafkabus.NewAckWaiter(ctx, cfg, kafkabus.AckWaiterOptions{Topic: r.o.Profile.AckTopic, TTL: 2 * r.o.AckTimeout, Logger: r.o.Logger})
			if err != nil {
				closeAll()
				return nil, func() {}, fmt.Errorf("listening for acks on %s at %v: %w", r.o.Profile.AckTopic, cfg.Brokers, err)
			}
			co.Acks = acks
			closers = append(closers, func() { _ = acks.Close() })
		}
		kinds[execCoordinate] = func(name string, extra []metrics.Tag) executor.Iteration {
			return r.coordinateIteration(co, name, extra)
		}
	}
	for name, c := range configs {
		kind, ok := kinds[c.Exec]
		if !ok {
			closeAll()
			return nil, func() {}, fmt.Errorf("%w: scenario %q: exec %q, want %q or %q", ErrInput, name, c.Exec, execOptimize, execCoordinate)
		}
		r.extra[name] = scenarioTags(c.Tags)
		its[name] = kind(name, r.extra[name])
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

// httpStatus spells HTTP status codes once, so tagging a sample does not
// format a number each time.
var httpStatus = func() [600]string {
	var s [600]string
	for i := 100; i < len(s); i++ {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

// optimizeStatus is an optimize answer's status tag: the HTTP status, or
// timeout or error when there was no answer.
func optimizeStatus(res client.Result) string {
	switch {
	case res.Status >= 100 && res.Status < len(httpStatus):
		return httpStatus[res.Status]
	case res.Status != 0:
		return strconv.Itoa(res.Status)
	case res.TimedOut:
		return record.StatusTimeout
	}
	return record.StatusError
}

// coordinateStatus is a coordination's status tag: ack when an ok ack
// came, timeout when none came in time, error otherwise (publish failed,
// or the ack reported an error).
func coordinateStatus(res client.Result) string {
	switch {
	case res.OK:
		return record.StatusAck
	case res.TimedOut:
		return record.StatusTimeout
	}
	return record.StatusError
}

// iterationKind is what one executor's iterations do and record.
type iterationKind struct {
	scenario string        // the executor's name, its samples' scenario tag
	extra    []metrics.Tag // the scenario's own tags
	exec     string
	do       func(context.Context) client.Result
	// status is the sample's status tag.
	status func(client.Result) string
	// duration (scheduled start → done), service (the call alone) and
	// failed (rate) are the metrics every iteration records; part, when
	// set, records one more figure of the call (its solve time, its
	// publish) when the call reported it.
	duration, service, failed string
	part                      string
	partOf                    func(client.Result) time.Duration
}

// iteration measures from the scheduled start, so time spent waiting for a
// VU counts against the target (no coordinated omission), and records how
// late the iteration started beside it.
func (r *run) iteration(k iterationKind) executor.Iteration {
	lagTags := tags{scenario: k.scenario, extra: k.extra}
	fails := r.fails[k.scenario]
	return func(ctx context.Context, scheduled time.Time) {
		began := time.Now()
		r.sample(record.MetricScheduleLag, began, ms(began.Sub(scheduled)), lagTags)
		res := k.do(ctx)
		now := time.Now()
		t := tags{scenario: k.scenario, status: k.status(res), replica: res.Replica, region: res.Region, expected: strconv.FormatBool(res.OK), extra: k.extra}
		r.sample(k.duration, now, ms(now.Sub(scheduled)), t)
		r.sample(k.service, now, ms(res.Service), t)
		if d := k.partOf(res); d > 0 {
			r.sample(k.part, now, ms(d), t)
		}
		r.sample(k.failed, now, boolValue(!res.OK), t)
		r.sample(record.MetricChecks, now, boolValue(res.OK), t)
		r.sample(record.MetricIterations, now, 1, t)
		if !res.OK {
			fails.Add(1)
			r.o.Logger.Debug(k.exec+" failed", "scenario", k.scenario, "status", t.status, "err", res.Error)
		}
	}
}

func (r *run) optimizeIteration(do func(context.Context) client.Result, scenario string, extra []metrics.Tag) executor.Iteration {
	return r.iteration(iterationKind{scenario: scenario, extra: extra, exec: execOptimize, do: do, status: optimizeStatus,
		duration: record.MetricOptimizeDuration, service: record.MetricOptimizeRequestDuration, failed: record.MetricOptimizeFailed,
		part: record.MetricHeatOptimizationDuration, partOf: func(res client.Result) time.Duration { return res.HeatOptimization }})
}

func (r *run) coordinateIteration(co *client.Coordinator, scenario string, extra []metrics.Tag) executor.Iteration {
	return r.iteration(iterationKind{scenario: scenario, extra: extra, exec: execCoordinate, do: co.Coordinate, status: coordinateStatus,
		duration: record.MetricCoordinationDuration, service: record.MetricCoordinationServiceDur, failed: record.MetricCoordinationFailed,
		part: record.MetricCoordinationPublishDur, partOf: func(res client.Result) time.Duration { return res.Publish }})
}

// regionalOptimizer sends each request for one region's plants among
// owned (the shard's; nil: all), the regions taking turns by their
// plants; a region with none of owned is left out.
func regionalOptimizer(f *fleet.Fleet, owned []int, layout region.Layout, optimizer func(*fleet.Fleet, string) *client.Optimizer) (*client.Regional, error) {
	var parts []*client.Optimizer
	var weights []int
	for _, reg := range layout {
		plants := reg.Indices(owned)
		if len(plants) == 0 {
			continue
		}
		part, err := f.Only(plants)
		if err != nil {
			return nil, fmt.Errorf("%w: region %s: %w", ErrInput, reg.Name, err)
		}
		parts = append(parts, optimizer(part, reg.Name))
		weights = append(weights, len(plants))
	}
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: no region holds any of this run's plants (%s)", ErrInput, layout)
	}
	return client.NewRegional(parts, weights), nil
}

// plantRegions maps every plant id to its region; nil without regions.
func plantRegions(f *fleet.Fleet, layout region.Layout) map[string]string {
	if layout == nil {
		return nil
	}
	ids := f.PlantIDs()
	m := make(map[string]string, len(ids))
	for i, id := range ids {
		m[id] = layout.Of(i)
	}
	return m
}
