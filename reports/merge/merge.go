// Package merge joins the shards of a distributed run (gl001 run
// --segment i/n, one per shard) into one results folder, so the report's
// thresholds, triggers and verdict are evaluated once, over all the load.
// A shard is a stream of intervals.ndjson lines: a folder's file (gl001
// report DIR1 DIR2 …, Folders) or a pod's log followed live (gl001 run
// --kube-shards, Merger). Shards' intervals are merged by wall-clock
// window as they arrive, their samples taken from the one shard that
// sampled, and a shard that is missing or stopped short is recorded in
// the merged header (record.Merged), which makes the report incomplete,
// never silently whole.
package merge

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/xk6-gl001/executor"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// ErrMismatch is wrapped by the errors of streams that cannot be merged:
// not shards, or shards of different runs.
var ErrMismatch = errors.New("shards cannot be merged")

// ErrRestarted is returned by Input.Read for a stream whose shard started
// over (a new process, its schedule replayed from the start): it is not
// counted, and the shard is recorded as incomplete.
var ErrRestarted = errors.New("the shard started over")

// queueMax bounds the intervals one shard may be ahead of the slowest: a
// shard further ahead waits (its reader blocks), so a merge holds a few
// minutes of intervals, not the run.
const queueMax = 512

// Options configure a Merger.
type Options struct {
	// OnWindow, when set, is called with each merged interval once it is
	// written (under the merger's lock: keep it short).
	OnWindow func(metrics.Interval)
	// Accept, when set, vets each shard's header record before any of
	// its intervals is merged; its error refuses the stream.
	Accept func(record.Meta) error
}

// Merger merges shard streams into one results folder as they arrive.
// Register every shard with Input before its data flows, feed each from
// its own goroutine (Input.Read, as often as its stream is reopened),
// and Close at the end. A merged window is written once every shard still
// streaming has passed its end, so the folder's intervals.ndjson grows as
// the run goes; its header says the merge is running until Close
// rewrites it with each shard's outcome.
type Merger struct {
	opts Options
	path string

	mu      sync.Mutex
	cond    *sync.Cond
	inputs  []*Input
	ref     *Input // the first shard whose header arrived; the others must match it
	t0      time.Time
	step    time.Duration
	w       *metrics.IntervalWriter
	start   time.Time // the first window's start, the file's
	seq     int64
	err     error // sticky: the merge cannot go on
	closing bool
}

// Input is one shard's stream.
type Input struct {
	m     *Merger
	name  string // its folder or pod, in messages
	index int    // the shard it is expected to be, or -1

	header     *metrics.Header
	meta       record.Meta
	firstStart time.Time
	queue      []runlog.Interval
	lastEnd    time.Time
	lastSeq    int64
	lastExec   map[string]record.Executor
	popped     bool
	intervals  int
	replayed   int
	other      int
	truncated  *metrics.Truncation
	restarted  string
	closed     bool
	closeWhy   string
}

// New makes a merger writing out/intervals.ndjson; out is created, and
// must not hold intervals.ndjson already.
func New(out string, opts Options) (*Merger, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(out, runlog.IntervalsFile)
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("%w: %s already exists: merge into a new folder", ErrMismatch, path)
	}
	m := &Merger{opts: opts, path: path}
	m.cond = sync.NewCond(&m.mu)
	return m, nil
}

// Input registers a shard's stream, named in messages and in the merged
// record (its folder, or its pod); index is the shard it should be (-1:
// whichever its header says). Register every input before the first
// Read: a window is merged only once every registered input has spoken.
func (m *Merger) Input(name string, index int) *Input {
	m.mu.Lock()
	defer m.mu.Unlock()
	in := &Input{m: m, name: name, index: index}
	m.inputs = append(m.inputs, in)
	return in
}

// Read consumes one stream of the shard: its header, then its intervals,
// to the stream's end. Lines that are not interval lines (a pod's log
// holds the shard's stderr too) are skipped and counted. A stream read
// again after it broke replays from the start: the intervals already
// merged are skipped, by their sequence number, and counted as replayed,
// never twice. A stream of a different run is refused (ErrMismatch); one
// whose shard started over is refused with ErrRestarted.
func (in *Input) Read(r io.Reader) error {
	ir, lf, err := in.open(r)
	if err != nil {
		return err
	}
	return in.consume(ir, lf)
}

// Close says no more of this shard will come; why (may be empty) is kept
// as its problem when it stopped short.
func (in *Input) Close(why string) {
	m := in.m
	m.mu.Lock()
	defer m.mu.Unlock()
	if !in.closed {
		in.closed, in.closeWhy = true, why
	}
	m.emit()
	m.cond.Broadcast()
}

