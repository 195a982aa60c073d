package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/greenlang/gl001/deploy/procfs"
)

// runName is the name of one Group's directory under each base: pid
// namespace inode, the owning process's pid and start time (clock ticks
// after boot), and a sequence number within that process.
var runName = regexp.MustCompile(`^gl001-run-(\d+)-(\d+)-(\d+)-(\d+)$`)

// The CPU weight of one process competing on its own (v1 cpu.shares,
// v2 cpu.weight), and the most a cgroup may have.
const (
	sharesV1, maxSharesV1 = 1024, 262144
	weightV2, maxWeightV2 = 100, 10000
)

// validID is what a replica id must look like to name a directory.
var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

var groupSeq atomic.Uint64

// removeWait bounds how long Close waits for the kernel to let go of a
// cgroup whose last process has just been reaped.
const removeWait = 2 * time.Second

// Group is one stand-in's cgroups: one per replica, all with the same
// Limits. Prepare and Confine put each start of a replica's process in
// its cgroup; Exited says whether the memory limit killed it; Close
// removes them all. Safe for concurrent use.
type Group struct {
	h      Hierarchy
	limits Limits
	name   string // gl001-run-…
	log    *slog.Logger

	mu       sync.Mutex
	replicas map[string]*counters // by replica id: the counters when its process was placed
	closed   bool
}

// counters are a replica cgroup's cumulative memory events.
type counters struct {
	oomKills  int64 // v1 memory.oom_control oom_kill, v2 memory.events oom_kill; -1 when the kernel has none
	limitHits int64 // v1 memory.failcnt, v2 memory.events max
}

