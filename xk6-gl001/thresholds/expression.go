// Package thresholds is k6's pass/fail criteria for a load test, written
// without k6: the expression grammar ("p(95)<2000"), the thresholds map of
// an options or scenario file, validation against the run's metric types,
// evaluation against what the run measured, and the abortOnFail rule.
//
// The steps are separate, as in k6. Parse and Decode check syntax only.
// Validate checks the parsed thresholds against the metrics a run has and
// their types (p(95) on a rate metric is valid syntax but not a valid
// threshold). Evaluate and ShouldAbort compare them with measured values,
// which a Source per metric supplies.
//
// Values carry the metric's unit, as in k6: milliseconds for durations,
// a fraction from 0 to 1 for rates, plain counts for counters.
//
// Sets, Thresholds and Results are values: every function here only reads
// them, so they are safe to share between goroutines as long as nobody
// mutates them.
package thresholds

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Aggregation methods, spelled as in an expression. Which ones a metric
// accepts depends on its type; see MetricType.Supports.
const (
	MethodCount      = "count" // counter: the sum of the added values
	MethodRate       = "rate"  // counter: count per second of the run; rate: fraction of non-zero samples
	MethodValue      = "value" // gauge: the last value
	MethodAvg        = "avg"   // trend
	MethodMin        = "min"   // trend
	MethodMax        = "max"   // trend
	MethodMed        = "med"   // trend: the median
	MethodPercentile = "p"     // trend: p(N), the Nth percentile, N from 0 to 100
)

// methods lists every method in the order messages name them.
var methods = []string{MethodCount, MethodRate, MethodValue, MethodAvg, MethodMin, MethodMax, MethodMed, MethodPercentile}

// Aggregation is the left-hand side of an expression: what to compute
// from a metric's samples.
type Aggregation struct {
	// Method is one of the Method constants: count, rate, value, avg,
	// min, max, med or p.
	Method string
	// Percentile is N of p(N), from 0 to 100 (95 for p(95), 99.9 for
	// p(99.9)); 0 for the other methods.
	Percentile float64
}

// String spells the aggregation as k6 does: "avg", "p(95)", "p(99.9)".
func (a Aggregation) String() string {
	if a.Method == MethodPercentile {
		return "p(" + strconv.FormatFloat(a.Percentile, 'f', -1, 64) + ")"
	}
	return a.Method
}

// Operator compares an aggregation with a threshold's value.
type Operator string

// The operators of k6's grammar. OpStrictEqual (===) means the same as
// OpEqual (==); it is kept apart only so that String gives back what was
// written.
const (
	OpLess         Operator = "<"
	OpLessEqual    Operator = "<="
	OpGreater      Operator = ">"
	OpGreaterEqual Operator = ">="
	OpEqual        Operator = "=="
	OpStrictEqual  Operator = "==="
	OpNotEqual     Operator = "!="
)

// operators is in the order the scanner tries them: a longer operator
// before any operator it starts with.
var operators = []Operator{OpStrictEqual, OpEqual, OpNotEqual, OpLessEqual, OpGreaterEqual, OpLess, OpGreater}

const wantOperator = "an operator: <, <=, >, >=, ==, === or !="

// valid reports whether o is one of the seven operators.
func (o Operator) valid() bool {
	for _, op := range operators {
		if o == op {
			return true
		}
	}
	return false
}

// Expression is one parsed threshold expression, `aggregation operator
// value`.
type Expression struct {
	// Source is the expression as written ("p(95) < 2000"); k6 reports
	// results under it.
	Source      string
	Aggregation Aggregation
	Op          Operator
	// Value is the right-hand side, in the metric's unit.
	Value float64
}

// String gives the expression in k6's compact spelling, "p(95)<2000",
// whatever white space the source had. Parse(e.String()) gives back e's
// Aggregation, Op and Value.
func (e Expression) String() string {
	return e.Aggregation.String() + string(e.Op) + strconv.FormatFloat(e.Value, 'g', -1, 64)
}

