// Package procfs reads a process's CPU time and resident memory from
// Linux's /proc, the way the stand-in's replicas report their own use and
// the samplers measure replica processes.
package procfs

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. It
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

// Usage is one reading of a process's resource use.
type Usage struct {
	CPUSeconds float64 // user + system CPU time since the process started
	RSSBytes   int64   // resident set size
}

// RSSMiB is the resident set in MiB.
func (u Usage) RSSMiB() float64 { return float64(u.RSSBytes) / (1 << 20) }

// ErrUnsupported is returned where /proc is not available.
var ErrUnsupported = errors.New("procfs: /proc is not available on this system")

// Read returns the resource use of process pid (0 for this process).
func Read(pid int) (Usage, error) {
	dir := "/proc/self"
	if pid != 0 {
		dir = "/proc/" + strconv.Itoa(pid)
	}
	stat, err := os.ReadFile(dir + "/stat")
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && pid == 0 {
			return Usage{}, ErrUnsupported
		}
		return Usage{}, err
	}
	return parseStat(string(stat), os.Getpagesize())
}

// Identity is what tells one process from another that later reuses its
// pid: its start time, in clock ticks after boot (/proc/PID/stat field
// 22). State is field 3 ("R", "S", "Z" for a zombie, ...), Flags field 9
// (the kernel's task flags).
type Identity struct {
	State      string
	Flags      uint64
	StartTicks uint64
}

// pfExiting is the kernel's PF_EXITING task flag (include/linux/sched.h):
// the process has begun to exit, and its memory may already be released
// while its state still reads R or D.
const pfExiting = 0x4

// Gone reports whether the process has exited or is exiting: a zombie
// awaiting its parent, a dead task, or one with PF_EXITING set, whose RSS
// may already read 0 while its state is still R.
func (id Identity) Gone() bool {
	return id.State == "Z" || id.State == "X" || id.State == "x" || id.Flags&pfExiting != 0
}

// ReadIdentity returns the identity of process pid (0 for this process).
// A process that does not exist gives an error wrapping os.ErrNotExist.
func ReadIdentity(pid int) (Identity, error) {
	dir := "/proc/self"
	if pid != 0 {
		dir = "/proc/" + strconv.Itoa(pid)
	}
	b, err := os.ReadFile(dir + "/stat")
	if err != nil {
		return Identity{}, err
	}
	return parseIdentity(string(b))
}

func parseIdentity(s string) (Identity, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return Identity{}, fmt.Errorf("procfs: malformed stat %q", s)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); field n is f[n-3].
	if len(f) < 20 {
		return Identity{}, fmt.Errorf("procfs: stat has %d fields after the name, want ≥ 20", len(f))
	}
	flags, err := strconv.ParseUint(f[6], 10, 64)
	if err != nil {
		return Identity{}, fmt.Errorf("procfs: malformed stat flags: %w", err)
	}
	start, err := strconv.ParseUint(f[19], 10, 64)
	if err != nil {
		return Identity{}, fmt.Errorf("procfs: malformed stat: %w", err)
	}
	return Identity{State: f[0], Flags: flags, StartTicks: start}, nil
}

// parseStat reads utime, stime (fields 14, 15) and rss (field 24, in
// pages) from the contents of /proc/PID/stat. The command name (field 2)
// may hold spaces and parentheses, so fields are counted after its last ')'.
func parseStat(s string, pageSize int) (Usage, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return Usage{}, fmt.Errorf("procfs: malformed stat %q", s)
	}
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); field n is f[n-3].
	if len(f) < 22 {
		return Usage{}, fmt.Errorf("procfs: stat has %d fields after the name, want ≥ 22", len(f))
	}
	utime, err1 := strconv.ParseUint(f[11], 10, 64)
	stime, err2 := strconv.ParseUint(f[12], 10, 64)
	rss, err3 := strconv.ParseInt(f[21], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return Usage{}, fmt.Errorf("procfs: malformed stat: %w", err)
	}
	return Usage{
		CPUSeconds: float64(utime+stime) / clockTicks,
		RSSBytes:   rss * int64(pageSize),
	}, nil
}
