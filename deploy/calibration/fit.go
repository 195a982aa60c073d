package calibration

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Coefficients is how many coefficients every form has: base, per plant,
// per agent.
const Coefficients = 3

// CoefficientNames name the coefficients in order.
var CoefficientNames = [Coefficients]string{"base", "per_plant", "per_agent"}

// ErrTooFew and ErrRankDeficient are why a fit was refused; the error
// wrapping them says how many runs more, or which run, would fix it.
var (
	ErrTooFew        = errors.New("too few points for the fit")
	ErrRankDeficient = errors.New("the points do not vary plants and agents independently")
)

// Noun names the points in messages: a run, a breakpoint result.
type Noun struct{ One, Many string }

// The points' names.
var (
	Runs        = Noun{"run", "runs"}
	Breakpoints = Noun{"breakpoint result", "breakpoint results"}
)

// Point is one measurement of a form: the fleet and the value measured
// (millicores, MiB or replicas, by form).
type Point struct {
	Plants, Agents int
	Value          float64
}

// Coefficient is one fitted coefficient with its 95 % confidence interval.
// StdError, CILow and CIHigh are nil when the fit has no residual degrees
// of freedom (as many points as coefficients).
type Coefficient struct {
	Name     string   `json:"name"`
	Estimate float64  `json:"estimate"`
	StdError *float64 `json:"std_error"`
	CILow    *float64 `json:"ci95_low"`
	CIHigh   *float64 `json:"ci95_high"`
}

// Fit is the ordinary least squares fit of value = base + per_plant·plants
// + per_agent·agents over n points.
type Fit struct {
	// Coefficients are base, per_plant and per_agent, in that order.
	Coefficients []Coefficient `json:"coefficients"`
	N            int           `json:"n"`
	// DegreesOfFreedom is n − 3, the t distribution's for the intervals.
	DegreesOfFreedom int `json:"degrees_of_freedom"`
	// RSquared is nil when every point has the same value (no variance
	// to explain). ResidualStandardError, in the form's unit, is nil
	// without residual degrees of freedom.
	RSquared              *float64 `json:"r_squared"`
	ResidualStandardError *float64 `json:"residual_standard_error"`
}

// At is the fitted form at a fleet, unrounded.
func (f Fit) At(plants, agents int) float64 {
	c := f.Coefficients
	return c[0].Estimate + c[1].Estimate*float64(plants) + c[2].Estimate*float64(agents)
}

// FitLinear fits value = base + a·plants + b·agents by ordinary least
// squares, with 95 % confidence intervals from the t distribution with
// n − 3 degrees of freedom. It refuses fewer than 3 points (ErrTooFew) and
// points whose fleets do not vary plants and agents independently
// (ErrRankDeficient), each error saying what to add; what names the
// points in those messages.
func FitLinear(pts []Point, what Noun) (Fit, error) {
	n := len(pts)
	if n < Coefficients {
		more := what.Many
		if Coefficients-n == 1 {
			more = what.One
		}
		return Fit{}, fmt.Errorf("%w: %s, the fit has %d coefficients (base, per plant, per agent): add at least %d more %s at different fleets",
			ErrTooFew, count(n, what), Coefficients, Coefficients-n, more)
	}
	x := mat.NewDense(n, Coefficients, nil)
	y := mat.NewVecDense(n, nil)
	for i, p := range pts {
		x.Set(i, 0, 1)
		x.Set(i, 1, float64(p.Plants))
		x.Set(i, 2, float64(p.Agents))
		y.SetVec(i, p.Value)
	}
	if err := independent(x, pts, what); err != nil {
		return Fit{}, err
	}

	var qr mat.QR
	qr.Factorize(x)
	var beta mat.VecDense
	if err := qr.SolveVecTo(&beta, false, y); err != nil {
		return Fit{}, fmt.Errorf("%w: %v", ErrRankDeficient, err)
	}
	est := make([]float64, n)
	var sse float64
	for i, p := range pts {
		est[i] = beta.AtVec(0) + beta.AtVec(1)*float64(p.Plants) + beta.AtVec(2)*float64(p.Agents)
		sse += (p.Value - est[i]) * (p.Value - est[i])
	}
	fit := Fit{N: n, DegreesOfFreedom: n - Coefficients}
	values := mat.Col(nil, 0, y)
	if stat.Variance(values, nil) > 0 {
		fit.RSquared = ptr(stat.RSquaredFrom(est, values, nil))
	}

	var cov mat.Dense // (XᵀX)⁻¹
	var xtx mat.Dense
	xtx.Mul(x.T(), x)
	if err := cov.Inverse(&xtx); err != nil {
		return Fit{}, fmt.Errorf("%w: %v", ErrRankDeficient, err)
	}
	var t, s2 float64
	if fit.DegreesOfFreedom > 0 {
		s2 = sse / float64(fit.DegreesOfFreedom)
		fit.ResidualStandardError = ptr(math.Sqrt(s2))
		t = distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(fit.DegreesOfFreedom)}.Quantile(0.975)
	}
	for j := range Coefficients {
		c := Coefficient{Name: CoefficientNames[j], Estimate: beta.AtVec(j)}
		if fit.DegreesOfFreedom > 0 {
			se := math.Sqrt(s2 * cov.At(j, j))
			c.StdError, c.CILow, c.CIHigh = ptr(se), ptr(c.Estimate-t*se), ptr(c.Estimate+t*se)
		}
		fit.Coefficients = append(fit.Coefficients, c)
	}
	return fit, nil
}

