package merge_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/reports/merge"
	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/xk6-gl001/executor"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// shardRun writes one shard's folder as gl001 run --segment i/n would:
// its header with the shard record, and an interval a second with the
// latency values it is handed and its executors' cumulative counts.
// It returns the values it recorded.
func shardRun(t testing.TB, dir string, sc scenarios.Scenario, seg executor.Segment, runID string, t0 time.Time, seconds int, seed uint64) []float64 {
	t.Helper()
	reg := metrics.NewRegistry(t0.Add(time.Duration(seg.Index()) * 137 * time.Millisecond)) // shards start apart
	lat := reg.MustNew(record.MetricOptimizeDuration, metrics.Trend, metrics.Time)
	its := reg.MustNew(record.MetricIterations, metrics.Counter, metrics.Default)
	meta := record.Meta{Scenario: sc, IntervalSeconds: 1, Shard: &record.Shard{Segment: seg.String(), Sequence: seg.Sequence(),
		Index: seg.Index(), Count: seg.Count(), RunID: runID, Sampler: seg.Index() == 0}}
	mj, _ := json.Marshal(meta)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	w, err := metrics.CreateIntervalFile(filepath.Join(dir, runlog.IntervalsFile), reg.Header(mj))
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	configs, err := sc.Executors()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	var all []float64
	var started int64
	for s := 1; s <= seconds; s++ {
		for range 20 + rng.IntN(20) {
			v := 5 + rng.ExpFloat64()*40
			reg.Add(lat, v)
			reg.Add(its, 1)
			all = append(all, v)
		}
		iv := reg.Flush(t0.Add(time.Duration(s)*time.Second + time.Duration(seg.Index())*137*time.Millisecond))
		execs := map[string]record.Executor{}
		for name, c := range configs {
			share := seg.Scale(c.Arrivals())
			started = share * int64(s) / int64(seconds)
			execs[name] = record.Executor{Scheduled: started, Started: started, Expected: float64(started)}
		}
		b, _ := json.Marshal(execs)
		iv.Extra = map[string]json.RawMessage{record.ExecutorsKey: b}
		if err := w.Write(iv); err != nil {
			t.Fatal(err)
		}
	}
	return all
}

func scenario(t testing.TB) scenarios.Scenario {
	sc := scenarios.NewScenario()
	sc.TestName, sc.DurationMinutes, sc.Plants, sc.SubAgents = "merge_test", 0.5, 15, 75
	sc.HeatOptimizationRequestsPerMinute, sc.AgentCoordinationEventsPerSecond = 100, 50
	return sc
}

func segments(t testing.TB, n int) []executor.Segment {
	out := make([]executor.Segment, n)
	for i := range out {
		s, err := executor.ParseSegment("--segment", fmt.Sprintf("%d/%d", i, n), "")
		if err != nil {
			t.Fatal(err)
		}
		out[i] = s
	}
	return out
}

