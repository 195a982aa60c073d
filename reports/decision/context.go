package decision

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The values Context.CPUTrend may take.
const (
	CPUGradual = "gradual" // CPU rose slowly over hours or days
	CPUSudden  = "sudden"  // CPU jumped within minutes
	CPUFlat    = "flat"    // CPU has been high and level
)

// The values Context.MemoryTrend may take.
const (
	MemoryGrowing = "growing" // memory keeps rising: a leak
	MemoryStable  = "stable"  // memory is high but level
	MemorySpiky   = "spiky"   // memory spikes, then drops back
)

var (
	cpuTrends    = []string{CPUGradual, CPUSudden, CPUFlat}
	memoryTrends = []string{MemoryGrowing, MemoryStable, MemorySpiky}
)

// Context holds the signals the decision tree asks about that the nine
// metrics of a triggers.Observation cannot give. Every field is optional; nil
// means unknown, and a leaf that needs it is reported as to be checked.
type Context struct {
	// RecentDeployment tells whether a new version was deployed shortly
	// before the problem appeared.
	RecentDeployment *bool `json:"recent_deployment,omitempty"`
	// CPUTrend is how master CPU got high: "gradual", "sudden" or "flat".
	CPUTrend *string `json:"cpu_trend,omitempty"`
	// MemoryTrend is how master memory behaves: "growing", "stable" or "spiky".
	MemoryTrend *string `json:"memory_trend,omitempty"`
	// NetworkIssues tells whether the network between master and sub-agents
	// is known to be faulty.
	NetworkIssues *bool `json:"network_issues,omitempty"`
	// SubagentsFailing tells whether sub-agents are crashing or failing
	// health checks.
	SubagentsFailing *bool `json:"subagents_failing,omitempty"`
	// PlantsToAdd is how many plants are about to be added (≥ 0).
	PlantsToAdd *int `json:"plants_to_add,omitempty"`
}

// Validate reports every problem in c at once, joined with errors.Join, or
// nil: trends outside their allowed values and a negative PlantsToAdd.
func (c Context) Validate() error {
	var errs []error
	if c.CPUTrend != nil && !slices.Contains(cpuTrends, *c.CPUTrend) {
		errs = append(errs, notOneOf("cpu_trend", *c.CPUTrend, cpuTrends))
	}
	if c.MemoryTrend != nil && !slices.Contains(memoryTrends, *c.MemoryTrend) {
		errs = append(errs, notOneOf("memory_trend", *c.MemoryTrend, memoryTrends))
	}
	if c.PlantsToAdd != nil && *c.PlantsToAdd < 0 {
		errs = append(errs, fmt.Errorf("plants_to_add (%d) must be ≥ 0", *c.PlantsToAdd))
	}
	return errors.Join(errs...)
}

func notOneOf(field, value string, allowed []string) error {
	return fmt.Errorf("%s: %q is not one of %s", field, value, strings.Join(allowed, ", "))
}
