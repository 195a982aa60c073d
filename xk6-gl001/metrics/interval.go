package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Interval is one interval's data, as Registry.Flush returns it and as one
// line of intervals.ndjson holds it.
type Interval struct {
	Seq     int64                      // 1 for the first interval of a run
	Start   time.Time                  // inclusive
	End     time.Time                  // exclusive; the next interval's Start
	Metrics map[string]*IntervalMetric // by metric name
	// Extra is the runner's own data for the interval (samplers' readings,
	// executors' target rates, ...), carried verbatim. Each value must be
	// valid JSON.
	Extra map[string]json.RawMessage
}

// IntervalMetric is one metric's data for one interval. Which fields are
// meaningful depends on Type; the others are zero and left out of JSON:
//
//	counter: count, sum
//	gauge:   count, last, min, max (with count 0, the carried last value)
//	rate:    count (the total), trues
//	trend:   count, sum, min, max, hdr
//
// Clamped (trend) and Rejected (any) appear in JSON only when non-zero.
type IntervalMetric struct {
	Type     Type
	Contains ValueType
	Count    int64   // samples; a Rate's total
	Sum      float64 // counter: its increase; trend: sum of the values
	Min, Max float64 // gauge, trend
	Last     float64 // gauge
	Trues    int64   // rate
	// HDR is the trend's histogram: HdrHistogram V2 compressed encoding,
	// base64, in histogram units (value × HDRUnitsPerValue; µs for Time
	// trends), geometry (HDRLowest, HDRHighest, HDRSignificantFig).
	HDR      string
	Clamped  int64 // trend values outside [0, 1 h], clamped into it
	Rejected int64 // NaN and ±Inf samples, not recorded

	hist *hdrhistogram.PackedHistogram // HDR decoded, set when read from JSON
}

// intervalMetricJSON is IntervalMetric's wire form.
type intervalMetricJSON struct {
	Type     Type      `json:"type"`
	Contains ValueType `json:"contains"`
	Count    int64     `json:"count"`
	Sum      *float64  `json:"sum,omitempty"`
	Last     *float64  `json:"last,omitempty"`
	Min      *float64  `json:"min,omitempty"`
	Max      *float64  `json:"max,omitempty"`
	Trues    *int64    `json:"trues,omitempty"`
	HDR      string    `json:"hdr,omitempty"`
	Clamped  int64     `json:"clamped,omitempty"`
	Rejected int64     `json:"rejected,omitempty"`
}

// wire returns m's wire form, with only the fields of its type.
func (m *IntervalMetric) wire() *intervalMetricJSON {
	j := &intervalMetricJSON{Type: m.Type, Contains: m.Contains, Count: m.Count, Clamped: m.Clamped, Rejected: m.Rejected}
	switch m.Type {
	case Counter:
		j.Sum = &m.Sum
	case Gauge:
		j.Last, j.Min, j.Max = &m.Last, &m.Min, &m.Max
	case Rate:
		j.Trues = &m.Trues
	case Trend:
		if m.Count > 0 {
			j.Sum, j.Min, j.Max, j.HDR = &m.Sum, &m.Min, &m.Max, m.HDR
		}
	}
	return j
}

// MarshalJSON writes only the fields of m's type.
func (m *IntervalMetric) MarshalJSON() ([]byte, error) { return json.Marshal(m.wire()) }

// UnmarshalJSON reads and checks one metric: counts are non-negative, a
// Rate's trues do not exceed its count, min <= max, and a Trend's hdr
// decodes, has this package's geometry and holds count values.
func (m *IntervalMetric) UnmarshalJSON(b []byte) error {
	var j intervalMetricJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	return m.fromWire(&j)
}

func (m *IntervalMetric) fromWire(j *intervalMetricJSON) error {
	*m = IntervalMetric{Type: j.Type, Contains: j.Contains, Count: j.Count, HDR: j.HDR, Clamped: j.Clamped, Rejected: j.Rejected}
	get := func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return *p
	}
	m.Sum, m.Min, m.Max, m.Last = get(j.Sum), get(j.Min), get(j.Max), get(j.Last)
	if j.Trues != nil {
		m.Trues = *j.Trues
	}
	if m.Count < 0 || m.Clamped < 0 || m.Rejected < 0 || m.Trues < 0 {
		return errors.New("negative count")
	}
	if m.Min > m.Max {
		return fmt.Errorf("min %v above max %v", m.Min, m.Max)
	}
	switch m.Type {
	case Rate:
		if m.Trues > m.Count {
			return fmt.Errorf("trues %d above count %d", m.Trues, m.Count)
		}
	case Trend:
		if m.Count == 0 {
			if m.HDR != "" {
				return errors.New("hdr with count 0")
			}
			break
		}
		h, err := decodeHist(m.HDR)
		if err != nil {
			return err
		}
		if h.TotalCount() != m.Count {
			return fmt.Errorf("hdr holds %d values, count is %d", h.TotalCount(), m.Count)
		}
		m.hist = h
	}
	return nil
}

