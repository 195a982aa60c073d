package thresholds_test

import (
	"errors"
	"testing"

	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"p(95)<2000", " p(99.9) <= 1.5e3 ", "rate<.01", "count>=-1", "value!=0", "avg===5", "med>5.",
		"p(95)<<2", "p(150)<1", "avg=5", "", "p( 95)<1", "avg<1e", "avg<1e400", "\u00a0min\u00a0>\u00a01", "avg<\xff",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		e, err := thresholds.Parse(expr)
		if err != nil {
			var se *thresholds.SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, thresholds.ErrSyntax) {
				t.Fatalf("Parse(%q) error %v is not a *SyntaxError", expr, err)
			}
			if se.Column < 1 || se.Column > len([]rune(expr))+1 {
				t.Fatalf("Parse(%q) error column %d out of the expression", expr, se.Column)
			}
			return
		}
		if e.Source != expr {
			t.Fatalf("Parse(%q).Source = %q", expr, e.Source)
		}
		again, err := thresholds.Parse(e.Source)
		if err != nil || again != e {
			t.Fatalf("Parse(Source) of %q = %+v, %v; want %+v", expr, again, err, e)
		}
		compact, err := thresholds.Parse(e.String())
		if err != nil || compact.Aggregation != e.Aggregation || compact.Op != e.Op || compact.Value != e.Value {
			t.Fatalf("Parse(%q) (String of %q) = %+v, %v; want %+v", e.String(), expr, compact, err, e)
		}
		if p := e.Aggregation.Percentile; p < 0 || p > 100 {
			t.Fatalf("Parse(%q) gave percentile %v", expr, p)
		}
	})
}

func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"gl001_optimize_duration": ["p(95)<2000", "p(99) < 3000"]}`,
		`{"m": [{"threshold": "rate<0.01", "abortOnFail": true, "delayAbortEval": "1d12h"}]}`,
		`{"m": [{"threshold": "avg<1", "delayAbortEval": 1500}], "n{a:b}": null}`,
		`{"m": "avg<1", "m": [5], "x{": [{"Threshold": 1}]}`,
		`null`, ``, `[`, `{"m": []} x`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := thresholds.Decode(data)
		if err != nil {
			if s != nil {
				t.Fatalf("Decode returned a Set with error %v", err)
			}
			if !errors.Is(err, thresholds.ErrSyntax) {
				t.Fatalf("Decode error %v does not wrap ErrSyntax", err)
			}
			return
		}
		for key, ths := range s {
			if _, err := thresholds.ParseMetricKey(key); err != nil {
				t.Fatalf("Decode kept key %q: %v", key, err)
			}
			for _, th := range ths {
				again, err := thresholds.Parse(th.Source)
				if err != nil || again != th.Expression {
					t.Fatalf("Parse(%q) = %+v, %v; want %+v", th.Source, again, err, th.Expression)
				}
				if th.DelayAbortEval < 0 {
					t.Fatalf("negative delay %v", th.DelayAbortEval)
				}
			}
		}
		// Whatever decodes can be judged without panicking.
		_ = s.Validate(map[string]thresholds.MetricType{"m": thresholds.Trend})
		_ = s.Evaluate(nil)
		s.ShouldAbort(nil, 0)
	})
}
