package api

import "strings"

// Where a replica's CPU and memory limits come from: the value of
// limit_source wherever a limit is recorded beside a percentage of it.
const (
	// LimitSourceCgroupV1 and LimitSourceCgroupV2: the stand-in's limits,
	// enforced on each replica process by a Linux control group.
	LimitSourceCgroupV1 = "cgroup-v1"
	LimitSourceCgroupV2 = "cgroup-v2"
	// LimitSourcePodSpec: the pod's own limits, read from its spec (the
	// kubelet enforces them). A limit of 0 from the pod spec means the pod
	// sets none.
	LimitSourcePodSpec = "pod-spec"
)

// LimitNotEnforced is the limit source of a limit that nothing enforces,
// with the reason: "not enforced (cgroup v1 memory: permission denied)".
// Percentages of such a limit say how far use went past a number, not
// whether a replica was held at it.
func LimitNotEnforced(reason string) string { return "not enforced (" + reason + ")" }

// LimitNotKnown is the limit source when the limits could not be read,
// with the reason: "not known (pods: forbidden)". The limits are 0.
func LimitNotKnown(reason string) string { return "not known (" + reason + ")" }

// LimitEnforced reports whether source names a limit that is enforced
// (a cgroup or the pod spec), as opposed to not enforced, not known or
// not recorded ("").
func LimitEnforced(source string) bool {
	switch source {
	case LimitSourceCgroupV1, LimitSourceCgroupV2, LimitSourcePodSpec:
		return true
	}
	return false
}

// LimitReason is the reason inside a "not enforced (…)" or "not known
// (…)" source, or source itself for any other.
func LimitReason(source string) string {
	for _, p := range []string{"not enforced (", "not known ("} {
		if r, ok := strings.CutPrefix(source, p); ok {
			return strings.TrimSuffix(r, ")")
		}
	}
	return source
}

// ReplicaLimits are the per-replica CPU and memory limits a deployment's
// replicas run under, the denominators of their cpu_percent and
// memory_percent, and where they come from. The stand-in's ready line
// carries them as "limits".
type ReplicaLimits struct {
	CPULimitMillicores int    `json:"cpu_limit_millicores"`
	MemoryLimitMiB     int    `json:"memory_limit_mib"`
	LimitSource        string `json:"limit_source"`
}

// Enforced reports whether the limits are enforced (see LimitEnforced).
func (l ReplicaLimits) Enforced() bool { return LimitEnforced(l.LimitSource) }