func (in *Input) open(r io.Reader) (*metrics.IntervalReader, *lineFilter, error) {
	lf := &lineFilter{br: bufio.NewReaderSize(r, 64<<10), atStart: true}
	ir, err := metrics.NewIntervalReader(lf)
	if err != nil {
		in.m.mu.Lock()
		in.other = max(in.other, lf.other)
		in.m.mu.Unlock()
		return nil, nil, fmt.Errorf("%s: %w", in.name, err)
	}
	if err := in.m.setHeader(in, ir.Header()); err != nil {
		return nil, nil, err
	}
	return ir, lf, nil
}

func (in *Input) consume(ir *metrics.IntervalReader, lf *lineFilter) error {
	for iv := range ir.All() {
		li, err := runlog.Decode(iv)
		if err != nil {
			return fmt.Errorf("%s: interval %d: %w", in.name, iv.Seq, err)
		}
		if err := in.m.push(in, li); err != nil {
			return err
		}
	}
	m := in.m
	m.mu.Lock()
	defer m.mu.Unlock()
	in.other = max(in.other, lf.other) // a replayed stream repeats its lines
	in.truncated = ir.Truncated()
	if err := ir.Err(); err != nil {
		return fmt.Errorf("%s: %w", in.name, err)
	}
	return nil
}