// Holds reports whether observed satisfies the expression: for "p(95)<2000",
// whether observed < 2000. The comparison is IEEE's, as in k6: a NaN
// observation satisfies only !=. An invalid Op never holds.
func (e Expression) Holds(observed float64) bool {
	switch e.Op {
	case OpLess:
		return observed < e.Value
	case OpLessEqual:
		return observed <= e.Value
	case OpGreater:
		return observed > e.Value
	case OpGreaterEqual:
		return observed >= e.Value
	case OpEqual, OpStrictEqual:
		return observed == e.Value
	case OpNotEqual:
		return observed != e.Value
	}
	return false
}

// label is how results name the expression: as written, or in the
// compact spelling when it was built by hand.
func (e Expression) label() string {
	if e.Source != "" {
		return e.Source
	}
	return e.String()
}

// ErrSyntax is what every syntax error wraps: a malformed expression, a
// malformed metric key, or a thresholds map of the wrong shape. Callers
// branch on it with errors.Is to tell bad input from other failures.
var ErrSyntax = errors.New("threshold syntax error")

// SyntaxError is Parse's error: what was wrong, where, and what would be
// right. Its text is `"p(95)<<2": unexpected '<' at 7, want a number`.
type SyntaxError struct {
	Expr string // the expression as given
	// Column is where the problem is, counted in characters from 1;
	// len+1 when the expression ended too soon.
	Column  int
	Problem string // "unexpected '<'", "unexpected end", `unknown aggregation "p95"`
	Want    string // "a number", "')'"
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%q: %s at %d, want %s", e.Expr, e.Problem, e.Column, e.Want)
}

// Unwrap makes every SyntaxError match ErrSyntax.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// Parse reads one threshold expression. It checks syntax only: whether
// the aggregation suits the metric is Validate's question.
//
// The grammar is k6's. White space (unicode.IsSpace) may stand before and
// after the aggregation, the operator and the value, but not inside a
// token: "p(95) < 2000" is valid, "p( 95 )" and "< =" are not, as in k6.
// Names are case-sensitive.
//
//	expression  = ws aggregation ws operator ws number ws .
//	aggregation = "count" | "rate" | "value" | "avg" | "min" | "max" | "med"
//	            | "p(" unsigned ")" .          (a percentile, 0 to 100)
//	operator    = "<" | "<=" | ">" | ">=" | "==" | "===" | "!=" .
//	number      = [ "+" | "-" ] unsigned .     (finite as a float64)
//	unsigned    = mantissa [ ( "e" | "E" ) [ "+" | "-" ] digit { digit } ] .
//	mantissa    = digit { digit } [ "." { digit } ] | "." digit { digit } .
//	digit       = "0" … "9" .
//	ws          = { white space } .
//
// So "p(99.9)<1.5e3", "count>=-1" and "rate<.01" are valid. Where k6 leans
// on strconv.ParseFloat, this grammar is narrower: "Inf", "NaN", hex
// floats and digit separators are rejected, and so is a bare "p" without
// its parentheses. A percentile outside 0 to 100 is an error here, as it
// is in k6's parser.
//
// Every error is a *SyntaxError, naming the column and what would have
// been right there.
func Parse(expr string) (Expression, error) {
	p := parser{src: expr}
	e, err := p.expression()
	if err != nil {
		return Expression{}, err
	}
	return e, nil
}

// parser reads one expression left to right; off is a byte offset.
type parser struct {
	src string
	off int
}

func (p *parser) expression() (Expression, error) {
	p.skipSpace()
	if p.off == len(p.src) {
		return Expression{}, p.fail(p.off, "empty expression", `aggregation operator value, like "p(95)<2000"`)
	}
	agg, err := p.aggregation()
	if err != nil {
		return Expression{}, err
	}
	p.skipSpace()
	op, err := p.operator()
	if err != nil {
		return Expression{}, err
	}
	p.skipSpace()
	v, err := p.number(true, "a number")
	if err != nil {
		return Expression{}, err
	}
	p.skipSpace()
	if p.off < len(p.src) {
		want := "end of expression"
		if r, _ := utf8.DecodeRuneInString(p.src[p.off:]); unicode.IsLetter(r) {
			want += " (values are plain numbers, in ms for durations)"
		}
		return Expression{}, p.unexpected(p.off, want)
	}
	return Expression{Source: p.src, Aggregation: agg, Op: op, Value: v}, nil
}

const wantAggregation = "count, rate, value, avg, min, max, med or p(N)"

