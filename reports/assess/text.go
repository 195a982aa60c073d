package assess

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// WriteText writes r for people: a table of the nine metrics (METRIC,
// OBSERVED, BAND, LEVEL, ACTION, with the guide's names and texts), the
// worst level, and the decision tree's advice, one line per diagnosis with
// its path through the guide's tree, its status and its evidence, e.g.
// "CPU >80%? → Gradual increase? → Proactive horizontal scale [indicated]
// (master_cpu_percent 86 > 80; cpu_trend gradual)". Numbers are written
// without float noise (86, 2.35 s).
func (r Result) WriteText(w io.Writer) error {
	var b bytes.Buffer
	tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tOBSERVED\tBAND\tLEVEL\tACTION")
	for _, f := range r.Findings {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n",
			f.Name, f.ValueText(), dash(f.Band), strings.ToUpper(f.Level.String()), dash(f.Action))
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(&b, "\nworst: %s\n", r.Worst)
	fmt.Fprintf(&b, "\nDiagnosis (When to Scale vs Optimize):\n")
	if len(r.Diagnosis) == 0 {
		fmt.Fprintln(&b, "- none: no branch of the decision tree is reached")
	}
	for _, d := range r.Diagnosis {
		path := []string{d.Branch}
		if d.Condition != "" {
			path = append(path, d.Condition)
		}
		path = append(path, d.Advice)
		fmt.Fprintf(&b, "- %s [%s] (%s)\n", strings.Join(path, " → "), d.Status, d.Evidence)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// dash stands in for an empty cell, so every column of the table lines up
// and reads as deliberately blank.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
