package metrics

import (
	"fmt"
	"maps"
	"slices"
)

// MergeMetrics is the metrics of one wall-clock window of a distributed
// run: the same metric's interval data from several shards, combined as
// if one process had recorded every sample. Counters and rates add; a
// trend's count, sum and extremes combine and its histograms merge
// exactly (the merged histogram's percentiles are those of one histogram
// holding every shard's samples); a gauge is per shard (vus: each shard's
// own VUs), so the shards' last values, minima and maxima add. Each
// argument is one shard's intervals in the window (a shard may have two
// when its ticks straddle the window's edge). It fails when a metric's
// type differs between shards or a histogram does not decode.
func MergeMetrics(shards ...[]map[string]*IntervalMetric) (map[string]*IntervalMetric, error) {
	out := map[string]*IntervalMetric{}
	hists := map[string]*Sink{}
	for _, ivs := range shards {
		// A gauge's value is the shard's last in the window.
		lastGauge := map[string]*IntervalMetric{}
		for _, ms := range ivs {
			for _, name := range slices.Sorted(maps.Keys(ms)) {
				im := ms[name]
				if im == nil {
					continue
				}
				m, ok := out[name]
				if !ok {
					m = &IntervalMetric{Type: im.Type, Contains: im.Contains}
					out[name] = m
				}
				if m.Type != im.Type || m.Contains != im.Contains {
					return nil, fmt.Errorf("metric %q is %s/%s in one shard and %s/%s in another", name, im.Type, im.Contains, m.Type, m.Contains)
				}
				m.Clamped += im.Clamped
				m.Rejected += im.Rejected
				switch im.Type {
				case Counter:
					m.Count += im.Count
					m.Sum += im.Sum
				case Rate:
					m.Count += im.Count
					m.Trues += im.Trues
				case Gauge:
					lastGauge[name] = im
				case Trend:
					if im.Count == 0 {
						continue
					}
					s := hists[name]
					if s == nil {
						s = NewSink(Trend, im.Contains)
						hists[name] = s
					}
					h := im.hist
					if h == nil {
						var err error
						if h, err = decodeHist(im.HDR); err != nil {
							return nil, fmt.Errorf("metric %q: %w", name, err)
						}
					}
					h.MergeInto(s.hist)
					if m.Count == 0 || im.Min < m.Min {
						m.Min = im.Min
					}
					if m.Count == 0 || im.Max > m.Max {
						m.Max = im.Max
					}
					m.Count += im.Count
					m.Sum += im.Sum
				}
			}
		}
		for name, im := range lastGauge {
			m := out[name]
			m.Count += im.Count
			m.Last += im.Last
			m.Min += im.Min
			m.Max += im.Max
		}
	}
	for name, s := range hists {
		enc, err := encodeHist(s.hist)
		if err != nil {
			return nil, fmt.Errorf("metric %q: %w", name, err)
		}
		out[name].HDR = enc
	}
	return out, nil
}
