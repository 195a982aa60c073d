package thresholds_test

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// runTypes is a run's metrics, one of each type.
var runTypes = map[string]thresholds.MetricType{
	"c": thresholds.Counter,
	"g": thresholds.Gauge,
	"r": thresholds.Rate,
	"t": thresholds.Trend,
}

func TestValidatePerType(t *testing.T) {
	all := []string{"count>0", "rate<1", "value<1", "avg<1", "min<1", "max<1", "med<1", "p(95)<1", "p(0)<1", "p(100)<1"}
	valid := map[string][]string{
		"c": {"count>0", "rate<1"},
		"g": {"value<1"},
		"r": {"rate<1"},
		"t": {"avg<1", "min<1", "max<1", "med<1", "p(95)<1", "p(0)<1", "p(100)<1"},
	}
	wants := map[string]string{
		"c": "count or rate",
		"g": "value",
		"r": "rate",
		"t": "avg, min, max, med or p(N)",
	}
	typeName := map[string]string{"c": "counter", "g": "gauge", "r": "rate", "t": "trend"}
	for metric, ok := range valid {
		for _, expr := range all {
			t.Run(typeName[metric]+"/"+expr, func(t *testing.T) {
				e, err := thresholds.Parse(expr)
				if err != nil {
					t.Fatal(err)
				}
				err = thresholds.Set{metric: {{Expression: e}}}.Validate(runTypes)
				isValid := false
				for _, v := range ok {
					isValid = isValid || v == expr
				}
				if isValid {
					if err != nil {
						t.Errorf("Validate: %v", err)
					}
					return
				}
				want := `thresholds.` + metric + `[0]: "` + expr + `": ` + e.Aggregation.String() +
					` does not apply to a ` + typeName[metric] + ` metric, want ` + wants[metric]
				if err == nil || err.Error() != want {
					t.Errorf("Validate error\n got: %v\nwant: %s", err, want)
				}
				if !errors.Is(err, thresholds.ErrAggregation) {
					t.Errorf("error does not wrap ErrAggregation")
				}
			})
		}
	}
}

