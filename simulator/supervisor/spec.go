// Package supervisor runs the stand-in orchestrator's replicas as child OS
// processes, the way a Kubernetes Deployment runs pods, and puts a front
// door before them, the way a Service does.
//
// Each replica is started from a caller-supplied command. When it is
// serving, the child announces itself with one JSON line on its stdout (see
// Announce); the supervisor waits for that line, then keeps draining the
// child's stdout and stderr into its logger. A replica that exits is marked
// down and restarted with exponential backoff. Stop ends restarts first, then
// the children (SIGTERM to the process group, SIGKILL after a grace period),
// and on Linux children also get SIGTERM if the supervisor itself dies.
package supervisor

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"time"
)

// Defaults applied by Start to zero Spec and Backoff fields.
const (
	DefaultReadyTimeout = 10 * time.Second
	DefaultStopGrace    = 5 * time.Second
	DefaultBackoffStart = 200 * time.Millisecond
	DefaultBackoffMax   = 10 * time.Second
	DefaultBackoffReset = 30 * time.Second
)

// Spec says how many replicas to run and how to start one.
type Spec struct {
	// Replicas is how many replica processes to run, at least 1. They are
	// named "replica-0", "replica-1", ...
	Replicas int
	// Command returns a fresh, unstarted command for replica id; it is
	// called again for every restart. The supervisor owns the command's
	// Stdout and Stderr (whatever the caller set is replaced), adds
	// GL001_REPLICA_ID=id to its environment (EnvReplicaID), and puts it in
	// its own process group.
	Command func(id string) *exec.Cmd
	// ReadyTimeout bounds the wait for a child's announcement line;
	// DefaultReadyTimeout when 0.
	ReadyTimeout time.Duration
	// StopGrace is how long a child has to exit after SIGTERM before its
	// process group gets SIGKILL; DefaultStopGrace when 0.
	StopGrace time.Duration
	// Backoff paces restarts of replicas that exit.
	Backoff Backoff
	// Confine, when set, holds every replica process to its resource
	// limits, as the kubelet holds a pod's containers: every start,
	// restarts too, is prepared before and confined right after it (see
	// Confiner). A process that cannot be confined is stopped and its
	// start fails: no replica runs outside its limits unnoticed.
	Confine Confiner
	// Logger receives lifecycle events and every line the children write,
	// tagged replica=<id>; discarded when nil.
	Logger *slog.Logger
}

// Confiner holds replica processes to their resource limits; package
// cgroup's Group is one. The supervisor calls its methods from each
// replica's own goroutine, so for different ids concurrently.
type Confiner interface {
	// Prepare readies replica id's limits before a start of its process.
	Prepare(id string) error
	// Confine puts process pid, just started for replica id, inside its
	// limits; an error means it is not inside them.
	Confine(id string, pid int) error
	// Exited says, once replica id's process has exited with state,
	// whether its limits ended it (e.g. "OOMKilled: the 256Mi memory
	// limit killed it"); "" when they did not.
	Exited(id string, state *os.ProcessState) string
}

// Backoff is the restart delay of a replica that exits: Initial after the
// first exit, doubling with each further exit up to Max, like a
// CrashLoopBackOff. A replica that stayed up for Reset or longer before
// exiting starts again from Initial.
type Backoff struct {
	// Initial is the first delay; DefaultBackoffStart when 0.
	Initial time.Duration
	// Max caps the delay; DefaultBackoffMax when 0.
	Max time.Duration
	// Reset is how long a replica must stay up for its delay to start
	// over; DefaultBackoffReset when 0.
	Reset time.Duration
}

// Delay returns the wait before restart attempt n (n ≥ 1 is the number of
// consecutive failures so far): Initial·2^(n−1), capped at Max. Zero fields
// take their defaults.
func (b Backoff) Delay(n int) time.Duration {
	b = b.withDefaults()
	d := b.Initial
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial == 0 {
		b.Initial = DefaultBackoffStart
	}
	if b.Max == 0 {
		b.Max = max(DefaultBackoffMax, b.Initial)
	}
	if b.Reset == 0 {
		b.Reset = DefaultBackoffReset
	}
	return b
}

// Validate reports every problem with s at once, each naming the field. It
// does not modify s.
func (s Spec) Validate() error {
	var errs []error
	if s.Replicas < 1 {
		errs = append(errs, fmt.Errorf("supervisor: replicas is %d, must be at least 1", s.Replicas))
	}
	if s.Command == nil {
		errs = append(errs, errors.New("supervisor: command is nil, must return the command that starts a replica"))
	}
	for _, f := range []struct {
		name string
		d    time.Duration
	}{
		{"ready timeout", s.ReadyTimeout},
		{"stop grace", s.StopGrace},
		{"backoff initial", s.Backoff.Initial},
		{"backoff max", s.Backoff.Max},
		{"backoff reset", s.Backoff.Reset},
	} {
		if f.d < 0 {
			errs = append(errs, fmt.Errorf("supervisor: %s is %v, must be 0 (default) or more", f.name, f.d))
		}
	}
	if s.Backoff.Initial > 0 && s.Backoff.Max > 0 && s.Backoff.Initial > s.Backoff.Max {
		errs = append(errs, fmt.Errorf("supervisor: backoff initial (%v) exceeds backoff max (%v)", s.Backoff.Initial, s.Backoff.Max))
	}
	return errors.Join(errs...)
}

func (s Spec) withDefaults() Spec {
	if s.ReadyTimeout == 0 {
		s.ReadyTimeout = DefaultReadyTimeout
	}
	if s.StopGrace == 0 {
		s.StopGrace = DefaultStopGrace
	}
	s.Backoff = s.Backoff.withDefaults()
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
	return s
}
