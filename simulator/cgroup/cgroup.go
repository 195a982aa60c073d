// Package cgroup holds the stand-in's replica processes to per-replica CPU
// and memory limits with Linux control groups, as the kubelet holds a
// pod's containers to theirs: a CPU quota per 100 ms period (CFS bandwidth
// control: a replica that has spent its quota waits for the next period,
// it is throttled) and a memory limit (a replica that needs more is killed
// by the kernel's OOM killer, Kubernetes' OOMKilled).
//
// Detect finds what the host offers: cgroup v2 (the unified hierarchy at
// the root, cgroup.controllers listing cpu and memory), else the v1 cpu
// and memory controllers (cpu.cfs_quota_us, memory.limit_in_bytes), else
// nothing, with the reason. A Group is one stand-in's cgroups, one per
// replica, at
//
//	<base>/gl001-run-<pid namespace>-<pid>-<start ticks>-<n>/<replica id>
//
// where <base> is this process's own cgroup in each hierarchy, so the
// replicas stay inside whatever limits this process already lives under.
// The run's directory weighs as many processes as it has replicas, so on
// a busy machine the replicas share the CPU as they would unconfined.
// gl001 touches nothing but directories it names so: Close removes the
// group's own, and NewGroup removes those a killed run left behind (their
// owning process, in this pid namespace, is gone) when no process is left
// in them. Directories of another pid namespace are never judged stale.
//
// cgroup v2 lets a cgroup pass controllers to children only while it has
// no processes of its own, except at the root. A process living in a
// non-root v2 cgroup (a systemd unit, a container) therefore cannot limit
// children under its own cgroup; NewGroup then fails with the reason, and
// the stand-in reports its limits as not enforced.
package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/greenlang/gl001/simulator/api"
)

// DefaultRoot is where the kernel's cgroup hierarchies are mounted.
const DefaultRoot = "/sys/fs/cgroup"

// PeriodMicroseconds is the CFS period of every CPU limit, the kernel's
// default and the kubelet's: a limit of L millicores is a quota of
// L × 100 µs per period.
const PeriodMicroseconds = 100_000

// MinCPUMillicores is the smallest CPU limit a quota can express: the
// kernel's smallest quota is 1 ms per period.
const MinCPUMillicores = 10

// Limits are one replica's CPU and memory limits.
type Limits struct {
	CPUMillicores int // at least MinCPUMillicores
	MemoryMiB     int // at least 1
}

// Validate reports every problem with l at once.
func (l Limits) Validate() error {
	var errs []error
	if l.CPUMillicores < MinCPUMillicores {
		errs = append(errs, fmt.Errorf("cgroup: CPU limit %dm is below the %dm a quota can express", l.CPUMillicores, MinCPUMillicores))
	}
	if l.MemoryMiB < 1 {
		errs = append(errs, fmt.Errorf("cgroup: memory limit %dMi must be at least 1Mi", l.MemoryMiB))
	}
	return errors.Join(errs...)
}

// Hierarchy is what this host offers for limiting processes, found by
// Detect. The zero value enforces nothing.
type Hierarchy struct {
	// Version is 1 or 2, or 0 when limits cannot be enforced.
	Version int
	// Reason says why limits cannot be enforced; "" when Version is set.
	Reason string

	root             string
	cpuBase, memBase string // our cgroups go under these; the same dir for v2
}

