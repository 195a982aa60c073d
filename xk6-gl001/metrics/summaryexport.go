package metrics

import (
	"encoding/json"
	"fmt"
	"io"
)

// legacyRootGroup is the root group of k6's --summary-export file: like
// the summary data's, but with groups and checks as objects.
const legacyRootGroup = `{"name":"","path":"","id":"d41d8cd98f00b204e9800998ecf8427e","groups":{},"checks":{}}`

// WriteSummaryExport writes s in the shape of k6's --summary-export file,
// the summary k6 wrote before handleSummary existed, which CI tooling
// still reads:
//
//	{"root_group": {...},
//	 "metrics": {"<name>": {"avg": ..., "p(95)": ..., "thresholds": {"p(95)<2000": false}}}}
//
// Each metric is one flat object of its values: a Trend's TrendStats; a
// Counter's count and rate; a Gauge's value, min and max; a Rate's passes,
// fails and value (the rate). Note the polarity of thresholds, which is
// k6's: in this file true means the threshold did NOT pass (it failed, or
// here also: it saw no data); false means it passed. s.GL001 and the
// options and state of the summary data are not part of this shape.
func WriteSummaryExport(w io.Writer, s Summary) error {
	stats, err := s.check()
	if err != nil {
		return err
	}
	root := s.RootGroup
	if root == nil {
		root = json.RawMessage(legacyRootGroup)
	}
	doc := struct {
		RootGroup json.RawMessage           `json:"root_group"`
		Metrics   map[string]map[string]any `json:"metrics"`
	}{RootGroup: root, Metrics: map[string]map[string]any{}}
	for name, sink := range s.Metrics {
		th := s.Thresholds[name]
		if sink == nil || (sink.Count() == 0 && len(th) == 0) {
			continue
		}
		m := map[string]any{}
		for k, v := range sink.summaryValues(stats, s.TestRunDuration) {
			if sink.Type == Rate && k == "rate" {
				k = "value" // the legacy file calls a rate's rate its value
			}
			m[k] = v
		}
		if len(th) > 0 {
			failed := make(map[string]bool, len(th))
			for expr, v := range th {
				failed[expr] = !v.OK
			}
			m["thresholds"] = failed
		}
		doc.Metrics[name] = m
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write summary export: %w", err)
	}
	return nil
}
