package metrics_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/metrics"
)

// recordRun flushes n one-second intervals of varied samples into r and
// returns them.
func recordRun(r *metrics.Registry, n int, seed uint64) []metrics.Interval {
	m := declare(r)
	rng := rand.New(rand.NewPCG(seed, 7))
	var ivs []metrics.Interval
	for i := range n {
		for range 300 + rng.IntN(300) {
			r.Add(m.optimize, math.Exp(rng.NormFloat64()+3))
			r.Add(m.heatOpt, rng.Float64()*40)
			r.Add(m.optimizeFailed, b2f(rng.IntN(20) == 0))
			r.Add(m.iterations, 1)
			r.Add(m.checks, b2f(rng.IntN(100) != 0))
		}
		if i%3 == 0 { // coordination is bursty: some intervals have none
			for range rng.IntN(200) {
				r.Add(m.coordPublish, rng.ExpFloat64()*2)
				r.Add(m.coord, rng.ExpFloat64()*30)
				r.Add(m.coordFailed, 0)
			}
		}
		if i%4 == 1 {
			r.Add(m.dropped, float64(rng.IntN(5)))
			r.Add(m.optimize, 4e6)        // clamped
			r.Add(m.optimize, math.NaN()) // rejected
		}
		if i%5 == 0 { // gauges set now and then, carried otherwise
			r.Add(m.vus, float64(rng.IntN(50)))
			r.Add(m.vusMax, 50)
		}
		iv := r.Flush(t0.Add(time.Duration(i+1) * time.Second))
		iv.Extra = map[string]json.RawMessage{"target_rate_per_second": json.RawMessage(`{"optimize":120.5}`)}
		ivs = append(ivs, iv)
	}
	return ivs
}

