package calibration

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/reports/runlog"
)

// ErrInput marks an argument that is neither a run's results folder nor a
// breakpoint results file, or one that does not decode.
var ErrInput = errors.New("bad calibration input")

// Run is one run's observation: its fleet and the per-replica p95 of the
// replicas' CPU (millicores) and memory (MiB) readings, the worst
// replica's (report.Observed). A nil figure was not observed.
type Run struct {
	Dir              string   `json:"dir"`
	Plants           int      `json:"plants"`
	Agents           int      `json:"agents"`
	CPUP95Millicores *float64 `json:"cpu_p95_millicores"`
	MemoryP95MiB     *float64 `json:"memory_p95_mib"`
}

// Skipped is a run left out of the fit, and why.
type Skipped struct {
	Dir    string `json:"dir"`
	Reason string `json:"reason"`
}

// Breakpoint is one breaking point of `gl001 breakpoint -o json`: the
// largest fleet the replicas carried before the run broke.
type Breakpoint struct {
	File      string `json:"file"`
	Replicas  int    `json:"replicas"`
	MaxPlants int    `json:"max_plants"`
	MaxAgents int    `json:"max_agents"`
	BrokeOn   string `json:"broke_on,omitempty"`
}

// Inputs are what a calibration is fitted over.
type Inputs struct {
	Runs        []Run        `json:"runs"`
	Skipped     []Skipped    `json:"skipped"`
	Breakpoints []Breakpoint `json:"breakpoints"`
}

// Load reads each argument: a FILE ending in .json whose top level has
// "results" is a breakpoint results file, anything else a run's results
// folder. A run whose CPU or memory was not observed is in Skipped with
// the reason. Errors wrap ErrInput (or runlog.ErrNoRun) and name the
// argument.
func Load(args []string) (Inputs, error) {
	in := Inputs{Runs: []Run{}, Skipped: []Skipped{}, Breakpoints: []Breakpoint{}}
	for _, a := range args {
		if strings.HasSuffix(strings.ToLower(a), ".json") {
			if st, err := os.Stat(a); err == nil && !st.IsDir() {
				bps, err := LoadBreakpoints(a)
				if err != nil {
					return in, err
				}
				in.Breakpoints = append(in.Breakpoints, bps...)
				continue
			}
		}
		st, err := os.Stat(a)
		if err != nil {
			return in, fmt.Errorf("%w: %q: %v", ErrInput, a, err)
		}
		if !st.IsDir() {
			return in, fmt.Errorf("%w: %q is neither a run's results folder nor a breakpoint results .json file", ErrInput, a)
		}
		run, err := runlog.Load(a)
		if err != nil {
			return in, err
		}
		r, why := Observe(run)
		if why != "" {
			in.Skipped = append(in.Skipped, Skipped{Dir: a, Reason: why})
			continue
		}
		in.Runs = append(in.Runs, r)
	}
	return in, nil
}

// Observe is a run's observation, from its report's Observed; why is ""
// when both CPU and memory were observed, else what was not.
func Observe(run *runlog.Run) (r Run, why string) {
	o := report.Evaluate(run, report.Options{}).Observed
	r = Run{Dir: run.Dir, Plants: run.Meta.Scenario.Plants, Agents: run.Meta.Scenario.SubAgents,
		CPUP95Millicores: o.CPUP95Millicores, MemoryP95MiB: o.MemoryP95MiB}
	var missing []string
	if r.CPUP95Millicores == nil {
		missing = append(missing, "CPU")
	}
	if r.MemoryP95MiB == nil {
		missing = append(missing, "memory")
	}
	switch {
	case o.ReplicaIntervals == 0:
		return r, "no replica CPU or memory readings (the replicas sampler read nothing)"
	case len(missing) > 0:
		return r, strings.Join(missing, " and ") + " not observed"
	case r.Plants < 1:
		return r, fmt.Sprintf("the header's scenario has plants %d", r.Plants)
	}
	return r, ""
}

// LoadBreakpoints reads a breakpoint results file:
//
//	{"results": [{"replicas": 2, "max_plants": 10, "max_agents": 50, "broke_on": "…"}]}
//
// Fields beyond these are ignored; a result without replicas, or with a
// negative fleet, is an error naming it.
func LoadBreakpoints(path string) ([]Breakpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInput, err)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInput, path, err)
	}
	raw, ok := top["results"]
	if !ok {
		return nil, fmt.Errorf("%w: %s has no top-level \"results\": not a breakpoint results file (gl001 breakpoint -o json)", ErrInput, path)
	}
	var res []struct {
		Replicas  *int   `json:"replicas"`
		MaxPlants *int   `json:"max_plants"`
		MaxAgents *int   `json:"max_agents"`
		BrokeOn   string `json:"broke_on"`
	}
	if err := json.Unmarshal(raw, &res); err != nil {
		return nil, fmt.Errorf("%w: %s: results: %v", ErrInput, path, err)
	}
	var out []Breakpoint
	var errs []error
	for i, r := range res {
		switch {
		case r.Replicas == nil || r.MaxPlants == nil || r.MaxAgents == nil:
			errs = append(errs, fmt.Errorf("%w: %s: results[%d] needs replicas, max_plants and max_agents", ErrInput, path, i))
		case *r.Replicas < 1 || *r.MaxPlants < 0 || *r.MaxAgents < 0:
			errs = append(errs, fmt.Errorf("%w: %s: results[%d]: replicas (%d) must be at least 1, max_plants (%d) and max_agents (%d) at least 0",
				ErrInput, path, i, *r.Replicas, *r.MaxPlants, *r.MaxAgents))
		default:
			out = append(out, Breakpoint{File: path, Replicas: *r.Replicas, MaxPlants: *r.MaxPlants, MaxAgents: *r.MaxAgents, BrokeOn: r.BrokeOn})
		}
	}
	return out, errors.Join(errs...)
}