// independent refuses a design matrix of rank below 3, saying which
// variation the points lack and what point would supply it.
func independent(x *mat.Dense, pts []Point, what Noun) error {
	var svd mat.SVD
	if !svd.Factorize(x, mat.SVDNone) {
		return fmt.Errorf("%w: the fleets' matrix could not be decomposed", ErrRankDeficient)
	}
	sv := svd.Values(nil)
	if sv[len(sv)-1] > 1e-9*sv[0] {
		return nil
	}
	p0, a0 := pts[0].Plants, pts[0].Agents
	samePlants, sameAgents := true, true
	for _, p := range pts {
		samePlants = samePlants && p.Plants == p0
		sameAgents = sameAgents && p.Agents == a0
	}
	switch {
	case samePlants && sameAgents:
		return fmt.Errorf("%w: every one of the %d %s is at %d plants and %d agents, so base, per plant and per agent cannot be told apart: add %s at other fleets, varying plants and agents-per-plant",
			ErrRankDeficient, len(pts), what.Many, p0, a0, what.Many)
	case samePlants:
		return fmt.Errorf("%w: plants is %d in every one of the %d %s, so base and per plant cannot be told apart: add a %s with a different plant count",
			ErrRankDeficient, p0, len(pts), what.Many, what.One)
	case sameAgents:
		return fmt.Errorf("%w: agents is %d in every one of the %d %s, so base and per agent cannot be told apart: add a %s with a different agent count",
			ErrRankDeficient, a0, len(pts), what.Many, what.One)
	}
	// Plants vary, so agents lie on one line in plants: agents = c + r·plants.
	var q Point
	for _, p := range pts {
		if p.Plants != p0 {
			q = p
			break
		}
	}
	r := float64(q.Agents-a0) / float64(q.Plants-p0)
	c := float64(a0) - r*float64(p0)
	line := fmt.Sprintf("agents is %s×plants", num(r))
	if math.Abs(c) > 1e-9 {
		line = fmt.Sprintf("agents is %s + %s×plants", num(c), num(r))
	}
	return fmt.Errorf("%w: in every one of the %d %s %s, so per plant and per agent cannot be told apart: add a %s with a different agents-per-plant ratio (e.g. %d plants with %d agents)",
		ErrRankDeficient, len(pts), what.Many, line, what.One, p0, suggestAgents(a0))
}

// suggestAgents is an agent count off the points' line at the first
// point's plants: twice its agents, or 10 when it had none.
func suggestAgents(a int) int {
	if a == 0 {
		return 10
	}
	return 2 * a
}

// num formats v with 1 decimal from 100 up, 3 from 1 and 4 below,
// trailing zeros off.
func num(v float64) string {
	dec := 1
	switch a := math.Abs(v); {
	case a < 1:
		dec = 4
	case a < 100:
		dec = 3
	}
	s := strconv.FormatFloat(v, 'f', dec, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

func ptr[T any](v T) *T { return &v }
