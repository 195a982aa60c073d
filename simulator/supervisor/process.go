package supervisor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// maxLine bounds one line of child output held in memory; longer lines are
// logged in pieces.
const maxLine = 64 << 10

// tailLines is how many of a child's last stderr lines a start failure
// quotes.
const tailLines = 3

// process is one started child. exited is closed, and err set, once the
// child has been reaped and its output drained.
type process struct {
	cmd     *exec.Cmd
	pid     int
	started time.Time
	exited  chan struct{}
	err     error
	stderr  *lineWriter
}

// launch starts one process for r and waits for its announcement, for at
// most ReadyTimeout or until ctx is done. On success the process is serving
// and r is up. On failure the process has been stopped and reaped and the
// error names r and says why.
func (s *Supervisor) launch(ctx context.Context, r *replica) (*process, error) {
	cmd := s.spec.Command(r.id)
	if cmd == nil {
		return nil, fmt.Errorf("%s: command returned nil", r.id)
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, EnvReplicaID+"="+r.id)
	setProcAttr(cmd)
	if cmd.WaitDelay == 0 {
		// A grandchild holding the pipes must not stall reaping forever.
		cmd.WaitDelay = time.Second
	}

	ready := make(chan Ready, 1)
	announced := false // touched only inside the stdout writer, under its lock
	stdout := &lineWriter{emit: func(line string) {
		if !announced {
			if rd, ok := parseReady(line); ok {
				announced = true
				ready <- rd
				return
			}
		}
		r.log.Info("replica output", "stream", "stdout", "line", line)
	}}
	stderr := &lineWriter{tail: tailLines, emit: func(line string) {
		r.log.Info("replica output", "stream", "stderr", "line", line)
	}}
	cmd.Stdout, cmd.Stderr = stdout, stderr

	if c := s.spec.Confine; c != nil {
		if err := c.Prepare(r.id); err != nil {
			return nil, fmt.Errorf("%s: not started: cannot prepare its limits: %w", r.id, err)
		}
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: start %s: %w", r.id, cmd.Path, err)
	}
	p := &process{cmd: cmd, pid: cmd.Process.Pid, started: time.Now(), exited: make(chan struct{}), stderr: stderr}
	go func() { // owned by p: every path below and in run receives from p.exited
		p.err = cmd.Wait()
		stdout.flush()
		stderr.flush()
		close(p.exited)
	}()
	if c := s.spec.Confine; c != nil {
		if err := c.Confine(r.id, p.pid); err != nil {
			p.stop(s.spec.StopGrace, r.log)
			return nil, fmt.Errorf("%s: stopped at start: cannot hold it to its limits: %w", r.id, err)
		}
	}
	r.starting(p.pid, p.started)
	r.log.Debug("replica started", "pid", p.pid)

	timer := time.NewTimer(s.spec.ReadyTimeout)
	defer timer.Stop()
	select {
	case rd := <-ready:
		u, err := parseURL(rd.URL)
		if err == nil && rd.ID != "" && rd.ID != r.id {
			err = fmt.Errorf("announced id %q", rd.ID)
		}
		if err != nil {
			p.stop(s.spec.StopGrace, r.log)
			return nil, fmt.Errorf("%s: bad announcement: %w", r.id, err)
		}
		pid := rd.PID
		if pid == 0 {
			pid = p.pid
		}
		r.serving(pid, u)
		r.log.Info("replica up", "pid", pid, "url", rd.URL)
		return p, nil
	case <-p.exited:
		p.stop(s.spec.StopGrace, r.log) // only sweeps its process group
		status := exitStatus(p.err)
		if why := s.limitKilled(r, p); why != "" {
			status += "; " + why
		}
		return nil, fmt.Errorf("%s: exited before announcing (%s)%s", r.id, status, p.stderr.quoteTail())
	case <-timer.C:
		p.stop(s.spec.StopGrace, r.log)
		return nil, fmt.Errorf("%s: no announcement on stdout within %v%s", r.id, s.spec.ReadyTimeout, p.stderr.quoteTail())
	case <-ctx.Done():
		p.stop(s.spec.StopGrace, r.log)
		return nil, fmt.Errorf("%s: stopped before announcing: %w", r.id, ctx.Err())
	}
}

// stop ends p: SIGTERM to its process group, SIGKILL after grace, and a
// final SIGKILL to whatever is left in the group. It returns once p has been
// reaped. Safe to call after p has exited.
func (p *process) stop(grace time.Duration, log *slog.Logger) {
	select {
	case <-p.exited:
	default:
		signalGroup(p.pid, syscall.SIGTERM)
		t := time.NewTimer(grace)
		select {
		case <-p.exited:
		case <-t.C:
			log.Warn("replica ignored SIGTERM; killing its process group", "pid", p.pid, "grace", grace)
			signalGroup(p.pid, syscall.SIGKILL)
			<-p.exited
		}
		t.Stop()
	}
	signalGroup(p.pid, syscall.SIGKILL)
}

// limitKilled asks the Confiner, once p has exited, whether its limits
// ended it; "" without a Confiner or when they did not.
func (s *Supervisor) limitKilled(r *replica, p *process) string {
	if s.spec.Confine == nil {
		return ""
	}
	return s.spec.Confine.Exited(r.id, p.cmd.ProcessState)
}

// exitStatus describes how a child ended, e.g. "exit status 3" or
// "signal: killed".
func exitStatus(err error) string {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return "exit status 0"
	case errors.As(err, &ee):
		return ee.String()
	default:
		return err.Error()
	}
}

// lineWriter splits a child's output stream into lines for emit, keeping
// the last tail lines. os/exec copies each stream from its own goroutine;
// the lock makes flush, called after Wait, and quoteTail safe too.
type lineWriter struct {
	mu    sync.Mutex
	buf   []byte
	emit  func(line string)
	tail  int
	lines []string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			w.buf = append(w.buf, p...)
			if len(w.buf) >= maxLine {
				w.line()
			}
			break
		}
		w.buf = append(w.buf, p[:i]...)
		w.line()
		p = p[i+1:]
	}
	return n, nil
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		w.line()
	}
}

func (w *lineWriter) line() {
	s := strings.TrimSuffix(string(w.buf), "\r")
	w.buf = w.buf[:0]
	if w.tail > 0 {
		if len(w.lines) == w.tail {
			w.lines = w.lines[1:]
		}
		w.lines = append(w.lines, s)
	}
	w.emit(s)
}

// quoteTail returns the last lines kept, formatted to end an error message,
// or "" if there are none.
func (w *lineWriter) quoteTail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.lines) == 0 {
		return ""
	}
	return "; last stderr: " + strings.Join(w.lines, " | ")
}
