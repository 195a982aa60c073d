package thresholds_test

import (
	"reflect"
	"testing"

	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

func TestDefaults(t *testing.T) {
	got := thresholds.Defaults()
	want := map[string][]string{
		"gl001_optimize_duration":          {"p(95)<2000"},
		"gl001_coordination_failed":        {"rate<0.01"},
		"gl001_heat_optimization_duration": {"p(95)<2000"},
		"gl001_optimize_failed":            {"rate<0.01"},
	}
	if len(got) != len(want) {
		t.Fatalf("Defaults() has %d metrics, want %d: %v", len(got), len(want), got.Names())
	}
	for name, exprs := range want {
		var srcs []string
		for _, th := range got[name] {
			srcs = append(srcs, th.Source)
			if th.AbortOnFail || th.DelayAbortEval != 0 {
				t.Errorf("%s %s aborts; defaults only fail the run", name, th.Source)
			}
		}
		if !reflect.DeepEqual(srcs, exprs) {
			t.Errorf("Defaults()[%q] = %q, want %q", name, srcs, exprs)
		}
	}
	types := map[string]thresholds.MetricType{
		"gl001_optimize_duration":          thresholds.Trend,
		"gl001_coordination_failed":        thresholds.Rate,
		"gl001_heat_optimization_duration": thresholds.Trend,
		"gl001_optimize_failed":            thresholds.Rate,
	}
	if err := got.Validate(types); err != nil {
		t.Errorf("Defaults() do not validate: %v", err)
	}

	got["gl001_optimize_duration"][0].Value = 1
	if again := thresholds.Defaults(); again["gl001_optimize_duration"][0].Value != 2000 {
		t.Error("Defaults() shares its lists between calls")
	}
}

func TestMerge(t *testing.T) {
	defaults := thresholds.Defaults()
	tests := []struct {
		name string
		user string
		want map[string][]string
	}{
		{"no user thresholds", `{}`, map[string][]string{
			"gl001_coordination_failed":        {"rate<0.01"},
			"gl001_heat_optimization_duration": {"p(95)<2000"},
			"gl001_optimize_duration":          {"p(95)<2000"},
			"gl001_optimize_failed":            {"rate<0.01"},
		}},
		{"user list replaces the default's", `{"gl001_optimize_duration": ["p(99)<3000", "avg<800"]}`, map[string][]string{
			"gl001_coordination_failed":        {"rate<0.01"},
			"gl001_heat_optimization_duration": {"p(95)<2000"},
			"gl001_optimize_duration":          {"p(99)<3000", "avg<800"},
			"gl001_optimize_failed":            {"rate<0.01"},
		}},
		{"empty list switches a default off", `{"gl001_coordination_failed": []}`, map[string][]string{
			"gl001_coordination_failed":        {},
			"gl001_heat_optimization_duration": {"p(95)<2000"},
			"gl001_optimize_duration":          {"p(95)<2000"},
			"gl001_optimize_failed":            {"rate<0.01"},
		}},
		{"submetric adds, base default stays", `{"gl001_optimize_duration{plant:p1}": ["p(95)<1000"], "other": ["count>0"]}`, map[string][]string{
			"gl001_coordination_failed":         {"rate<0.01"},
			"gl001_heat_optimization_duration":  {"p(95)<2000"},
			"gl001_optimize_duration":           {"p(95)<2000"},
			"gl001_optimize_failed":             {"rate<0.01"},
			"gl001_optimize_duration{plant:p1}": {"p(95)<1000"},
			"other":                             {"count>0"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user := set(t, tt.user)
			got := thresholds.Merge(defaults, user)
			srcs := map[string][]string{}
			for name, ths := range got {
				srcs[name] = []string{}
				for _, th := range ths {
					srcs[name] = append(srcs[name], th.Source)
				}
			}
			if !reflect.DeepEqual(srcs, tt.want) {
				t.Errorf("Merge\n got: %q\nwant: %q", srcs, tt.want)
			}
			for name := range got {
				if len(got[name]) > 0 {
					got[name][0].Value = -1
				}
			}
			if defaults["gl001_optimize_duration"][0].Value != 2000 {
				t.Fatal("Merge's result shares a list with the defaults")
			}
			for _, ths := range user {
				for _, th := range ths {
					if th.Value == -1 {
						t.Fatal("Merge's result shares a list with the user's set")
					}
				}
			}
		})
	}
	t.Run("nil sets", func(t *testing.T) {
		if got := thresholds.Merge(nil, nil); got == nil || len(got) != 0 {
			t.Errorf("Merge(nil, nil) = %#v, want an empty Set", got)
		}
		if got := thresholds.Merge(nil, thresholds.Set{"m": nil}); got["m"] == nil {
			t.Errorf("Merge kept a nil list, want an empty one")
		}
	})
}