// Three shards merge to counts that add up exactly, and to percentiles
// equal to one histogram holding every shard's samples.
func TestMergeCountsAndPercentiles(t *testing.T) {
	sc := scenario(t)
	root := t.TempDir()
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	reg := metrics.NewRegistry(t0)
	one := reg.MustNew(record.MetricOptimizeDuration, metrics.Trend, metrics.Time)
	var dirs []string
	for _, seg := range segments(t, 3) {
		d := filepath.Join(root, fmt.Sprintf("shard-%d", seg.Index()))
		for _, v := range shardRun(t, d, sc, seg, "r1", t0, 30, uint64(seg.Index())+1) {
			reg.Add(one, v)
		}
		dirs = append(dirs, d)
	}
	reg.Flush(t0.Add(time.Minute))
	whole := reg.Totals()[record.MetricOptimizeDuration]
	out := filepath.Join(root, "merged")
	m, err := merge.Folders(dirs, out)
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range m.Shards {
		if !sh.Complete || sh.Missing {
			t.Errorf("shard %+v", sh)
		}
	}
	run, err := runlog.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	got := run.Totals[record.MetricOptimizeDuration]
	if got.Count() != whole.Count() || run.Totals[record.MetricIterations].Values()["count"] != float64(whole.Count()) {
		t.Errorf("merged count %d (iterations %v), all samples %d", got.Count(), run.Totals[record.MetricIterations].Values(), whole.Count())
	}
	for _, p := range []float64{50, 90, 95, 99, 100} {
		if got.Percentile(p) != whole.Percentile(p) {
			t.Errorf("p(%v) merged %v, of all samples %v", p, got.Percentile(p), whole.Percentile(p))
		}
	}
	last := run.Intervals[len(run.Intervals)-1].Executors
	configs, _ := sc.Executors()
	for name, c := range configs {
		if last[name].Started != c.Arrivals() {
			t.Errorf("%s: merged started %d, the single run's %d", name, last[name].Started, c.Arrivals())
		}
	}
	if run.Meta.Shard != nil || run.Meta.Merged == nil || len(run.Intervals) < 30 || len(run.Intervals) > 31 {
		t.Errorf("merged header %+v, %d intervals", run.Meta.Merged, len(run.Intervals))
	}
}

