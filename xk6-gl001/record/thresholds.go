package record

import (
	"fmt"

	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// Thresholds returns a run's thresholds: the guide's defaults, with the
// scenario's own over them, validated against the metrics a run records.
// file names the scenario in errors.
func Thresholds(s scenarios.Scenario, file string) (thresholds.Set, error) {
	user := thresholds.Set{}
	if len(s.Thresholds) > 0 {
		var err error
		if user, err = thresholds.Decode(s.Thresholds); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
	}
	set := thresholds.Merge(thresholds.Defaults(), user)
	if err := set.Validate(ThresholdTypes()); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return set, nil
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