func TestValidate(t *testing.T) {
	parsed := func(expr string) thresholds.Threshold {
		e, err := thresholds.Parse(expr)
		if err != nil {
			t.Fatal(err)
		}
		return thresholds.Threshold{Expression: e}
	}
	tests := []struct {
		name  string
		set   thresholds.Set
		types map[string]thresholds.MetricType
		want  []string // lines of the error; nil for valid
		is    error
	}{
		{"valid", thresholds.Set{"t": {parsed("p(95)<2000"), parsed("avg<1")}, "r": {parsed("rate<0.01")}}, runTypes, nil, nil},
		{"empty set", thresholds.Set{}, runTypes, nil, nil},
		{"empty list", thresholds.Set{"t": {}}, runTypes, nil, nil},
		{"submetric checked against its base", thresholds.Set{"t{plant:p1}": {parsed("p(95)<1")}}, runTypes, nil, nil},
		{"submetric with a bad aggregation", thresholds.Set{"r{plant:p1}": {parsed("p(95)<1")}}, runTypes,
			[]string{`thresholds.r{plant:p1}[0]: "p(95)<1": p(95) does not apply to a rate metric, want rate`}, thresholds.ErrAggregation},
		{"unknown metric lists the known ones", thresholds.Set{"gl001_optimise_duration": {parsed("avg<1")}}, runTypes,
			[]string{`thresholds.gl001_optimise_duration: unknown metric "gl001_optimise_duration", want one of c, g, r, t`}, thresholds.ErrUnknownMetric},
		{"unknown submetric base", thresholds.Set{"x{a:b}": {parsed("avg<1")}}, runTypes,
			[]string{`thresholds.x{a:b}: unknown metric "x", want one of c, g, r, t`}, thresholds.ErrUnknownMetric},
		{"no metrics at all", thresholds.Set{"x": {parsed("avg<1")}}, nil,
			[]string{`thresholds.x: unknown metric "x", want a metric the run records (it records none)`}, thresholds.ErrUnknownMetric},
		{"unknown type", thresholds.Set{"h": {parsed("avg<1")}}, map[string]thresholds.MetricType{"h": "histogram"},
			[]string{`thresholds.h: metric "h" has unknown type "histogram", want counter, gauge, rate or trend`}, thresholds.ErrUnknownMetric},
		{"bad key", thresholds.Set{"t{a}": {parsed("avg<1")}}, runTypes,
			[]string{`thresholds: metric key "t{a}": filter "a" has no ':', want tag:value`}, thresholds.ErrSyntax},
		{"percentile out of range, built by hand", thresholds.Set{"t": {{Expression: thresholds.Expression{Aggregation: pct(150), Op: "<", Value: 1}}}}, runTypes,
			[]string{`thresholds.t[0]: "p(150)<1": percentile 150 out of range, want 0 to 100`}, thresholds.ErrAggregation},
		{"NaN percentile, built by hand", thresholds.Set{"t": {{Expression: thresholds.Expression{Aggregation: pct(math.NaN()), Op: "<", Value: 1}}}}, runTypes,
			[]string{`thresholds.t[0]: "p(NaN)<1": percentile NaN out of range, want 0 to 100`}, thresholds.ErrAggregation},
		{"everything wrong with one threshold, built by hand", thresholds.Set{"t": {{
			Expression:     thresholds.Expression{Source: "x", Aggregation: agg("mean"), Op: "=>", Value: math.Inf(1)},
			DelayAbortEval: -time.Second,
		}}}, runTypes, []string{
			`thresholds.t[0]: "x": unknown aggregation "mean", want count, rate, value, avg, min, max, med or p(N)`,
			`thresholds.t[0]: "x": unknown operator "=>", want an operator: <, <=, >, >=, ==, === or !=`,
			`thresholds.t[0]: "x": value +Inf is not a finite number`,
			`thresholds.t[0]: "x": delayAbortEval -1s is negative, want 0 or more`,
		}, thresholds.ErrSyntax},
		{"every problem at once, sorted by metric", thresholds.Set{
			"z":  {parsed("avg<1")},
			"r":  {parsed("rate<1"), parsed("avg<1"), parsed("count<1")},
			"c":  {parsed("value<1")},
			"t":  {parsed("p(99.9)<1")},
			"g2": {parsed("value<1")},
		}, runTypes, []string{
			`thresholds.c[0]: "value<1": value does not apply to a counter metric, want count or rate`,
			`thresholds.g2: unknown metric "g2", want one of c, g, r, t`,
			`thresholds.r[1]: "avg<1": avg does not apply to a rate metric, want rate`,
			`thresholds.r[2]: "count<1": count does not apply to a rate metric, want rate`,
			`thresholds.z: unknown metric "z", want one of c, g, r, t`,
		}, thresholds.ErrUnknownMetric},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fmt.Sprintf("%#v", tt.set) // NaN defeats DeepEqual
			err := tt.set.Validate(tt.types)
			if fmt.Sprintf("%#v", tt.set) != before {
				t.Errorf("Validate changed the set")
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate succeeded, want %q", tt.want)
			}
			if got := strings.Split(err.Error(), "\n"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate error\n got: %q\nwant: %q", got, tt.want)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("Validate error does not wrap %v", tt.is)
			}
		})
	}
}

func TestMetricType(t *testing.T) {
	tests := []struct {
		typ  thresholds.MetricType
		want []string
	}{
		{thresholds.Counter, []string{"count", "rate"}},
		{thresholds.Gauge, []string{"value"}},
		{thresholds.Rate, []string{"rate"}},
		{thresholds.Trend, []string{"avg", "min", "max", "med", "p(N)"}},
		{"histogram", nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ), func(t *testing.T) {
			if got := tt.typ.Aggregations(); !reflect.DeepEqual(got, tt.want) && len(got)+len(tt.want) > 0 {
				t.Errorf("Aggregations() = %q, want %q", got, tt.want)
			}
			if tt.typ == thresholds.Trend && !tt.typ.Supports(thresholds.MethodPercentile) {
				t.Errorf("trend does not support p")
			}
			if tt.typ.Supports("sum") {
				t.Errorf("%s supports sum", tt.typ)
			}
		})
	}
}
