// Package decision walks the GL-001 scaling guide's decision tree, "When to
// Scale vs Optimize", over observed metrics and what is known about their
// context, and says which of the guide's advice applies.
package decision

import (
	"fmt"
	"slices"
	"strings"

	"github.com/greenlang/gl001/reports/triggers"
)

// Status says how firmly a Diagnosis holds.
type Status string

// The statuses of a Diagnosis.
const (
	// Indicated means the observations answer the guide's question yes.
	Indicated Status = "indicated"
	// ToCheck means a signal the question needs was not observed, so an
	// engineer has to find out.
	ToCheck Status = "to_check"
)

// NoMatchAdvice is the Advice of a Diagnosis for an entered branch where
// the observations rule out every one of the guide's causes.
const NoMatchAdvice = "none of the guide's causes matches the observations; investigate"

// Diagnosis is one piece of the guide's advice that the observations lead to.
type Diagnosis struct {
	// Branch is the guide's branch question, e.g. "CPU >80%?".
	Branch string `json:"branch"`
	// Condition is the guide's leaf question, e.g. "Gradual increase?"; ""
	// where the guide's branch has no question (adding plants) or no leaf
	// matched.
	Condition string `json:"condition"`
	// Advice is the guide's advice verbatim, e.g. "Proactive horizontal
	// scale", or NoMatchAdvice.
	Advice string `json:"advice"`
	// Status is Indicated or ToCheck.
	Status Status `json:"status"`
	// Evidence names the fields and values that led here, e.g.
	// "master_cpu_percent 86 > 80; cpu_trend gradual".
	Evidence string `json:"evidence"`
}

// Diagnose walks the guide's decision tree in the guide's order.
//
// A branch is entered only when its trigger is observed and above the
// triggers table's critical line (CPU > 80 %, memory > 85 %, orchestration
// latency p95 > 3 s, coordination errors > 5 %), or, for adding plants,
// when c.PlantsToAdd ≥ 5. In an entered branch each leaf whose question the
// observations answer yes is Indicated, each whose signal is unknown is
// ToCheck, and the others are left out. An entered branch where every leaf
// is ruled out yields one Diagnosis with NoMatchAdvice.
//
// c should have passed Validate; a trend value Diagnose does not recognise
// is treated as unknown. The result is empty, not nil, when no branch is
// entered.
func Diagnose(o triggers.Observation, c Context) []Diagnosis {
	f := newFacts(o, c)
	out := []Diagnosis{}
	for _, b := range tree {
		entered, why := b.enter(f)
		if !entered {
			continue
		}
		ruledOut := []string{why}
		n := len(out)
		for _, l := range b.leaves {
			v := l.test(f)
			switch v.answer {
			case yes:
				out = append(out, Diagnosis{b.question, l.condition, l.advice, Indicated, join(why, v.evidence)})
			case unknown:
				out = append(out, Diagnosis{b.question, l.condition, l.advice, ToCheck, join(why, v.evidence)})
			default:
				ruledOut = append(ruledOut, v.evidence)
			}
		}
		if len(out) == n {
			out = append(out, Diagnosis{b.question, "", NoMatchAdvice, Indicated, join(ruledOut...)})
		}
	}
	return out
}

// branch is one question under "Performance Issue Detected".
type branch struct {
	question string                     // the guide's wording, e.g. "CPU >80%?"
	enter    func(facts) (bool, string) // entered?, and the evidence why
	leaves   []leaf
}

// leaf is one question under a branch and the guide's advice if it holds.
type leaf struct {
	condition string // the guide's wording; "" when the guide asks none
	advice    string // the guide's wording
	test      func(facts) verdict
}

// tree is the guide's "Decision Tree: When to Scale vs Optimize", in the
// guide's order and wording.
var tree = []branch{
	{
		question: "CPU >80%?",
		enter:    above("master_cpu_percent"),
		leaves: []leaf{
			{"Recent deployment?", "Investigate for regression", flag("recent_deployment", func(c Context) *bool { return c.RecentDeployment })},
			{"Gradual increase?", "Proactive horizontal scale", trend("cpu_trend", CPUGradual, cpuTrends, func(c Context) *string { return c.CPUTrend })},
			{"Sudden spike?", "Check for runaway process", trend("cpu_trend", CPUSudden, cpuTrends, func(c Context) *string { return c.CPUTrend })},
		},
	},
	{
		question: "Memory >85%?",
		enter:    above("master_memory_percent"),
		leaves: []leaf{
			{"Growing over time (memory leak)?", "Fix leak, then vertical scale", trend("memory_trend", MemoryGrowing, memoryTrends, func(c Context) *string { return c.MemoryTrend })},
			{"Stable but high?", "Vertical scale", trend("memory_trend", MemoryStable, memoryTrends, func(c Context) *string { return c.MemoryTrend })},
			{"Spikes then drops?", "Optimize memory usage patterns", trend("memory_trend", MemorySpiky, memoryTrends, func(c Context) *string { return c.MemoryTrend })},
		},
	},
	{
		question: "Orchestration latency >3s?",
		enter:    above("orchestration_latency_p95_seconds"),
		leaves: []leaf{
			{"Database slow?", "Scale database (see Database Scaling)", atLeast("db_connections_percent", triggers.Warning)},
			{"Many agents coordinating?", "Horizontal scale master", atLeast("subagent_count", triggers.Warning)},
			// The guide's "When to Vertically Scale" counts more than 10
			// plants as a complex heat optimization problem in itself.
			{"Large optimization problems?", "Vertical scale or optimize algorithm", anyOf(
				atLeast("heat_optimization_time_seconds", triggers.Warning),
				atLeast("plant_count", triggers.Critical),
			)},
			{"Message bus lag?", "Scale message bus", atLeast("message_bus_lag_ms", triggers.Warning)},
		},
	},
	{
		question: "Agent coordination errors >5%?",
		enter:    above("agent_coordination_error_percent"),
		leaves: []leaf{
			{"Network issues?", "Investigate networking", flag("network_issues", func(c Context) *bool { return c.NetworkIssues })},
			{"Message bus lag?", "Scale message bus", atLeast("message_bus_lag_ms", triggers.Warning)},
			{"Master overloaded?", "Horizontal scale", anyOf(
				atLeast("master_cpu_percent", triggers.Warning),
				atLeast("master_memory_percent", triggers.Warning),
			)},
			{"Sub-agents failing?", "Scale sub-agents (see Sub-Agent Scaling)", flag("subagents_failing", func(c Context) *bool { return c.SubagentsFailing })},
		},
	},
	{
		question: "Adding new plants (5+)?",
		enter:    addingPlants(5),
		leaves: []leaf{
			{"", "Proactive scale: master, database, message bus", func(facts) verdict { return verdict{answer: yes} }},
		},
	},
}