// intervalJSON is Interval's wire form: one line of intervals.ndjson.
type intervalJSON struct {
	Kind    string                         `json:"kind"`
	Start   time.Time                      `json:"start"`
	End     time.Time                      `json:"end"`
	Seq     int64                          `json:"seq"`
	Metrics map[string]*intervalMetricJSON `json:"metrics"`
	Extra   map[string]json.RawMessage     `json:"extra,omitempty"`
}

const (
	kindHeader   = "header"
	kindInterval = "interval"
)

// MarshalJSON writes the interval as one intervals.ndjson line (without the
// newline).
func (iv Interval) MarshalJSON() ([]byte, error) { return json.Marshal(iv.wire()) }

func (iv *Interval) wire() *intervalJSON {
	j := &intervalJSON{Kind: kindInterval, Start: iv.Start, End: iv.End, Seq: iv.Seq,
		Metrics: make(map[string]*intervalMetricJSON, len(iv.Metrics)), Extra: iv.Extra}
	for name, m := range iv.Metrics {
		if m != nil {
			j.Metrics[name] = m.wire()
		}
	}
	return j
}

// UnmarshalJSON reads and checks one intervals.ndjson interval line.
func (iv *Interval) UnmarshalJSON(b []byte) error {
	var j intervalJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	return iv.fromWire(&j)
}

func (iv *Interval) fromWire(j *intervalJSON) error {
	if j.Kind != kindInterval {
		return fmt.Errorf("kind %q: want %q", j.Kind, kindInterval)
	}
	out := Interval{Seq: j.Seq, Start: j.Start, End: j.End, Metrics: make(map[string]*IntervalMetric, len(j.Metrics)), Extra: j.Extra}
	for name, w := range j.Metrics {
		if w == nil {
			return fmt.Errorf("metric %q: null", name)
		}
		m := &IntervalMetric{}
		if err := m.fromWire(w); err != nil {
			return fmt.Errorf("metric %q: %w", name, err)
		}
		out.Metrics[name] = m
	}
	*iv = out
	return nil
}

// Header is the first line of intervals.ndjson: what the file is and what
// run it records.
type Header struct {
	Kind    string       `json:"kind"`    // always "header"
	Format  string       `json:"format"`  // always "gl001-intervals"
	Version int          `json:"version"` // 1
	Start   time.Time    `json:"start"`   // the first interval's start
	HDR     HDRGeometry  `json:"hdr"`     // how trend histograms are encoded
	Metrics []MetricInfo `json:"metrics"` // declared metrics, in declaration order
	// Meta is the runner's run metadata (scenario, target, version, ...),
	// any JSON value, carried verbatim.
	Meta json.RawMessage `json:"meta,omitempty"`

	// Truncated is set by the readers when the file ended in a partial line,
	// as a crash mid-write leaves it. It is a warning: everything before the
	// partial line was read.
	Truncated *Truncation `json:"-"`
}

// The header identity this package writes and accepts.
const (
	FileFormat  = "gl001-intervals"
	FileVersion = 1
)

// HDRGeometry states the histogram encoding in the file header, so a reader
// in another language needs nothing but the file.
type HDRGeometry struct {
	UnitsPerValue      int   `json:"units_per_value"` // histogram units per metric unit (µs per ms)
	Lowest             int64 `json:"lowest"`
	Highest            int64 `json:"highest"`
	SignificantFigures int   `json:"significant_figures"`
}

func thisGeometry() HDRGeometry {
	return HDRGeometry{UnitsPerValue: HDRUnitsPerValue, Lowest: HDRLowest, Highest: HDRHighest, SignificantFigures: HDRSignificantFig}
}

