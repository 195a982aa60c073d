package breakpoint

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/greenlang/gl001/reports/plots"
)

// Results are a search's outcome as breakpoint.json holds it:
// {"results": [{"replicas", "max_plants", "max_agents", "broke_on", …}]}.
type Results struct {
	Scenario       string   `json:"scenario"`
	By             string   `json:"by"`
	StepSeconds    float64  `json:"step_seconds"`
	CPULimit       string   `json:"replica_cpu_limit,omitempty"`
	AgentsPerPlant float64  `json:"agents_per_plant"`
	Results        []Result `json:"results"`
}

// WriteJSON writes rs as breakpoint.json holds it.
func (rs Results) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rs)
}

// WriteTable writes one line per replica count, then each step.
func (rs Results) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "replicas\tmax_plants\tmax_agents\tmax_load_factor\tcalculator_replicas\tbroke_on")
	for _, r := range rs.Results {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.4g\t%s\t%s\n", replicasText(r.Replicas), r.MaxPlants, r.MaxAgents, r.MaxLoadFactor, calcText(r.CalculatorReplicas), r.BrokeOn)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nsteps:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "replicas\tstep\tplants\tagents\toptimize/min\tcoordinate/s\tp95_ms\tcpu_%\toutcome")
	for _, r := range rs.Results {
		for _, s := range r.Steps {
			out := "held"
			if !s.Held {
				out = "broke: " + s.BrokeOn
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.4g\t%.4g\t%s\t%s\t%s\n", replicasText(r.Replicas), s.Step, s.Plants, s.Agents,
				s.OptimizePerMinute, s.CoordinatePerSecond, num(s.LatencyP95MS), num(s.MasterCPUPercent), out)
		}
	}
	return tw.Flush()
}

func replicasText(r int) string {
	if r == 0 {
		return "target's"
	}
	return fmt.Sprint(r)
}

func calcText(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

func num(p *float64) string {
	if p == nil {
		return "not observed"
	}
	return fmt.Sprintf("%.1f", *p)
}

// WriteFiles writes breakpoint.json, breakpoint.md and the plot
// (breakpoint.png, breakpoint.svg) into dir.
func (rs Results) WriteFiles(dir string) error {
	b, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "breakpoint.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	var pts []plots.BreakPoint
	for _, r := range rs.Results {
		if r.Replicas > 0 {
			pts = append(pts, plots.BreakPoint{Replicas: r.Replicas, MaxPlants: r.MaxPlants})
		}
	}
	fig, ferr := plots.Breakpoints(pts, rs.AgentsPerPlant)
	if ferr == nil {
		for ext, data := range map[string][]byte{".png": fig.PNG, ".svg": fig.SVG} {
			if err := os.WriteFile(filepath.Join(dir, fig.Name+ext), data, 0o644); err != nil {
				return err
			}
		}
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# Breaking point: %s\n\n", rs.Scenario)
	fmt.Fprintf(&md, "The load raised by %s in steps of %.0f s", rs.By, rs.StepSeconds)
	if rs.CPULimit != "" {
		fmt.Fprintf(&md, ", each stand-in replica held to %s CPU", rs.CPULimit)
	}
	md.WriteString(", until a health trigger of the guide's table went critical, a threshold failed, under 99 % of the schedule started, or the latency did not settle.\n\n")
	md.WriteString("| Replicas | Largest fleet that held | Load factor | Calculator's replicas for it | What broke the next step |\n|---:|---|---:|---:|---|\n")
	for _, r := range rs.Results {
		fleet := "none (the first step broke)"
		if r.MaxPlants > 0 {
			fleet = fmt.Sprintf("%d plants, %d sub-agents", r.MaxPlants, r.MaxAgents)
		}
		fmt.Fprintf(&md, "| %s | %s | %.4g | %s | %s |\n", replicasText(r.Replicas), fleet, r.MaxLoadFactor, calcText(r.CalculatorReplicas), strings.ReplaceAll(r.BrokeOn, "|", "\\|"))
	}
	if ferr == nil && len(pts) > 0 {
		md.WriteString("\n![Sustainable plants against replicas](breakpoint.png)\n")
	}
	md.WriteString("\nEach step's run, with its own validation report, is in replicas-R/step-K.\n")
	if err := os.WriteFile(filepath.Join(dir, "breakpoint.md"), []byte(md.String()), 0o644); err != nil {
		return err
	}
	return ferr
}
