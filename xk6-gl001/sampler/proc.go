package sampler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/greenlang/gl001/deploy/procfs"
	"github.com/greenlang/gl001/simulator/api"
)

// Proc is one replica process to watch: the replica's id and its pid.
type Proc struct {
	ID  string
	PID int
}

// ProcReplicas samples replica processes on this machine from /proc: the
// stand-in's replicas, or any local orchestrator processes.
//
// CPU is a rate, so it needs two readings of the same process: the first
// reading of a process (a new pid, or a pid now belonging to a process
// started since) leaves that replica out of the Sample and records a Gap
// "…: first reading, CPU from the next interval". Call Prime once before
// the first interval so the run's first Sample is complete. A listed
// process that no longer exists (or is exiting, or a zombie awaiting its
// parent) is left out with a Gap too. Replicas read are kept; the error returned
// is nil unless List is unset.
//
// Percentages are of Limits, which every reading records beside them
// with their source; a limit of 0 leaves its percentage 0. Safe for
// concurrent use.
type ProcReplicas struct {
	// List returns the processes to read now; it is called on every
	// Sample, since replicas restart under new pids. Its error is the
	// Sample's: no replica was read.
	List func(ctx context.Context) ([]Proc, error)
	// Limits are each replica's limits and what enforces them: the
	// stand-in's (its ready line's limits).
	Limits api.ReplicaLimits

	mu   sync.Mutex
	last map[int]procReading // by pid
}

// procReading is one reading of a process, kept for the next CPU rate.
type procReading struct {
	startTicks uint64 // the process's start time, to tell a reused pid
	cpuSeconds float64
	at         time.Time
}

// Name is "replicas".
func (p *ProcReplicas) Name() string { return "replicas" }

// Prime reads every listed process once, so the next Sample has a CPU
// rate for each. Errors are ignored: the next Sample reports them.
func (p *ProcReplicas) Prime(ctx context.Context) {
	if p.List == nil {
		return
	}
	procs, _ := p.List(ctx)
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range procs {
		if r, _, err := readProc(pr.PID); err == nil {
			p.keep(pr.PID, r)
		}
	}
}

// Sample reads every listed process.
func (p *ProcReplicas) Sample(ctx context.Context, s *Sample) error {
	if p.List == nil {
		return errors.New("no process list configured")
	}
	procs, err := p.List(ctx)
	if err != nil {
		return fmt.Errorf("listing the replicas: %w", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	seen := make(map[int]bool, len(procs))
	for _, pr := range procs {
		if err := ctx.Err(); err != nil {
			return err
		}
		seen[pr.PID] = true
		now, usage, err := readProc(pr.PID)
		if err != nil {
			delete(p.last, pr.PID)
			s.Gaps = append(s.Gaps, Gap{Sampler: p.Name(), Reason: fmt.Sprintf("%s (pid %d): %v", pr.ID, pr.PID, err)})
			continue
		}
		prev, ok := p.last[pr.PID]
		p.keep(pr.PID, now)
		if !ok || prev.startTicks != now.startTicks {
			s.Gaps = append(s.Gaps, Gap{Sampler: p.Name(), Reason: fmt.Sprintf("%s (pid %d): first reading, CPU from the next interval", pr.ID, pr.PID)})
			continue
		}
		cpu := 0.0
		if dt := now.at.Sub(prev.at).Seconds(); dt > 0 {
			cpu = max(0, now.cpuSeconds-prev.cpuSeconds) / dt * 1000
		}
		mem := usage.RSSMiB()
		s.Replicas = append(s.Replicas, ReplicaUsage{
			ID:                 pr.ID,
			PID:                pr.PID,
			CPUMillicores:      cpu,
			MemoryMiB:          mem,
			CPUPercent:         percentOf(cpu, float64(p.Limits.CPULimitMillicores)),
			MemoryPercent:      percentOf(mem, float64(p.Limits.MemoryLimitMiB)),
			CPULimitMillicores: p.Limits.CPULimitMillicores,
			MemoryLimitMiB:     p.Limits.MemoryLimitMiB,
			LimitSource:        p.Limits.LimitSource,
		})
	}
	for pid := range p.last {
		if !seen[pid] {
			delete(p.last, pid)
		}
	}
	return nil
}

func (p *ProcReplicas) keep(pid int, r procReading) {
	if p.last == nil {
		p.last = map[int]procReading{}
	}
	p.last[pid] = r
}

// errProcessGone is a listed process that is no longer running.
var errProcessGone = errors.New("process gone")

// readProc reads pid's CPU time and RSS, then its identity (procfs): a
// process that is exiting, a zombie or dead counts as gone, and the start
// time tells a reused pid from the process read before. The identity is
// read after the usage, and exiting is for good, so a usage read mid-exit
// (RSS already 0) is never kept.
func readProc(pid int) (procReading, procfs.Usage, error) {
	if pid <= 0 {
		return procReading{}, procfs.Usage{}, fmt.Errorf("no pid (%d)", pid)
	}
	at := time.Now()
	usage, err := procfs.Read(pid)
	if err != nil {
		return procReading{}, procfs.Usage{}, goneIfMissing(err)
	}
	id, err := procfs.ReadIdentity(pid)
	if err != nil {
		return procReading{}, procfs.Usage{}, goneIfMissing(err)
	}
	if id.Gone() {
		return procReading{}, procfs.Usage{}, errProcessGone
	}
	return procReading{startTicks: id.StartTicks, cpuSeconds: usage.CPUSeconds, at: at}, usage, nil
}

// percentOf is v as a percentage of limit; 0 without a limit.
func percentOf(v, limit float64) float64 {
	if limit <= 0 {
		return 0
	}
	return finite(v / limit * 100)
}

// goneIfMissing is errProcessGone for a /proc entry that does not exist.
func goneIfMissing(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return errProcessGone
	}
	return err
}
