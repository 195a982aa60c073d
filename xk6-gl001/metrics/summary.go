package metrics

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"
)

// DefaultTrendStats returns k6's default summaryTrendStats.
func DefaultTrendStats() []string {
	return []string{"avg", "min", "med", "max", "p(90)", "p(95)"}
}

// rootGroup is k6's root group with no checks or sub-groups; its id is the
// MD5 of the empty path, as k6 computes it.
const rootGroup = `{"name":"","path":"","id":"d41d8cd98f00b204e9800998ecf8427e","groups":[],"checks":[]}`

// Summary is what WriteSummary needs to write k6's end-of-test summary data.
type Summary struct {
	// Metrics are the run's sinks by metric name. A sink with no samples is
	// left out unless it has thresholds, as k6 reports only metrics it saw.
	Metrics map[string]*Sink
	// Thresholds are the evaluated thresholds: metric name → expression as
	// written (e.g. "p(95)<2000") → its verdict. Every metric named must be
	// in Metrics.
	Thresholds map[string]map[string]ThresholdVerdict
	// TrendStats are k6's summaryTrendStats: the values reported for each
	// Trend, in order. Nil means DefaultTrendStats. Each must be "avg",
	// "min", "med", "max", "count" or "p(N)".
	TrendStats []string
	// TimeUnit is k6's summaryTimeUnit ("" = automatic).
	TimeUnit string
	// TestRunDuration is the run's length; Counter rates are per second of it.
	TestRunDuration time.Duration
	// RootGroup replaces the minimal root group (no checks, no groups) when
	// set; it must be a k6 group object.
	RootGroup json.RawMessage
	// GL001 is the harness's own data, written under "gl001".
	GL001 json.RawMessage
}

type summaryDoc struct {
	RootGroup json.RawMessage          `json:"root_group"`
	Options   summaryOptions           `json:"options"`
	State     summaryState             `json:"state"`
	Metrics   map[string]summaryMetric `json:"metrics"`
	GL001     json.RawMessage          `json:"gl001,omitempty"`
}

type summaryOptions struct {
	SummaryTrendStats []string `json:"summaryTrendStats"`
	SummaryTimeUnit   string   `json:"summaryTimeUnit"`
	NoColor           bool     `json:"noColor"`
}

type summaryState struct {
	IsStdOutTTY       bool    `json:"isStdOutTTY"`
	IsStdErrTTY       bool    `json:"isStdErrTTY"`
	TestRunDurationMs float64 `json:"testRunDurationMs"`
}

type summaryMetric struct {
	Type       Type                        `json:"type"`
	Contains   ValueType                   `json:"contains"`
	Values     map[string]float64          `json:"values"`
	Thresholds map[string]ThresholdVerdict `json:"thresholds,omitempty"`
}

// ThresholdVerdict is one threshold's entry in k6's summary data,
// {"ok": true}; a threshold that saw no samples is {"ok": false,
// "no_data": true}: it did not hold, and it did not fail either.
type ThresholdVerdict struct {
	OK     bool `json:"ok"`
	NoData bool `json:"no_data,omitempty"`
}

// check validates s for either summary file and returns its trend stats:
// each a summaryTrendStats entry, and every thresholded metric a sink.
func (s Summary) check() ([]string, error) {
	stats := s.TrendStats
	if stats == nil {
		stats = DefaultTrendStats()
	}
	for _, st := range stats {
		if !validTrendStat(st) {
			return nil, fmt.Errorf("summaryTrendStats entry %q: want avg, min, med, max, count or p(N) with N in [0, 100]", st)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(s.Thresholds)) {
		if s.Metrics[name] == nil {
			return nil, fmt.Errorf("thresholds on metric %q, which has no sink", name)
		}
	}
	return stats, nil
}

// validTrendStat reports whether st is a summaryTrendStats entry.
func validTrendStat(st string) bool {
	switch st {
	case "avg", "min", "med", "max", "count":
		return true
	}
	_, ok := ParsePercentile(st)
	return ok
}

// WriteSummary writes s as k6's end-of-test summary data, the object k6
// passes to handleSummary(data):
//
//	{"root_group": {...}, "options": {"summaryTrendStats": [...], ...},
//	 "state": {"isStdOutTTY": false, "isStdErrTTY": false, "testRunDurationMs": 1234.5},
//	 "metrics": {"<name>": {"type": "trend", "contains": "time",
//	     "values": {"avg": ..., "p(95)": ...},
//	     "thresholds": {"p(95)<2000": {"ok": true}}}},
//	 "gl001": ...}
//
// Values per type: counter count, rate; gauge value, min, max; rate rate,
// passes, fails; trend the TrendStats.
func WriteSummary(w io.Writer, s Summary) error {
	stats, err := s.check()
	if err != nil {
		return err
	}
	doc := summaryDoc{
		RootGroup: s.RootGroup,
		Options:   summaryOptions{SummaryTrendStats: stats, SummaryTimeUnit: s.TimeUnit},
		State:     summaryState{TestRunDurationMs: float64(s.TestRunDuration) / float64(time.Millisecond)},
		Metrics:   map[string]summaryMetric{},
		GL001:     s.GL001,
	}
	if doc.RootGroup == nil {
		doc.RootGroup = json.RawMessage(rootGroup)
	}
	for name, sink := range s.Metrics {
		th := s.Thresholds[name]
		if sink == nil || (sink.Count() == 0 && len(th) == 0) {
			continue
		}
		sm := summaryMetric{Type: sink.Type, Contains: sink.Contains, Values: sink.summaryValues(stats, s.TestRunDuration)}
		if len(th) > 0 {
			sm.Thresholds = th
		}
		doc.Metrics[name] = sm
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}
