package calibration

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// formTitles name the forms in the table, with their unit.
var formTitles = map[string]string{
	FormCPU:      "CPU per replica (millicores)",
	FormMemory:   "memory per replica (MiB)",
	FormReplicas: "replicas",
}

// WriteTable writes, per form, the guide's coefficients beside the fitted
// ones with their 95 % confidence interval and the error (fitted − guide),
// the fit's R² and residual standard error; then the runs and breakpoint
// results used and the runs skipped, with why.
func (c Calibration) WriteTable(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Calibration of the guide's capacity formulas: %s, %s, %d skipped\n",
		count(len(c.Runs), Runs), count(len(c.Breakpoints), Breakpoints), len(c.Skipped))
	for i, f := range c.Forms() {
		name := []string{FormCPU, FormMemory, FormReplicas}[i]
		b.WriteString("\n")
		if f == nil {
			what := "runs"
			if name == FormReplicas {
				what = "breakpoint results (gl001 breakpoint -o json)"
			}
			fmt.Fprintf(&b, "%s: not fitted, no %s given; capacity --calibration keeps the guide's formula\n", formTitles[name], what)
			continue
		}
		fmt.Fprintf(&b, "%s = base + per_plant*plants + per_agent*agents, fitted over %d %s (%s)\n",
			formTitles[name], f.N, f.Over, count(f.DegreesOfFreedom, Noun{"degree of freedom", "degrees of freedom"}))
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "coefficient\tguide\tfitted\t95% CI\terror")
		for j, co := range f.Coefficients {
			ci := "-"
			if co.CILow != nil {
				ci = fmt.Sprintf("[%s, %s]", num(*co.CILow), num(*co.CIHigh))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", co.Name, num(f.Guide[j]), num(co.Estimate), ci, signed(f.Error[j]))
		}
		tw.Flush()
		r2, se := "not defined (every value the same)", "not defined (no residual degrees of freedom)"
		if f.RSquared != nil {
			r2 = fmt.Sprintf("%.5f", *f.RSquared)
		}
		if f.ResidualStandardError != nil {
			se = num(*f.ResidualStandardError)
		}
		fmt.Fprintf(&b, "R² %s, residual standard error %s\n", r2, se)
		if f.DegreesOfFreedom == 0 {
			fmt.Fprintf(&b, "with as many %s as coefficients the fit passes through every point: add one more for confidence intervals\n", f.Over)
		}
		if name == FormReplicas {
			b.WriteString("the guide's replicas are ceil(plants/5) + ceil(agents/10), compared here as 0 + 0.2*plants + 0.1*agents\n")
		}
	}
	if len(c.Runs) > 0 {
		b.WriteString("\nruns:\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "dir\tplants\tagents\tcpu_p95_millicores\tmemory_p95_mib")
		for _, r := range c.Runs {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\n", r.Dir, r.Plants, r.Agents, num(*r.CPUP95Millicores), num(*r.MemoryP95MiB))
		}
		tw.Flush()
	}
	if len(c.Breakpoints) > 0 {
		b.WriteString("\nbreakpoint results:\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "file\treplicas\tmax_plants\tmax_agents\tbroke_on")
		for _, r := range c.Breakpoints {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", r.File, r.Replicas, r.MaxPlants, r.MaxAgents, r.BrokeOn)
		}
		tw.Flush()
	}
	if len(c.Skipped) > 0 {
		b.WriteString("\n")
	}
	for _, s := range c.Skipped {
		fmt.Fprintf(&b, "skipped %s: %s\n", s.Dir, s.Reason)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func signed(v float64) string {
	s := num(v)
	if !strings.HasPrefix(s, "-") && s != "0" {
		s = "+" + s
	}
	return s
}

// count is n with the noun's singular or plural.
func count(n int, what Noun) string {
	if n == 1 {
		return "1 " + what.One
	}
	return fmt.Sprintf("%d %s", n, what.Many)
}
