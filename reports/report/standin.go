package report

import (
	"fmt"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/simulator/api"
)

// standInNote is the report's plain word on a run against the stand-in:
// what its CPU and memory can tell (how the guide's triggers and decision
// tree behave against a replica held to a limit) and what they cannot
// (whether the calculator's absolute figures are right: the stand-in is
// not the production orchestrator). "" for another target.
func standInNote(info RunInfo, o observation, pred capacity.Prediction, nominal *api.ReplicaLimits) string {
	if !info.StandIn {
		return ""
	}
	calc := fmt.Sprintf("%s CPU and %s memory per replica", millicores(float64(pred.CPUMillicores)), mebibytes(float64(pred.MemoryMiB)))
	l := o.Limits
	switch {
	case l.CPULimitMillicores != nil && l.MemoryLimitMiB != nil:
		return fmt.Sprintf("The target is the stand-in. Its replicas ran under limits enforced on each process (%s: %s CPU and %s memory per replica), "+
			"so its CPU and memory rehearse the guide's triggers and decision tree; they do not validate the calculator's absolute figures (%s), "+
			"which stand beside them as the prediction. Right-sizing sizes the stand-in's limits, never production's.",
			l.Source, millicores(float64(*l.CPULimitMillicores)), mebibytes(float64(*l.MemoryLimitMiB)), calc)
	case o.ReplicaIntervals > 0:
		why := l.CPUNotEnforced
		if why == "" {
			why = l.MemoryNotEnforced
		}
		return fmt.Sprintf("The target is the stand-in, and %s: its CPU and memory are shown but not judged, since no limit held a replica to anything. "+
			"Even with enforced limits a stand-in run only rehearses the guide's triggers and decision tree; it does not validate the calculator's absolute figures (%s).",
			why, calc)
	}
	limits := ""
	if nominal != nil {
		limits = fmt.Sprintf(" (per-replica limits %s CPU and %s memory, %s)", millicores(float64(nominal.CPULimitMillicores)),
			mebibytes(float64(nominal.MemoryLimitMiB)), sourceText(nominal.LimitSource))
	}
	return fmt.Sprintf("The target is the stand-in%s. Its CPU and memory rehearse the guide's triggers and decision tree; they do not validate the calculator's absolute figures (%s).",
		limits, calc)
}
