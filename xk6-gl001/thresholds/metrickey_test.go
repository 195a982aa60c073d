package thresholds_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

func TestParseMetricKey(t *testing.T) {
	tests := []struct {
		name   string
		key    string
		want   thresholds.MetricKey
		string string
	}{
		{"plain", "gl001_optimize_duration", thresholds.MetricKey{Name: "gl001_optimize_duration"}, "gl001_optimize_duration"},
		{"one tag", "http_req_duration{type:API}",
			thresholds.MetricKey{Name: "http_req_duration", Tags: []thresholds.Tag{{Key: "type", Value: "API"}}},
			"http_req_duration{type:API}"},
		{"two tags", "checks{a:1,b:2}",
			thresholds.MetricKey{Name: "checks", Tags: []thresholds.Tag{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}}},
			"checks{a:1,b:2}"},
		{"value with colons splits at the first", "group_duration{group:::batch}",
			thresholds.MetricKey{Name: "group_duration", Tags: []thresholds.Tag{{Key: "group", Value: "::batch"}}},
			"group_duration{group:::batch}"},
		{"spaces and double quotes", `x{ type : "API" }`,
			thresholds.MetricKey{Name: "x", Tags: []thresholds.Tag{{Key: "type", Value: "API"}}}, "x{type:API}"},
		{"single quotes", `x{'type':'API'}`,
			thresholds.MetricKey{Name: "x", Tags: []thresholds.Tag{{Key: "type", Value: "API"}}}, "x{type:API}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := thresholds.ParseMetricKey(tt.key)
			if err != nil {
				t.Fatalf("ParseMetricKey(%q): %v", tt.key, err)
			}
			if !reflect.DeepEqual(k, tt.want) {
				t.Errorf("ParseMetricKey(%q) = %+v, want %+v", tt.key, k, tt.want)
			}
			if got := k.String(); got != tt.string {
				t.Errorf("String() = %q, want %q", got, tt.string)
			}
		})
	}
}

func TestParseMetricKeyErrors(t *testing.T) {
	tests := []struct {
		name, key, want string
	}{
		{"empty", "", `empty metric name, want a metric like "gl001_optimize_duration"`},
		{"blank", "  ", `empty metric name, want a metric like "gl001_optimize_duration"`},
		{"closing only", "x}", `metric key "x}" has '}' without '{', want name{tag:value}`},
		{"no name", "{a:b}", `metric key "{a:b}" has no name before '{', want name{tag:value}`},
		{"unclosed", "x{a:b", `metric key "x{a:b" does not end with '}', want name{tag:value}`},
		{"text after filter", "x{a:b}y", `metric key "x{a:b}y" does not end with '}', want name{tag:value}`},
		{"closing before opening", "x}{a:b}", `metric key "x}{a:b}" has '}' before '{', want name{tag:value}`},
		{"empty filter", "x{}", `metric key "x{}" has an empty tag filter, want name{tag:value}`},
		{"no colon", "x{a}", `metric key "x{a}": filter "a" has no ':', want tag:value`},
		{"empty tag", "x{:b}", `metric key "x{:b}": filter ":b" has an empty tag or value, want tag:value`},
		{"empty value", "x{a:}", `metric key "x{a:}": filter "a:" has an empty tag or value, want tag:value`},
		{"empty second filter", "x{a:b,}", `metric key "x{a:b,}": filter "" has no ':', want tag:value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := thresholds.ParseMetricKey(tt.key)
			if err == nil {
				t.Fatalf("ParseMetricKey(%q) succeeded, want %s", tt.key, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("ParseMetricKey(%q) error\n got: %s\nwant: %s", tt.key, err, tt.want)
			}
			if !errors.Is(err, thresholds.ErrSyntax) {
				t.Errorf("error does not wrap ErrSyntax")
			}
		})
	}
}