func (p *parser) aggregation() (Aggregation, error) {
	start := p.off
	for p.off < len(p.src) && isWordByte(p.src[p.off]) {
		p.off++
	}
	word := p.src[start:p.off]
	if word == "" {
		return Aggregation{}, p.unexpected(start, "an aggregation: "+wantAggregation)
	}
	if word != MethodPercentile {
		for _, m := range methods {
			if word == m {
				return Aggregation{Method: m}, nil
			}
		}
		return Aggregation{}, p.fail(start, fmt.Sprintf("unknown aggregation %q", word), wantAggregation)
	}
	if p.off == len(p.src) || p.src[p.off] != '(' {
		return Aggregation{}, p.unexpected(p.off, "'(' (a percentile is written p(N))")
	}
	p.off++
	numStart := p.off
	n, err := p.number(false, "a percentile from 0 to 100")
	if err != nil {
		return Aggregation{}, err
	}
	if p.off == len(p.src) || p.src[p.off] != ')' {
		return Aggregation{}, p.unexpected(p.off, "')'")
	}
	p.off++
	if n > 100 {
		return Aggregation{}, p.fail(numStart, fmt.Sprintf("percentile %s out of range", p.src[numStart:p.off-1]), "0 to 100")
	}
	return Aggregation{Method: MethodPercentile, Percentile: n}, nil
}

func (p *parser) operator() (Operator, error) {
	rest := p.src[p.off:]
	for _, op := range operators {
		if len(rest) >= len(op) && rest[:len(op)] == string(op) {
			p.off += len(op)
			return op, nil
		}
	}
	if rest != "" && rest[0] == '=' {
		return "", p.unexpected(p.off, wantOperator+" ('=' alone is not one)")
	}
	return "", p.unexpected(p.off, wantOperator)
}

// number scans the grammar's number (signed) or unsigned at p.off.
func (p *parser) number(signed bool, want string) (float64, error) {
	start, i := p.off, p.off
	if signed && i < len(p.src) && (p.src[i] == '+' || p.src[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(p.src) && isDigit(p.src[i]); i++ {
		digits++
	}
	if i < len(p.src) && p.src[i] == '.' {
		i++
		for ; i < len(p.src) && isDigit(p.src[i]); i++ {
			digits++
		}
	}
	if digits == 0 {
		return 0, p.unexpected(i, want)
	}
	if i < len(p.src) && (p.src[i] == 'e' || p.src[i] == 'E') {
		i++
		if i < len(p.src) && (p.src[i] == '+' || p.src[i] == '-') {
			i++
		}
		expStart := i
		for i < len(p.src) && isDigit(p.src[i]) {
			i++
		}
		if i == expStart {
			return 0, p.unexpected(i, "the digits of the exponent")
		}
	}
	lexeme := p.src[start:i]
	v, err := strconv.ParseFloat(lexeme, 64)
	if err != nil || math.IsInf(v, 0) {
		// The grammar guarantees the syntax; only range is left.
		return 0, p.fail(start, fmt.Sprintf("number %s out of range", lexeme), "a number within ±1.79e308")
	}
	p.off = i
	return v, nil
}

func (p *parser) skipSpace() {
	for p.off < len(p.src) {
		r, n := utf8.DecodeRuneInString(p.src[p.off:])
		if !unicode.IsSpace(r) {
			return
		}
		p.off += n
	}
}

// unexpected reports the character at off (or the end) and what was
// wanted there.
func (p *parser) unexpected(off int, want string) error {
	if off >= len(p.src) {
		return p.fail(off, "unexpected end", want)
	}
	r, n := utf8.DecodeRuneInString(p.src[off:])
	what := fmt.Sprintf("unexpected %q", r)
	if r == utf8.RuneError && n == 1 {
		what = fmt.Sprintf("unexpected byte %#02x", p.src[off])
	}
	return p.fail(off, what, want)
}

func (p *parser) fail(off int, problem, want string) error {
	return &SyntaxError{Expr: p.src, Column: column(p.src, off), Problem: problem, Want: want}
}

// column turns a byte offset into a 1-based character column; an invalid
// byte counts as one character.
func column(s string, off int) int {
	return utf8.RuneCountInString(s[:min(off, len(s))]) + 1
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

func isWordByte(b byte) bool {
	return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || isDigit(b) || b == '_'
}
