package metrics

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Sink is one metric's aggregate over a run (or any span of intervals), the
// values k6 reports and thresholds test. avg, min and max are exact. Trend
// percentiles are k6's: at rank p/100·(count−1) of the sorted samples,
// linearly interpolated between the two either side, each sample read as
// the upper edge of its HDR histogram bucket, and the answer clamped to the
// exact min and max; so within 0.1% (3 significant digits) of what k6
// computes from the same samples.
//
// A Sink is not safe for concurrent use.
type Sink struct {
	Type     Type
	Contains ValueType
	// Duration is the run time the sink covers; a Counter's "rate" is its
	// count per second of Duration (0 when Duration is 0).
	Duration time.Duration

	count    int64   // samples; a Rate's total
	sum      float64 // counter, trend
	min, max float64 // gauge, trend
	trues    int64   // rate
	last     float64 // gauge
	clamped  int64
	rejected int64
	hist     *hdrhistogram.Histogram // trend; histogram units (see HDRUnitsPerValue)
}

// NewSink returns an empty sink.
func NewSink(t Type, c ValueType) *Sink {
	s := &Sink{Type: t, Contains: c}
	if t == Trend {
		s.hist = newHist()
	}
	return s
}

// Add records one sample directly into the sink, with Registry.Add's
// semantics (including clamping and rejection). Use it to aggregate samples
// read from elsewhere, e.g. a k6 --out json file.
func (s *Sink) Add(v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		s.rejected++
		return
	}
	switch s.Type {
	case Counter:
		s.sum += v
	case Rate:
		if v != 0 {
			s.trues++
		}
	case Gauge:
		s.setMinMax(v, v)
		s.last = v
	case Trend:
		v, clamped := clampTrend(v)
		if clamped {
			s.clamped++
		}
		_ = s.hist.RecordValue(toHDR(v))
		s.setMinMax(v, v)
		s.sum += v
	}
	s.count++
}

func (s *Sink) setMinMax(lo, hi float64) {
	if s.count == 0 {
		s.min, s.max = lo, hi
		return
	}
	s.min, s.max = min(s.min, lo), max(s.max, hi)
}

// fold adds one interval's scalars; the caller merges the histogram.
func (s *Sink) fold(im *IntervalMetric) {
	s.clamped += im.Clamped
	s.rejected += im.Rejected
	switch s.Type {
	case Counter:
		s.sum += im.Sum
	case Rate:
		s.trues += im.Trues
	case Gauge:
		s.last = im.Last
		if im.Count > 0 {
			s.setMinMax(im.Min, im.Max)
		}
	case Trend:
		if im.Count > 0 {
			s.setMinMax(im.Min, im.Max)
			s.sum += im.Sum
		}
	}
	s.count += im.Count
}

// Clone returns an independent copy.
func (s *Sink) Clone() *Sink {
	c := *s
	if s.hist != nil {
		c.hist = s.hist.Clone()
	}
	return &c
}

// Count returns the number of samples recorded (a Rate's total). For a
// Counter this is how many times it was added to, not its value: see Sum.
func (s *Sink) Count() int64 { return s.count }

// Sum returns the sum of the samples: a Counter's value, or a Trend's total.
func (s *Sink) Sum() float64 { return s.sum }

// Min returns the smallest sample of a Gauge or Trend, 0 when empty.
func (s *Sink) Min() float64 { return s.min }

// Max returns the largest sample of a Gauge or Trend, 0 when empty.
func (s *Sink) Max() float64 { return s.max }

// Last returns a Gauge's last value.
func (s *Sink) Last() float64 { return s.last }

// Trues returns how many of a Rate's samples were non-zero.
func (s *Sink) Trues() int64 { return s.trues }

// Clamped returns how many Trend samples were outside [0, 1 h] and clamped.
func (s *Sink) Clamped() int64 { return s.clamped }

// Rejected returns how many NaN or ±Inf samples were dropped.
func (s *Sink) Rejected() int64 { return s.rejected }

// Histogram returns a Trend's histogram, in histogram units (value ×
// HDRUnitsPerValue: microseconds for Time trends), or nil for other types.
// It belongs to the sink: read it, do not modify it.
func (s *Sink) Histogram() *hdrhistogram.Histogram { return s.hist }

// Avg returns a Trend's mean, 0 when empty.
func (s *Sink) Avg() float64 {
	if s.count == 0 {
		return 0
	}
	return s.sum / float64(s.count)
}