// NewGroup makes this stand-in's directory in h, first removing what
// killed runs left behind (see the package doc). It fails, with the
// reason, when h cannot enforce limits or its directories cannot be made
// (not root, a read-only mount, controllers that cannot be delegated).
func (h Hierarchy) NewGroup(l Limits, log *slog.Logger) (*Group, error) {
	if h.Version == 0 {
		return nil, errors.New(h.Reason)
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	self, err := procfs.ReadIdentity(0)
	if err != nil {
		return nil, fmt.Errorf("cgroup: cannot read this process's start time: %w", err)
	}
	g := &Group{
		h: h, limits: l, log: log, replicas: map[string]*counters{},
		name: fmt.Sprintf("gl001-run-%d-%d-%d-%d", pidNamespace(), os.Getpid(), self.StartTicks, groupSeq.Add(1)),
	}
	g.removeStale()
	if err := g.makeRunDirs(); err != nil {
		g.removeRunDirs()
		return nil, err
	}
	return g, nil
}

// Limits are the limits every replica of g runs under.
func (g *Group) Limits() Limits { return g.limits }

// Source is "cgroup-v1" or "cgroup-v2".
func (g *Group) Source() string { return g.h.Source() }

// bases are the distinct base directories: one for v2, two for v1.
func (h Hierarchy) bases() []string {
	if h.cpuBase == h.memBase {
		return []string{h.cpuBase}
	}
	return []string{h.cpuBase, h.memBase}
}

func (g *Group) makeRunDirs() error {
	for _, base := range g.h.bases() {
		if g.h.Version == 2 {
			if err := enableControllers(base); err != nil {
				return err
			}
		}
		dir := filepath.Join(base, g.name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return fmt.Errorf("cgroup: cannot make %s: %w", dir, err)
		}
		if g.h.Version == 2 {
			if err := enableControllers(dir); err != nil {
				return err
			}
		}
	}
	return nil
}

// enableControllers lets dir's children use the cpu and memory
// controllers (cgroup v2), unless they already may.
func enableControllers(dir string) error {
	on := strings.Fields(readString(filepath.Join(dir, "cgroup.subtree_control")))
	if slices.Contains(on, "cpu") && slices.Contains(on, "memory") {
		return nil
	}
	if err := writeFile(filepath.Join(dir, "cgroup.subtree_control"), "+cpu +memory"); err != nil {
		return fmt.Errorf("cgroup v2: cannot pass the cpu and memory controllers to the children of %s (a cgroup with processes of its own cannot, except the root): %w", dir, err)
	}
	return nil
}

// dirs are replica id's cgroup directories: cpu and memory for v1, the
// one for v2.
func (g *Group) dirs(id string) (cpu, mem string) {
	return filepath.Join(g.h.cpuBase, g.name, id), filepath.Join(g.h.memBase, g.name, id)
}

// Prepare readies replica id's cgroup for a start of its process: it makes
// the directory the first time, (re)writes the limits, and notes the
// memory counters, so Exited can tell whether this process was
// OOM-killed. Call it before every start.
func (g *Group) Prepare(id string) error {
	if !validID.MatchString(id) {
		return fmt.Errorf("cgroup: replica id %q cannot name a directory", id)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return errors.New("cgroup: group closed")
	}
	cpu, mem := g.dirs(id)
	for _, d := range []string{cpu, mem} {
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("cgroup: cannot make %s: %w", d, err)
		}
	}
	quota := strconv.Itoa(g.limits.CPUMillicores * PeriodMicroseconds / 1000)
	bytes := strconv.FormatInt(int64(g.limits.MemoryMiB)<<20, 10)
	var writes [][2]string
	switch g.h.Version {
	case 1:
		writes = [][2]string{
			{filepath.Join(cpu, "cpu.cfs_period_us"), strconv.Itoa(PeriodMicroseconds)},
			{filepath.Join(cpu, "cpu.cfs_quota_us"), quota},
			{filepath.Join(mem, "memory.limit_in_bytes"), bytes},
		}
	case 2:
		writes = [][2]string{
			{filepath.Join(cpu, "cpu.max"), quota + " " + strconv.Itoa(PeriodMicroseconds)},
			{filepath.Join(mem, "memory.max"), bytes},
		}
	}
	for _, w := range writes {
		if err := writeFile(w[0], w[1]); err != nil {
			return fmt.Errorf("cgroup: cannot set %s to %s: %w", w[0], w[1], err)
		}
	}
	// No swapping past the limit, as the kubelet runs pods; where the
	// kernel has no swap accounting these files are absent, which is fine.
	if g.h.Version == 1 {
		_ = writeFile(filepath.Join(mem, "memory.swappiness"), "0")
	} else {
		_ = writeFile(filepath.Join(mem, "memory.swap.max"), "0")
	}
	c := g.readCounters(mem)
	g.replicas[id] = &c
	g.weigh()
	return nil
}

// weigh gives the run's directory the CPU weight of as many processes as
// it has replicas, so that where the machine is short of CPU the replicas
// together get what they would as separate processes, not one process's
// share. It is best effort: a weight the kernel refuses changes only how
// the replicas share a busy machine, never their limits.
func (g *Group) weigh() {
	n := int64(len(g.replicas))
	run := filepath.Join(g.h.cpuBase, g.name)
	if g.h.Version == 1 {
		_ = writeFile(filepath.Join(run, "cpu.shares"), strconv.FormatInt(min(n*sharesV1, maxSharesV1), 10))
	} else {
		_ = writeFile(filepath.Join(run, "cpu.weight"), strconv.FormatInt(min(n*weightV2, maxWeightV2), 10))
	}
}

// Confine moves process pid, just started for replica id, into its
// cgroup (all its threads: cgroup.procs takes the whole thread group).
// Prepare must have been called for this start. An error means the
// process is not inside its limits; the caller must stop it.
func (g *Group) Confine(id string, pid int) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.replicas[id]; !ok {
		return fmt.Errorf("cgroup: replica %q was not prepared", id)
	}
	cpu, mem := g.dirs(id)
	dirs := []string{cpu}
	if mem != cpu {
		dirs = append(dirs, mem)
	}
	for _, d := range dirs {
		if err := writeFile(filepath.Join(d, "cgroup.procs"), strconv.Itoa(pid)); err != nil {
			return fmt.Errorf("cgroup: cannot move pid %d into %s: %w", pid, d, err)
		}
	}
	return nil
}

