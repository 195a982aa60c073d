// Package merge joins the shard folders of a distributed run (gl001 run
// --segment i/n, one per shard) into one results folder, so the report's
// thresholds, triggers and verdict are evaluated once, over all the load:
// gl001 report DIR1 DIR2 … . Shards' intervals are merged by wall-clock
// window, their samples taken from the one shard that sampled, and a shard
// that is missing or stopped short is recorded in the merged header
// (record.Merged), which makes the report incomplete, never silently
// whole.
package merge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/xk6-gl001/executor"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// ErrMismatch is wrapped by the errors of folders that cannot be merged:
// not shards, or shards of different runs.
var ErrMismatch = errors.New("shards cannot be merged")

// Folders merges the shard folders dirs into out (created; it must not
// hold intervals.ndjson already) and returns the merge record it wrote in
// the header. Folders of different scenarios, seeds, run ids, sequences
// or interval lengths, repeated segments, or a folder that is not a shard
// are refused with ErrMismatch, naming the folders and the difference.
func Folders(dirs []string, out string) (*record.Merged, error) {
	runs := make([]*runlog.Run, len(dirs))
	other := make([]int, len(dirs))
	for i, d := range dirs {
		r, n, err := load(d)
		if err != nil {
			return nil, err
		}
		other[i] = n
		if r.Meta.Shard == nil {
			return nil, fmt.Errorf("%w: %s is not a shard of a distributed run (its header has no shard: run it with --segment)", ErrMismatch, d)
		}
		runs[i] = r
	}
	if err := comparable(dirs, runs); err != nil {
		return nil, err
	}
	m := shardsOf(dirs, runs)
	for i, r := range runs {
		for k := range m.Shards {
			if m.Shards[k].Index == r.Meta.Shard.Index {
				m.Shards[k].OtherLines = other[i]
			}
		}
	}
	ivs, err := windows(runs)
	if err != nil {
		return nil, err
	}
	meta := runs[0].Meta
	meta.Shard, meta.Merged = nil, m
	for _, r := range runs {
		if r.Meta.Shard.Sampler {
			meta.ReplicaLimits, meta.Workers, meta.ReplicasRunning = r.Meta.ReplicaLimits, r.Meta.Workers, r.Meta.ReplicasRunning
		}
	}
	metaJSON, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(out, runlog.IntervalsFile)
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("%w: %s already exists: merge into a new folder", ErrMismatch, path)
	}
	h := runs[0].Header
	h.Meta, h.Truncated = metaJSON, nil
	h.Start = ivs[0].Start
	w, err := metrics.CreateIntervalFile(path, h)
	if err != nil {
		return nil, err
	}
	for _, iv := range ivs {
		if err := w.Write(iv); err != nil {
			w.Close()
			return nil, err
		}
	}
	return m, w.Close()
}

