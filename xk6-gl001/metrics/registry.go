package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// trendBatch is how many trend values a shard buffers before it records them
// into the metric's interval histogram. It bounds the time a metric's lock is
// held per recording goroutine and amortises taking it: one lock per
// trendBatch samples.
const trendBatch = 256

// Registry is where the runner declares its metrics and records samples.
//
// Recording (Add) is safe for concurrent use from any number of goroutines.
// Samples land in one of a fixed set of shards (two per CPU), each guarded by
// its own small mutex. A sync.Pool hands each P (Go's per-CPU scheduler
// slot) the same shard again and again, so a shard's lock and state stay in
// one core's cache and goroutines seldom wait for each other; if the pool
// is emptied (by a GC) shards are handed out again round robin, and the
// mutex keeps a shard that two Ps share correct. Trend values are batched
// per shard and recorded into the metric's interval histogram trendBatch at
// a time.
//
// Flush closes the interval in progress: it drains every shard, swaps in
// fresh per-interval state, returns the interval's data and folds it into the
// run's totals. Memory stays flat however long the run: per Trend metric, two
// interval histograms (one filling, one spare) and one cumulative histogram,
// each about 190 KB with this package's geometry; nothing is kept per
// interval. New, Flush, Totals and Header serialise on one lock and may be
// called from any goroutine.
type Registry struct {
	shards []shard
	pick   sync.Pool     // of *shard: which shard this P records into
	next   atomic.Uint32 // round robin for pick.New
	_      [64]byte      // keeps gaugeSeq's writes off the lines Add reads
	// gaugeSeq orders gauge sets across shards.
	gaugeSeq atomic.Uint64

	mu       sync.Mutex // guards the fields below
	metrics  []*Metric
	byName   map[string]*Metric
	runStart time.Time
	start    time.Time // of the interval in progress
	seq      int64     // of the last flushed interval
	totals   Accumulator
}

// shard is one slot of recording state; the padding keeps two shards' locks
// off the same cache lines.
type shard struct {
	mu sync.Mutex
	m  []shardMetric // by Metric.id
	_  [96]byte
}

// shardMetric is one metric's not-yet-flushed samples in one shard, padded
// to two cache lines so that shards written by different cores do not share
// one (Go's allocator size classes for such slices are multiples of 64 bytes,
// which in practice aligns them).
type shardMetric struct {
	n        int64   // samples (counter, gauge, rate)
	sum      float64 // counter
	trues    int64   // rate
	last     float64 // gauge
	lastSeq  uint64  // gauge: order of last among all shards
	min, max float64 // gauge
	rejected int64   // NaN and ±Inf samples
	buf      []float64
	_        [40]byte
}

// liveMetric is one metric's interval state, fed by shard drains.
type liveMetric struct {
	mu  sync.Mutex
	cur agg

	// Touched only by Flush, under Registry.mu.
	spare     *hdrhistogram.Histogram
	gaugeSet  bool
	gaugeLast float64
	gaugeSeq  uint64
}

// agg is a metric's aggregate over one interval.
type agg struct {
	n        int64
	sum      float64
	min, max float64
	trues    int64
	last     float64
	lastSeq  uint64
	clamped  int64
	rejected int64
	hist     *hdrhistogram.Histogram // trend only
}

// NewRegistry returns an empty registry whose first interval starts at start.
func NewRegistry(start time.Time) *Registry {
	r := &Registry{
		shards:   make([]shard, max(4, 2*runtime.GOMAXPROCS(0))),
		byName:   map[string]*Metric{},
		runStart: start,
		start:    start,
	}
	r.pick.New = func() any {
		return &r.shards[int(r.next.Add(1))%len(r.shards)]
	}
	return r
}