// Detect looks under root (DefaultRoot when "") for cgroup v2, then for
// the v1 cpu and memory controllers. It reads this process's own cgroups
// from /proc/self/cgroup, so that a Group nests under them; where such a
// directory is not under root (a test's stand-in hierarchy), the
// hierarchy's top is used. Detect does not write: whether the hierarchy
// is writable shows when NewGroup makes its directories.
func Detect(root string) Hierarchy {
	if root == "" {
		root = DefaultRoot
	}
	h := Hierarchy{root: root}
	own := ownCgroups()
	if _, err := os.Stat(filepath.Join(root, "cgroup.controllers")); err == nil {
		base := nested(root, own[""])
		have := strings.Fields(readString(filepath.Join(base, "cgroup.controllers")))
		var missing []string
		for _, c := range []string{"cpu", "memory"} {
			if !slices.Contains(have, c) {
				missing = append(missing, c)
			}
		}
		if len(missing) > 0 {
			h.Reason = fmt.Sprintf("cgroup v2 at %s: controller %s not available in %s (it offers %q)",
				root, strings.Join(missing, " and "), base, strings.Join(have, " "))
			return h
		}
		h.Version, h.cpuBase, h.memBase = 2, base, base
		return h
	}
	cpuMount, memMount := filepath.Join(root, "cpu"), filepath.Join(root, "memory")
	_, cpuErr := os.Stat(filepath.Join(cpuMount, "cpu.cfs_quota_us"))
	_, memErr := os.Stat(filepath.Join(memMount, "memory.limit_in_bytes"))
	if cpuErr == nil && memErr == nil {
		h.Version = 1
		h.cpuBase, h.memBase = nested(cpuMount, own["cpu"]), nested(memMount, own["memory"])
		return h
	}
	switch {
	case runtime.GOOS != "linux":
		h.Reason = "control groups are Linux only"
	case cpuErr != nil && memErr != nil:
		h.Reason = fmt.Sprintf("no cgroup v2 at %s (no cgroup.controllers) and no cgroup v1 cpu or memory controller (no cpu/cpu.cfs_quota_us, memory/memory.limit_in_bytes)", root)
	case cpuErr != nil:
		h.Reason = fmt.Sprintf("no cgroup v2 at %s and no cgroup v1 cpu controller (no %s)", root, filepath.Join(cpuMount, "cpu.cfs_quota_us"))
	default:
		h.Reason = fmt.Sprintf("no cgroup v2 at %s and no cgroup v1 memory controller (no %s)", root, filepath.Join(memMount, "memory.limit_in_bytes"))
	}
	return h
}

// Source is the limit source of limits enforced in h: "cgroup-v1",
// "cgroup-v2", or "not enforced (reason)".
func (h Hierarchy) Source() string {
	switch h.Version {
	case 1:
		return api.LimitSourceCgroupV1
	case 2:
		return api.LimitSourceCgroupV2
	}
	return api.LimitNotEnforced(h.Reason)
}

// Capacity is what this host can give the processes under h: CPUs
// (runtime.NumCPU × 1000 millicores, at most the CPU quota of the cgroup
// our groups nest in) and memory (MemTotal, at most that cgroup's memory
// limit). memoryMiB is 0 when it cannot be read.
func (h Hierarchy) Capacity() (cpuMillicores, memoryMiB int) {
	cpuMillicores = runtime.NumCPU() * 1000
	memoryMiB = memTotalMiB()
	var quota, period int64
	var memLimit int64
	switch h.Version {
	case 1:
		quota = readInt(filepath.Join(h.cpuBase, "cpu.cfs_quota_us"))
		period = readInt(filepath.Join(h.cpuBase, "cpu.cfs_period_us"))
		memLimit = readInt(filepath.Join(h.memBase, "memory.limit_in_bytes"))
	case 2:
		if f := strings.Fields(readString(filepath.Join(h.cpuBase, "cpu.max"))); len(f) == 2 {
			quota, _ = strconv.ParseInt(f[0], 10, 64) // "max": no quota
			period, _ = strconv.ParseInt(f[1], 10, 64)
		}
		memLimit = readInt(filepath.Join(h.memBase, "memory.max")) // "max": 0
	}
	if quota > 0 && period > 0 {
		cpuMillicores = min(cpuMillicores, int(quota*1000/period))
	}
	if mib := int(memLimit >> 20); memLimit > 0 && (memoryMiB == 0 || mib < memoryMiB) {
		memoryMiB = mib
	}
	return cpuMillicores, memoryMiB
}

// ownCgroups reads /proc/self/cgroup: the path of this process's cgroup
// by controller ("cpu", "memory"), and "" for the v2 hierarchy.
func ownCgroups() map[string]string {
	out := map[string]string{}
	for line := range strings.SplitSeq(readString("/proc/self/cgroup"), "\n") {
		// hierarchy-ID:controller-list:path
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		if parts[1] == "" {
			out[""] = parts[2]
			continue
		}
		for c := range strings.SplitSeq(parts[1], ",") {
			out[c] = parts[2]
		}
	}
	return out
}

// nested is mount/path when that directory exists, else mount.
func nested(mount, path string) string {
	if path == "" || path == "/" {
		return mount
	}
	p := filepath.Join(mount, filepath.FromSlash(path))
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		return p
	}
	return mount
}

func memTotalMiB() int {
	for line := range strings.SplitSeq(readString("/proc/meminfo"), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return int(kb >> 10)
			}
		}
	}
	return 0
}

func readString(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// readInt reads a file holding one integer; 0 when it cannot.
func readInt(path string) int64 {
	v, _ := strconv.ParseInt(readString(path), 10, 64)
	return v
}
