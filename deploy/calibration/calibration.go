// Package calibration fits the capacity calculator's linear forms to
// measurements: per-replica CPU (millicores) and memory (MiB) as
// base + a·plants + b·agents over runs at different fleets, and the
// replicas needed in the same form over breaking points. Each fit is
// ordinary least squares with 95 % confidence intervals (t distribution,
// n − 3 degrees of freedom), R² and the residual standard error, set
// beside the guide's coefficients. A calibration file (Write, Read) lets
// `gl001 capacity --calibration` predict with the fitted coefficients
// (Predict).
package calibration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"github.com/greenlang/gl001/deploy/capacity"
)

// The calibration file's identity.
const (
	FileKind    = "gl001-calibration"
	FileVersion = 1
)

// The forms' names, as the file and -o json carry them.
const (
	FormCPU      = "cpu_millicores"
	FormMemory   = "memory_mib"
	FormReplicas = "replicas"
)

// Guide holds the guide's coefficients (base, per plant, per agent) by
// form. The guide's replicas are ceil(plants/5) + ceil(agents/10): their
// linear coefficients are 0, 1/5 and 1/10, the ceilings aside.
var Guide = map[string][Coefficients]float64{
	FormCPU:      {1000, 100, 50},
	FormMemory:   {2048, 200, 100},
	FormReplicas: {0, 0.2, 0.1},
}

// Form is one fitted form beside the guide's.
type Form struct {
	Name string `json:"name"`
	// Over names what the form was fitted over: "runs" or "breakpoint
	// results".
	Over string `json:"over"`
	Fit
	// Guide and Error are, by coefficient, the guide's value and
	// fitted − guide.
	Guide []float64 `json:"guide"`
	Error []float64 `json:"error"`
}

// Calibration is a set of fitted forms and what they were fitted over, the
// value -o json prints and --out writes. A form is nil when nothing was
// given to fit it (no runs, or no breakpoint results): a prediction keeps
// the guide's formula for it.
type Calibration struct {
	Kind     string    `json:"kind"`
	Version  int       `json:"version"`
	Date     time.Time `json:"date"`
	CPU      *Form     `json:"cpu_millicores"`
	Memory   *Form     `json:"memory_mib"`
	Replicas *Form     `json:"replicas"`
	Inputs
}

// Calibrate fits the forms over in: CPU and memory over its runs when any
// run was given, replicas over its breakpoint results when any were. at is
// the calibration's date. It refuses inputs that cannot be fitted, with
// errors wrapping ErrTooFew or ErrRankDeficient that say what to add, and
// ErrInput when nothing at all was given.
func Calibrate(in Inputs, at time.Time) (Calibration, error) {
	c := Calibration{Kind: FileKind, Version: FileVersion, Date: at.UTC().Truncate(time.Second), Inputs: in}
	if len(in.Runs)+len(in.Skipped)+len(in.Breakpoints) == 0 {
		return c, fmt.Errorf("%w: no runs or breakpoint results given", ErrInput)
	}
	var errs []error
	if len(in.Runs)+len(in.Skipped) > 0 {
		var cpu, mem []Point
		for _, r := range in.Runs {
			cpu = append(cpu, Point{r.Plants, r.Agents, *r.CPUP95Millicores})
			mem = append(mem, Point{r.Plants, r.Agents, *r.MemoryP95MiB})
		}
		var err error
		if c.CPU, err = form(FormCPU, cpu, Runs); err == nil {
			c.Memory, err = form(FormMemory, mem, Runs)
		}
		if err != nil {
			msg := "CPU and memory per replica: " + err.Error()
			if len(in.Skipped) > 0 {
				var s []string
				for _, sk := range in.Skipped {
					s = append(s, fmt.Sprintf("%s: %s", sk.Dir, sk.Reason))
				}
				msg += fmt.Sprintf(" (%d skipped: %s)", len(in.Skipped), strings.Join(s, "; "))
			}
			errs = append(errs, &fitError{msg: msg, err: err})
		}
	}
	if len(in.Breakpoints) > 0 {
		var pts []Point
		for _, b := range in.Breakpoints {
			pts = append(pts, Point{b.MaxPlants, b.MaxAgents, float64(b.Replicas)})
		}
		var err error
		if c.Replicas, err = form(FormReplicas, pts, Breakpoints); err != nil {
			errs = append(errs, &fitError{msg: "replicas: " + err.Error(), err: err})
		}
	}
	return c, errors.Join(errs...)
}

// fitError prefixes a fit's error with its form, keeping it for errors.Is.
type fitError struct {
	msg string
	err error
}

func (e *fitError) Error() string { return e.msg }
func (e *fitError) Unwrap() error { return e.err }

func form(name string, pts []Point, over Noun) (*Form, error) {
	fit, err := FitLinear(pts, over)
	if err != nil {
		return nil, err
	}
	g := Guide[name]
	f := &Form{Name: name, Over: over.Many, Fit: fit, Guide: g[:]}
	for j, c := range fit.Coefficients {
		f.Error = append(f.Error, c.Estimate-g[j])
	}
	return f, nil
}

// Forms are the fitted forms in the order they are shown; nil ones
// included.
func (c Calibration) Forms() []*Form { return []*Form{c.CPU, c.Memory, c.Replicas} }