// Exited says, once replica id's process has exited with state, whether
// its memory limit killed it: "OOMKilled: …" with the evidence, or "".
// The kernel's oom_kill count is the evidence where it has one; on older
// v1 kernels, a SIGKILL while memory.failcnt rose.
func (g *Group) Exited(id string, state *os.ProcessState) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	before, ok := g.replicas[id]
	if !ok {
		return ""
	}
	_, mem := g.dirs(id)
	now := g.readCounters(mem)
	killed := false
	if state != nil {
		if ws, ok := state.Sys().(syscall.WaitStatus); ok {
			killed = ws.Signaled() && ws.Signal() == syscall.SIGKILL
		}
	}
	limit := fmt.Sprintf("%dMi", g.limits.MemoryMiB)
	switch {
	case now.oomKills >= 0 && before.oomKills >= 0 && now.oomKills > before.oomKills:
		return fmt.Sprintf("OOMKilled: the %s memory limit killed it (oom_kill +%d)", limit, now.oomKills-before.oomKills)
	case now.oomKills < 0 && killed && now.limitHits > before.limitHits:
		return fmt.Sprintf("OOMKilled: killed by SIGKILL after reaching its %s memory limit %d times (memory.failcnt)", limit, now.limitHits-before.limitHits)
	}
	return ""
}

// readCounters reads the memory cgroup dir's OOM kills and limit hits.
func (g *Group) readCounters(mem string) counters {
	c := counters{oomKills: -1}
	if g.h.Version == 1 {
		c.limitHits = readInt(filepath.Join(mem, "memory.failcnt"))
		if v, ok := keyed(readString(filepath.Join(mem, "memory.oom_control")), "oom_kill"); ok {
			c.oomKills = v
		}
		return c
	}
	events := readString(filepath.Join(mem, "memory.events"))
	c.limitHits, _ = keyed(events, "max")
	if v, ok := keyed(events, "oom_kill"); ok {
		c.oomKills = v
	}
	return c
}

// Stats are a replica cgroup's cumulative CPU throttling and memory
// events, as the kernel counts them.
type Stats struct {
	// Periods is how many CFS periods the cgroup has run in; Throttled
	// how many of them it was throttled in (used up its quota), for
	// ThrottledSeconds in all.
	Periods, Throttled int64
	ThrottledSeconds   float64
	// MemoryUsageBytes is the memory charged to the cgroup now.
	MemoryUsageBytes int64
	// OOMKills is the kernel's count of OOM kills in the cgroup (-1 where
	// the kernel keeps none); LimitHits how often use reached the limit.
	OOMKills, LimitHits int64
}

// Stats reads replica id's cgroup.
func (g *Group) Stats(id string) (Stats, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.replicas[id]; !ok {
		return Stats{}, fmt.Errorf("cgroup: replica %q was not prepared", id)
	}
	cpu, mem := g.dirs(id)
	b, err := os.ReadFile(filepath.Join(cpu, "cpu.stat"))
	if err != nil {
		return Stats{}, fmt.Errorf("cgroup: %w", err)
	}
	st := string(b)
	var s Stats
	s.Periods, _ = keyed(st, "nr_periods")
	s.Throttled, _ = keyed(st, "nr_throttled")
	if ns, ok := keyed(st, "throttled_time"); ok { // v1: nanoseconds
		s.ThrottledSeconds = float64(ns) / 1e9
	} else if us, ok := keyed(st, "throttled_usec"); ok { // v2
		s.ThrottledSeconds = float64(us) / 1e6
	}
	if g.h.Version == 1 {
		s.MemoryUsageBytes = readInt(filepath.Join(mem, "memory.usage_in_bytes"))
	} else {
		s.MemoryUsageBytes = readInt(filepath.Join(mem, "memory.current"))
	}
	c := g.readCounters(mem)
	s.OOMKills, s.LimitHits = c.oomKills, c.limitHits
	return s, nil
}

