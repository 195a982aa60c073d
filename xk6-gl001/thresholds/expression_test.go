package thresholds_test

import (
	"errors"
	"math"
	"testing"

	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

func agg(method string) thresholds.Aggregation { return thresholds.Aggregation{Method: method} }

func pct(n float64) thresholds.Aggregation {
	return thresholds.Aggregation{Method: thresholds.MethodPercentile, Percentile: n}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name  string
		expr  string
		agg   thresholds.Aggregation
		op    thresholds.Operator
		value float64
	}{
		// Every aggregation.
		{"count", "count>=500", agg("count"), ">=", 500},
		{"rate", "rate<0.01", agg("rate"), "<", 0.01},
		{"value", "value<4000", agg("value"), "<", 4000},
		{"avg", "avg<200", agg("avg"), "<", 200},
		{"min", "min<100", agg("min"), "<", 100},
		{"max", "max<2000", agg("max"), "<", 2000},
		{"med", "med<150", agg("med"), "<", 150},
		{"p95", "p(95)<2000", pct(95), "<", 2000},
		{"p99.9", "p(99.9)<300", pct(99.9), "<", 300},
		{"p99.99", "p(99.99)<1", pct(99.99), "<", 1},
		{"p0", "p(0)>=0", pct(0), ">=", 0},
		{"p100", "p(100)<=5", pct(100), "<=", 5},
		{"p100.0", "p(100.0)<=5", pct(100), "<=", 5},
		{"percentile with exponent", "p(9.5e1)<5", pct(95), "<", 5},
		{"percentile .5", "p(.5)<5", pct(0.5), "<", 5},

		// Every operator.
		{"less", "avg<1", agg("avg"), thresholds.OpLess, 1},
		{"less or equal", "avg<=1", agg("avg"), thresholds.OpLessEqual, 1},
		{"greater", "avg>1", agg("avg"), thresholds.OpGreater, 1},
		{"greater or equal", "avg>=1", agg("avg"), thresholds.OpGreaterEqual, 1},
		{"equal", "avg==1", agg("avg"), thresholds.OpEqual, 1},
		{"strictly equal", "avg===1", agg("avg"), thresholds.OpStrictEqual, 1},
		{"not equal", "avg!=1", agg("avg"), thresholds.OpNotEqual, 1},

		// White space, as k6 trims it.
		{"spaces around operator", "p(95) < 2000", pct(95), "<", 2000},
		{"leading and trailing", "  avg<200  ", agg("avg"), "<", 200},
		{"space before operator only", "avg <200", agg("avg"), "<", 200},
		{"space after operator only", "avg< 200", agg("avg"), "<", 200},
		{"tabs and newlines", "\tavg\t<=\t200\n", agg("avg"), "<=", 200},
		{"crlf", "count\r\n>=\r\n1", agg("count"), ">=", 1},
		{"unicode space", "\u00a0avg\u00a0<\u00a01\u2003", agg("avg"), "<", 1},

		// Numbers.
		{"exponent", "avg<1e3", agg("avg"), "<", 1000},
		{"exponent upper case with sign", "avg<1E+3", agg("avg"), "<", 1000},
		{"negative exponent", "avg<2.5e-1", agg("avg"), "<", 0.25},
		{"negative", "count>-1", agg("count"), ">", -1},
		{"explicit plus", "count>+1", agg("count"), ">", 1},
		{"leading dot", "rate<.01", agg("rate"), "<", 0.01},
		{"trailing dot", "avg<5.", agg("avg"), "<", 5},
		{"zero", "count==0", agg("count"), "==", 0},
		{"negative zero", "count>=-0", agg("count"), ">=", 0},
		{"underflow is zero", "avg<1e-400", agg("avg"), "<", 0},
		{"largest", "avg<1.7976931348623157e308", agg("avg"), "<", math.MaxFloat64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := thresholds.Parse(tt.expr)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.expr, err)
			}
			want := thresholds.Expression{Source: tt.expr, Aggregation: tt.agg, Op: tt.op, Value: tt.value}
			if e != want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.expr, e, want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const (
		wantAgg = "count, rate, value, avg, min, max, med or p(N)"
		wantOp  = "an operator: <, <=, >, >=, ==, === or !="
	)
	tests := []struct {
		name string
		expr string
		want string
	}{
		{"empty", "", `"": empty expression at 1, want aggregation operator value, like "p(95)<2000"`},
		{"blank", "   ", `"   ": empty expression at 4, want aggregation operator value, like "p(95)<2000"`},
		{"doubled operator", "p(95)<<2", `"p(95)<<2": unexpected '<' at 7, want a number`},
		{"no operator", "avg", `"avg": unexpected end at 4, want ` + wantOp},
		{"missing operator", "avg 200", `"avg 200": unexpected '2' at 5, want ` + wantOp},
		{"single equals", "avg=200", `"avg=200": unexpected '=' at 4, want ` + wantOp + ` ('=' alone is not one)`},
		{"split operator", "avg < = 5", `"avg < = 5": unexpected '=' at 7, want a number`},
		{"no value", "avg<", `"avg<": unexpected end at 5, want a number`},
		{"word value", "avg<abc", `"avg<abc": unexpected 'a' at 5, want a number`},
		{"sign only", "avg<-", `"avg<-": unexpected end at 6, want a number`},
		{"dot only", "avg<.", `"avg<.": unexpected end at 6, want a number`},
		{"Inf", "avg<Inf", `"avg<Inf": unexpected 'I' at 5, want a number`},
		{"NaN", "avg<NaN", `"avg<NaN": unexpected 'N' at 5, want a number`},
		{"exponent without digits", "avg<1e", `"avg<1e": unexpected end at 7, want the digits of the exponent`},
		{"exponent sign without digits", "avg<1e+x", `"avg<1e+x": unexpected 'x' at 8, want the digits of the exponent`},
		{"out of range", "avg<1e400", `"avg<1e400": number 1e400 out of range at 5, want a number within ±1.79e308`},
		{"unit", "avg<5ms", `"avg<5ms": unexpected 'm' at 6, want end of expression (values are plain numbers, in ms for durations)`},
		{"hex", "avg<0x10", `"avg<0x10": unexpected 'x' at 6, want end of expression (values are plain numbers, in ms for durations)`},
		{"digit separator", "avg<1_000", `"avg<1_000": unexpected '_' at 6, want end of expression`},
		{"two values", "avg<5 6", `"avg<5 6": unexpected '6' at 7, want end of expression`},
		{"conjunction", "p(95)<2000 && avg<100", `"p(95)<2000 && avg<100": unexpected '&' at 12, want end of expression`},
		{"no aggregation", "<5", `"<5": unexpected '<' at 1, want an aggregation: ` + wantAgg},
		{"upper case", "AVG<5", `"AVG<5": unknown aggregation "AVG" at 1, want ` + wantAgg},
		{"mean", "mean<5", `"mean<5": unknown aggregation "mean" at 1, want ` + wantAgg},
		{"percentile without parentheses", "p95<5", `"p95<5": unknown aggregation "p95" at 1, want ` + wantAgg},
		{"bare p", "p<5", `"p<5": unexpected '<' at 2, want '(' (a percentile is written p(N))`},
		{"space after p", "p (95)<5", `"p (95)<5": unexpected ' ' at 2, want '(' (a percentile is written p(N))`},
		{"space inside p", "p( 95)<5", `"p( 95)<5": unexpected ' ' at 3, want a percentile from 0 to 100`},
		{"space before parenthesis", "p(95 )<5", `"p(95 )<5": unexpected ' ' at 5, want ')'`},
		{"unclosed percentile", "p(95<5", `"p(95<5": unexpected '<' at 5, want ')'`},
		{"empty percentile", "p()<5", `"p()<5": unexpected ')' at 3, want a percentile from 0 to 100`},
		{"negative percentile", "p(-5)<5", `"p(-5)<5": unexpected '-' at 3, want a percentile from 0 to 100`},
		{"percentile above 100", "p(150)<5", `"p(150)<5": percentile 150 out of range at 3, want 0 to 100`},
		{"percentile just above 100", "p(100.01)<5", `"p(100.01)<5": percentile 100.01 out of range at 3, want 0 to 100`},
		{"non-ASCII column", "avg\u00a0<\u00a0x", `"avg\u00a0<\u00a0x": unexpected 'x' at 7, want a number`},
		{"non-ASCII aggregation", "é<5", `"é<5": unexpected 'é' at 1, want an aggregation: ` + wantAgg},
		{"invalid UTF-8", "avg<\xff", `"avg<\xff": unexpected byte 0xff at 5, want a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := thresholds.Parse(tt.expr)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded, want %s", tt.expr, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse(%q) error\n got: %s\nwant: %s", tt.expr, err, tt.want)
			}
			if !errors.Is(err, thresholds.ErrSyntax) {
				t.Errorf("Parse(%q) error does not wrap ErrSyntax", tt.expr)
			}
			var se *thresholds.SyntaxError
			if !errors.As(err, &se) || se.Expr != tt.expr {
				t.Errorf("Parse(%q) error is not a *SyntaxError for the expression: %#v", tt.expr, err)
			}
		})
	}
}

func TestAggregationString(t *testing.T) {
	tests := []struct {
		name string
		agg  thresholds.Aggregation
		want string
	}{
		{"avg", agg("avg"), "avg"},
		{"count", agg("count"), "count"},
		{"p95", pct(95), "p(95)"},
		{"p99.9", pct(99.9), "p(99.9)"},
		{"tiny percentile has no exponent", pct(1e-7), "p(0.0000001)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.agg.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExpressionString(t *testing.T) {
	tests := []struct {
		name, expr, want string
	}{
		{"compact", "p(95)<2000", "p(95)<2000"},
		{"spaces dropped", " p(95) < 2000 ", "p(95)<2000"},
		{"exponent expanded", "avg<1e3", "avg<1000"},
		{"leading dot", "rate<.01", "rate<0.01"},
		{"strict equality kept", "count===5", "count===5"},
		{"large value", "avg<1e21", "avg<1e+21"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := thresholds.Parse(tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			back, err := thresholds.Parse(e.String())
			if err != nil {
				t.Fatalf("Parse(String()) = %v", err)
			}
			if back.Aggregation != e.Aggregation || back.Op != e.Op || back.Value != e.Value {
				t.Errorf("Parse(%q) = %+v, want %+v", e.String(), back, e)
			}
		})
	}
}

func TestHolds(t *testing.T) {
	// The threshold value is 100; each row is what the operator says
	// just below, at and just above it.
	tests := []struct {
		op                  thresholds.Operator
		below, equal, above bool
	}{
		{thresholds.OpLess, true, false, false},
		{thresholds.OpLessEqual, true, true, false},
		{thresholds.OpGreater, false, false, true},
		{thresholds.OpGreaterEqual, false, true, true},
		{thresholds.OpEqual, false, true, false},
		{thresholds.OpStrictEqual, false, true, false},
		{thresholds.OpNotEqual, true, false, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.op), func(t *testing.T) {
			e := thresholds.Expression{Aggregation: agg("avg"), Op: tt.op, Value: 100}
			for _, c := range []struct {
				observed float64
				want     bool
			}{{math.Nextafter(100, 0), tt.below}, {100, tt.equal}, {math.Nextafter(100, 200), tt.above}} {
				if got := e.Holds(c.observed); got != c.want {
					t.Errorf("avg=%v %s 100: Holds = %v, want %v", c.observed, tt.op, got, c.want)
				}
			}
			if got, want := e.Holds(math.NaN()), tt.op == thresholds.OpNotEqual; got != want {
				t.Errorf("avg=NaN %s 100: Holds = %v, want %v", tt.op, got, want)
			}
		})
	}
	t.Run("invalid operator", func(t *testing.T) {
		e := thresholds.Expression{Aggregation: agg("avg"), Op: "=>", Value: 100}
		if e.Holds(100) || e.Holds(200) {
			t.Error("an invalid operator held")
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, err := thresholds.Parse("p(99.9) < 2000"); err != nil {
			b.Fatal(err)
		}
	}
}