// A shard not given, or one that stopped short, is recorded with its
// missing share, and the report is not whole, so its verdict cannot pass.
func TestMergeMissingAndIncompleteShards(t *testing.T) {
	sc := scenario(t)
	root := t.TempDir()
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	segs := segments(t, 3)
	d0, d1 := filepath.Join(root, "s0"), filepath.Join(root, "s1")
	shardRun(t, d0, sc, segs[0], "r1", t0, 30, 1)
	shardRun(t, d1, sc, segs[1], "r1", t0, 30, 2)
	m, err := merge.Folders([]string{d0, d1}, filepath.Join(root, "m"))
	if err != nil {
		t.Fatal(err)
	}
	if sh := m.Shards[2]; !sh.Missing || sh.Complete || sh.ArrivalsMissing["optimize"] != segs[2].Scale(50) {
		t.Errorf("missing shard: %+v", sh)
	}
	rep, err := report.Generate(filepath.Join(root, "m"), report.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Completeness.Complete || rep.Verdict == report.Pass || !strings.Contains(strings.Join(rep.Completeness.Problems, "\n"), "shard 2 of 3 (segment 2/3:1) is incomplete") {
		t.Errorf("verdict %s, completeness %+v", rep.Verdict, rep.Completeness)
	}
}

// Folders that are not shards of one run are refused, naming the
// difference.
func TestMergeRefuses(t *testing.T) {
	sc := scenario(t)
	root := t.TempDir()
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	segs := segments(t, 2)
	write := func(name string, sc scenarios.Scenario, seg executor.Segment, id string) string {
		d := filepath.Join(root, name)
		shardRun(t, d, sc, seg, id, t0, 3, 1)
		return d
	}
	other := sc
	other.Seed = 99
	renamed := sc
	renamed.TestName = "another"
	a := write("a", sc, segs[0], "r1")
	for _, tc := range []struct {
		name string
		dirs []string
		want string
	}{
		{"seeds", []string{a, write("b", other, segs[1], "r1")}, "different seeds (1, 99)"},
		{"scenarios", []string{a, write("c", renamed, segs[1], "r1")}, "different scenarios"},
		{"run ids", []string{a, write("d", sc, segs[1], "r2")}, "different run ids (r1, r2)"},
		{"a shard twice", []string{a, write("e", sc, segs[0], "r1")}, "are both shard 0"},
	} {
		_, err := merge.Folders(tc.dirs, filepath.Join(root, "out-"+strings.ReplaceAll(tc.name, " ", "-")))
		if !errors.Is(err, merge.ErrMismatch) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// BenchmarkMerge8x1h merges 8 shards of an hour of 1 s intervals each
// (goal: under 5 s). Run: go test -run '^$' -bench Merge8x1h -benchtime 1x ./reports/merge/
func BenchmarkMerge8x1h(b *testing.B) {
	sc := scenario(b)
	sc.DurationMinutes = 60
	root := b.TempDir()
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	var dirs []string
	for _, seg := range segments(b, 8) {
		d := filepath.Join(root, fmt.Sprintf("shard-%d", seg.Index()))
		shardRun(b, d, sc, seg, "bench", t0, 3600, uint64(seg.Index())+1)
		dirs = append(dirs, d)
	}
	b.ResetTimer()
	for i := range b.N {
		if _, err := merge.Folders(dirs, filepath.Join(root, fmt.Sprintf("merged-%d", i))); err != nil {
			b.Fatal(err)
		}
	}
}

// A shard's file may be its pod's log, the shard's stderr interleaved:
// those lines are skipped and counted, and the merge is the same.
func TestMergeReadsPodLogs(t *testing.T) {
	sc := scenario(t)
	root := t.TempDir()
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	var dirs []string
	for _, seg := range segments(t, 2) {
		d := filepath.Join(root, fmt.Sprintf("shard-%d", seg.Index()))
		shardRun(t, d, sc, seg, "r1", t0, 10, uint64(seg.Index())+1)
		dirs = append(dirs, d)
	}
	clean := filepath.Join(root, "clean")
	if _, err := merge.Folders(dirs, clean); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dirs[1], runlog.IntervalsFile)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	log := "gl001 run /config/scenario.json: 15 plants → /results\n" + strings.Join(lines[:3], "") +
		"time=2026-12-02T12:00:03Z level=WARN msg=\"slow ack\"\n" + strings.Join(lines[3:], "") + "verdict: pass\n"
	if err := os.WriteFile(p, []byte(log), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := merge.Folders(dirs, filepath.Join(root, "from-log"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Shards[1].OtherLines != 3 || !m.Shards[1].Complete {
		t.Errorf("shard 1: %+v", m.Shards[1])
	}
	a, _ := runlog.Load(clean)
	c, _ := runlog.Load(filepath.Join(root, "from-log"))
	if a.Totals[record.MetricOptimizeDuration].Count() != c.Totals[record.MetricOptimizeDuration].Count() || len(a.Intervals) != len(c.Intervals) {
		t.Errorf("from the log: %d samples in %d intervals, clean %d in %d", c.Totals[record.MetricOptimizeDuration].Count(), len(c.Intervals),
			a.Totals[record.MetricOptimizeDuration].Count(), len(a.Intervals))
	}
}

// Shards streamed live, as a launcher follows its pods' logs: one stream
// breaks mid-line and is read again from the start. The replayed
// intervals are skipped and counted, and the merge is the one of the
// whole files.
func TestMergerStreamsReopened(t *testing.T) {
	sc := scenario(t)
	root := t.TempDir()
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	var dirs []string
	for _, seg := range segments(t, 3) {
		d := filepath.Join(root, fmt.Sprintf("shard-%d", seg.Index()))
		shardRun(t, d, sc, seg, "r1", t0, 20, uint64(seg.Index())+1)
		dirs = append(dirs, d)
	}
	if _, err := merge.Folders(dirs, filepath.Join(root, "files")); err != nil {
		t.Fatal(err)
	}
	var windows int
	m, err := merge.New(filepath.Join(root, "live"), merge.Options{OnWindow: func(metrics.Interval) { windows++ }})
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 3)
	for i, d := range dirs {
		in := m.Input("pod-"+fmt.Sprint(i), i)
		b, err := os.ReadFile(filepath.Join(d, runlog.IntervalsFile))
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			defer in.Close("")
			if i == 1 { // the stream breaks in the middle of a line
				pr, pw := io.Pipe()
				go func() { pw.Write(b[:len(b)/2]); pw.CloseWithError(errors.New("stream reset")) }()
				if err := in.Read(pr); err == nil || !strings.Contains(err.Error(), "stream reset") {
					errs <- fmt.Errorf("broken stream: %v", err)
					return
				}
			}
			pr, pw := io.Pipe()
			go func() { // in small writes, as a log stream delivers
				for off := 0; off < len(b); off += 700 {
					pw.Write(b[off:min(off+700, len(b))])
				}
				pw.Close()
			}()
			errs <- in.Read(pr)
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	rec, err := m.Close()
	if err != nil {
		t.Fatal(err)
	}
	if rec.Shards[1].ReplayedIntervals == 0 || !rec.Shards[1].Complete || rec.Shards[0].ReplayedIntervals != 0 {
		t.Errorf("shards %+v", rec.Shards)
	}
	a, err := runlog.Load(filepath.Join(root, "files"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := runlog.Load(filepath.Join(root, "live"))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Intervals) != len(b.Intervals) || windows != len(b.Intervals) {
		t.Fatalf("live %d intervals (%d windows seen), files %d", len(b.Intervals), windows, len(a.Intervals))
	}
	for name, s := range a.Totals {
		if b.Totals[name].Count() != s.Count() {
			t.Errorf("%s: live %d, files %d", name, b.Totals[name].Count(), s.Count())
		}
	}
	for _, p := range []float64{50, 95, 99} {
		if x, y := a.Totals[record.MetricOptimizeDuration].Percentile(p), b.Totals[record.MetricOptimizeDuration].Percentile(p); x != y {
			t.Errorf("p(%v): live %v, files %v", p, y, x)
		}
	}
	if got, want := b.Intervals[len(b.Intervals)-1].Executors, a.Intervals[len(a.Intervals)-1].Executors; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("executors: live %v, files %v", got, want)
	}
}

// A shard that starts over (a new process, its schedule replayed) is not
// counted twice: the second run is refused and the shard is incomplete.
// A shard that never speaks is recorded by its name, its share missing.
func TestMergerRestartedAndSilentShards(t *testing.T) {
	sc := scenario(t)
	root := t.TempDir()
	t0 := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	segs := segments(t, 3)
	d0, d1, again := filepath.Join(root, "s0"), filepath.Join(root, "s1"), filepath.Join(root, "s1-again")
	shardRun(t, d0, sc, segs[0], "r1", t0, 10, 1)
	shardRun(t, d1, sc, segs[1], "r1", t0, 10, 2)
	shardRun(t, again, sc, segs[1], "r1", t0.Add(time.Minute), 10, 3)
	m, err := merge.New(filepath.Join(root, "m"), merge.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ins := []*merge.Input{m.Input("pod-0", 0), m.Input("pod-1", 1), m.Input("pod-2", 2)}
	read := func(in *merge.Input, dir string) error {
		f, err := os.Open(filepath.Join(dir, runlog.IntervalsFile))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		return in.Read(f)
	}
	if err := read(ins[0], d0); err != nil {
		t.Fatal(err)
	}
	if err := read(ins[1], d1); err != nil {
		t.Fatal(err)
	}
	if err := read(ins[1], again); !errors.Is(err, merge.ErrRestarted) {
		t.Errorf("restarted shard: %v", err)
	}
	ins[2].Close("pod pod-2 failed: Unschedulable")
	ins[0].Close("")
	ins[1].Close("")
	rec, err := m.Close()
	if err != nil {
		t.Fatal(err)
	}
	if sh := rec.Shards[1]; sh.Complete || !strings.Contains(sh.Problem, "started over") {
		t.Errorf("restarted: %+v", sh)
	}
	if sh := rec.Shards[2]; !sh.Missing || !strings.Contains(sh.Problem, "pod-2 gave no intervals (pod pod-2 failed: Unschedulable)") {
		t.Errorf("silent: %+v", sh)
	}
	run, err := runlog.Load(filepath.Join(root, "m"))
	if err != nil {
		t.Fatal(err)
	}
	if n := run.Intervals[len(run.Intervals)-1].Executors["optimize"].Started; n != segs[0].Scale(50)+segs[1].Scale(50) {
		t.Errorf("started %d: the restart was counted", n)
	}
}
