package sampler

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/greenlang/gl001/simulator/procfs"
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
// Percentages are of CPULimitMillicores and MemoryLimitMiB; a limit of 0
// leaves its percentage 0. Safe for concurrent use.
type ProcReplicas struct {
	// List returns the processes to read now; it is called on every
	// Sample, since replicas restart under new pids.
	List               func() []Proc
	CPULimitMillicores int
	MemoryLimitMiB     int

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
func (p *ProcReplicas) Prime() {
	if p.List == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, pr := range p.List() {
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
	procs := p.List()
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
			ID:            pr.ID,
			PID:           pr.PID,
			CPUMillicores: cpu,
			MemoryMiB:     mem,
			CPUPercent:    percentOf(cpu, float64(p.CPULimitMillicores)),
			MemoryPercent: percentOf(mem, float64(p.MemoryLimitMiB)),
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

// readProc reads pid's CPU time and RSS (procfs), then its state, flags
// and start time (/proc/PID/stat fields 3, 9 and 22): a process that is
// exiting, a zombie or dead counts as gone, and the start time tells a
// reused pid from the process read before. The identity is read after the
// usage, and exiting is for good, so a usage read mid-exit (RSS already 0)
// is never kept.
func readProc(pid int) (procReading, procfs.Usage, error) {
	if pid <= 0 {
		return procReading{}, procfs.Usage{}, fmt.Errorf("no pid (%d)", pid)
	}
	at := time.Now()
	usage, err := procfs.Read(pid)
	if err != nil {
		return procReading{}, procfs.Usage{}, goneIfMissing(err)
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procReading{}, procfs.Usage{}, goneIfMissing(err)
	}
	gone, start, err := parseIdentity(string(b))
	switch {
	case err != nil:
		return procReading{}, procfs.Usage{}, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	case gone:
		return procReading{}, procfs.Usage{}, errProcessGone
	}
	return procReading{startTicks: start, cpuSeconds: usage.CPUSeconds, at: at}, usage, nil
}

// goneIfMissing is errProcessGone for a /proc entry that does not exist.
func goneIfMissing(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return errProcessGone
	}
	return err
}

// pfExiting is the kernel's PF_EXITING task flag (include/linux/sched.h):
// the process has begun to exit, and its memory may already be released
// while its state still reads R or D.
const pfExiting = 0x4

// parseIdentity reads /proc/PID/stat's state (field 3), flags (field 9)
// and start time (field 22, clock ticks after boot). gone is true for a
// zombie, a dead task, or one that is exiting.
func parseIdentity(stat string) (gone bool, startTicks uint64, err error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return false, 0, errors.New("malformed: no ')' after the name")
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); field n is f[n-3].
	if len(f) < 20 {
		return false, 0, fmt.Errorf("malformed: %d fields after the name", len(f))
	}
	flags, err := strconv.ParseUint(f[6], 10, 64)
	if err != nil {
		return false, 0, fmt.Errorf("malformed flags: %w", err)
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return false, 0, fmt.Errorf("malformed start time: %w", err)
	}
	state := f[0]
	gone = state == "Z" || state == "X" || state == "x" || flags&pfExiting != 0
	return gone, start, nil
}

// percentOf is v as a percentage of limit; 0 without a limit.
func percentOf(v, limit float64) float64 {
	if limit <= 0 {
		return 0
	}
	return finite(v / limit * 100)
}
