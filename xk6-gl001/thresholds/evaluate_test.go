package thresholds_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// fake is a Source with fixed values, keyed by the aggregation's
// spelling ("avg", "p(95)"); it has no samples when empty.
type fake map[string]float64

func (f fake) Aggregate(a thresholds.Aggregation) (float64, bool) {
	v, ok := f[a.String()]
	return v, ok
}

// set decodes a Set or fails the test.
func set(t testing.TB, data string) thresholds.Set {
	t.Helper()
	s, err := thresholds.Decode([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEvaluateBoundaries(t *testing.T) {
	// Each operator against 2000, with p(95) observed just below, at and
	// just above it.
	tests := []struct {
		op                  string
		below, equal, above bool
	}{
		{"<", true, false, false},
		{"<=", true, true, false},
		{">", false, false, true},
		{">=", false, true, true},
		{"==", false, true, false},
		{"===", false, true, false},
		{"!=", true, false, true},
	}
	for _, tt := range tests {
		for _, c := range []struct {
			name     string
			observed float64
			want     bool
		}{{"below", 1999.999, tt.below}, {"equal", 2000, tt.equal}, {"above", 2000.001, tt.above}} {
			t.Run(tt.op+"/"+c.name, func(t *testing.T) {
				s := set(t, `{"m": ["p(95)`+tt.op+`2000"]}`)
				rs := s.Evaluate(map[string]thresholds.Source{"m": fake{"p(95)": c.observed}})
				if len(rs) != 1 {
					t.Fatalf("Evaluate gave %d results, want 1", len(rs))
				}
				r := rs[0]
				if r.OK != c.want || r.Observed != c.observed || r.NoData || r.Metric != "m" {
					t.Errorf("Evaluate = %+v, want ok=%v observed=%v", r, c.want, c.observed)
				}
				if rs.Passed() != c.want {
					t.Errorf("Passed() = %v, want %v", rs.Passed(), c.want)
				}
			})
		}
	}
}

func TestEvaluate(t *testing.T) {
	s := set(t, `{
		"gl001_optimize_duration": ["p(95)<2000", "avg < 500"],
		"gl001_coordination_failed": ["rate<0.01"],
		"gl001_optimize_duration{plant:p1}": ["max<3000"],
		"idle_trend": ["p(95)<2000", "count>0"],
		"missing": ["value>=0"]
	}`)
	sinks := map[string]thresholds.Source{
		"gl001_optimize_duration":           fake{"p(95)": 1234.5, "avg": 600},
		"gl001_coordination_failed":         thresholds.SourceFunc(func(thresholds.Aggregation) (float64, bool) { return 0.0213, true }),
		"gl001_optimize_duration{plant:p1}": fake{"max": 2999},
		"idle_trend":                        fake{},
		"nil func":                          thresholds.SourceFunc(nil),
	}
	got := s.Evaluate(sinks)
	type row struct {
		metric, expr string
		ok           bool
		observed     float64
		noData       bool
	}
	want := []row{
		{"gl001_coordination_failed", "rate<0.01", false, 0.0213, false},
		{"gl001_optimize_duration", "p(95)<2000", true, 1234.5, false},
		{"gl001_optimize_duration", "avg < 500", false, 600, false},
		{"gl001_optimize_duration{plant:p1}", "max<3000", true, 2999, false},
		// No samples: no data, neither held nor failed, and never ok.
		{"idle_trend", "p(95)<2000", false, 0, true},
		{"idle_trend", "count>0", false, 0, true},
		{"missing", "value>=0", false, 0, true},
	}
	var rows []row
	for _, r := range got {
		rows = append(rows, row{r.Metric, r.Threshold.Source, r.OK, r.Observed, r.NoData})
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("Evaluate\n got: %+v\nwant: %+v", rows, want)
	}
	if got.Passed() {
		t.Error("Passed() = true with failed thresholds")
	}
	if n, f := len(got.NoData()), len(got.Failed()); n != 3 || f != 2 {
		t.Errorf("NoData %d, Failed %d; want 3 and 2", n, f)
	}
}

func TestEvaluateNoSamplesSource(t *testing.T) {
	// A Source saying "no samples" may return anything with it.
	s := set(t, `{"m": ["avg<1"]}`)
	src := thresholds.SourceFunc(func(thresholds.Aggregation) (float64, bool) { return 99, false })
	r := s.Evaluate(map[string]thresholds.Source{"m": src})[0]
	if r.OK || r.Observed != 0 || !r.NoData || r.Failed() {
		t.Errorf("Evaluate = %+v, want no data: not ok, not failed, observed 0", r)
	}
	if rs := (thresholds.Results{r}); rs.Passed() {
		t.Error("Passed() = true with a threshold that saw no data")
	}
}

func TestResultsPassed(t *testing.T) {
	if !(thresholds.Results{}).Passed() {
		t.Error("no results: Passed() = false, want true")
	}
	if !(thresholds.Results{{OK: true}, {OK: true}}).Passed() {
		t.Error("all ok: Passed() = false")
	}
	if (thresholds.Results{{OK: true}, {OK: false}}).Passed() {
		t.Error("one failed: Passed() = true")
	}
}

func TestResultsJSON(t *testing.T) {
	s := set(t, `{
		"a": ["p(95)<2000", "p(95) < 10", "p(95)<2000"],
		"b": ["rate<0.01"]
	}`)
	rs := s.Evaluate(map[string]thresholds.Source{"a": fake{"p(95)": 100}, "b": fake{"rate": 0.5}})
	got, err := rs.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":{"p(95) < 10":{"ok":false},"p(95)<2000":{"ok":true}},"b":{"rate<0.01":{"ok":false}}}`
	if string(got) != want {
		t.Errorf("MarshalJSON\n got: %s\nwant: %s", got, want)
	}

	t.Run("embedded in a summary", func(t *testing.T) {
		var b strings.Builder
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(struct {
			Thresholds thresholds.Results `json:"thresholds"`
		}{rs}); err != nil {
			t.Fatal(err)
		}
		if want := `{"thresholds":` + want + "}\n"; b.String() != want {
			t.Errorf("encoded\n got: %s\nwant: %s", b.String(), want)
		}
	})

	t.Run("a repeated expression is ok only if it always held", func(t *testing.T) {
		rs := thresholds.Results{
			{Metric: "m", Threshold: thresholds.Threshold{Expression: thresholds.Expression{Source: "avg<1"}}, OK: true},
			{Metric: "m", Threshold: thresholds.Threshold{Expression: thresholds.Expression{Source: "avg<1"}}, OK: false},
			{Metric: "m", Threshold: thresholds.Threshold{Expression: thresholds.Expression{Source: "avg<1"}}, OK: true},
		}
		if v := rs.ByMetric()["m"]["avg<1"]; v.OK {
			t.Errorf("ByMetric = %+v, want not ok", v)
		}
	})
}

func TestResultsText(t *testing.T) {
	s := set(t, `{
		"gl001_optimize_duration": ["p(95)<2000"],
		"gl001_coordination_failed": ["rate<0.01"],
		"gl001_heat_optimization_duration": ["p(95) < 2000"],
		"big": ["count<1"],
		"tiny": ["avg>0"],
		"precise": ["avg<1"]
	}`)
	rs := s.Evaluate(map[string]thresholds.Source{
		"gl001_optimize_duration":   fake{"p(95)": 123.4},
		"gl001_coordination_failed": fake{"rate": 0.0213},
		"big":                       fake{"count": 2.5e17},
		"tiny":                      fake{"avg": 1.5e-9},
		"precise":                   fake{"avg": 0.123456789},
	})
	var b strings.Builder
	if err := rs.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `✗ big count<1 (observed 2.5e+17)
✗ gl001_coordination_failed rate<0.01 (observed 0.0213)
? gl001_heat_optimization_duration p(95) < 2000 (no data: no sample was recorded, so not verified)
✓ gl001_optimize_duration p(95)<2000 (observed 123.4)
✓ precise avg<1 (observed 0.123457)
✓ tiny avg>0 (observed 1.5e-09)
`
	if b.String() != want {
		t.Errorf("WriteText\n got: %s\nwant: %s", b.String(), want)
	}
}

func TestShouldAbort(t *testing.T) {
	s := set(t, `{
		"lat": [
			{"threshold": "p(95)<2000", "abortOnFail": true, "delayAbortEval": "10s"},
			{"threshold": "avg<100", "abortOnFail": true},
			"max<1"
		],
		"err": [{"threshold": "rate<0.01", "abortOnFail": true, "delayAbortEval": "1m"}],
		"idle": [{"threshold": "count>0", "abortOnFail": true}],
		"ok": [{"threshold": "value<5", "abortOnFail": true}]
	}`)
	failing := map[string]thresholds.Source{
		"lat":  fake{"p(95)": 2500, "avg": 50, "max": 9000},
		"err":  fake{"rate": 0.5},
		"idle": fake{},
		"ok":   fake{"value": 1},
	}
	tests := []struct {
		name    string
		sinks   map[string]thresholds.Source
		elapsed time.Duration
		want    []string
	}{
		{"at start: only undelayed thresholds count", failing, 0, nil},
		{"just before the delay", failing, 10*time.Second - time.Nanosecond, nil},
		{"at the delay", failing, 10 * time.Second, []string{"lat p(95)<2000"}},
		{"after both delays", failing, time.Minute, []string{"err rate<0.01", "lat p(95)<2000"}},
		{"passing thresholds never abort", map[string]thresholds.Source{
			"lat": fake{"p(95)": 100, "avg": 50, "max": 9000}, "err": fake{"rate": 0}, "ok": fake{"value": 1},
		}, time.Hour, nil},
		{"no samples never abort", map[string]thresholds.Source{}, time.Hour, nil},
		{"undelayed failure aborts at once", map[string]thresholds.Source{"lat": fake{"avg": 500}}, 0, []string{"lat avg<100"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			abort, which := s.ShouldAbort(tt.sinks, tt.elapsed)
			if abort != (len(tt.want) > 0) || !reflect.DeepEqual(which, tt.want) {
				t.Errorf("ShouldAbort(%v) = %v, %q, want %q", tt.elapsed, abort, which, tt.want)
			}
		})
	}
}

func BenchmarkShouldAbort(b *testing.B) {
	s := thresholds.Merge(thresholds.Defaults(), set(b, `{"gl001_optimize_duration": [{"threshold": "p(95)<2000", "abortOnFail": true}]}`))
	sinks := map[string]thresholds.Source{
		"gl001_optimize_duration":          fake{"p(95)": 100},
		"gl001_coordination_failed":        fake{"rate": 0},
		"gl001_heat_optimization_duration": fake{"p(95)": 100},
	}
	for b.Loop() {
		s.ShouldAbort(sinks, time.Minute)
	}
}
