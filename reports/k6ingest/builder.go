package k6ingest

import (
	"encoding/json"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/xk6-gl001/executor"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// builder buckets k6's points by time into intervals of one registry,
// each written as it closes, with the observed sample of its time span.
// It is not safe for concurrent use.
type builder struct {
	reg        *metrics.Registry
	start, end time.Time // of the interval being filled
	width      time.Duration
	first      time.Time
	out        *metrics.IntervalWriter

	byName map[string]*metrics.Metric
	subs   map[string][]series // by base metric name
	maps   []mapped

	observed []runlog.Interval // with a Sample, in time order
	next     int               // first observed not yet merged
	outside  int               // before or after the k6 run's span
	replaced int               // a second sample in one interval: the last is kept
	err      error

	points, late int64

	// Each k6 scenario's counts (k6's iterations and dropped_iterations,
	// by their scenario tag), and the schedule the scenario file gives it
	// when the k6 script ran the file's executors (gl001 k6 init's).
	execs     map[string]*record.Executor
	schedules map[string]planned
}

// planned is one scenario of the plan: its schedule and whole count.
type planned struct {
	s executor.Schedule
	n int64
}

// schedulesOf is each executor's schedule and whole count, by name.
func schedulesOf(execs map[string]executor.Config) map[string]planned {
	out := map[string]planned{}
	for name, c := range execs {
		if sc, err := executor.NewSchedule(c); err == nil {
			out[name] = planned{sc, c.Arrivals()}
		}
	}
	return out
}

// countIteration counts k6's iterations and dropped_iterations points by
// scenario: every arrival k6's arrival-rate executors schedule is one or
// the other (a drop: no VU was free).
func (b *builder) countIteration(p *Point) {
	if p.Metric != k6Iterations && p.Metric != k6Dropped {
		return
	}
	name := p.Tags[record.TagScenario]
	if name == "" {
		name = "default"
	}
	e := b.execs[name]
	if e == nil {
		e = &record.Executor{}
		b.execs[name] = e
	}
	n := int64(math.Round(p.Value))
	if p.Metric == k6Iterations {
		e.Started += n
	} else {
		e.Dropped += n
		e.DroppedNoVU += n
	}
}

// k6's names of its iteration counters.
const (
	k6Iterations = "iterations"
	k6Dropped    = "dropped_iterations"
)

// executors is each scenario's state at the end of the interval ending at
// end: Scheduled is what the plan calls for by then (never less than what
// k6 counted: the plan's clock starts at k6's first point, a little after
// k6's own), or, without a plan for the scenario, unknown (0).
func (b *builder) executors(end time.Time) json.RawMessage {
	if len(b.execs) == 0 {
		return nil
	}
	out := make(map[string]record.Executor, len(b.execs))
	for name, e := range b.execs {
		x := *e
		if pl, ok := b.schedules[name]; ok {
			x.Scheduled = max(executor.Due(pl.s, pl.n, end.Sub(b.first)), x.Started+x.Dropped)
			x.Expected = float64(pl.n)
		}
		x.ElapsedSeconds = end.Sub(b.first).Seconds()
		out[name] = x
	}
	raw, _ := json.Marshal(out)
	return raw
}

// series is one submetric's own metric.
type series struct {
	key thresholds.MetricKey
	m   *metrics.Metric
}

// mapped is a row's metric, fed by a mapping, and for the latency row
// the answered requests (expected_response:true) beside it.
type mapped struct {
	Mapping
	m, answered *metrics.Metric
}

func newBuilder(first time.Time, width time.Duration, seen map[string]*seenMetric, subs []string, ms []Mapping, observed *runlog.Run, execs map[string]executor.Config) *builder {
	b := &builder{reg: metrics.NewRegistry(first), start: first, end: first.Add(width), width: width, first: first,
		byName: map[string]*metrics.Metric{}, subs: map[string][]series{}, execs: map[string]*record.Executor{}}
	b.schedules = schedulesOf(execs)
	for _, name := range slices.Sorted(maps.Keys(seen)) {
		d := seen[name].decl
		b.byName[name] = b.declare(name, d.Type, d.Contains)
	}
	for _, key := range subs {
		k, err := thresholds.ParseMetricKey(key)
		if err != nil || seen[k.Name] == nil || b.byName[key] != nil {
			continue
		}
		d := seen[k.Name].decl
		m := b.declare(key, d.Type, d.Contains)
		b.byName[key] = m
		b.subs[k.Name] = append(b.subs[k.Name], series{key: k, m: m})
	}
	for _, mp := range ms {
		src := seen[mp.Source.Name].decl
		x := mapped{Mapping: mp, m: b.declare(mp.Row.Metric, mp.Row.Type, src.Contains)}
		if mp.Row.Metric == record.MetricOptimizeDuration && seen[mp.Source.Name].tagged[record.TagExpectedResponse] != nil {
			x.answered = b.declare(record.AnsweredKey, mp.Row.Type, src.Contains)
		}
		b.maps = append(b.maps, x)
	}
	// Our own module's latency, read directly: its answered requests too.
	if s := seen[record.MetricOptimizeDuration]; s != nil && s.tagged[record.TagExpectedResponse] != nil && b.byName[record.AnsweredKey] == nil {
		k, _ := thresholds.ParseMetricKey(record.AnsweredKey)
		m := b.declare(record.AnsweredKey, s.decl.Type, s.decl.Contains)
		b.byName[record.AnsweredKey] = m
		b.subs[k.Name] = append(b.subs[k.Name], series{key: k, m: m})
	}
	if observed != nil {
		for _, iv := range observed.Intervals {
			if iv.Sample != nil && iv.Extra[record.SamplesKey] != nil {
				b.observed = append(b.observed, iv)
			}
		}
		slices.SortStableFunc(b.observed, func(a, c runlog.Interval) int { return a.Sample.At.Compare(c.Sample.At) })
	}
	return b
}

// declare declares a metric; the names come from k6, which has checked
// them, and each once, so an error is a metric k6 allows and gl001 does
// not: it is left out.
func (b *builder) declare(name string, t metrics.Type, c metrics.ValueType) *metrics.Metric {
	m, err := b.reg.New(name, t, c)
	if err != nil {
		return nil
	}
	return m
}

// add records one point in the interval of its time. A point earlier
// than the interval being filled (k6 wrote it late) is counted in it.
func (b *builder) add(p Point) {
	if b.err != nil {
		return
	}
	for !p.Time.Before(b.end) {
		if b.flush(); b.err != nil {
			return
		}
	}
	if p.Time.Before(b.start) {
		b.late++
	}
	b.points++
	b.countIteration(&p)
	if m := b.byName[p.Metric]; m != nil {
		b.reg.Add(m, p.Value)
	}
	for _, s := range b.subs[p.Metric] {
		if s.m != nil && tagsMatch(s.key, p.Tags) {
			b.reg.Add(s.m, p.Value)
		}
	}
	for _, mp := range b.maps {
		if mp.m != nil && mp.matches(&p) {
			b.reg.Add(mp.m, p.Value)
			if mp.answered != nil && p.Tags[record.TagExpectedResponse] == "true" {
				b.reg.Add(mp.answered, p.Value)
			}
		}
	}
}

func tagsMatch(k thresholds.MetricKey, tags map[string]string) bool {
	for _, t := range k.Tags {
		if tags[t.Key] != t.Value {
			return false
		}
	}
	return true
}

// flush writes the interval being filled, with the observed sample taken
// in it (the last, if several).
func (b *builder) flush() {
	iv := b.reg.Flush(b.end)
	for b.next < len(b.observed) && b.observed[b.next].Sample.At.Before(iv.End) {
		o := b.observed[b.next]
		b.next++
		if o.Sample.At.Before(iv.Start) {
			b.outside++
			continue
		}
		if iv.Extra == nil {
			iv.Extra = map[string]json.RawMessage{}
		}
		if iv.Extra[record.SamplesKey] != nil {
			b.replaced++
		}
		iv.Extra[record.SamplesKey] = o.Extra[record.SamplesKey]
	}
	if ex := b.executors(iv.End); ex != nil {
		if iv.Extra == nil {
			iv.Extra = map[string]json.RawMessage{}
		}
		iv.Extra[record.ExecutorsKey] = ex
	}
	b.err = b.out.Write(iv)
	b.start, b.end = b.end, b.end.Add(b.width)
}

// finish writes the last, partly filled interval.
func (b *builder) finish() error {
	if b.err == nil && b.points > 0 {
		b.flush()
	}
	b.outside += len(b.observed) - b.next
	b.next = len(b.observed)
	return b.err
}

func (b *builder) observedOutside() (outside, replaced int) { return b.outside, b.replaced }

// span is the run's length, from the first point to the last interval's
// end.
func (b *builder) span() time.Duration { return b.start.Sub(b.first) }
