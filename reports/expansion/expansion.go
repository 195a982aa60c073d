// Package expansion answers the guide's "Adding new plants (5+)?" from two
// runs: the current fleet, and the expanded one on the same deployment or
// on the calculator's new size. It sets them side by side: the verdicts,
// the triggers the expansion crosses, the headroom left, and what the
// guide's HPA would have done with each load.
package expansion

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/reports/triggers"
)

// Phase is one of the two runs.
type Phase struct {
	Name     string        `json:"name"` // "before", "after"
	Dir      string        `json:"dir"`
	Plants   int           `json:"plants"`
	Agents   int           `json:"agents"`
	Replicas int           `json:"replicas"` // the deployment's (0: not known)
	Report   report.Report `json:"-"`
}

// Crossing is a health trigger whose band the expansion made worse.
type Crossing struct {
	Trigger string   `json:"trigger"`
	Before  string   `json:"before"`
	After   string   `json:"after"`
	Value   *float64 `json:"after_value"`
	Unit    string   `json:"unit"`
}

// Headroom is what is left of a replica's limit after the expansion.
type Headroom struct {
	Resource      string   `json:"resource"` // "CPU", "memory"
	BeforePercent *float64 `json:"before_percent"`
	AfterPercent  *float64 `json:"after_percent"`
	// LeftPercent is 100 − AfterPercent; nil when not observed.
	LeftPercent *float64 `json:"left_percent"`
}

// Comparison is the expansion's answer.
type Comparison struct {
	Before      Phase `json:"before"`
	After       Phase `json:"after"`
	PlantsAdded int   `json:"plants_added"`
	Prescaled   bool  `json:"prescaled"`
	// CalculatorReplicas are the calculator's for each fleet.
	CalculatorBefore int `json:"calculator_replicas_before"`
	CalculatorAfter  int `json:"calculator_replicas_after"`
	// VerdictBefore and VerdictAfter are the two reports' verdicts.
	VerdictBefore report.Verdict `json:"verdict_before"`
	VerdictAfter  report.Verdict `json:"verdict_after"`
	Crossed       []Crossing     `json:"crossed"`
	Headroom      []Headroom     `json:"headroom"`
	// HPABefore and HPAAfter are the guide's HPA replayed over each run:
	// its highest count, nil when it was not replayed.
	HPABefore     *int32 `json:"hpa_max_before"`
	HPAAfter      *int32 `json:"hpa_max_after"`
	HPAAfterAtMax bool   `json:"hpa_after_at_max_replicas"`
	// Holds answers the question: the expanded fleet ran without a fail
	// verdict and crossed no health trigger into critical. Why says why.
	Holds bool   `json:"holds"`
	Why   string `json:"why"`
}

// Compare sets the two runs side by side.
func Compare(before, after Phase, prescaled bool) Comparison {
	b, a := before.Report, after.Report
	c := Comparison{Before: before, After: after, PlantsAdded: after.Plants - before.Plants, Prescaled: prescaled,
		CalculatorBefore: b.Predicted.Replicas, CalculatorAfter: a.Predicted.Replicas, VerdictBefore: b.Verdict, VerdictAfter: a.Verdict,
		Crossed: []Crossing{}}
	levels := map[string]triggers.Level{}
	for _, t := range b.Triggers {
		levels[t.Name] = t.Level
	}
	var critical []string
	for _, t := range a.Triggers {
		if t.Planning || t.Level <= levels[t.Name] || t.Level == triggers.NotObserved {
			continue
		}
		c.Crossed = append(c.Crossed, Crossing{Trigger: t.Name, Before: levels[t.Name].String(), After: t.Level.String(), Value: t.Value, Unit: t.Unit})
		if t.Level == triggers.Critical {
			critical = append(critical, t.Name)
		}
	}
	for _, r := range []struct {
		name          string
		before, after *float64
	}{{"CPU", b.Observed.MasterCPUPercent, a.Observed.MasterCPUPercent}, {"memory", b.Observed.MasterMemoryPercent, a.Observed.MasterMemoryPercent}} {
		h := Headroom{Resource: r.name, BeforePercent: r.before, AfterPercent: r.after}
		if r.after != nil {
			left := 100 - *r.after
			h.LeftPercent = &left
		}
		c.Headroom = append(c.Headroom, h)
	}
	if b.HPA.Replayed {
		c.HPABefore = &b.HPA.ModelledMax
	}
	if a.HPA.Replayed {
		c.HPAAfter, c.HPAAfterAtMax = &a.HPA.ModelledMax, a.HPA.AtMaxReplicas
	}
	var why []string
	if a.Verdict == report.Fail {
		why = append(why, "the expanded fleet's verdict is fail: "+a.Why)
	}
	if len(critical) > 0 {
		why = append(why, "the expansion takes "+strings.Join(critical, ", ")+" to critical")
	}
	if !a.Completeness.Complete {
		why = append(why, "the expanded run is incomplete: "+strings.Join(a.Completeness.Problems, "; "))
	}
	c.Holds = len(why) == 0
	if c.Holds {
		c.Why = fmt.Sprintf("%d plants and %d sub-agents on %s held: verdict %s, no health trigger crossed into critical", after.Plants, after.Agents, replicasText(after.Replicas), a.Verdict)
	} else {
		c.Why = strings.Join(why, "; ")
	}
	return c
}

