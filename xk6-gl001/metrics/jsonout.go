package metrics

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by a JSONOutput used after Close.
var ErrClosed = errors.New("json output closed")

// JSONOutput writes k6's --out json format: newline-delimited JSON with one
// Metric line the first time a metric is seen, then one Point line per
// sample:
//
//	{"type":"Metric","data":{"name":"vus","type":"gauge","contains":"default","thresholds":[],"submetrics":null},"metric":"vus"}
//	{"type":"Point","data":{"time":"2026-01-02T15:04:05.123456789+01:00","value":3,"tags":{"scenario":"plants"}},"metric":"vus"}
//
// time is RFC 3339 with nanoseconds and the zone offset of the time given.
//
// A JSONOutput is safe for concurrent use and adds no lock shared by every
// recording goroutine: Point lines are encoded into one of a fixed set of
// shard buffers (picked per P, as Registry does), each line stamped with a
// sequence number. When a shard passes shardBytes, and at every Flush, all
// shards are taken at once and written out merged by that number. So
// memory is bounded by the shards, whatever the run's length; a metric's
// Metric line comes before its Point lines; the lines of one goroutine keep
// its order, and lines from different goroutines keep the order in which
// their Adds took their numbers (not time order: k6's own output may
// interleave too). Flush (call it each interval) or Close writes
// everything out.
type JSONOutput struct {
	shards []jsonShard
	pick   sync.Pool     // of *jsonShard
	next   atomic.Uint32 // round robin for pick.New
	seq    atomic.Uint64 // numbers Point lines, in the order their Adds took them
	seen   sync.Map      // metric name → true once its Metric line is out

	mu         sync.Mutex // guards the fields below; held while writing to w
	bw         *bufio.Writer
	spare      []jsonShard // emptied buffers a drain swaps into the shards
	closers    []io.Closer // closed in order by Close
	thresholds map[string][]string
	err        error // sticky
}

// jsonShard buffers encoded Point lines: line i is buf[ends[i-1]:ends[i]]
// and has sequence number seqs[i], ascending within the shard.
type jsonShard struct {
	mu   sync.Mutex
	buf  []byte
	ends []int
	seqs []uint64
	_    [40]byte // keeps two shards' locks off one cache line
}

// shardBytes is how much a shard buffers before its adder drains them all.
const shardBytes = 64 << 10

// Tag is one tag of a Point line.
type Tag struct{ Key, Value string }

// NewJSONOutput writes to w. Close flushes but does not close w.
func NewJSONOutput(w io.Writer) *JSONOutput {
	o := &JSONOutput{bw: bufio.NewWriterSize(w, 64<<10), shards: make([]jsonShard, max(4, 2*runtime.GOMAXPROCS(0)))}
	o.pick.New = func() any { return &o.shards[int(o.next.Add(1))%len(o.shards)] }
	return o
}

// CreateJSONOutput creates (or truncates) path, gzip-compressed when the name
// ends in ".gz" as k6 does. Close closes the file.
func CreateJSONOutput(path string) (*JSONOutput, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(path, ".gz") {
		gz := gzip.NewWriter(f)
		o := NewJSONOutput(gz)
		o.closers = []io.Closer{gz, f}
		return o, nil
	}
	o := NewJSONOutput(f)
	o.closers = []io.Closer{f}
	return o, nil
}

// SetThresholds gives the threshold expressions listed in each metric's
// Metric line, by metric name. Call it before the metric's first sample.
func (o *JSONOutput) SetThresholds(th map[string][]string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.thresholds = th
}

// Add writes one sample of m taken at t, with tags in the order given
// (nil for none). A NaN or ±Inf value cannot be written as JSON and is an
// error; so is an Add after Close. A write error is returned by a later
// Add, Flush or Close.
func (o *JSONOutput) Add(m *Metric, t time.Time, value float64, tags []Tag) error {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return fmt.Errorf("json output: metric %q: value %v is not finite", m.Name, value)
	}
	if _, ok := o.seen.Load(m.Name); !ok {
		if err := o.metricLine(m); err != nil {
			return err
		}
	}
	sh := o.pick.Get().(*jsonShard)
	sh.mu.Lock()
	// The number is taken under the shard's lock, so a shard's lines are
	// in ascending order, and after this goroutine's previous Add
	// returned, so its lines are too.
	seq := o.seq.Add(1)
	b := sh.buf
	b = append(b, `{"type":"Point","data":{"time":"`...)
	b = t.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","value":`...)
	b = appendJSONFloat(b, value)
	b = append(b, `,"tags":{`...)
	for i, tg := range tags {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, tg.Key)
		b = append(b, ':')
		b = appendJSONString(b, tg.Value)
	}
	b = append(b, `}},"metric":`...)
	b = appendJSONString(b, m.Name)
	b = append(b, "}\n"...)
	sh.buf = b
	sh.ends = append(sh.ends, len(b))
	sh.seqs = append(sh.seqs, seq)
	full := len(b) >= shardBytes
	sh.mu.Unlock()
	o.pick.Put(sh)
	o.mu.Lock()
	defer o.mu.Unlock()
	if full {
		o.drain()
	}
	return o.err
}

