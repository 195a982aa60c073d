package k6ingest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/greenlang/gl001/xk6-gl001/metrics"
)

// SummaryMetric is one metric of a k6 summary: its values and k6's own
// verdict on each of its thresholds.
type SummaryMetric struct {
	// Type is the metric's k6 type; from --summary-export, which does not
	// state it, it is inferred from the values' names. Contains is known
	// only from handleSummary data (TypeKnown false otherwise).
	Type      metrics.Type
	Contains  metrics.ValueType
	TypeKnown bool
	Values    map[string]float64
	// Passed is k6's verdict by threshold expression: true when it held.
	Passed map[string]bool
}

// Summary is a k6 end-of-test summary, from either shape.
type Summary struct {
	Format            Format
	Metrics           map[string]SummaryMetric
	TestRunDurationMs float64
	RootGroup         json.RawMessage
}

// readSummary reads --summary-export (where a threshold's true means it
// failed) or handleSummary data (where ok: true means it held).
func readSummary(r io.Reader, f Format) (Summary, error) {
	var doc struct {
		RootGroup json.RawMessage `json:"root_group"`
		State     struct{ TestRunDurationMs float64 }
		Metrics   map[string]json.RawMessage `json:"metrics"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		return Summary{}, fmt.Errorf("%s: %w", f, err)
	}
	s := Summary{Format: f, Metrics: map[string]SummaryMetric{}, TestRunDurationMs: doc.State.TestRunDurationMs, RootGroup: doc.RootGroup}
	for _, name := range slices.Sorted(maps.Keys(doc.Metrics)) {
		raw := doc.Metrics[name]
		m := SummaryMetric{Values: map[string]float64{}, Passed: map[string]bool{}}
		if f == FormatHandleSummary {
			var hm struct {
				Type       metrics.Type       `json:"type"`
				Contains   json.RawMessage    `json:"contains"`
				Values     map[string]float64 `json:"values"`
				Thresholds map[string]struct {
					OK bool `json:"ok"`
				} `json:"thresholds"`
			}
			if err := json.Unmarshal(raw, &hm); err != nil {
				return Summary{}, fmt.Errorf("%s: metrics.%s: %w", f, name, err)
			}
			m.Type, m.Contains, m.TypeKnown, m.Values = hm.Type, containsOf(hm.Contains), true, hm.Values
			for expr, v := range hm.Thresholds {
				m.Passed[expr] = v.OK
			}
		} else {
			var flat map[string]json.RawMessage
			if err := json.Unmarshal(raw, &flat); err != nil {
				return Summary{}, fmt.Errorf("%s: metrics.%s: %w", f, name, err)
			}
			for k, v := range flat {
				if k == "thresholds" {
					var failed map[string]bool
					if err := json.Unmarshal(v, &failed); err != nil {
						return Summary{}, fmt.Errorf("%s: metrics.%s.thresholds: %w", f, name, err)
					}
					for expr, bad := range failed {
						m.Passed[expr] = !bad
					}
					continue
				}
				var x float64
				if json.Unmarshal(v, &x) == nil {
					m.Values[k] = x
				}
			}
			m.Type = inferType(m.Values)
		}
		s.Metrics[name] = m
	}
	return s, nil
}

// inferType names a --summary-export metric's type from its values.
func inferType(v map[string]float64) metrics.Type {
	_, passes := v["passes"]
	_, count := v["count"]
	_, avg := v["avg"]
	_, med := v["med"]
	switch {
	case passes:
		return metrics.Rate
	case count && !avg:
		return metrics.Counter
	case avg || med:
		return metrics.Trend
	}
	return metrics.Gauge
}
