package metrics

import (
	"fmt"
	"math"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The histogram geometry every Trend uses, in and out of files. A trend value
// v is stored as the integer round(v*HDRUnitsPerValue): for Time trends
// (milliseconds) that is microseconds.
const (
	HDRUnitsPerValue  = 1000          // histogram units per recorded value (µs per ms)
	HDRLowest         = 1             // lowest discernible value, histogram units (1 µs)
	HDRHighest        = 3_600_000_000 // highest trackable value, histogram units (1 h)
	HDRSignificantFig = 3             // significant decimal digits kept

	// trendMax is the largest trend value, in the metric's own unit (1 h in ms).
	trendMax = float64(HDRHighest) / HDRUnitsPerValue
)

func newHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(HDRLowest, HDRHighest, HDRSignificantFig)
}

// clampTrend brings v into [0, trendMax] and reports whether it had to.
func clampTrend(v float64) (float64, bool) {
	switch {
	case v < 0:
		return 0, true
	case v > trendMax:
		return trendMax, true
	}
	return v, false
}

// toHDR converts an in-range trend value to histogram units.
func toHDR(v float64) int64 { return int64(math.Round(v * HDRUnitsPerValue)) }

// fromHDR converts histogram units back to the metric's unit.
func fromHDR(u int64) float64 { return float64(u) / HDRUnitsPerValue }

// encodeHist returns h in HdrHistogram's V2 compressed encoding, base64.
func encodeHist(h *hdrhistogram.Histogram) (string, error) {
	b, err := h.Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(b), nil
}

// decodeHist decodes a histogram written by encodeHist and checks that it has
// this package's geometry, so merging it loses nothing.
func decodeHist(s string) (*hdrhistogram.PackedHistogram, error) {
	p, err := hdrhistogram.DecodePacked([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode hdr: %w", err)
	}
	if p.LowestTrackableValue() != HDRLowest || p.HighestTrackableValue() != HDRHighest ||
		p.SignificantFigures() != HDRSignificantFig {
		return nil, fmt.Errorf("hdr geometry (%d, %d, %d digits): want (%d, %d, %d digits)",
			p.LowestTrackableValue(), p.HighestTrackableValue(), p.SignificantFigures(),
			HDRLowest, HDRHighest, HDRSignificantFig)
	}
	return p, nil
}

// Percentiles returns the percentiles ps (each in [0, 100]) of a Trend
// interval's samples, in the metric's unit, as Sink.Percentile computes
// them (k6's interpolated percentile, clamped to the exact min and
// max), from the interval's compact histogram alone: no dense histogram
// is allocated. ok is false when m is nil, not a Trend or empty.
func (m *IntervalMetric) Percentiles(ps []float64) (vs []float64, ok bool, err error) {
	if m == nil || m.Type != Trend || m.Count == 0 {
		return nil, false, nil
	}
	h, err := decodeHist(m.HDR)
	if err != nil {
		return nil, false, err
	}
	if h.TotalCount() == 0 {
		return nil, false, nil
	}
	vs = k6Percentiles(h, ps)
	for i, v := range vs {
		vs[i] = min(max(v, m.Min), m.Max)
	}
	return vs, true, nil
}

// ranked is what k6Percentiles reads of a histogram, dense or packed.
type ranked interface {
	TotalCount() int64
	ValueAtPercentilesSlice(percentiles []float64) []int64
}

// k6Percentiles returns the percentiles ps (each in [0, 100]) of a
// non-empty histogram in the metric's unit, the way k6's trend sink
// computes them: at rank p/100 × (n−1) of the sorted samples, linearly
// interpolated between the two samples either side. Each sample is the
// histogram's bucket value, so the answer is k6's within the histogram's
// precision (3 significant digits), where a nearest-rank percentile could
// be a whole sample away.
func k6Percentiles(h ranked, ps []float64) []float64 {
	n := h.TotalCount()
	// The percentile whose nearest rank (the histogram's rounding,
	// p/100 × n + 0.5) is the 1-based rank k.
	at := func(k int64) float64 { return (float64(min(k, n)) - 0.25) / float64(n) * 100 }
	qs := make([]float64, 0, 2*len(ps))
	fracs := make([]float64, len(ps))
	for i, p := range ps {
		r := min(max(p, 0), 100) / 100 * float64(n-1)
		lo := math.Floor(r)
		fracs[i] = r - lo
		qs = append(qs, at(int64(lo)+1), at(int64(lo)+2))
	}
	us := h.ValueAtPercentilesSlice(qs)
	vs := make([]float64, len(ps))
	for i := range ps {
		lo, hi := fromHDR(us[2*i]), fromHDR(us[2*i+1])
		vs[i] = lo + (hi-lo)*fracs[i]
	}
	return vs
}
