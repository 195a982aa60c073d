package thresholds

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// Source is one metric's (or submetric's) measurements so far, as
// Evaluate and ShouldAbort read them.
//
// Aggregate computes agg over the samples: for a trend avg, min, max, med
// or p(N) with agg.Percentile from 0 to 100, in the trend's unit (ms for
// durations); for a rate metric the fraction of non-zero samples; for a
// counter the count, or for "rate" the count per second of the run so
// far; for a gauge its last value. It returns false when the metric has
// no samples yet (or cannot compute agg). It is called from the caller's
// goroutine, and must be safe against whoever records samples meanwhile.
type Source interface {
	Aggregate(agg Aggregation) (value float64, ok bool)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(agg Aggregation) (float64, bool)

// Aggregate calls f.
func (f SourceFunc) Aggregate(agg Aggregation) (float64, bool) { return f(agg) }

// Result is one threshold's verdict: it held (OK), it failed, or it saw
// no data and so neither held nor failed (NoData).
type Result struct {
	Metric    string // the metric key, as in the Set
	Threshold Threshold
	// OK is set when the threshold held on the samples. It is false both
	// when it failed and when there was no data.
	OK bool
	// NoData is set when the metric (or submetric) had no samples, so the
	// threshold could not be judged. Observed is then 0 and meaningless.
	NoData bool
	// Observed is the aggregation's value, compared with the threshold's.
	Observed float64
}

// Failed reports whether the threshold was judged and did not hold.
func (r Result) Failed() bool { return !r.OK && !r.NoData }

// String is the result's line for a terminal, without colour:
//
//	✓ gl001_optimize_duration p(95)<2000 (observed 123.4)
//	✗ gl001_coordination_failed rate<0.01 (observed 0.0213)
//	? gl001_optimize_duration{status:200} p(95)<2000 (no data: no sample matched)
//
// The expression is shown as written.
func (r Result) String() string {
	switch {
	case r.NoData:
		return fmt.Sprintf("? %s %s (no data: no sample %s, so not verified)", r.Metric, r.Threshold.label(), noDataWhy(r.Metric))
	case r.OK:
		return fmt.Sprintf("✓ %s %s (observed %s)", r.Metric, r.Threshold.label(), formatObserved(r.Observed))
	}
	return fmt.Sprintf("✗ %s %s (observed %s)", r.Metric, r.Threshold.label(), formatObserved(r.Observed))
}

// noDataWhy words what was missing for a metric key.
func noDataWhy(key string) string {
	if k, err := ParseMetricKey(key); err == nil && len(k.Tags) > 0 {
		return "matched " + k.String()[len(k.Name):]
	}
	return "was recorded"
}

// formatObserved keeps six significant digits, without an exponent for
// the sizes a load test meets.
func formatObserved(v float64) string {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 6, 64), 64)
	if err != nil || math.IsNaN(r) || math.IsInf(r, 0) {
		return strconv.FormatFloat(v, 'g', 6, 64)
	}
	if a := math.Abs(r); a != 0 && (a >= 1e15 || a < 1e-6) {
		return strconv.FormatFloat(r, 'g', -1, 64)
	}
	return strconv.FormatFloat(r, 'f', -1, 64)
}

// Results are the verdicts of a Set's thresholds, sorted by metric key
// and, within a metric, in source order.
type Results []Result

// Passed reports whether every threshold held; true when there are none.
// A threshold with no data did not hold.
func (r Results) Passed() bool {
	for _, res := range r {
		if !res.OK {
			return false
		}
	}
	return true
}

// Failed returns the thresholds that were judged and did not hold.
func (r Results) Failed() Results {
	var out Results
	for _, res := range r {
		if res.Failed() {
			out = append(out, res)
		}
	}
	return out
}

// NoData returns the thresholds that saw no samples.
func (r Results) NoData() Results {
	var out Results
	for _, res := range r {
		if res.NoData {
			out = append(out, res)
		}
	}
	return out
}

// Verdict is one threshold's entry in k6's summary: {"ok": true}, or
// {"ok": false, "no_data": true} for a threshold that saw no samples.
type Verdict struct {
	OK     bool `json:"ok"`
	NoData bool `json:"no_data,omitempty"`
}

// ByMetric gives k6's summary shape: metric key to expression (as
// written) to verdict, the map k6 puts under each metric's "thresholds":
// {"p(95)<2000": {"ok": true}}. An expression written twice for one
// metric is ok only if it held both times.
func (r Results) ByMetric() map[string]map[string]Verdict {
	out := make(map[string]map[string]Verdict)
	for _, res := range r {
		m := out[res.Metric]
		if m == nil {
			m = make(map[string]Verdict)
			out[res.Metric] = m
		}
		label := res.Threshold.label()
		if v, seen := m[label]; seen && !v.OK {
			continue
		}
		m[label] = Verdict{OK: res.OK, NoData: res.NoData}
	}
	return out
}

// MarshalJSON encodes ByMetric:
// {"gl001_optimize_duration": {"p(95)<2000": {"ok": true}}}. Like k6 it
// leaves '<' and '>' unescaped; an enclosing json.Marshal escapes them
// again unless its Encoder has SetEscapeHTML(false).
func (r Results) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.ByMetric()); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// WriteText writes one String line per result.
func (r Results) WriteText(w io.Writer) error {
	for _, res := range r {
		if _, err := fmt.Fprintln(w, res); err != nil {
			return err
		}
	}
	return nil
}

// Evaluate judges every threshold of the set against the sources, keyed
// like the set (a submetric's Source under its key, "name{tag:value}").
// It is the end-of-run verdict; ShouldAbort is the one during the run.
//
// A metric with no samples — no Source, or Aggregate returning false — is
// "no data": the Result has NoData set and OK false. k6 judges such a
// threshold against 0, so that "p(95)<2000" on a submetric nothing
// matched passes; here nothing was measured, so nothing passed.
func (s Set) Evaluate(sinks map[string]Source) Results {
	var out Results
	for _, key := range s.Names() {
		src := sinks[key]
		for _, t := range s[key] {
			v, ok := aggregate(src, t.Aggregation)
			if !ok {
				out = append(out, Result{Metric: key, Threshold: t, NoData: true})
				continue
			}
			out = append(out, Result{Metric: key, Threshold: t, OK: t.Holds(v), Observed: v})
		}
	}
	return out
}

// ShouldAbort is the check k6 makes every couple of seconds during a run:
// it reports whether a threshold with AbortOnFail fails now, at elapsed
// into the run, and which ones ("gl001_optimize_duration p(95)<2000", in
// the set's order). A threshold counts once elapsed ≥ its DelayAbortEval.
// Metrics with no samples yet are skipped, as k6 skips them during the
// run, so an idle metric never aborts a run.
func (s Set) ShouldAbort(sinks map[string]Source, elapsed time.Duration) (bool, []string) {
	var which []string
	for _, key := range s.Names() {
		src := sinks[key]
		for _, t := range s[key] {
			if !t.AbortOnFail || elapsed < t.DelayAbortEval {
				continue
			}
			if v, ok := aggregate(src, t.Aggregation); ok && !t.Holds(v) {
				which = append(which, key+" "+t.label())
			}
		}
	}
	return len(which) > 0, which
}

func aggregate(src Source, agg Aggregation) (float64, bool) {
	if f, isFunc := src.(SourceFunc); src == nil || isFunc && f == nil {
		return 0, false
	}
	return src.Aggregate(agg)
}
