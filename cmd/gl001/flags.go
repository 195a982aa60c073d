package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/greenlang/gl001/simulator"
)

// intFlag is an integer flag that checks its range when set, so a bad
// value is reported with the flag's name, the value and the allowed range
// before any work starts.
type intFlag struct {
	value  int
	lo, hi int
	set    bool
}

func (f *intFlag) String() string { return strconv.Itoa(f.value) }
func (f *intFlag) Type() string   { return "int" }

func (f *intFlag) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil || v < f.lo || v > f.hi {
		return fmt.Errorf("must be a whole number from %d to %d", f.lo, f.hi)
	}
	f.value, f.set = v, true
	return nil
}

// enumFlag is a string flag restricted to a fixed set of values.
type enumFlag struct {
	value   string
	allowed []string
}

func (f *enumFlag) String() string { return f.value }
func (f *enumFlag) Type() string   { return strings.Join(f.allowed, "|") }

func (f *enumFlag) Set(s string) error {
	for _, a := range f.allowed {
		if s == a {
			f.value = s
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(f.allowed, ", "))
}

func outputFlag(allowed ...string) *enumFlag {
	return &enumFlag{value: allowed[0], allowed: allowed}
}

// cpuFlag is a CPU quantity in Kubernetes' syntax ("200m", "0.5", "1"),
// held in millicores and checked against [lo, hi] when set. 0, its
// default, leaves the choice to the stand-in.
type cpuFlag struct {
	millicores int
	lo, hi     int
}

func (f *cpuFlag) String() string { return strconv.Itoa(f.millicores) }
func (f *cpuFlag) Type() string   { return "quantity" }

func (f *cpuFlag) Set(s string) error {
	q, err := resource.ParseQuantity(s)
	m := q.MilliValue()
	if err != nil || q.Sign() < 0 || m < int64(f.lo) || m > int64(f.hi) {
		return fmt.Errorf("must be a CPU quantity from %dm to %s, e.g. 200m, 0.5 or 1", f.lo, cores(f.hi))
	}
	f.millicores = int(m)
	return nil
}

// memoryFlag is a memory quantity in Kubernetes' syntax ("256Mi", "1Gi",
// "512M"; a bare number is bytes), held in whole MiB (rounded down) and
// checked against [lo, hi] MiB when set. 0, its default, leaves the
// choice to the stand-in.
type memoryFlag struct {
	mib    int
	lo, hi int
}

func (f *memoryFlag) String() string { return strconv.Itoa(f.mib) }
func (f *memoryFlag) Type() string   { return "quantity" }

func (f *memoryFlag) Set(s string) error {
	q, err := resource.ParseQuantity(s)
	mib := q.Value() >> 20
	if err != nil || q.Sign() < 0 || mib < int64(f.lo) || mib > int64(f.hi) {
		return fmt.Errorf("must be a memory quantity from %dMi to %s, e.g. 256Mi or 1Gi (a bare number is bytes)", f.lo, mebibytes(f.hi))
	}
	f.mib = int(mib)
	return nil
}

// cores writes millicores the short way: "256" for 256000m, "1500m".
func cores(m int) string {
	if m%1000 == 0 {
		return strconv.Itoa(m / 1000)
	}
	return strconv.Itoa(m) + "m"
}

// mebibytes writes MiB the short way: "1Ti" for 1048576Mi, "640Mi".
func mebibytes(mib int) string {
	switch {
	case mib%(1<<20) == 0:
		return strconv.Itoa(mib>>20) + "Ti"
	case mib%(1<<10) == 0:
		return strconv.Itoa(mib>>10) + "Gi"
	}
	return strconv.Itoa(mib) + "Mi"
}

// limitFlags are the stand-in's per-replica limit flags, shared by
// simulate and run.
type limitFlags struct {
	cpu    *cpuFlag
	memory *memoryFlag
}

// limitsHelp says how the defaults are chosen (simulator.DefaultLimits).
const (
	cpuLimitHelp = "CPU limit enforced on each replica process by a cgroup, as Kubernetes enforces a pod's: a replica that uses it up is throttled; e.g. 200m, 0.5, 1 " +
		"(default: this machine's CPUs ÷ replicas, at least 100m, at most the calculator's per-replica limit)"
	memoryLimitHelp = "memory limit enforced on each replica process by a cgroup: a replica that needs more is OOM-killed and restarted; e.g. 256Mi, 1Gi " +
		"(default: half this machine's memory ÷ replicas, at least 128Mi, at most the calculator's per-replica limit)"
)

func addLimitFlags(fl *pflag.FlagSet, prefix string) limitFlags {
	lf := limitFlags{
		cpu:    &cpuFlag{lo: simulator.MinReplicaCPUMillicores, hi: simulator.MaxReplicaCPUMillicores},
		memory: &memoryFlag{lo: simulator.MinReplicaMemoryMiB, hi: simulator.MaxReplicaMemoryMiB},
	}
	fl.Var(lf.cpu, "replica-cpu-limit", prefix+cpuLimitHelp)
	fl.Var(lf.memory, "replica-memory-limit", prefix+memoryLimitHelp)
	return lf
}
