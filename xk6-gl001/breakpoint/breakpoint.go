// Package breakpoint finds where a deployment breaks: it raises the load in
// steps (more plants and sub-agents at the scenario's per-plant rates, or
// the scenario's rates times the step) and runs each step as a load test,
// until a health trigger of the guide's table goes critical, a threshold
// fails, the schedule cannot be kept, or the load does not settle. It
// repeats that for each replica count of the stand-in, and sets the
// largest fleet that held beside the capacity calculator's replicas for it.
package breakpoint

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/reports/triggers"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/xk6-gl001/engine"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// ErrInput marks options the user must fix.
var ErrInput = errors.New("invalid breakpoint settings")

// The ways to raise the load.
const (
	ByPlants = "plants" // plants and sub-agents grow, each at the scenario's per-plant rates
	ByRate   = "rate"   // the fleet stays, its rates are multiplied
)

// unsettledRatio is how far the last third of a step's latency p95 may be
// above its middle third before the step is judged not settled.
const unsettledRatio = 1.5

// Options configure a search.
type Options struct {
	// Scenario is the base load; step k runs Start+(k−1)·Step plants (By
	// plants) or the scenario's rates × k (By rate).
	Scenario     scenarios.Scenario
	ScenarioFile string
	By           string
	Start, Step  int // plants of the first step and added each step (By plants); 0: the scenario's plants
	// Replicas are the stand-in replica counts to search at; empty with a
	// target (the deployment's own count).
	Replicas     []int
	StepDuration time.Duration
	MaxSteps     int
	// Engine is every step's run, without its scenario and folder.
	Engine engine.Options
	// Out holds one folder per step, replicas-R/step-K.
	Out string
	// Progress, when set, is told of each step's start and outcome.
	Progress func(string)
}

// Step is one load step's outcome.
type Step struct {
	Step                int     `json:"step"`
	Plants              int     `json:"plants"`
	Agents              int     `json:"agents"`
	OptimizePerMinute   float64 `json:"optimize_per_minute"`
	CoordinatePerSecond float64 `json:"coordinate_per_second"`
	Dir                 string  `json:"dir"`
	Verdict             string  `json:"verdict"`
	Held                bool    `json:"held"`
	// BrokeOn is what broke the step; empty when it held.
	BrokeOn string `json:"broke_on,omitempty"`
	// LatencyP95MS is the answered requests' p95 over the step.
	LatencyP95MS *float64 `json:"latency_p95_ms"`
	// MasterCPUPercent is the replicas' CPU as the triggers table reads it.
	MasterCPUPercent *float64 `json:"master_cpu_percent"`
}

// Result is one replica count's search.
type Result struct {
	// Replicas is the stand-in's count; 0 for a target's own.
	Replicas int `json:"replicas"`
	// MaxPlants and MaxAgents are the largest fleet that held; 0 when the
	// first step broke.
	MaxPlants int `json:"max_plants"`
	MaxAgents int `json:"max_agents"`
	// MaxLoadFactor is the largest step that held, as a multiple of the
	// scenario's load (its plants, or its rates with --by rate); 0 when
	// the first step broke.
	MaxLoadFactor float64 `json:"max_load_factor"`
	// BrokeOn is what broke the next step, or why the search stopped.
	BrokeOn string `json:"broke_on"`
	// CalculatorReplicas is the capacity calculator's replicas for the
	// largest fleet that held (0 when none held).
	CalculatorReplicas int    `json:"calculator_replicas"`
	Steps              []Step `json:"steps"`
}