func replicasText(n int) string {
	if n == 0 {
		return "the deployment's replicas"
	}
	return fmt.Sprintf("%d replicas", n)
}

// WriteJSON writes the comparison (expansion.json).
func (c Comparison) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(c)
}

// WriteMarkdown writes expansion.md: the answer, then before and after.
func (c Comparison) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	answer := "YES"
	if !c.Holds {
		answer = "NO"
	}
	fmt.Fprintf(&b, "# Expansion: %d → %d plants (%+d), %d → %d sub-agents\n\n", c.Before.Plants, c.After.Plants, c.PlantsAdded, c.Before.Agents, c.After.Agents)
	fmt.Fprintf(&b, "## Adding new plants (5+)? %s\n\n%s.\n\n", answer, c.Why)
	size := "on the same deployment"
	if c.Prescaled {
		size = "on the calculator's new size"
	}
	fmt.Fprintf(&b, "The current fleet ran on %s, then the expanded fleet %s (%s).\n\n", replicasText(c.Before.Replicas), size, replicasText(c.After.Replicas))
	b.WriteString("| | Before | After |\n|---|---:|---:|\n")
	fmt.Fprintf(&b, "| Plants / sub-agents | %d / %d | %d / %d |\n", c.Before.Plants, c.Before.Agents, c.After.Plants, c.After.Agents)
	fmt.Fprintf(&b, "| Replicas run | %s | %s |\n", count(c.Before.Replicas), count(c.After.Replicas))
	fmt.Fprintf(&b, "| Calculator's replicas | %d | %d |\n", c.CalculatorBefore, c.CalculatorAfter)
	fmt.Fprintf(&b, "| Verdict | %s | %s |\n", c.VerdictBefore, c.VerdictAfter)
	for _, h := range c.Headroom {
		fmt.Fprintf(&b, "| Master %s (p95 of the replicas' mean, %% of limit) | %s | %s |\n", h.Resource, pct(h.BeforePercent), pct(h.AfterPercent))
	}
	fmt.Fprintf(&b, "| The guide's HPA, replayed: most replicas | %s | %s |\n\n", hpaText(c.HPABefore, false), hpaText(c.HPAAfter, c.HPAAfterAtMax))
	b.WriteString("**Headroom left after the expansion:** ")
	var hs []string
	for _, h := range c.Headroom {
		hs = append(hs, fmt.Sprintf("%s %s", h.Resource, pct(h.LeftPercent)))
	}
	b.WriteString(strings.Join(hs, ", ") + " of each replica's limit.\n\n")
	if len(c.Crossed) == 0 {
		b.WriteString("**Triggers crossed:** none; no health row of the guide's table is in a worse band after the expansion.\n")
	} else {
		b.WriteString("**Triggers crossed:**\n\n| Trigger | Before | After | Value after |\n|---|---|---|---:|\n")
		for _, x := range c.Crossed {
			v := "not observed"
			if x.Value != nil {
				v = fmt.Sprintf("%.4g %s", *x.Value, x.Unit)
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", x.Trigger, x.Before, x.After, v)
		}
	}
	fmt.Fprintf(&b, "\nEach run's own validation report: %s/report.md and %s/report.md.\n", c.Before.Dir, c.After.Dir)
	_, err := io.WriteString(w, b.String())
	return err
}

func count(n int) string {
	if n == 0 {
		return "not known"
	}
	return fmt.Sprint(n)
}

func pct(p *float64) string {
	if p == nil {
		return "not observed"
	}
	return fmt.Sprintf("%.1f%%", *p)
}

func hpaText(p *int32, atMax bool) string {
	if p == nil {
		return "not replayed"
	}
	s := fmt.Sprint(*p)
	if atMax {
		s += " (at maxReplicas, asking for more)"
	}
	return s
}