// WriteJSON writes c indented, the calibration file's content.
func (c Calibration) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

// Write writes c to path as a calibration file.
func (c Calibration) Write(path string) error {
	var b bytes.Buffer
	if err := c.WriteJSON(&b); err != nil {
		return err
	}
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// Read reads a calibration file, strictly: an unknown field, another kind
// or version, or a form without its three coefficients is an error
// wrapping ErrInput and naming the file.
func Read(path string) (Calibration, error) {
	var c Calibration
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("%w: %v", ErrInput, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%w: %s: %v", ErrInput, path, err)
	}
	if c.Kind != FileKind || c.Version != FileVersion {
		return c, fmt.Errorf("%w: %s: kind %q version %d, want %q version %d (a file gl001 calibrate --out wrote)", ErrInput, path, c.Kind, c.Version, FileKind, FileVersion)
	}
	var errs []error
	for _, f := range c.Forms() {
		if f != nil && len(f.Coefficients) != Coefficients {
			errs = append(errs, fmt.Errorf("%w: %s: %s has %d coefficients, want %d (base, per_plant, per_agent)", ErrInput, path, f.Name, len(f.Coefficients), Coefficients))
		}
	}
	if c.CPU == nil && c.Memory == nil && c.Replicas == nil {
		errs = append(errs, fmt.Errorf("%w: %s fits no form (cpu_millicores, memory_mib and replicas are all null)", ErrInput, path))
	}
	return c, errors.Join(errs...)
}

// Predict is the calculator's prediction for the fleet with c's fitted
// forms where c has them and the guide's elsewhere, and the note a plan
// carries of it; file names c in the note. Fitted values are rounded up
// (replicas as the guide's ceil, the limits to the whole millicore and
// MiB); replicas are still clamped to [3, 20], requests 60 % and 70 % of
// the limits rounded down. An error wraps capacity.ErrInput: a fleet
// outside the calculator's domain, or a fitted limit below 1 at this fleet.
func (c Calibration) Predict(file string, plants, agents int) (capacity.Prediction, *capacity.Calibration, error) {
	guide, err := capacity.Calculate(plants, agents)
	if err != nil {
		return guide, nil, err
	}
	note := &capacity.Calibration{File: file, Runs: len(c.Runs), BreakpointResults: len(c.Breakpoints)}
	replicas, cpu, mem := guide.Replicas, guide.CPUMillicores, guide.MemoryMiB
	if f := c.Replicas; f != nil {
		replicas = int(math.Ceil(f.At(plants, agents) - 1e-9))
		note.Forms = append(note.Forms, capacity.CalibratedForm{Form: "replicas", Fitted: true,
			Formula: fmt.Sprintf("ceil(%s) = %d, clamped to [%d, %d] (fitted over %d breakpoint results)",
				formula(f, ""), replicas, capacity.MinReplicas, capacity.MaxReplicas, len(c.Breakpoints))})
	} else {
		note.Forms = append(note.Forms, capacity.CalibratedForm{Form: "replicas",
			Formula: fmt.Sprintf("the guide's ceil(plants/5) + ceil(agents/10), clamped to [%d, %d] (%s has no replicas fit: no breakpoint results were given)",
				capacity.MinReplicas, capacity.MaxReplicas, file)})
	}
	limit := func(f *Form, form, unit string, guideText string, guideValue int) (int, error) {
		if f == nil {
			note.Forms = append(note.Forms, capacity.CalibratedForm{Form: form,
				Formula: fmt.Sprintf("the guide's %s (%s has no %s fit: no runs were given)", guideText, file, f2name(form))})
			return guideValue, nil
		}
		v := int(math.Ceil(f.At(plants, agents) - 1e-9))
		if v < 1 {
			return 0, fmt.Errorf("%w: %s's %s formula gives %d%s at %d plants and %d agents, below 1: the fleet is outside what its %d runs measured",
				capacity.ErrInput, file, f2name(form), v, unit, plants, agents, len(c.Runs))
		}
		note.Forms = append(note.Forms, capacity.CalibratedForm{Form: form, Fitted: true,
			Formula: fmt.Sprintf("ceil(%s) = %d%s (fitted over %d runs)", formula(f, unit), v, unit, len(c.Runs))})
		return v, nil
	}
	if cpu, err = limit(c.CPU, "CPU per replica", "m", "1000m + 100m*plants + 50m*agents", cpu); err != nil {
		return guide, nil, err
	}
	if mem, err = limit(c.Memory, "memory per replica", "Mi", "2048Mi + 200Mi*plants + 100Mi*agents", mem); err != nil {
		return guide, nil, err
	}
	p, err := capacity.FromSizing(plants, agents, replicas, cpu, mem)
	return p, note, err
}

func f2name(form string) string {
	return strings.TrimSuffix(form, " per replica")
}

// formula is f's fitted form as text, each coefficient with unit.
func formula(f *Form, unit string) string {
	c := f.Coefficients
	term := func(v float64, what string) string {
		sign := "+"
		if v < 0 {
			sign, v = "-", -v
		}
		return fmt.Sprintf(" %s %s%s*%s", sign, num(v), unit, what)
	}
	return num(c[0].Estimate) + unit + term(c[1].Estimate, "plants") + term(c[2].Estimate, "agents")
}