// Validate checks the options, naming the flag.
func (o Options) Validate() error {
	switch {
	case o.By != ByPlants && o.By != ByRate:
		return fmt.Errorf("%w: --by %q: want plants or rate", ErrInput, o.By)
	case o.MaxSteps < 1 || o.MaxSteps > 100:
		return fmt.Errorf("%w: --max-steps %d: want 1 to 100", ErrInput, o.MaxSteps)
	case o.StepDuration < time.Second || o.StepDuration > 24*time.Hour:
		return fmt.Errorf("%w: --step-duration %s: want 1s to 24h", ErrInput, o.StepDuration)
	case o.Start < 0 || o.Step < 0:
		return fmt.Errorf("%w: --start %d, --step %d: want 0 (the scenario's plants) or more", ErrInput, o.Start, o.Step)
	case o.Engine.Target != "" && len(o.Replicas) > 0:
		return fmt.Errorf("%w: --replicas sets the stand-in's replicas; with --target the deployment's own count is searched (scale it between runs)", ErrInput)
	case o.Scenario.Scenarios != nil:
		return fmt.Errorf("%w: %s: a scenario with k6 \"scenarios\" cannot be scaled per plant; use the guide's schema (rates per minute and second)", ErrInput, o.ScenarioFile)
	}
	for _, r := range o.Replicas {
		if r < 1 || r > 64 {
			return fmt.Errorf("%w: --replicas %d: want 1 to 64", ErrInput, r)
		}
	}
	return nil
}