// Close removes every replica cgroup of g and g's directory. Call it once the
// replicas' processes have been reaped; the kernel may hold a cgroup for
// a moment after its last process exits, so Close retries for up to 2 s.
// Safe to call more than once.
func (g *Group) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil
	}
	g.closed = true
	var errs []error
	for id := range g.replicas {
		cpu, mem := g.dirs(id)
		for _, d := range uniq(cpu, mem) {
			if err := removeCgroup(d, removeWait); err != nil {
				errs = append(errs, err)
			}
		}
	}
	errs = append(errs, g.removeRunDirs())
	return errors.Join(errs...)
}

func (g *Group) removeRunDirs() error {
	var errs []error
	for _, base := range g.h.bases() {
		if err := removeCgroup(filepath.Join(base, g.name), removeWait); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// removeStale removes the directories of runs whose owner is gone: same
// pid namespace, and no live process with that pid and start time. A
// directory still holding processes is left, with a warning.
func (g *Group) removeStale() {
	ns := pidNamespace()
	for _, base := range g.h.bases() {
		entries, err := os.ReadDir(base)
		if err != nil {
			continue
		}
		for _, e := range entries {
			m := runName.FindStringSubmatch(e.Name())
			if !e.IsDir() || m == nil {
				continue // not ours
			}
			owner, _ := strconv.ParseUint(m[1], 10, 64)
			pid, _ := strconv.Atoi(m[2])
			start, _ := strconv.ParseUint(m[3], 10, 64)
			if owner != ns || alive(pid, start) {
				continue
			}
			dir := filepath.Join(base, e.Name())
			if err := removeTree(dir); err != nil {
				g.log.Warn("stale gl001 cgroup left in place", "dir", dir, "err", err)
				continue
			}
			g.log.Info("removed stale gl001 cgroup of a run that is gone", "dir", dir, "pid", pid)
		}
	}
}

// removeTree removes a stale run directory and its replica directories;
// it does not wait for processes to leave.
func removeTree(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := removeCgroup(filepath.Join(dir, e.Name()), 0); err != nil {
				return err
			}
		}
	}
	return removeCgroup(dir, 0)
}

// removeCgroup removes cgroup directory dir, retrying for up to wait while
// the kernel reports it busy. The kernel removes a cgroup's control files
// with it; a directory that is not a cgroup (a test's stand-in hierarchy)
// reports "not empty", and the plain files written into it are removed
// first.
func removeCgroup(dir string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		err := os.Remove(dir)
		switch {
		case err == nil, errors.Is(err, fs.ErrNotExist):
			return nil
		case errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST):
			if rerr := removePlainFiles(dir); rerr != nil {
				return rerr
			}
			if err = os.Remove(dir); err == nil {
				return nil
			}
		}
		if !errors.Is(err, syscall.EBUSY) || !time.Now().Before(deadline) {
			return fmt.Errorf("cgroup: cannot remove %s: %w", dir, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func removePlainFiles(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// alive reports whether process pid exists, has not exited, and started
// at start (clock ticks after boot): the same process, not a later one
// reusing its pid.
func alive(pid int, start uint64) bool {
	id, err := procfs.ReadIdentity(pid)
	return err == nil && !id.Gone() && id.StartTicks == start
}

// pidNamespace is the inode of this process's pid namespace, 0 if unknown.
func pidNamespace() uint64 {
	link, err := os.Readlink("/proc/self/ns/pid") // "pid:[4026531836]"
	if err != nil {
		return 0
	}
	_, ino, ok := strings.Cut(link, "[")
	if !ok {
		return 0
	}
	v, _ := strconv.ParseUint(strings.TrimSuffix(ino, "]"), 10, 64)
	return v
}

// writeFile writes s to a control file. O_CREATE does nothing on a real
// hierarchy, where the kernel made the file with its directory, and lets a
// test's stand-in hierarchy record what was written.
func writeFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// keyed reads the value of key from "key value" lines (cpu.stat,
// memory.events, memory.oom_control).
func keyed(text, key string) (int64, bool) {
	for line := range strings.SplitSeq(text, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), " ")
		if ok && k == key {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}

func uniq(a, b string) []string {
	if a == b {
		return []string{a}
	}
	return []string{a, b}
}
