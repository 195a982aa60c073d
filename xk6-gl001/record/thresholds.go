package record

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/region"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// Thresholds returns a run's thresholds: the guide's defaults for the
// metrics the scenario records (a scenario that sends no coordination
// events gets no default on coordination errors), with the scenario's own
// over them, validated against the metrics a run records and the tags it
// sets. file names the scenario in errors.
func Thresholds(s scenarios.Scenario, file string) (thresholds.Set, error) {
	user := thresholds.Set{}
	if len(s.Thresholds) > 0 {
		var err error
		if user, err = thresholds.Decode(s.Thresholds); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	defaults := thresholds.Defaults()
	optimize, coordinate := s.Sends(ExecOptimize), s.Sends(ExecCoordinate)
	for key := range defaults {
		if !optimize && strings.HasPrefix(key, "gl001_optimize") ||
			!optimize && strings.HasPrefix(key, "gl001_heat_optimization") ||
			!coordinate && strings.HasPrefix(key, "gl001_coordination") {
			delete(defaults, key)
		}
	}
	set := thresholds.Merge(defaults, user)
	err := errors.Join(set.Validate(ThresholdTypes()), validateTags(set, s))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return set, nil
}

// validateTags checks every submetric's filters against the tags a run
// sets (record's and the scenarios' own) and the scenario names it runs,
// so that a filter no sample can match is an error, not a threshold that
// silently sees no data.
func validateTags(set thresholds.Set, s scenarios.Scenario) error {
	names := []string{ExecOptimize, ExecCoordinate}
	keys := Tags()
	if s.Scenarios != nil {
		names = slices.Sorted(maps.Keys(s.Scenarios))
		for _, c := range s.Scenarios {
			for k := range c.Tags {
				if !slices.Contains(keys, k) {
					keys = append(keys, k)
				}
			}
		}
		slices.Sort(keys)
	}
	var errs []error
	for _, key := range set.Names() {
		k, err := thresholds.ParseMetricKey(key)
		if err != nil {
			continue // Validate reports it
		}
		for _, t := range k.Tags {
			switch {
			case !slices.Contains(keys, t.Key):
				errs = append(errs, fmt.Errorf("thresholds.%s: tag %q is never set on gl001's samples, want %s", key, t.Key, strings.Join(keys, ", ")))
			case t.Key == TagExpectedResponse && t.Value != "true" && t.Value != "false":
				errs = append(errs, fmt.Errorf("thresholds.%s: expected_response %q, want true or false", key, t.Value))
			case t.Key == TagCause && t.Value != CauseNoVU && t.Value != CauseBehind:
				errs = append(errs, fmt.Errorf("thresholds.%s: cause %q, want %s or %s", key, t.Value, CauseNoVU, CauseBehind))
			case t.Key == TagScenario && !slices.Contains(names, t.Value):
				errs = append(errs, fmt.Errorf("thresholds.%s: scenario %q, want %s", key, t.Value, strings.Join(names, " or ")))
			case t.Key == TagRegion && s.Regions == nil:
				errs = append(errs, fmt.Errorf("thresholds.%s: the region tag is set only when the run has regions; give --regions (e.g. --regions %s) or a regions field", key, strings.Join(region.GuideNames, ",")))
			case t.Key == TagRegion && !slices.Contains(s.Regions.Names(), t.Value):
				errs = append(errs, fmt.Errorf("thresholds.%s: region %q, want %s", key, t.Value, strings.Join(s.Regions.Names(), " or ")))
			}
		}
	}
	return errors.Join(errs...)
}

// ThresholdTypes maps every metric a run records to its type, as
// thresholds.Set.Validate wants it.
func ThresholdTypes() map[string]thresholds.MetricType {
	types := map[string]thresholds.MetricType{}
	for _, m := range Metrics() {
		types[m.Name] = thresholds.MetricType(m.Type.String())
	}
	return types
}

// Sources are a run's metric totals as the thresholds read them.
func Sources(sinks map[string]*metrics.Sink) map[string]thresholds.Source {
	src := make(map[string]thresholds.Source, len(sinks))
	for name, s := range sinks {
		src[name] = thresholds.SourceFunc(func(a thresholds.Aggregation) (float64, bool) { return s.Aggregate(a.String()) })
	}
	return src
}