// AddMap is Add with the tags as a map, written in key order.
func (o *JSONOutput) AddMap(m *Metric, t time.Time, value float64, tags map[string]string) error {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	ts := make([]Tag, len(keys))
	for i, k := range keys {
		ts[i] = Tag{k, tags[k]}
	}
	return o.Add(m, t, value, ts)
}

// metricLine writes m's Metric line, once.
func (o *JSONOutput) metricLine(m *Metric) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return o.err
	}
	if _, done := o.seen.Load(m.Name); done {
		return nil
	}
	b := append([]byte(nil), `{"type":"Metric","data":{"name":`...)
	b = appendJSONString(b, m.Name)
	b = append(b, `,"type":"`...)
	b = append(b, m.Type.String()...)
	b = append(b, `","contains":"`...)
	b = append(b, m.Contains.String()...)
	b = append(b, `","thresholds":[`...)
	for i, th := range o.thresholds[m.Name] {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, th)
	}
	b = append(b, `],"submetrics":null},"metric":`...)
	b = appendJSONString(b, m.Name)
	b = append(b, "}\n"...)
	if _, err := o.bw.Write(b); err != nil {
		o.err = fmt.Errorf("json output: %w", err)
		return o.err
	}
	o.seen.Store(m.Name, true)
	return nil
}

// drain writes every shard's lines to bw, merged in sequence order. It
// takes every shard at once, so no line numbered after one it writes can
// be left behind for the next drain. The caller holds o.mu.
func (o *JSONOutput) drain() {
	if o.spare == nil {
		o.spare = make([]jsonShard, len(o.shards))
	}
	taken := o.spare
	for i := range o.shards {
		o.shards[i].mu.Lock()
	}
	for i := range o.shards {
		sh, t := &o.shards[i], &taken[i]
		sh.buf, t.buf = t.buf[:0], sh.buf
		sh.ends, t.ends = t.ends[:0], sh.ends
		sh.seqs, t.seqs = t.seqs[:0], sh.seqs
	}
	for i := range o.shards {
		o.shards[i].mu.Unlock()
	}
	next := make([]int, len(taken)) // each shard's next line
	for o.err == nil {
		min := -1
		for i := range taken {
			if next[i] < len(taken[i].seqs) && (min < 0 || taken[i].seqs[next[i]] < taken[min].seqs[next[min]]) {
				min = i
			}
		}
		if min < 0 {
			return
		}
		sh, n := &taken[min], next[min]
		start := 0
		if n > 0 {
			start = sh.ends[n-1]
		}
		if _, err := o.bw.Write(sh.buf[start:sh.ends[n]]); err != nil {
			o.err = fmt.Errorf("json output: %w", err)
		}
		next[min]++
	}
}

// Flush writes every buffered line to the underlying writer.
func (o *JSONOutput) Flush() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.drain()
	if o.err != nil {
		return o.err
	}
	if err := o.bw.Flush(); err != nil {
		o.err = fmt.Errorf("json output: %w", err)
	}
	return o.err
}

// Close flushes and, for CreateJSONOutput, closes the file. It is safe to
// call twice; Add and Flush after Close return ErrClosed.
func (o *JSONOutput) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if errors.Is(o.err, ErrClosed) {
		return nil
	}
	o.drain()
	var errs []error
	if o.err == nil {
		if err := o.bw.Flush(); err != nil {
			errs = append(errs, fmt.Errorf("json output: %w", err))
		}
	} else {
		errs = append(errs, o.err)
	}
	for _, c := range o.closers {
		if err := c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("json output: %w", err))
		}
	}
	o.err = ErrClosed
	return errors.Join(errs...)
}