// Run searches each replica count in turn.
func Run(ctx context.Context, o Options) ([]Result, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	counts := o.Replicas
	if len(counts) == 0 {
		counts = []int{0}
	}
	var out []Result
	for _, r := range counts {
		res, err := o.search(ctx, r)
		out = append(out, res)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// search raises the load at replicas r until a step breaks.
func (o Options) search(ctx context.Context, r int) (Result, error) {
	res := Result{Replicas: r, Steps: []Step{}}
	for k := 1; k <= o.MaxSteps; k++ {
		sc := o.stepScenario(k, r)
		if err := sc.Validate(); err != nil {
			res.BrokeOn = fmt.Sprintf("step %d is not a valid load (%v): the search stops", k, err)
			return res, nil
		}
		st := Step{Step: k, Plants: sc.Plants, Agents: sc.SubAgents, OptimizePerMinute: sc.HeatOptimizationRequestsPerMinute,
			CoordinatePerSecond: sc.AgentCoordinationEventsPerSecond, Dir: filepath.Join(o.Out, fmt.Sprintf("replicas-%d", r), fmt.Sprintf("step-%d", k))}
		o.tell(fmt.Sprintf("replicas %d, step %d: %d plants, %d sub-agents, %.4g optimize/min, %.4g coordinate/s for %s",
			r, k, st.Plants, st.Agents, st.OptimizePerMinute, st.CoordinatePerSecond, o.StepDuration))
		eo := o.Engine
		eo.Scenario, eo.ScenarioFile, eo.OutDir = sc, o.ScenarioFile, st.Dir
		outcome, err := engine.Run(ctx, eo)
		if err != nil && outcome.Start.IsZero() {
			return res, fmt.Errorf("replicas %d, step %d: %w", r, k, err)
		}
		if ctx.Err() != nil {
			res.BrokeOn = "interrupted"
			return res, ctx.Err()
		}
		run, lerr := runlog.Load(st.Dir)
		if lerr != nil {
			return res, fmt.Errorf("replicas %d, step %d: %w", r, k, lerr)
		}
		rep, _ := report.Generate(st.Dir, report.Options{})
		st.Verdict = string(rep.Verdict)
		st.LatencyP95MS, st.MasterCPUPercent = answeredP95(run), rep.Observed.MasterCPUPercent
		st.BrokeOn = Judge(rep, run)
		st.Held = st.BrokeOn == ""
		o.tell(fmt.Sprintf("replicas %d, step %d: %s", r, k, held(st)))
		res.Steps = append(res.Steps, st)
		if !st.Held {
			res.BrokeOn = fmt.Sprintf("step %d (%d plants): %s", k, st.Plants, st.BrokeOn)
			return res, nil
		}
		res.MaxPlants, res.MaxAgents = st.Plants, st.Agents
		res.MaxLoadFactor = st.OptimizePerMinute / o.Scenario.HeatOptimizationRequestsPerMinute
		if o.Scenario.HeatOptimizationRequestsPerMinute == 0 {
			res.MaxLoadFactor = st.CoordinatePerSecond / o.Scenario.AgentCoordinationEventsPerSecond
		}
		if p, err := capacity.Calculate(st.Plants, st.Agents); err == nil {
			res.CalculatorReplicas = p.Replicas
		}
	}
	res.BrokeOn = fmt.Sprintf("nothing broke within --max-steps %d: the largest step held", o.MaxSteps)
	return res, nil
}

func held(st Step) string {
	if st.Held {
		return "held"
	}
	return "broke: " + st.BrokeOn
}

func (o Options) tell(s string) {
	if o.Progress != nil {
		o.Progress(s)
	}
}

// stepScenario is step k's load at r replicas (0: the target's).
func (o Options) stepScenario(k, r int) scenarios.Scenario {
	sc := o.Scenario
	base := sc.Plants
	sc.DurationMinutes, sc.RampUpMinutes = o.StepDuration.Minutes(), 0
	sc.TestName = fmt.Sprintf("%s_breakpoint_r%d_s%d", o.Scenario.TestName, r, k)
	if r > 0 {
		sc.Replicas = r
	}
	if o.By == ByRate {
		sc.HeatOptimizationRequestsPerMinute *= float64(k)
		sc.AgentCoordinationEventsPerSecond *= float64(k)
		return sc
	}
	start, step := o.Start, o.Step
	if start == 0 {
		start = base
	}
	if step == 0 {
		step = base
	}
	plants := start + (k-1)*step
	scale := float64(plants) / float64(base)
	sc.Plants = plants
	sc.SubAgents = int(math.Round(float64(o.Scenario.SubAgents) * scale))
	sc.HeatOptimizationRequestsPerMinute *= scale
	sc.AgentCoordinationEventsPerSecond *= scale
	return sc
}

// Judge says what broke a step, or "" when it held: a failed threshold, a
// health trigger at critical, under 99 % of the schedule started, or a
// latency still rising at the end (the last third's p95 over 1.5 × the
// middle third's, and over 100 ms).
func Judge(rep report.Report, run *runlog.Run) string {
	var why []string
	for _, t := range rep.Thresholds {
		if !t.OK && !t.NoData {
			why = append(why, fmt.Sprintf("threshold %s %s failed (observed %s)", t.Metric, t.Expression, observed(t)))
		}
	}
	for _, t := range rep.Triggers {
		if !t.Planning && t.Level == triggers.Critical {
			why = append(why, fmt.Sprintf("%s critical (%s)", t.Name, valueText(t)))
		}
	}
	for _, s := range rep.Schedule {
		if s.AchievedPercent != nil && *s.AchievedPercent < 99 {
			why = append(why, fmt.Sprintf("schedule not kept: %s %.1f%% started (%d dropped)", s.Scenario, *s.AchievedPercent, s.Dropped))
		}
	}
	if mid, last := thirds(run); mid != nil && last != nil && *last > unsettledRatio**mid && *last > 100 {
		why = append(why, fmt.Sprintf("not settled: latency p95 rose from %.0f ms to %.0f ms over the step's last two thirds", *mid, *last))
	}
	return strings.Join(why, "; ")
}

func observed(t report.ThresholdResult) string {
	if t.Observed == nil {
		return "none"
	}
	return fmt.Sprintf("%.4g%s", *t.Observed, t.Unit)
}

func valueText(t report.Trigger) string {
	if t.Value == nil {
		return "not observed"
	}
	return fmt.Sprintf("%.4g %s", *t.Value, t.Unit)
}

// answeredP95 is the answered requests' p95 over the run, ms.
func answeredP95(run *runlog.Run) *float64 {
	s := run.Totals[record.AnsweredKey]
	if s == nil || s.Count() == 0 {
		return nil
	}
	v := s.Percentile(95)
	return &v
}

// thirds is the answered latency's p95 in the step's middle and last
// thirds of intervals, nil where a third has no sample.
func thirds(run *runlog.Run) (mid, last *float64) {
	n := len(run.Intervals)
	if n < 3 {
		return nil, nil
	}
	p95 := func(ivs []runlog.Interval) *float64 {
		var acc metrics.Accumulator
		for _, iv := range ivs {
			if err := acc.Add(&iv.Interval); err != nil {
				return nil
			}
		}
		s := acc.Sinks()[record.AnsweredKey]
		if s == nil || s.Count() == 0 {
			return nil
		}
		v := s.Percentile(95)
		return &v
	}
	return p95(run.Intervals[n/3 : 2*n/3]), p95(run.Intervals[2*n/3:])
}
