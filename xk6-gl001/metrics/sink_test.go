package metrics_test

import (
	"math"
	"testing"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/metrics"
)

func TestSinkValuesPerType(t *testing.T) {
	tests := []struct {
		name     string
		typ      metrics.Type
		duration time.Duration
		samples  []float64
		want     map[string]float64
	}{
		{"counter sums values and rates them per second", metrics.Counter, 2 * time.Second,
			[]float64{1, 1, 3}, map[string]float64{"count": 5, "rate": 2.5}},
		{"counter with no duration has rate 0", metrics.Counter, 0,
			[]float64{4}, map[string]float64{"count": 4, "rate": 0}},
		{"empty counter", metrics.Counter, time.Second,
			nil, map[string]float64{"count": 0, "rate": 0}},
		{"gauge keeps the last value and extremes", metrics.Gauge, 0,
			[]float64{5, -2, 9, 7}, map[string]float64{"value": 7, "min": -2, "max": 9}},
		{"rate counts non-zero as true", metrics.Rate, 0,
			[]float64{1, 0, 0.5, 0, -1}, map[string]float64{"rate": 0.6, "passes": 3, "fails": 2}},
		{"empty rate has counts but no rate", metrics.Rate, 0,
			nil, map[string]float64{"passes": 0, "fails": 0}},
		{"trend of one value", metrics.Trend, 0,
			[]float64{12.5}, map[string]float64{"avg": 12.5, "min": 12.5, "med": 12.5, "max": 12.5, "p(90)": 12.5, "p(95)": 12.5, "p(99)": 12.5}},
		{"trend of 1..10", metrics.Trend, 0,
			[]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
			map[string]float64{"avg": 5.5, "min": 1, "med": 5.5, "max": 10, "p(90)": 9.1, "p(95)": 9.55, "p(99)": 9.91}}, // k6: interpolated
		{"empty trend has no values", metrics.Trend, 0,
			nil, map[string]float64{}},
		{"empty gauge has no values", metrics.Gauge, 0,
			nil, map[string]float64{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := metrics.NewSink(tc.typ, metrics.Default)
			s.Duration = tc.duration
			for _, v := range tc.samples {
				s.Add(v)
			}
			got := s.Values()
			if len(got) != len(tc.want) {
				t.Errorf("Values() = %v, want keys of %v", got, tc.want)
			}
			for k, want := range tc.want {
				if g, ok := got[k]; !ok || !approx(g, want) {
					t.Errorf("Values()[%q] = %v (present %v), want %v", k, g, ok, want)
				}
			}
			if s.Count() != int64(len(tc.samples)) {
				t.Errorf("Count() = %d, want %d", s.Count(), len(tc.samples))
			}
		})
	}
}

// approx reports equality within the histogram's precision (3 significant
// digits) plus its 1 µs resolution.
func approx(got, want float64) bool {
	return math.Abs(got-want) <= math.Abs(want)*1e-3+1e-3
}

func TestSinkClampsAndRejects(t *testing.T) {
	s := metrics.NewSink(metrics.Trend, metrics.Time)
	for _, v := range []float64{-5, 10, 4e6, math.NaN(), math.Inf(1)} {
		s.Add(v)
	}
	if s.Count() != 3 || s.Clamped() != 2 || s.Rejected() != 2 {
		t.Fatalf("count %d clamped %d rejected %d, want 3, 2, 2", s.Count(), s.Clamped(), s.Rejected())
	}
	if s.Min() != 0 || s.Max() != 3.6e6 {
		t.Errorf("min %v max %v, want 0 and 3.6e6 (1 h in ms)", s.Min(), s.Max())
	}
	if got := s.Percentile(100); got != 3.6e6 {
		t.Errorf("p(100) = %v, want 3.6e6", got)
	}
}

func TestSinkAggregate(t *testing.T) {
	trend := metrics.NewSink(metrics.Trend, metrics.Time)
	for i := 1; i <= 1000; i++ {
		trend.Add(float64(i))
	}
	counter := metrics.NewSink(metrics.Counter, metrics.Default)
	counter.Duration = 10 * time.Second
	counter.Add(30)
	gauge := metrics.NewSink(metrics.Gauge, metrics.Default)
	gauge.Add(3)
	gauge.Add(1)
	rate := metrics.NewSink(metrics.Rate, metrics.Default)
	rate.Add(1)
	rate.Add(0)

	tests := []struct {
		sink   *metrics.Sink
		name   string
		want   float64
		wantOK bool
	}{
		{trend, "avg", 500.5, true},
		{trend, "min", 1, true},
		{trend, "max", 1000, true},
		{trend, "med", 500.5, true}, // k6: interpolated
		{trend, "count", 1000, true},
		{trend, "p(0)", 1, true},
		{trend, "p(90)", 900, true},
		{trend, "p(99.9)", 999, true},
		{trend, "p( 95 )", 950, true},
		{trend, "p(100)", 1000, true},
		{trend, "p(101)", 0, false},
		{trend, "p(-1)", 0, false},
		{trend, "p(NaN)", 0, false},
		{trend, "p()", 0, false},
		{trend, "p(90", 0, false},
		{trend, "rate", 0, false},
		{trend, "value", 0, false},
		{counter, "count", 30, true},
		{counter, "rate", 3, true},
		{counter, "avg", 0, false},
		{gauge, "value", 1, true},
		{gauge, "min", 1, true},
		{gauge, "max", 3, true},
		{gauge, "rate", 0, false},
		{rate, "rate", 0.5, true},
		{rate, "passes", 1, true},
		{rate, "fails", 1, true},
		{rate, "count", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.sink.Type.String()+"/"+tc.name, func(t *testing.T) {
			got, ok := tc.sink.Aggregate(tc.name)
			if ok != tc.wantOK || (ok && !approx(got, tc.want)) {
				t.Errorf("Aggregate(%q) = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

func TestTypeText(t *testing.T) {
	for _, typ := range []metrics.Type{metrics.Counter, metrics.Gauge, metrics.Rate, metrics.Trend} {
		b, err := typ.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back metrics.Type
		if err := back.UnmarshalText(b); err != nil || back != typ {
			t.Errorf("%s: round trip gave %v, %v", typ, back, err)
		}
	}
	var typ metrics.Type
	if err := typ.UnmarshalText([]byte("histogram")); err == nil {
		t.Error(`UnmarshalText("histogram") succeeded`)
	}
	for name, want := range map[string]metrics.ValueType{"default": metrics.Default, "time": metrics.Time, "data": metrics.Data} {
		var vt metrics.ValueType
		if err := vt.UnmarshalText([]byte(name)); err != nil || vt != want || vt.String() != name {
			t.Errorf("UnmarshalText(%q) = %v, %v", name, vt, err)
		}
	}
	var vt metrics.ValueType
	if err := vt.UnmarshalText([]byte("bytes")); err == nil {
		t.Error(`UnmarshalText("bytes") succeeded`)
	}
}