// load reads a shard folder's intervals.ndjson, which may be a pod's log
// (kubectl logs), where the kubelet interleaves the shard's stderr with
// its stdout: lines that do not start with "{" are not interval lines and
// are skipped, and counted.
func load(dir string) (*runlog.Run, int, error) {
	b, err := os.ReadFile(filepath.Join(dir, runlog.IntervalsFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, fmt.Errorf("%w: %s has no %s", runlog.ErrNoRun, dir, runlog.IntervalsFile)
	}
	if err != nil {
		return nil, 0, err
	}
	kept := make([]byte, 0, len(b))
	other := 0
	for _, line := range bytes.SplitAfter(b, []byte("\n")) { // a partial last line stays partial
		if t := bytes.TrimSpace(line); len(t) == 0 || t[0] != '{' {
			if len(t) > 0 {
				other++
			}
			continue
		}
		kept = append(kept, line...)
	}
	r, err := runlog.Read(dir, bytes.NewReader(kept))
	return r, other, err
}

// comparable refuses shards that are not of one run.
func comparable(dirs []string, runs []*runlog.Run) error {
	first := runs[0]
	scen0, _ := json.Marshal(first.Meta.Scenario)
	seen := map[int]string{}
	for i, r := range runs {
		sh := r.Meta.Shard
		diff := func(what string, a, b any) error {
			return fmt.Errorf("%w: %s and %s have different %s (%v, %v): they are not shards of one run", ErrMismatch, dirs[0], dirs[i], what, a, b)
		}
		scen, _ := json.Marshal(r.Meta.Scenario)
		switch {
		case !bytes.Equal(scen, scen0) && r.Meta.Scenario.Seed != first.Meta.Scenario.Seed:
			return diff("seeds", first.Meta.Scenario.Seed, r.Meta.Scenario.Seed)
		case !bytes.Equal(scen, scen0):
			return diff("scenarios", first.Meta.ScenarioFile+" "+first.Meta.Scenario.TestName, r.Meta.ScenarioFile+" "+r.Meta.Scenario.TestName)
		case sh.RunID != first.Meta.Shard.RunID:
			return diff("run ids", first.Meta.Shard.RunID, sh.RunID)
		case sh.Sequence != first.Meta.Shard.Sequence:
			return diff("segment sequences", first.Meta.Shard.Sequence, sh.Sequence)
		case r.Meta.IntervalSeconds != first.Meta.IntervalSeconds:
			return diff("intervals", first.Meta.IntervalSeconds, r.Meta.IntervalSeconds)
		case r.Header.HDR != first.Header.HDR:
			return diff("histogram geometries", first.Header.HDR, r.Header.HDR)
		}
		if d, ok := seen[sh.Index]; ok {
			return fmt.Errorf("%w: %s and %s are both shard %d (segment %s): a shard may be given once", ErrMismatch, d, dirs[i], sh.Index, sh.Segment)
		}
		seen[sh.Index] = dirs[i]
		if n := slices.IndexFunc(runs[:i], func(o *runlog.Run) bool { return o.Meta.Shard.Sampler && sh.Sampler }); n >= 0 {
			return fmt.Errorf("%w: %s and %s both ran the samplers (--sampler-shard): the target would be counted twice", ErrMismatch, dirs[n], dirs[i])
		}
	}
	return nil
}

// shardsOf records each shard of the sequence: given or missing, and
// whether it ran its whole share.
func shardsOf(dirs []string, runs []*runlog.Run) *record.Merged {
	sh0 := runs[0].Meta.Shard
	m := &record.Merged{RunID: sh0.RunID, Sequence: sh0.Sequence}
	configs, _ := runs[0].Meta.Scenario.Executors() // a run's scenario decoded
	byIndex := map[int]int{}
	for i, r := range runs {
		byIndex[r.Meta.Shard.Index] = i
	}
	for idx := range sh0.Count {
		seg, err := executor.ParseSegment("segment", segmentAt(sh0.Sequence, idx), sh0.Sequence)
		share := map[string]int64{}
		for name, c := range configs {
			if err == nil {
				share[name] = seg.Scale(c.Arrivals())
			}
		}
		i, given := byIndex[idx]
		if !given {
			m.Shards = append(m.Shards, record.MergedShard{Index: idx, Segment: seg.String(), Missing: true, ArrivalsMissing: share,
				Problem: "no folder of this shard was given: its share of the schedule is absent"})
			continue
		}
		r := runs[i]
		ms := record.MergedShard{Index: idx, Segment: r.Meta.Shard.Segment, Dir: dirs[i], Intervals: len(r.Intervals), Sampler: r.Meta.Shard.Sampler}
		var last map[string]record.Executor
		if n := len(r.Intervals); n > 0 {
			last = r.Intervals[n-1].Executors
		}
		for name, want := range share {
			got := last[name].Started + last[name].Dropped
			if got < want {
				if ms.ArrivalsMissing == nil {
					ms.ArrivalsMissing = map[string]int64{}
				}
				ms.ArrivalsMissing[name] = want - got
			}
		}
		switch {
		case r.Truncated != nil:
			ms.Problem = "its intervals.ndjson ends in a partial line: the shard was killed mid-write"
		case len(ms.ArrivalsMissing) > 0:
			ms.Problem = fmt.Sprintf("it stopped before its share of the schedule ended: arrivals never reported %v", ms.ArrivalsMissing)
		}
		ms.Complete = ms.Problem == ""
		m.Shards = append(m.Shards, ms)
	}
	return m
}

// segmentAt is the idx-th segment "a:b" of a sequence "0,…,1".
func segmentAt(sequence string, idx int) string {
	pts := bytes.Split([]byte(sequence), []byte(","))
	if idx+1 >= len(pts) {
		return ""
	}
	return string(pts[idx]) + ":" + string(pts[idx+1])
}

// windows merges the shards' intervals by wall clock: window k is
// [t0+k·I, t0+(k+1)·I) from the earliest shard's first interval start;
// a shard's interval goes in the window its end falls in (its end minus a
// nanosecond: ends are exclusive). The executors' cumulative counts are
// each shard's latest at or before the window's end, added; samples are
// the sampling shard's last in the window.
func windows(runs []*runlog.Run) ([]metrics.Interval, error) {
	t0 := time.Time{}
	for _, r := range runs {
		if len(r.Intervals) > 0 && (t0.IsZero() || r.Intervals[0].Start.Before(t0)) {
			t0 = r.Intervals[0].Start
		}
	}
	if t0.IsZero() {
		return nil, fmt.Errorf("%w: no shard recorded an interval", ErrMismatch)
	}
	step := time.Duration(runs[0].Meta.IntervalSeconds * float64(time.Second))
	if step <= 0 {
		step = time.Second
	}
	type slot struct {
		metrics [][]map[string]*metrics.IntervalMetric // by shard
		samples json.RawMessage
		has     bool
	}
	win := map[int64]*slot{}
	var last int64
	for s, r := range runs {
		for _, iv := range r.Intervals {
			k := int64(iv.End.Add(-time.Nanosecond).Sub(t0) / step)
			if k < 0 {
				k = 0
			}
			w := win[k]
			if w == nil {
				w = &slot{metrics: make([][]map[string]*metrics.IntervalMetric, len(runs))}
				win[k] = w
			}
			w.has = true
			w.metrics[s] = append(w.metrics[s], iv.Metrics)
			if r.Meta.Shard.Sampler {
				if raw, ok := iv.Extra[record.SamplesKey]; ok {
					w.samples = raw
				}
			}
			last = max(last, k)
		}
	}
	cursor := make([]int, len(runs)) // per shard, intervals ending by the window's end
	var out []metrics.Interval
	for k := int64(0); k <= last; k++ {
		w := win[k]
		if w == nil || !w.has {
			continue
		}
		ms, err := metrics.MergeMetrics(w.metrics...)
		if err != nil {
			return nil, fmt.Errorf("%w: window %d: %w", ErrMismatch, k, err)
		}
		start := t0.Add(time.Duration(k) * step)
		end := start.Add(step)
		execs := map[string]record.Executor{}
		for s, r := range runs {
			for cursor[s] < len(r.Intervals) && !r.Intervals[cursor[s]].End.After(end) {
				cursor[s]++
			}
			if cursor[s] == 0 {
				continue
			}
			for name, e := range r.Intervals[cursor[s]-1].Executors {
				execs[name] = addExecutors(execs[name], e)
			}
		}
		iv := metrics.Interval{Seq: int64(len(out) + 1), Start: start, End: end, Metrics: ms, Extra: map[string]json.RawMessage{}}
		if b, err := json.Marshal(execs); err == nil && len(execs) > 0 {
			iv.Extra[record.ExecutorsKey] = b
		}
		if w.samples != nil {
			iv.Extra[record.SamplesKey] = w.samples
		}
		out = append(out, iv)
	}
	return out, nil
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
