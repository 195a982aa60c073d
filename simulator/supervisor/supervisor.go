package supervisor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/greenlang/gl001/simulator/api"
)

// Supervisor runs a fixed set of replica processes, restarting any that
// exit, until Stop is called or the context given to Start is done. Its
// methods are safe for concurrent use.
type Supervisor struct {
	spec     Spec
	log      *slog.Logger
	replicas []*replica
	front    *frontDoor

	ctx      context.Context // done when the supervisor is stopping
	cancel   context.CancelFunc
	wg       sync.WaitGroup // one per replica's run loop
	done     chan struct{}  // closed once every run loop has returned
	stopOnce sync.Once
}

// Replica is a snapshot of one replica.
type Replica = api.Replica

// replica is one replica's live state, written by its run loop and read by
// the front door and snapshots.
type replica struct {
	id  string
	log *slog.Logger

	mu           sync.Mutex
	pid          int
	target       *url.URL
	up           bool
	restarts     int
	startedAt    time.Time
	lastExit     string
	suspectUntil time.Time
}

// Start starts spec.Replicas processes and returns once every one has
// announced that it is serving. If any fails to start or announce, Start
// stops the others and returns an error naming each replica that failed and
// why. ctx bounds the supervisor's whole life: when it is done, the
// supervisor stops as if Stop had been called.
func Start(ctx context.Context, spec Spec) (*Supervisor, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	spec = spec.withDefaults()
	s := &Supervisor{
		spec: spec,
		log:  spec.Logger,
		done: make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	for i := range spec.Replicas {
		id := "replica-" + strconv.Itoa(i)
		s.replicas = append(s.replicas, &replica{id: id, log: s.log.With("replica", id)})
	}
	s.front = newFrontDoor(s.replicas, s.log)

	firsts := make([]chan error, len(s.replicas))
	for i, r := range s.replicas {
		firsts[i] = make(chan error, 1)
		s.wg.Add(1)
		go s.run(r, firsts[i])
	}
	go func() { // owned by s: Stop waits for done
		s.wg.Wait()
		s.front.transport.CloseIdleConnections()
		close(s.done)
	}()

	var errs []error
	for _, first := range firsts {
		if err := <-first; err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		s.Stop()
		return nil, fmt.Errorf("supervisor: start: %w", errors.Join(errs...))
	}
	s.log.Info("replicas up", "replicas", len(s.replicas))
	return s, nil
}

// run owns replica r for the supervisor's life: it starts r's first process
// and reports the result on first, then restarts r whenever it exits, and
// stops its process when the supervisor stops.
func (s *Supervisor) run(r *replica, first chan<- error) {
	defer s.wg.Done()
	p, err := s.launch(s.ctx, r)
	first <- err
	if err != nil {
		return
	}
	failures := 0
	for {
		select {
		case <-s.ctx.Done():
			p.stop(s.spec.StopGrace, r.log)
			r.down()
			r.log.Info("replica stopped", "pid", p.pid, "status", exitStatus(p.err))
			return
		case <-p.exited:
		}
		signalGroup(p.pid, syscall.SIGKILL) // leftovers in its process group
		r.down()
		uptime := time.Since(p.started)
		if uptime >= s.spec.Backoff.Reset {
			failures = 0
		}
		status := exitStatus(p.err)
		if why := s.limitKilled(r, p); why != "" {
			// Kubernetes' OOMKilled: the replica died of its limit, and is
			// restarted like any replica that dies.
			r.log.Warn("replica killed by its limit", "pid", p.pid, "status", status, "limit", why, "uptime", uptime.Round(time.Millisecond))
			status += "; " + why
		} else {
			r.log.Warn("replica exited", "pid", p.pid, "status", status, "uptime", uptime.Round(time.Millisecond))
		}
		r.exited(status)

		for p = nil; p == nil; {
			failures++
			delay := s.spec.Backoff.Delay(failures)
			r.log.Info("replica restarting", "in", delay, "attempt", failures)
			t := time.NewTimer(delay)
			select {
			case <-s.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			r.restarted()
			if p, err = s.launch(s.ctx, r); err != nil {
				if s.ctx.Err() != nil {
					return
				}
				r.log.Warn("replica restart failed", "err", err)
			}
		}
	}
}

// Stop stops restarts, then every replica process (SIGTERM, SIGKILL after
// Spec.StopGrace), and returns once they are reaped and every goroutine
// the supervisor started has returned. Calling it again, or concurrently,
// waits for the same.
func (s *Supervisor) Stop() {
	s.stopOnce.Do(func() {
		s.log.Info("stopping replicas")
		s.cancel()
	})
	<-s.done
}

// Done is closed once the supervisor has stopped, whether through Stop or
// the Start context, and every child has been reaped.
func (s *Supervisor) Done() <-chan struct{} { return s.done }

// Replicas returns a snapshot of every replica, in id order.
func (s *Supervisor) Replicas() []Replica {
	out := make([]Replica, len(s.replicas))
	for i, r := range s.replicas {
		out[i] = r.snapshot()
	}
	return out
}

// Live returns a snapshot of the replicas that are up, in id order, for
// callers that fan out to every replica (e.g. to aggregate metrics).
func (s *Supervisor) Live() []Replica {
	var out []Replica
	for _, r := range s.replicas {
		if snap := r.snapshot(); snap.Up {
			out = append(out, snap)
		}
	}
	return out
}

func (r *replica) snapshot() Replica {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := Replica{ID: r.id, PID: r.pid, Up: r.up, Restarts: r.restarts, StartedAt: r.startedAt, LastExit: r.lastExit}
	if r.target != nil {
		out.URL = r.target.String()
	}
	return out
}

func (r *replica) starting(pid int, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pid, r.startedAt, r.up, r.target = pid, at, false, nil
}

func (r *replica) serving(pid int, target *url.URL) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pid, r.target, r.up, r.suspectUntil = pid, target, true, time.Time{}
}

func (r *replica) down() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.up = false
}

func (r *replica) exited(status string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lastExit = status
}

func (r *replica) restarted() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.restarts++
}