// New declares a metric. Declaring a name again with the same type and value
// type returns the metric already declared; with another, ErrConflict. Names
// follow k6: 1 to 128 ASCII letters, digits or underscores, not starting
// with a digit, optionally with a submetric suffix ("name{plant:plant-03}")
// for a fixed tag set recorded separately.
func (r *Registry) New(name string, t Type, c ValueType) (*Metric, error) {
	if !validName(name) {
		return nil, fmt.Errorf("metric %q: %w: want 1 to 128 letters, digits or underscores, not starting with a digit, optionally followed by {tags}", name, ErrBadName)
	}
	if _, err := t.MarshalText(); err != nil {
		return nil, fmt.Errorf("metric %q: %w", name, err)
	}
	if _, err := c.MarshalText(); err != nil {
		return nil, fmt.Errorf("metric %q: %w", name, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.byName[name]; ok {
		if m.Type != t || m.Contains != c {
			return nil, fmt.Errorf("metric %q is %s/%s, not %s/%s: %w", name, m.Type, m.Contains, t, c, ErrConflict)
		}
		return m, nil
	}
	m := &Metric{Name: name, Type: t, Contains: c, reg: r, id: len(r.metrics), live: &liveMetric{}}
	if t == Trend {
		m.live.cur.hist = newHist()
	}
	r.metrics = append(r.metrics, m)
	r.byName[name] = m
	return m, nil
}

// MustNew is New for declarations fixed in code; it panics on error.
func (r *Registry) MustNew(name string, t Type, c ValueType) *Metric {
	m, err := r.New(name, t, c)
	if err != nil {
		panic(err)
	}
	return m
}

// Lookup returns the metric declared as name, or nil.
func (r *Registry) Lookup(name string) *Metric {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byName[name]
}

// Metrics returns the declared metrics in declaration order.
func (r *Registry) Metrics() []*Metric {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Metric(nil), r.metrics...)
}

// Add records one sample of m, as k6 does: a Counter adds value, a Gauge is
// set to it, a Rate counts a true when value != 0, a Trend records it. Time
// values are milliseconds. A Trend value outside [0, 1 h] (3,600,000 ms, in
// the metric's unit) is clamped into that range and counted as clamped; NaN
// and ±Inf are not recorded and are counted as rejected, for every type.
//
// Add is safe for concurrent use. m must come from r.New.
func (r *Registry) Add(m *Metric, value float64) {
	if m.reg != r {
		panic(fmt.Sprintf("metrics: Add(%q) on a registry that did not declare it", m.Name))
	}
	s := r.pick.Get().(*shard)
	s.mu.Lock()
	if m.id >= len(s.m) {
		s.m = append(s.m, make([]shardMetric, m.id+1-len(s.m))...)
	}
	sm := &s.m[m.id]
	switch {
	case math.IsNaN(value) || math.IsInf(value, 0):
		sm.rejected++
	case m.Type == Trend:
		if sm.buf == nil {
			sm.buf = make([]float64, 0, trendBatch)
		}
		sm.buf = append(sm.buf, value)
		if len(sm.buf) == cap(sm.buf) {
			m.live.recordTrend(sm.buf)
			sm.buf = sm.buf[:0]
		}
	case m.Type == Counter:
		sm.n++
		sm.sum += value
	case m.Type == Rate:
		sm.n++
		if value != 0 {
			sm.trues++
		}
	case m.Type == Gauge:
		if sm.n == 0 {
			sm.min, sm.max = value, value
		} else {
			sm.min, sm.max = min(sm.min, value), max(sm.max, value)
		}
		sm.n++
		sm.last = value
		sm.lastSeq = r.gaugeSeq.Add(1)
	}
	s.mu.Unlock()
	r.pick.Put(s)
}

// AddDuration records d on a Time metric, in milliseconds.
func (r *Registry) AddDuration(m *Metric, d time.Duration) {
	r.Add(m, float64(d)/float64(time.Millisecond))
}

// recordTrend records a batch of trend values into the interval histogram.
func (lm *liveMetric) recordTrend(vs []float64) {
	lm.mu.Lock()
	a := &lm.cur
	for _, v := range vs {
		v, clamped := clampTrend(v)
		if clamped {
			a.clamped++
		}
		// In range by construction, so RecordValue cannot fail.
		_ = a.hist.RecordValue(toHDR(v))
		if a.n == 0 {
			a.min, a.max = v, v
		} else {
			a.min, a.max = min(a.min, v), max(a.max, v)
		}
		a.n++
		a.sum += v
	}
	lm.mu.Unlock()
}

// drain moves a shard's samples of m into m's interval state and empties
// them. The caller holds the shard's lock.
func (lm *liveMetric) drain(t Type, sm *shardMetric) {
	if t == Trend && len(sm.buf) > 0 {
		lm.recordTrend(sm.buf)
		sm.buf = sm.buf[:0]
	}
	if sm.n == 0 && sm.rejected == 0 {
		return
	}
	lm.mu.Lock()
	a := &lm.cur
	a.rejected += sm.rejected
	switch t {
	case Counter:
		a.n += sm.n
		a.sum += sm.sum
	case Rate:
		a.n += sm.n
		a.trues += sm.trues
	case Gauge:
		if sm.n > 0 {
			if a.n == 0 {
				a.min, a.max = sm.min, sm.max
			} else {
				a.min, a.max = min(a.min, sm.min), max(a.max, sm.max)
			}
			a.n += sm.n
			if sm.lastSeq > a.lastSeq {
				a.last, a.lastSeq = sm.last, sm.lastSeq
			}
		}
	}
	lm.mu.Unlock()
	*sm = shardMetric{buf: sm.buf}
}

// Flush ends the interval in progress at now and starts the next one. It
// returns the interval's data: every Counter, every Gauge that has ever been
// set (carrying its last value when it was not set in this interval), and
// every Rate and Trend that had samples. The interval is also folded into the
// run's totals (see Totals). Samples added while Flush runs land in this
// interval or the next, never in neither or both.
func (r *Registry) Flush(now time.Time) Interval {
	r.mu.Lock()
	defer r.mu.Unlock()

	for i := range r.shards {
		s := &r.shards[i]
		s.mu.Lock()
		for id := range s.m {
			m := r.metrics[id]
			m.live.drain(m.Type, &s.m[id])
		}
		s.mu.Unlock()
	}

	iv := Interval{Seq: r.seq + 1, Start: r.start, End: now, Metrics: make(map[string]*IntervalMetric, len(r.metrics))}
	hists := map[string]*hdrhistogram.Histogram{}
	for _, m := range r.metrics {
		lm := m.live
		if m.Type == Trend && lm.spare == nil {
			lm.spare = newHist()
		}
		lm.mu.Lock()
		a := lm.cur
		lm.cur = agg{hist: lm.spare}
		lm.mu.Unlock()
		lm.spare = a.hist

		im := &IntervalMetric{Type: m.Type, Contains: m.Contains, Count: a.n, Clamped: a.clamped, Rejected: a.rejected}
		switch m.Type {
		case Counter:
			im.Sum = a.sum
		case Rate:
			im.Trues = a.trues
		case Gauge:
			if a.n > 0 {
				// A set racing this Flush can land in the next interval
				// although a later one landed in this; the order of sets
				// decides the value, not the interval.
				if a.lastSeq > lm.gaugeSeq {
					lm.gaugeLast, lm.gaugeSeq = a.last, a.lastSeq
				}
				lm.gaugeSet = true
				im.Min, im.Max = a.min, a.max
			} else {
				im.Min, im.Max = lm.gaugeLast, lm.gaugeLast
			}
			im.Last = lm.gaugeLast
			if !lm.gaugeSet && a.rejected == 0 {
				continue
			}
		case Trend:
			if a.n == 0 {
				if a.rejected == 0 {
					continue
				}
			} else {
				im.Sum, im.Min, im.Max = a.sum, a.min, a.max
				enc, err := encodeHist(a.hist)
				if err != nil {
					// Encoding a dense histogram into memory cannot fail.
					panic(err)
				}
				im.HDR = enc
				hists[m.Name] = a.hist
			}
		}
		if m.Type == Rate && a.n == 0 && a.rejected == 0 {
			continue
		}
		iv.Metrics[m.Name] = im
	}

	if err := r.totals.add(&iv, hists); err != nil {
		// The registry built iv itself; a mismatch here is a bug.
		panic(err)
	}
	for _, h := range hists {
		h.Reset()
	}
	r.seq = iv.Seq
	r.start = now
	return iv
}

// Totals returns the run's totals over every flushed interval, one Sink per
// metric that has appeared in an interval, each a copy the caller owns. A
// Counter's rate uses the span from the registry's start to the last Flush.
// Samples added since the last Flush are not included.
func (r *Registry) Totals() map[string]*Sink {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]*Sink, len(r.totals.sinks))
	for name, s := range r.totals.sinks {
		out[name] = s.Clone()
	}
	return out
}

// Header returns the intervals file header for this registry: its start,
// its declared metrics and meta, the runner's own run metadata (any JSON
// value, or nil).
func (r *Registry) Header(meta json.RawMessage) Header {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := Header{Start: r.runStart, Meta: meta}
	for _, m := range r.metrics {
		h.Metrics = append(h.Metrics, MetricInfo{Name: m.Name, Type: m.Type, Contains: m.Contains})
	}
	return h
}

// Compile-time check of the padding above.
var _ [0]struct{} = [unsafe.Sizeof(shardMetric{}) - 128]struct{}{}
var _ [0]struct{} = [unsafe.Sizeof(shard{}) - 128]struct{}{}