// setHeader checks a stream's header against the shards seen so far.
func (m *Merger) setHeader(in *Input, h metrics.Header) error {
	var meta record.Meta
	if len(h.Meta) > 0 {
		if err := json.Unmarshal(h.Meta, &meta); err != nil {
			return fmt.Errorf("%s: header meta: %w", in.name, err)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if meta.Shard == nil {
		return fmt.Errorf("%w: %s is not a shard of a distributed run (its header has no shard: run it with --segment)", ErrMismatch, in.name)
	}
	if in.header != nil { // the stream reopened
		if !h.Start.Equal(in.header.Start) || meta.Shard.RunID != in.meta.Shard.RunID || meta.Shard.Segment != in.meta.Shard.Segment {
			in.restarted = fmt.Sprintf("it started over at %s (a new process replaying its schedule): that second run is not counted", h.Start.Format(time.RFC3339))
			return fmt.Errorf("%s: %w: %s", in.name, ErrRestarted, in.restarted)
		}
		return nil
	}
	if m.opts.Accept != nil {
		if err := m.opts.Accept(meta); err != nil {
			return fmt.Errorf("%s: %w", in.name, err)
		}
	}
	if in.index >= 0 && meta.Shard.Index != in.index {
		return fmt.Errorf("%w: %s is shard %d (segment %s), expected shard %d", ErrMismatch, in.name, meta.Shard.Index, meta.Shard.Segment, in.index)
	}
	if m.ref != nil {
		if err := comparable(m.ref, in, h, meta); err != nil {
			return err
		}
	}
	for _, o := range m.inputs {
		switch {
		case o == in || o.header == nil:
		case o.meta.Shard.Index == meta.Shard.Index:
			return fmt.Errorf("%w: %s and %s are both shard %d (segment %s): a shard may be given once", ErrMismatch, o.name, in.name, meta.Shard.Index, meta.Shard.Segment)
		case o.meta.Shard.Sampler && meta.Shard.Sampler:
			return fmt.Errorf("%w: %s and %s both ran the samplers (--sampler-shard): the target would be counted twice", ErrMismatch, o.name, in.name)
		}
	}
	in.header, in.meta = &h, meta
	if m.ref == nil {
		m.ref = in
		m.step = time.Duration(meta.IntervalSeconds * float64(time.Second))
		if m.step <= 0 {
			m.step = time.Second
		}
	}
	return nil
}

// comparable refuses a shard that is not of ref's run.
func comparable(ref, in *Input, h metrics.Header, meta record.Meta) error {
	first, sh := ref.meta, meta.Shard
	diff := func(what string, a, b any) error {
		return fmt.Errorf("%w: %s and %s have different %s (%v, %v): they are not shards of one run", ErrMismatch, ref.name, in.name, what, a, b)
	}
	scen0, _ := json.Marshal(first.Scenario)
	scen, _ := json.Marshal(meta.Scenario)
	switch {
	case !bytes.Equal(scen, scen0) && meta.Scenario.Seed != first.Scenario.Seed:
		return diff("seeds", first.Scenario.Seed, meta.Scenario.Seed)
	case !bytes.Equal(scen, scen0):
		return diff("scenarios", first.ScenarioFile+" "+first.Scenario.TestName, meta.ScenarioFile+" "+meta.Scenario.TestName)
	case sh.RunID != first.Shard.RunID:
		return diff("run ids", first.Shard.RunID, sh.RunID)
	case sh.Sequence != first.Shard.Sequence:
		return diff("segment sequences", first.Shard.Sequence, sh.Sequence)
	case meta.IntervalSeconds != first.IntervalSeconds:
		return diff("intervals", first.IntervalSeconds, meta.IntervalSeconds)
	case h.HDR != ref.header.HDR:
		return diff("histogram geometries", ref.header.HDR, h.HDR)
	}
	return nil
}

// push queues one interval of a shard and merges the windows it makes
// ready. A shard far ahead of the others waits here.
func (m *Merger) push(in *Input, iv runlog.Interval) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if iv.Seq <= in.lastSeq {
		in.replayed++
		return nil
	}
	for len(in.queue) >= queueMax && !m.closing && !in.closed && m.err == nil {
		m.cond.Wait()
	}
	if m.err != nil {
		return m.err
	}
	if m.closing || in.closed {
		return nil // the merge, or this shard, has ended: what comes after is not merged
	}
	if in.intervals == 0 {
		in.firstStart = iv.Start
	}
	in.queue = append(in.queue, iv)
	in.lastSeq, in.lastEnd = iv.Seq, iv.End
	in.intervals++
	m.emit()
	return m.err
}

// emit writes every window that is ready: window k is [t0+k·I,
// t0+(k+1)·I) from the earliest shard's first interval start, and holds
// the shards' intervals whose end falls in it (ends are exclusive: end
// minus a nanosecond). It is ready when every shard still streaming has
// passed its end. The executors' cumulative counts are each shard's
// latest at or before the window's end, added; samples are the sampling
// shard's last in the window. Called with the lock held.
func (m *Merger) emit() {
	if m.err != nil {
		return
	}
	if m.t0.IsZero() {
		for _, in := range m.inputs {
			if !in.closed && in.intervals == 0 {
				return // a shard has not spoken yet: the first window is not known
			}
			if in.intervals > 0 && (m.t0.IsZero() || in.firstStart.Before(m.t0)) {
				m.t0 = in.firstStart
			}
		}
		if m.t0.IsZero() {
			return
		}
	}
	for {
		var head time.Time
		for _, in := range m.inputs {
			if len(in.queue) > 0 && (head.IsZero() || in.queue[0].End.Before(head)) {
				head = in.queue[0].End
			}
		}
		if head.IsZero() {
			return
		}
		k := max(int64(head.Add(-time.Nanosecond).Sub(m.t0)/m.step), 0)
		start := m.t0.Add(time.Duration(k) * m.step)
		end := start.Add(m.step)
		for _, in := range m.inputs {
			if !in.closed && in.lastEnd.Before(end) {
				return // it may still send an interval of this window
			}
		}
		shards := make([][]map[string]*metrics.IntervalMetric, len(m.inputs))
		var samples json.RawMessage
		for i, in := range m.inputs {
			for len(in.queue) > 0 && !in.queue[0].End.After(end) {
				iv := in.queue[0]
				in.queue[0] = runlog.Interval{}
				in.queue = in.queue[1:]
				shards[i] = append(shards[i], iv.Metrics)
				in.lastExec, in.popped = iv.Executors, true
				if raw, ok := iv.Extra[record.SamplesKey]; ok && in.meta.Shard.Sampler {
					samples = raw
				}
			}
		}
		m.cond.Broadcast()
		if err := m.write(k, start, end, shards, samples); err != nil {
			m.err = err
			m.cond.Broadcast()
			return
		}
	}
}

func (m *Merger) write(k int64, start, end time.Time, shards [][]map[string]*metrics.IntervalMetric, samples json.RawMessage) error {
	ms, err := metrics.MergeMetrics(shards...)
	if err != nil {
		return fmt.Errorf("%w: window %d: %w", ErrMismatch, k, err)
	}
	execs := map[string]record.Executor{}
	for _, in := range m.inputs {
		if in.popped {
			for name, e := range in.lastExec {
				execs[name] = addExecutors(execs[name], e)
			}
		}
	}
	m.seq++
	iv := metrics.Interval{Seq: m.seq, Start: start, End: end, Metrics: ms, Extra: map[string]json.RawMessage{}}
	if b, err := json.Marshal(execs); err == nil && len(execs) > 0 {
		iv.Extra[record.ExecutorsKey] = b
	}
	if samples != nil {
		iv.Extra[record.SamplesKey] = samples
	}
	if m.w == nil {
		h, err := m.header(false, start)
		if err != nil {
			return err
		}
		m.start = start
		if m.w, err = metrics.CreateIntervalFile(m.path, h); err != nil {
			return err
		}
	}
	if err := m.w.Write(iv); err != nil {
		return err
	}
	if m.opts.OnWindow != nil {
		m.opts.OnWindow(iv)
	}
	return nil
}

// header is the merged file's header: the first shard's, its shard record
// replaced by the merge's, with the sampling shard's view of the target.
func (m *Merger) header(final bool, start time.Time) (metrics.Header, error) {
	meta := m.ref.meta
	meta.Shard, meta.Merged = nil, m.record(final)
	for _, in := range m.inputs {
		if in.header != nil && in.meta.Shard.Sampler {
			meta.ReplicaLimits, meta.Workers, meta.ReplicasRunning = in.meta.ReplicaLimits, in.meta.Workers, in.meta.ReplicasRunning
		}
	}
	b, err := json.Marshal(meta)
	if err != nil {
		return metrics.Header{}, err
	}
	h := *m.ref.header
	h.Meta, h.Truncated, h.Start = b, nil, start
	return h, nil
}

// Close ends the merge: every shard's queued intervals are merged, and the
// header is rewritten with each shard's outcome. It returns that record.
func (m *Merger) Close() (*record.Merged, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closing = true
	for _, in := range m.inputs {
		in.closed = true
	}
	m.emit()
	m.cond.Broadcast()
	if m.err != nil {
		if m.w != nil {
			_ = m.w.Close()
		}
		return nil, m.err
	}
	if m.w == nil {
		return nil, fmt.Errorf("%w: no shard recorded an interval", ErrMismatch)
	}
	if err := m.w.Close(); err != nil {
		return nil, err
	}
	h, err := m.header(true, m.start)
	if err != nil {
		return nil, err
	}
	rec := m.record(true)
	return rec, rewriteHeader(m.path, h)
}

// rewriteHeader replaces path's first line with h, copying the rest.
func rewriteHeader(path string, h metrics.Header) error {
	old, err := os.Open(path)
	if err != nil {
		return err
	}
	defer old.Close()
	br := bufio.NewReaderSize(old, 1<<20)
	for {
		_, err := br.ReadSlice('\n')
		if err == nil {
			break
		}
		if err != bufio.ErrBufferFull {
			return fmt.Errorf("%s: header: %w", path, err)
		}
	}
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if _, err = metrics.NewIntervalWriter(bw, h); err == nil {
		_, err = io.Copy(bw, br)
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// record is the merge's record of each shard of the sequence: given or
// missing, and whether it ran its whole share. Before Close (final false)
// no shard is complete yet: a header written then says the merge was
// still running, so a launcher that died leaves an incomplete report.
func (m *Merger) record(final bool) *record.Merged {
	sh0 := m.ref.meta.Shard
	rec := &record.Merged{RunID: sh0.RunID, Sequence: sh0.Sequence}
	configs, _ := m.ref.meta.Scenario.Executors() // a run's scenario decoded
	for idx := range sh0.Count {
		seg, err := executor.ParseSegment("segment", segmentAt(sh0.Sequence, idx), sh0.Sequence)
		share := map[string]int64{}
		for name, c := range configs {
			if err == nil {
				share[name] = seg.Scale(c.Arrivals())
			}
		}
		var in, silent *Input
		for _, o := range m.inputs {
			switch {
			case o.header != nil && o.meta.Shard.Index == idx:
				in = o
			case o.header == nil && o.index == idx:
				silent = o
			}
		}
		if in == nil {
			ms := record.MergedShard{Index: idx, Segment: seg.String(), Missing: true, ArrivalsMissing: share,
				Problem: "no folder of this shard was given: its share of the schedule is absent"}
			if silent != nil {
				ms.Dir = silent.name
				ms.Problem = silent.name + " gave no intervals"
				if silent.closeWhy != "" {
					ms.Problem += " (" + silent.closeWhy + ")"
				}
				ms.Problem += ": its share of the schedule is absent"
			}
			rec.Shards = append(rec.Shards, ms)
			continue
		}
		ms := record.MergedShard{Index: idx, Segment: in.meta.Shard.Segment, Dir: in.name, Intervals: in.intervals,
			Sampler: in.meta.Shard.Sampler, OtherLines: in.other, ReplayedIntervals: in.replayed}
		for name, want := range share {
			got := in.lastExec[name].Started + in.lastExec[name].Dropped
			if got < want {
				if ms.ArrivalsMissing == nil {
					ms.ArrivalsMissing = map[string]int64{}
				}
				ms.ArrivalsMissing[name] = want - got
			}
		}
		switch {
		case !final:
			ms.Problem = "the merge was still running when this header was written, and did not finish"
		case in.restarted != "":
			ms.Problem = in.restarted
		case in.truncated != nil:
			ms.Problem = "its intervals.ndjson ends in a partial line: the shard was killed mid-write"
		case len(ms.ArrivalsMissing) > 0:
			ms.Problem = fmt.Sprintf("it stopped before its share of the schedule ended: arrivals never reported %v", ms.ArrivalsMissing)
			if in.closeWhy != "" {
				ms.Problem += " (" + in.closeWhy + ")"
			}
		}
		ms.Complete = ms.Problem == ""
		rec.Shards = append(rec.Shards, ms)
	}
	return rec
}

// Folders merges the shard folders dirs into out (created; it must not
// hold intervals.ndjson already) and returns the merge record it wrote in
// the header. Folders of different scenarios, seeds, run ids, sequences
// or interval lengths, repeated segments, or a folder that is not a shard
// are refused with ErrMismatch, naming the folders and the difference.
// Each folder's file is read once, all at once, so the merge holds a few
// minutes of intervals, not the run's.
func Folders(dirs []string, out string) (*record.Merged, error) {
	type opened struct {
		in *Input
		ir *metrics.IntervalReader
		lf *lineFilter
	}
	files := make([]opened, 0, len(dirs))
	defer func() {
		for _, o := range files {
			_ = o.lf.close()
		}
	}()
	var m *Merger
	for _, d := range dirs {
		f, err := os.Open(filepath.Join(d, runlog.IntervalsFile))
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s has no %s", runlog.ErrNoRun, d, runlog.IntervalsFile)
		}
		if err != nil {
			return nil, err
		}
		if m == nil {
			if m, err = New(out, Options{}); err != nil {
				_ = f.Close()
				return nil, err
			}
		}
		in := m.Input(d, -1)
		ir, lf, err := in.open(f)
		if err != nil {
			_ = f.Close()
			return nil, err
		}
		lf.closer = f
		files = append(files, opened{in, ir, lf})
	}
	if m == nil {
		return nil, fmt.Errorf("%w: no folder given", ErrMismatch)
	}
	errs := make([]error, len(files))
	var wg sync.WaitGroup
	for i, o := range files {
		wg.Go(func() {
			errs[i] = o.in.consume(o.ir, o.lf)
			o.in.Close("")
		})
	}
	wg.Wait()
	rec, err := m.Close()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return rec, err
}

// lineFilter passes a stream's lines that start with "{" (after blanks)
// and drops the others, counting those that are not blank.
type lineFilter struct {
	br      *bufio.Reader
	closer  io.Closer
	buf     []byte
	atStart bool // the next chunk starts a line
	keep    bool // the current line is kept
	other   int
	err     error
}

func (f *lineFilter) Read(p []byte) (int, error) {
	for len(f.buf) == 0 {
		if f.err != nil {
			return 0, f.err
		}
		chunk, err := f.br.ReadSlice('\n')
		switch err {
		case nil, bufio.ErrBufferFull:
		default:
			f.err = err
		}
		if len(chunk) == 0 {
			continue
		}
		if f.atStart {
			t := bytes.TrimSpace(chunk)
			f.keep = len(t) > 0 && t[0] == '{'
			if !f.keep && len(t) > 0 {
				f.other++
			}
		}
		f.atStart = chunk[len(chunk)-1] == '\n'
		if f.keep {
			f.buf = chunk
		}
	}
	n := copy(p, f.buf)
	f.buf = f.buf[n:]
	return n, nil
}

func (f *lineFilter) close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}

// segmentAt is the idx-th segment "a:b" of a sequence "0,…,1".
func segmentAt(sequence string, idx int) string {
	pts := bytes.Split([]byte(sequence), []byte(","))
	if idx+1 >= len(pts) {
		return ""
	}
	return string(pts[idx]) + ":" + string(pts[idx+1])
}

// addExecutors adds b's counts and rates to a's: shards' shares of one
// scenario. ElapsedSeconds is the longest.
func addExecutors(a, b record.Executor) record.Executor {
	a.TargetPerSecond += b.TargetPerSecond
	a.Scheduled += b.Scheduled
	a.Started += b.Started
	a.Dropped += b.Dropped
	a.DroppedNoVU += b.DroppedNoVU
	a.DroppedBehind += b.DroppedBehind
	a.Failed += b.Failed
	a.ActiveVUs += b.ActiveVUs
	a.AllocatedVUs += b.AllocatedVUs
	a.ElapsedSeconds = max(a.ElapsedSeconds, b.ElapsedSeconds)
	a.Expected += b.Expected
	return a
}
