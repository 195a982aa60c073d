package k6ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// SummaryFile is the k6-shaped summary Convert writes, which
// report.Generate adds the report to.
const SummaryFile = "summary.json"

// source is what summary.json records, under gl001.source, of the
// conversion.
type source struct {
	Format     Format   `json:"format"`
	File       string   `json:"file"`
	Summary    string   `json:"summary,omitempty"`
	Observed   string   `json:"observed,omitempty"`
	Points     int64    `json:"points"`
	Skipped    int      `json:"skipped_lines"`
	Mappings   []string `json:"mappings"`
	TotalsOnly bool     `json:"totals_only,omitempty"`
}

func (o Options) source(res Result) json.RawMessage {
	s := source{Format: res.Format, File: o.K6File, Summary: o.SummaryFile, Observed: o.ObservedDir,
		Points: res.Points, Skipped: res.Skipped.Lines, Mappings: []string{}, TotalsOnly: res.TotalsOnly}
	for _, m := range res.Mappings {
		s.Mappings = append(s.Mappings, m.String())
	}
	b, _ := json.Marshal(map[string]any{"source": s})
	return b
}

// writeSummary writes summary.json in k6's handleSummary shape with every
// metric of the intervals, the thresholds evaluated again on them.
func writeSummary(dir string, totals map[string]*metrics.Sink, span time.Duration, sum *Summary, res Result, o Options) error {
	verdicts := map[string]map[string]metrics.ThresholdVerdict{}
	src := record.Sources(totals)
	for _, r := range res.Thresholds.Evaluate(src) {
		if totals[r.Metric] == nil {
			continue // no samples: k6's summary has no such metric either
		}
		if verdicts[r.Metric] == nil {
			verdicts[r.Metric] = map[string]metrics.ThresholdVerdict{}
		}
		expr := r.Threshold.Source
		if expr == "" {
			expr = r.Threshold.String()
		}
		verdicts[r.Metric][expr] = metrics.ThresholdVerdict{OK: r.OK, NoData: r.NoData}
	}
	s := metrics.Summary{Metrics: totals, Thresholds: verdicts, TestRunDuration: span, GL001: o.source(res)}
	if sum != nil && len(sum.RootGroup) > 0 && sum.Format == FormatHandleSummary {
		s.RootGroup = sum.RootGroup
	}
	var b bytes.Buffer
	if err := metrics.WriteSummary(&b, s); err != nil {
		return fmt.Errorf("%s: %w", SummaryFile, err)
	}
	return os.WriteFile(filepath.Join(dir, SummaryFile), b.Bytes(), 0o644)
}

// convertTotals handles a summary given as the k6 file: there are no
// points, so intervals.ndjson has a header and no interval, the report
// has no plots, and the thresholds are k6's verdicts, not evaluated again.
func convertTotals(o Options, res Result, s Summary, sum *Summary) (Result, error) {
	res.TotalsOnly = true
	res.Thresholds = thresholds.Set{}
	res.K6Verdicts = verdicts(sum)
	if sum != &s {
		for k, v := range verdicts(&s) {
			if res.K6Verdicts[k] == nil {
				res.K6Verdicts[k] = v
			}
		}
	}
	res.Warnings = append(res.Warnings, fmt.Sprintf("%s is %s: totals only, so there are no per-interval figures or plots, the guide's rows read from k6's metrics are not observed, and the thresholds are k6's own verdicts, not evaluated again by gl001 (give k6's --out json or --out csv for those)", o.K6File, s.Format))
	meta, _, _, err := runMeta(o)
	if err != nil {
		return res, err
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return res, err
	}
	iw, err := metrics.CreateIntervalFile(filepath.Join(o.OutDir, runlog.IntervalsFile), metrics.Header{Meta: meta})
	if err != nil {
		return res, err
	}
	if err := iw.Close(); err != nil {
		return res, err
	}
	// summary.json in handleSummary's shape, from the summary's own values.
	type metric struct {
		Type       metrics.Type                        `json:"type"`
		Contains   metrics.ValueType                   `json:"contains"`
		Values     map[string]float64                  `json:"values"`
		Thresholds map[string]metrics.ThresholdVerdict `json:"thresholds,omitempty"`
	}
	doc := map[string]any{
		"state": map[string]any{"testRunDurationMs": s.TestRunDurationMs},
		"gl001": json.RawMessage(o.source(res)),
	}
	ms := map[string]metric{}
	for _, name := range slices.Sorted(maps.Keys(s.Metrics)) {
		m := s.Metrics[name]
		x := metric{Type: m.Type, Contains: m.Contains, Values: m.Values}
		for expr, ok := range m.Passed {
			if x.Thresholds == nil {
				x.Thresholds = map[string]metrics.ThresholdVerdict{}
			}
			x.Thresholds[expr] = metrics.ThresholdVerdict{OK: ok}
		}
		ms[name] = x
	}
	doc["metrics"] = ms
	if len(s.RootGroup) > 0 {
		doc["root_group"] = s.RootGroup
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return res, err
	}
	return res, os.WriteFile(filepath.Join(o.OutDir, SummaryFile), b.Bytes(), 0o644)
}