// facts is what the tests of the tree look at.
type facts struct {
	ctx      Context
	findings map[string]triggers.Finding // by Metric
}

func newFacts(o triggers.Observation, c Context) facts {
	f := facts{ctx: c, findings: map[string]triggers.Finding{}}
	for _, fd := range triggers.Evaluate(o) {
		f.findings[fd.Metric] = fd
	}
	return f
}

// answer is a three-valued truth: a question the observations cannot
// settle is unknown, not no.
type answer int

const (
	no answer = iota
	yes
	unknown
)

// verdict is a leaf's answer with the evidence for it.
type verdict struct {
	answer   answer
	evidence string
}

// atLeast answers whether metric field reached level in the triggers
// table; the evidence compares the value with the line of that level.
func atLeast(field string, level triggers.Level) func(facts) verdict {
	m, ok := triggers.Lookup(field)
	if !ok {
		panic("decision: no metric " + field)
	}
	from, to := m.Bounds()
	line, above, below := from, "≥", "<"
	if level == triggers.Critical {
		line, above, below = to, ">", "≤"
	}
	return func(f facts) verdict {
		fd := f.findings[field]
		if fd.Level == triggers.NotObserved {
			return verdict{unknown, field + " not observed"}
		}
		v := triggers.FormatNumber(*fd.Value)
		if fd.Level >= level {
			return verdict{yes, fmt.Sprintf("%s %s %s %s", field, v, above, triggers.FormatNumber(line))}
		}
		return verdict{no, fmt.Sprintf("%s %s %s %s", field, v, below, triggers.FormatNumber(line))}
	}
}

// above is a branch trigger: metric field observed and Critical.
func above(field string) func(facts) (bool, string) {
	test := atLeast(field, triggers.Critical)
	return func(f facts) (bool, string) {
		v := test(f)
		return v.answer == yes, v.evidence
	}
}

func addingPlants(least int) func(facts) (bool, string) {
	return func(f facts) (bool, string) {
		n := f.ctx.PlantsToAdd
		if n == nil || *n < least {
			return false, ""
		}
		return true, fmt.Sprintf("plants_to_add %d ≥ %d", *n, least)
	}
}

// flag answers with a yes/no signal from the Context.
func flag(field string, get func(Context) *bool) func(facts) verdict {
	return func(f facts) verdict {
		b := get(f.ctx)
		switch {
		case b == nil:
			return verdict{unknown, field + " not observed"}
		case *b:
			return verdict{yes, field + " true"}
		}
		return verdict{no, field + " false"}
	}
}

// trend answers whether a trend signal from the Context is want.
func trend(field, want string, allowed []string, get func(Context) *string) func(facts) verdict {
	return func(f facts) verdict {
		s := get(f.ctx)
		switch {
		case s == nil:
			return verdict{unknown, field + " not observed"}
		case *s == want:
			return verdict{yes, field + " " + *s}
		}
		for _, a := range allowed {
			if *s == a {
				return verdict{no, field + " " + *s}
			}
		}
		return verdict{unknown, fmt.Sprintf("%s %q is not recognized", field, *s)}
	}
}

// anyOf is a three-valued or: yes if any test says yes, no if all say no,
// unknown otherwise.
func anyOf(tests ...func(facts) verdict) func(facts) verdict {
	return func(f facts) verdict {
		var ans answer = no
		var ev, yesEv []string
		for _, t := range tests {
			v := t(f)
			ev = append(ev, v.evidence)
			switch v.answer {
			case yes:
				yesEv = append(yesEv, v.evidence)
			case unknown:
				ans = unknown
			}
		}
		if len(yesEv) > 0 {
			return verdict{yes, join(yesEv...)}
		}
		return verdict{ans, join(ev...)}
	}
}

// join joins evidence with "; ", skipping empty and repeated parts (two
// leaves may rule themselves out on the same signal).
func join(parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" && !slices.Contains(keep, p) {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, "; ")
}
