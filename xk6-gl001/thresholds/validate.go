package thresholds

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// MetricType is a k6 metric type. It decides which aggregations a
// threshold on the metric may use.
type MetricType string

// The four k6 metric types and the aggregations each supports.
const (
	Counter MetricType = "counter" // count, rate (count per second of the run)
	Gauge   MetricType = "gauge"   // value (the last one)
	Rate    MetricType = "rate"    // rate (fraction of non-zero samples)
	Trend   MetricType = "trend"   // avg, min, max, med, p(N)
)

var aggregationsByType = map[MetricType][]string{
	Counter: {MethodCount, MethodRate},
	Gauge:   {MethodValue},
	Rate:    {MethodRate},
	Trend:   {MethodAvg, MethodMin, MethodMax, MethodMed, MethodPercentile},
}

// Supports reports whether a threshold on a metric of type t may use the
// aggregation method ("avg", "p", ...). An unknown type supports nothing.
func (t MetricType) Supports(method string) bool {
	return slices.Contains(aggregationsByType[t], method)
}

// Aggregations lists what t supports, spelled as in expressions, with
// "p(N)" for percentiles: ["count", "rate"] for a counter.
func (t MetricType) Aggregations() []string {
	out := slices.Clone(aggregationsByType[t])
	for i, m := range out {
		if m == MethodPercentile {
			out[i] = "p(N)"
		}
	}
	return out
}

// Errors Validate's problems wrap, besides ErrSyntax for thresholds built
// by hand that Parse would have refused.
var (
	// ErrUnknownMetric: the thresholds name a metric the run does not
	// record, or one whose type is not one of the four.
	ErrUnknownMetric = errors.New("unknown metric")
	// ErrAggregation: an aggregation the metric's type does not support,
	// or a percentile outside 0 to 100.
	ErrAggregation = errors.New("aggregation not valid for the metric")
)

// Validate checks the set against the metrics a run records, by name
// (types maps each name to its type): every key names a known metric —
// a submetric "name{tag:value}" is checked against its base metric name —
// and every threshold uses an aggregation its metric's type supports,
// with a percentile from 0 to 100. It also refuses what Parse and Decode
// would have refused, for sets built by hand.
//
// Validate reports every problem at once, joined, sorted by metric key,
// and changes nothing. It returns nil for a valid set.
func (s Set) Validate(types map[string]MetricType) error {
	var errs []error
	for _, key := range s.Names() {
		at := path(key)
		mk, err := ParseMetricKey(key)
		if err != nil {
			errs = append(errs, fmt.Errorf("thresholds: %w", err))
			continue
		}
		typ, ok := types[mk.Name]
		if !ok {
			errs = append(errs, problemf(ErrUnknownMetric, "%s: unknown metric %q, want %s", at, mk.Name, knownMetrics(types)))
			continue
		}
		if _, ok := aggregationsByType[typ]; !ok {
			errs = append(errs, problemf(ErrUnknownMetric, "%s: metric %q has unknown type %q, want counter, gauge, rate or trend", at, mk.Name, typ))
			continue
		}
		for i, t := range s[key] {
			for _, err := range validateThreshold(t, typ) {
				errs = append(errs, fmt.Errorf("%s[%d]: %q: %w", at, i, t.label(), err))
			}
		}
	}
	return errors.Join(errs...)
}

// validateThreshold checks one threshold against its metric's type.
func validateThreshold(t Threshold, typ MetricType) []error {
	var errs []error
	agg := t.Aggregation
	switch {
	case !slices.Contains(methods, agg.Method):
		errs = append(errs, problemf(ErrSyntax, "unknown aggregation %q, want %s", agg.Method, wantAggregation))
	case !typ.Supports(agg.Method):
		errs = append(errs, problemf(ErrAggregation, "%s does not apply to a %s metric, want %s", agg, typ, orList(typ.Aggregations())))
	case agg.Method == MethodPercentile && !(agg.Percentile >= 0 && agg.Percentile <= 100):
		errs = append(errs, problemf(ErrAggregation, "percentile %v out of range, want 0 to 100", agg.Percentile))
	}
	if !t.Op.valid() {
		errs = append(errs, problemf(ErrSyntax, "unknown operator %q, want %s", t.Op, wantOperator))
	}
	if math.IsNaN(t.Value) || math.IsInf(t.Value, 0) {
		errs = append(errs, problemf(ErrSyntax, "value %v is not a finite number", t.Value))
	}
	if t.DelayAbortEval < 0 {
		errs = append(errs, problemf(ErrSyntax, "delayAbortEval %v is negative, want 0 or more", t.DelayAbortEval))
	}
	return errs
}

// knownMetrics phrases what Validate wants instead of an unknown name.
func knownMetrics(types map[string]MetricType) string {
	if len(types) == 0 {
		return "a metric the run records (it records none)"
	}
	names := make([]string, 0, len(types))
	for name := range types {
		names = append(names, name)
	}
	slices.Sort(names)
	return "one of " + strings.Join(names, ", ")
}

// orList joins ["a", "b", "c"] as "a, b or c".
func orList(items []string) string {
	if len(items) <= 1 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