func writeRun(t *testing.T, r *metrics.Registry, ivs []metrics.Interval) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := metrics.NewIntervalWriter(&buf, r.Header(json.RawMessage(`{"scenario":"multi_plant_load_test"}`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, iv := range ivs {
		if err := w.Write(iv); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRoundTripTotalsExact: the totals rebuilt from the file alone equal the
// live registry's, exactly.
func TestRoundTripTotalsExact(t *testing.T) {
	r := metrics.NewRegistry(t0)
	ivs := recordRun(r, 12, 1)
	data := writeRun(t, r, ivs)

	h, read, err := metrics.ReadIntervals(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if h.Truncated != nil {
		t.Errorf("clean file reported truncated: %v", h.Truncated)
	}
	if !h.Start.Equal(t0) || len(h.Metrics) != 11 || string(h.Meta) != `{"scenario":"multi_plant_load_test"}` {
		t.Errorf("header = %+v", h)
	}
	if len(read) != len(ivs) {
		t.Fatalf("read %d intervals, wrote %d", len(read), len(ivs))
	}
	if got := string(read[3].Extra["target_rate_per_second"]); got != `{"optimize":120.5}` {
		t.Errorf("extra = %s", got)
	}

	live := r.Totals()
	fromFile, err := metrics.Totals(read)
	if err != nil {
		t.Fatal(err)
	}
	fromFlush, err := metrics.Totals(ivs)
	if err != nil {
		t.Fatal(err)
	}
	sameTotals(t, "file", live, fromFile)
	sameTotals(t, "flushed intervals", live, fromFlush)
	if s := fromFile["gl001_optimize_duration"]; s.Clamped() == 0 || s.Rejected() == 0 {
		t.Errorf("clamped %d rejected %d did not survive the file", s.Clamped(), s.Rejected())
	}
}

func sameTotals(t *testing.T, what string, want, got map[string]*metrics.Sink) {
	t.Helper()
	if !slices.Equal(slices.Sorted(maps.Keys(want)), slices.Sorted(maps.Keys(got))) {
		t.Fatalf("%s: metrics %v, want %v", what, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
	}
	for name, w := range want {
		g := got[name]
		if g.Type != w.Type || g.Contains != w.Contains || g.Duration != w.Duration ||
			g.Count() != w.Count() || g.Sum() != w.Sum() || g.Min() != w.Min() || g.Max() != w.Max() ||
			g.Trues() != w.Trues() || g.Last() != w.Last() || g.Clamped() != w.Clamped() || g.Rejected() != w.Rejected() {
			t.Errorf("%s: %s differs:\n got  %+v\n want %+v", what, name, g, w)
		}
		if !maps.Equal(g.Values(), w.Values()) {
			t.Errorf("%s: %s values %v, want %v", what, name, g.Values(), w.Values())
		}
		if w.Type == metrics.Trend {
			if !g.Histogram().Equals(w.Histogram()) {
				t.Errorf("%s: %s histograms differ", what, name)
			}
			for _, p := range []float64{0, 1, 25, 50, 75, 90, 95, 99, 99.9, 100} {
				if g.Percentile(p) != w.Percentile(p) {
					t.Errorf("%s: %s p(%v) = %v, want %v", what, name, p, g.Percentile(p), w.Percentile(p))
				}
			}
		}
	}
}

func TestReadIntervalsTruncatedLastLine(t *testing.T) {
	r := metrics.NewRegistry(t0)
	ivs := recordRun(r, 4, 2)
	data := writeRun(t, r, ivs)
	lastLine := bytes.LastIndexByte(data[:len(data)-1], '\n') + 1

	for _, cut := range []int{1, 10, (len(data) - lastLine) / 2, len(data) - lastLine - 2} {
		partial := data[:lastLine+cut]
		h, read, err := metrics.ReadIntervals(bytes.NewReader(partial))
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		if h.Truncated == nil || h.Truncated.Line != 5 || h.Truncated.Bytes != cut {
			t.Errorf("cut at %d: Truncated = %v, want line 5, %d bytes", cut, h.Truncated, cut)
		}
		if len(read) != 3 {
			t.Errorf("cut at %d: read %d intervals, want the 3 complete ones", cut, len(read))
		}
	}

	// The last line complete but for its newline is whole.
	_, read, err := metrics.ReadIntervals(bytes.NewReader(data[:len(data)-1]))
	if err != nil || len(read) != 4 {
		t.Errorf("missing final newline: %d intervals, %v", len(read), err)
	}
}

func TestReadIntervalsErrors(t *testing.T) {
	r := metrics.NewRegistry(t0)
	data := writeRun(t, r, recordRun(r, 3, 3))
	lines := strings.SplitAfter(string(data), "\n")

	tests := []struct {
		name string
		in   string
		want string // in the error
	}{
		{"empty", "", "no complete header"},
		{"partial header", lines[0][:20], "no complete header"},
		{"not ours", `{"kind":"header","format":"k6"}` + "\n", "not a gl001 intervals file"},
		{"future version", strings.Replace(lines[0], `"version":1`, `"version":2`, 1), "version 2"},
		{"other geometry", strings.Replace(lines[0], `"significant_figures":3`, `"significant_figures":2`, 1), "geometry"},
		{"corrupt middle line", lines[0] + lines[1] + "{not json\n" + lines[3], "line 3"},
		{"corrupt complete last line", lines[0] + lines[1] + "{not json\n", "line 3"},
		{"bad hdr", lines[0] + strings.Replace(lines[1], `"hdr":"`, `"hdr":"x`, 1), "line 2"},
		{"trues above count", lines[0] + `{"kind":"interval","seq":1,"metrics":{"c":{"type":"rate","contains":"default","count":1,"trues":2}}}` + "\n", "trues 2 above count 1"},
		{"unknown type", lines[0] + `{"kind":"interval","seq":1,"metrics":{"c":{"type":"histogram","contains":"default","count":1}}}` + "\n", "unknown type"},
		{"hdr count mismatch", lines[0] + strings.Replace(lines[1], `"type":"trend","contains":"time","count":`, `"type":"trend","contains":"time","count":1`, 1), "hdr holds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := metrics.ReadIntervals(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, _, err := metrics.ReadIntervals(strings.NewReader("")); !errors.Is(err, metrics.ErrNoHeader) {
		t.Errorf("empty input: err = %v, want ErrNoHeader", err)
	}
}

func TestIntervalLineShape(t *testing.T) {
	r := metrics.NewRegistry(t0)
	data := writeRun(t, r, recordRun(r, 2, 4))
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	var line struct {
		Kind    string
		Start   string
		End     string
		Seq     int
		Metrics map[string]map[string]any
		Extra   map[string]any
	}
	if err := json.Unmarshal(lines[1], &line); err != nil {
		t.Fatal(err)
	}
	if line.Kind != "interval" || line.Seq != 1 || line.Start != "2026-03-01T12:00:00Z" || line.End != "2026-03-01T12:00:01Z" {
		t.Errorf("line = %+v", line)
	}
	wantKeys := map[string][]string{
		"gl001_optimize_duration": {"contains", "count", "hdr", "max", "min", "sum", "type"},
		"gl001_optimize_failed":   {"contains", "count", "trues", "type"},
		"iterations":              {"contains", "count", "sum", "type"},
		"vus":                     {"contains", "count", "last", "max", "min", "type"},
	}
	for name, want := range wantKeys {
		if got := slices.Sorted(maps.Keys(line.Metrics[name])); !slices.Equal(got, want) {
			t.Errorf("%s keys = %v, want %v", name, got, want)
		}
	}
	if line.Extra["target_rate_per_second"] == nil {
		t.Errorf("extra = %v", line.Extra)
	}
}

func TestCreateIntervalFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "intervals.ndjson")
	r := metrics.NewRegistry(t0)
	w, err := metrics.CreateIntervalFile(path, r.Header(nil))
	if err != nil {
		t.Fatal(err)
	}
	w.Fsync = true
	ivs := recordRun(r, 2, 5)
	for _, iv := range ivs {
		if err := w.Write(iv); err != nil {
			t.Fatal(err)
		}
		// Each line is in the file when Write returns, before Close.
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		_, read, err := metrics.ReadIntervals(f)
		f.Close()
		if err != nil || len(read) != int(iv.Seq) {
			t.Fatalf("after writing interval %d the file holds %d: %v", iv.Seq, len(read), err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.Write(ivs[0]); err == nil {
		t.Error("Write after Close succeeded")
	}
}

func TestIntervalReaderStreams(t *testing.T) {
	r := metrics.NewRegistry(t0)
	ivs := recordRun(r, 6, 6)
	data := writeRun(t, r, ivs)
	ir, err := metrics.NewIntervalReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var acc metrics.Accumulator
	for iv := range ir.All() {
		if err := acc.Add(&iv); err != nil {
			t.Fatal(err)
		}
	}
	if ir.Err() != nil || ir.Truncated() != nil {
		t.Fatalf("err %v truncated %v", ir.Err(), ir.Truncated())
	}
	sameTotals(t, "streamed", r.Totals(), acc.Sinks())
}

func TestAccumulatorRejectsTypeChange(t *testing.T) {
	var acc metrics.Accumulator
	a := metrics.Interval{Seq: 1, Metrics: map[string]*metrics.IntervalMetric{"x": {Type: metrics.Counter, Count: 1, Sum: 1}}}
	b := metrics.Interval{Seq: 2, Metrics: map[string]*metrics.IntervalMetric{"x": {Type: metrics.Rate, Count: 1}}}
	if err := acc.Add(&a); err != nil {
		t.Fatal(err)
	}
	if err := acc.Add(&b); err == nil || !strings.Contains(err.Error(), `"x" is rate/default, earlier counter/default`) {
		t.Errorf("err = %v", err)
	}
	if acc.Sinks()["x"].Count() != 1 {
		t.Error("a failed Add changed the totals")
	}
}

func FuzzReadIntervals(f *testing.F) {
	// Small seeds keep each execution, and minimizing, fast.
	r := metrics.NewRegistry(t0)
	lat := r.MustNew("lat", metrics.Trend, metrics.Time)
	ok := r.MustNew("ok", metrics.Rate, metrics.Default)
	n := r.MustNew("n", metrics.Counter, metrics.Default)
	g := r.MustNew("g", metrics.Gauge, metrics.Default)
	var buf bytes.Buffer
	w, _ := metrics.NewIntervalWriter(&buf, r.Header(json.RawMessage(`{"k":1}`)))
	for i := range 2 {
		r.Add(lat, float64(10+i))
		r.Add(lat, 250)
		r.Add(ok, 1)
		r.Add(n, 2)
		r.Add(g, 3)
		iv := r.Flush(t0.Add(time.Duration(i+1) * time.Second))
		iv.Extra = map[string]json.RawMessage{"x": json.RawMessage(`[1,2]`)}
		_ = w.Write(iv)
	}
	data := buf.Bytes()
	f.Add(data)
	f.Add(data[:len(data)-7])
	first := bytes.IndexByte(data, '\n') + 1
	f.Add(data[:first])
	f.Add(append(data[:first:first], `{"kind":"interval","seq":1,"metrics":{"g":{"type":"gauge","contains":"default","count":2,"last":1,"min":0,"max":3}}}`+"\n"...))
	f.Add([]byte("{}\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, in []byte) {
		h, ivs, err := metrics.ReadIntervals(bytes.NewReader(in))
		if err != nil {
			return
		}
		if h.Truncated != nil && h.Truncated.Line < 2 {
			t.Errorf("truncation at line %d, before any interval", h.Truncated.Line)
		}
		tot, err := metrics.Totals(ivs)
		if err != nil {
			return // e.g. a metric changing type between lines
		}
		for name, s := range tot {
			if s.Count() < 0 {
				t.Errorf("%s: count %d", name, s.Count())
			}
			_ = s.Values()
			if s.Type == metrics.Trend && s.Histogram().TotalCount() != s.Count() {
				t.Errorf("%s: histogram holds %d, count %d", name, s.Histogram().TotalCount(), s.Count())
			}
		}
	})
}