// MetricInfo is a declared metric in the header.
type MetricInfo struct {
	Name     string    `json:"name"`
	Type     Type      `json:"type"`
	Contains ValueType `json:"contains"`
}

// Truncation describes a partial last line.
type Truncation struct {
	Line  int    // 1-based line number
	Bytes int    // length of the partial line
	Err   string // why it did not parse
}

func (t *Truncation) String() string {
	return fmt.Sprintf("line %d: partial last line (%d bytes) ignored: %s", t.Line, t.Bytes, t.Err)
}

// Accumulator folds intervals into run totals, one Sink per metric, without
// keeping the intervals: one cumulative histogram per Trend. The zero value is
// ready to use; it is not safe for concurrent use.
type Accumulator struct {
	sinks      map[string]*Sink
	start, end time.Time
	n          int
}

// Add folds iv into the totals. It fails, leaving the totals unchanged, when a
// metric's type differs from earlier intervals or a Trend's hdr does not
// decode.
func (a *Accumulator) Add(iv *Interval) error { return a.add(iv, nil) }

// add folds iv; dense holds already-decoded trend histograms by metric name
// (the registry's own interval histograms), used instead of decoding HDR.
func (a *Accumulator) add(iv *Interval, dense map[string]*hdrhistogram.Histogram) error {
	if a.sinks == nil {
		a.sinks = map[string]*Sink{}
	}
	names := slices.Sorted(maps.Keys(iv.Metrics))
	packed := map[string]*hdrhistogram.PackedHistogram{}
	for _, name := range names {
		im := iv.Metrics[name]
		if im == nil {
			return fmt.Errorf("interval %d: metric %q: null", iv.Seq, name)
		}
		if s, ok := a.sinks[name]; ok {
			if s.Type != im.Type || s.Contains != im.Contains {
				return fmt.Errorf("interval %d: metric %q is %s/%s, earlier %s/%s", iv.Seq, name, im.Type, im.Contains, s.Type, s.Contains)
			}
			if im.Count > math.MaxInt64-s.count || im.Clamped > math.MaxInt64-s.clamped || im.Rejected > math.MaxInt64-s.rejected {
				return fmt.Errorf("interval %d: metric %q: total count overflows", iv.Seq, name)
			}
		}
		if im.Type != Trend || im.Count == 0 || dense[name] != nil {
			continue
		}
		h := im.hist
		if h == nil {
			var err error
			if h, err = decodeHist(im.HDR); err != nil {
				return fmt.Errorf("interval %d: metric %q: %w", iv.Seq, name, err)
			}
		}
		if h.TotalCount() != im.Count {
			return fmt.Errorf("interval %d: metric %q: hdr holds %d values, count is %d", iv.Seq, name, h.TotalCount(), im.Count)
		}
		packed[name] = h
	}
	for _, name := range names {
		im := iv.Metrics[name]
		s, ok := a.sinks[name]
		if !ok {
			s = NewSink(im.Type, im.Contains)
			a.sinks[name] = s
		}
		s.fold(im)
		if d := dense[name]; d != nil {
			s.hist.Merge(d)
		} else if p := packed[name]; p != nil {
			p.MergeInto(s.hist)
		}
	}
	if a.n == 0 || iv.Start.Before(a.start) {
		a.start = iv.Start
	}
	if a.n == 0 || iv.End.After(a.end) {
		a.end = iv.End
	}
	a.n++
	for _, s := range a.sinks {
		s.Duration = a.end.Sub(a.start)
	}
	return nil
}

// Sinks returns the totals so far, by metric name. The sinks belong to the
// accumulator and change with the next Add.
func (a *Accumulator) Sinks() map[string]*Sink { return a.sinks }

// Span returns the earliest start and latest end of the intervals added.
func (a *Accumulator) Span() (start, end time.Time) { return a.start, a.end }

// Totals rebuilds the run totals from intervals alone, equal to what the
// registry that flushed them computed: same counts, sums, extremes and
// histograms, hence the same percentiles. Each Sink's Duration is the span
// from the first interval's start to the last one's end.
func Totals(intervals []Interval) (map[string]*Sink, error) {
	var a Accumulator
	for i := range intervals {
		if err := a.Add(&intervals[i]); err != nil {
			return nil, err
		}
	}
	if a.sinks == nil {
		return map[string]*Sink{}, nil
	}
	return a.sinks, nil
}
