package k6ingest

import (
	"fmt"
	"strings"

	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// Row is a guide row (or a figure beside one) that a k6 metric can stand
// for: the report reads it from the gl001 metric Metric.
type Row struct {
	Key     string // what --map names it by
	Title   string // the guide's row title, verbatim, when InGuide
	InGuide bool
	Metric  string // the gl001 metric the report reads
	Type    metrics.Type
}

// Rows are the rows --map can set, the guide's first, in its order.
var Rows = []Row{
	{"orchestration_latency", "Orchestration Latency", true, record.MetricOptimizeDuration, metrics.Trend},
	{"agent_coordination_errors", "Agent Coordination Errors", true, record.MetricCoordinationFailed, metrics.Rate},
	{"heat_optimization_time", "Heat Optimization Time", true, record.MetricHeatOptimizationDuration, metrics.Trend},
	{"optimize_errors", "optimize request errors", false, record.MetricOptimizeFailed, metrics.Rate},
	{"coordination_latency", "coordination publish-to-ack latency", false, record.MetricCoordinationDuration, metrics.Trend},
	{"coordination_service_time", "coordination service time (the bus transit figure)", false, record.MetricCoordinationServiceDur, metrics.Trend},
}

// String names the row in words: "the guide's Orchestration Latency
// (gl001_optimize_duration)".
func (r Row) String() string {
	if r.InGuide {
		return fmt.Sprintf("the guide's %s (%s)", r.Title, r.Metric)
	}
	return fmt.Sprintf("%s (%s; no guide row)", r.Title, r.Metric)
}

// RowsHelp lists the rows for --help and errors: "orchestration_latency
// (Orchestration Latency), ...".
func RowsHelp() string {
	var parts []string
	for _, r := range Rows {
		t := r.Title
		if !r.InGuide {
			t += ", no guide row"
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", r.Key, t))
	}
	return strings.Join(parts, ", ")
}

// Mapping says which k6 metric, narrowed by tags, a row reads.
type Mapping struct {
	Row    Row
	Source thresholds.MetricKey
}

func (m Mapping) String() string { return m.Row.Key + "=" + m.Source.String() }

// matches reports whether p is one of the mapping's samples.
func (m Mapping) matches(p *Point) bool {
	if p.Metric != m.Source.Name {
		return false
	}
	for _, t := range m.Source.Tags {
		if p.Tags[t.Key] != t.Value {
			return false
		}
	}
	return true
}

// ParseMapping reads "row=k6_metric{tag:value}". row is a Row's Key or
// its guide title, in any case.
func ParseMapping(s string) (Mapping, error) {
	row, src, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(src) == "" {
		return Mapping{}, fmt.Errorf("%q: want guide_row=k6_metric{tag:value}, guide_row one of %s", s, RowsHelp())
	}
	row = strings.TrimSpace(row)
	var found *Row
	for i := range Rows {
		if strings.EqualFold(row, Rows[i].Key) || strings.EqualFold(row, Rows[i].Title) {
			found = &Rows[i]
		}
	}
	if found == nil {
		return Mapping{}, fmt.Errorf("%q: unknown guide row %q, want one of %s", s, row, RowsHelp())
	}
	key, err := thresholds.ParseMetricKey(strings.TrimSpace(src))
	if err != nil {
		return Mapping{}, fmt.Errorf("%q: %w", s, err)
	}
	return Mapping{Row: *found, Source: key}, nil
}

// defaultMappings are the rows of a script that is not ours: the latency
// row from http_req_duration (only the requests tagged name:optimize
// when any is), the errors from http_req_failed likewise, and the solve
// time from a custom trend named as the guide's heat_optimization_time. A row whose
// gl001 metric the file holds itself (our module's) is read directly and
// left unmapped.
func defaultMappings(seen map[string]*seenMetric) []Mapping {
	var out []Mapping
	add := func(rowKey, metric string) {
		for _, r := range Rows {
			if r.Key != rowKey || seen[r.Metric] != nil || seen[metric] == nil {
				continue
			}
			k := thresholds.MetricKey{Name: metric}
			if strings.HasPrefix(metric, "http_") && seen[metric].tagged["name"]["optimize"] {
				k.Tags = []thresholds.Tag{{Key: "name", Value: "optimize"}}
			}
			out = append(out, Mapping{Row: r, Source: k})
		}
	}
	add("orchestration_latency", "http_req_duration")
	add("optimize_errors", "http_req_failed")
	add("heat_optimization_time", "heat_optimization_time")
	return out
}