// Percentile returns a Trend's p-th percentile, p in [0, 100] (clamped), in
// the metric's unit; 0 when empty or not a Trend.
func (s *Sink) Percentile(p float64) float64 {
	if s.hist == nil || s.count == 0 || s.hist.TotalCount() == 0 {
		return 0
	}
	v := k6Percentiles(s.hist, []float64{p})[0]
	// The histogram answers with bucket edges; the exact extremes are known.
	return min(max(v, s.min), s.max)
}

// Values returns the values k6 reports for the sink's type:
//
//	counter: count (the sum of the samples), rate (count per second of Duration)
//	gauge:   value (the last), min, max
//	rate:    rate, passes, fails
//	trend:   avg, min, med, max, p(90), p(95), p(99)
func (s *Sink) Values() map[string]float64 {
	return s.values(s.Duration)
}

func (s *Sink) values(d time.Duration) map[string]float64 {
	var keys []string
	switch s.Type {
	case Counter:
		keys = []string{"count", "rate"}
	case Gauge:
		keys = []string{"value", "min", "max"}
	case Rate:
		keys = []string{"rate", "passes", "fails"}
	case Trend:
		keys = []string{"avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"}
	}
	return s.pick(keys, d)
}

// summaryValues are the values a summary reports: trendStats for a Trend,
// Values' for the other types.
func (s *Sink) summaryValues(trendStats []string, d time.Duration) map[string]float64 {
	if s.Type == Trend {
		return s.pick(trendStats, d)
	}
	return s.values(d)
}

// pick aggregates each of keys; a value the sink does not have (an empty
// Trend's percentiles, say) is left out rather than written as 0.
func (s *Sink) pick(keys []string, d time.Duration) map[string]float64 {
	out := make(map[string]float64, len(keys))
	for _, k := range keys {
		if v, ok := s.aggregate(k, d); ok {
			out[k] = v
		}
	}
	return out
}

// Aggregate returns the value a k6 threshold or summaryTrendStats entry names:
// "count" and "rate" for a Counter; "value", "min" and "max" for a Gauge;
// "rate", "passes" and "fails" for a Rate; "avg", "min", "max", "med",
// "count" and "p(N)" with N in [0, 100] for a Trend. It reports false for a
// name the sink's type does not have, and when the sink has no samples for
// every name but a count (a Counter's "count" and "rate", a Rate's
// "passes" and "fails", a Trend's "count"): an empty sink has no rate,
// mean, extreme or percentile to report, and reporting 0 would read as a
// measurement.
func (s *Sink) Aggregate(name string) (float64, bool) {
	return s.aggregate(name, s.Duration)
}

func (s *Sink) aggregate(name string, d time.Duration) (float64, bool) {
	// An empty sink has counts (0) but no rate, mean, extreme or percentile.
	if s.count == 0 && s.Type != Counter && name != "count" && name != "passes" && name != "fails" {
		return 0, false
	}
	switch s.Type {
	case Counter:
		switch name {
		case "count":
			return s.sum, true
		case "rate":
			if d <= 0 {
				return 0, true
			}
			return s.sum / d.Seconds(), true
		}
	case Gauge:
		switch name {
		case "value":
			return s.last, true
		case "min":
			return s.min, true
		case "max":
			return s.max, true
		}
	case Rate:
		switch name {
		case "rate":
			if s.count == 0 {
				return 0, true
			}
			return float64(s.trues) / float64(s.count), true
		case "passes":
			return float64(s.trues), true
		case "fails":
			return float64(s.count - s.trues), true
		}
	case Trend:
		switch name {
		case "avg":
			return s.Avg(), true
		case "min":
			return s.min, true
		case "max":
			return s.max, true
		case "med":
			return s.Percentile(50), true
		case "count":
			return float64(s.count), true
		}
		if p, ok := ParsePercentile(name); ok {
			return s.Percentile(p), true
		}
	}
	return 0, false
}

// ParsePercentile parses k6's "p(N)" (N in [0, 100], e.g. "p(99.9)") and
// returns N.
func ParsePercentile(name string) (float64, bool) {
	inner, ok := strings.CutPrefix(name, "p(")
	if !ok {
		return 0, false
	}
	inner, ok = strings.CutSuffix(inner, ")")
	if !ok {
		return 0, false
	}
	p, err := strconv.ParseFloat(strings.TrimSpace(inner), 64)
	if err != nil || !(p >= 0 && p <= 100) {
		return 0, false
	}
	return p, true
}
