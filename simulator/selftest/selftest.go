// Package selftest lets a running stand-in load-test itself, for the
// guide's POST /api/v1/test/load-test: it implements simulator.LoadTester
// by running `gl001 run` against the stand-in as a child process, one test
// at a time, and keeps the latest finished test's report. The load
// generator runs in a process of its own, never in the stand-in's.
package selftest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// stopGrace is how long a test interrupted by Close has to write its
// results before it is killed.
const stopGrace = 30 * time.Second

// Runner runs the load tests. Set the fields before the first Start.
type Runner struct {
	// Dir is the results root; each test writes Dir/<test_name>-<UTC time>:
	// the posted scenario.json, run.log (the child's output) and the
	// results of `gl001 run`.
	Dir string
	// Executable is the gl001 binary whose run subcommand runs a test;
	// os.Executable() when empty.
	Executable string
	// ProfileFile is the stand-in's profile file, handed to each test (its
	// --profile); "" for the guide's names.
	ProfileFile string
	Logger      *slog.Logger

	mu      sync.Mutex
	running *exec.Cmd
	closed  bool
	latest  []byte
	wg      sync.WaitGroup
}

// Start implements simulator.LoadTester.
func (r *Runner) Start(body []byte, api string, brokers []string) (string, error) {
	sc, err := scenarios.Decode(bytes.NewReader(body), "scenario")
	if err != nil {
		return "", fmt.Errorf("%w: %w", simulator.ErrBadScenario, err)
	}
	if _, err := record.Thresholds(sc, "scenario"); err != nil {
		return "", fmt.Errorf("%w: %w", simulator.ErrBadScenario, err)
	}
	exe := r.Executable
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return "", fmt.Errorf("cannot find the gl001 binary: %w", err)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return "", errors.New("the stand-in is stopping")
	}
	if r.running != nil {
		return "", simulator.ErrBusy
	}
	id := sc.TestName + "-" + time.Now().UTC().Format("20060102T150405Z")
	dir := filepath.Join(r.Dir, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	file := filepath.Join(dir, "scenario.json")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		return "", err
	}
	logFile, err := os.Create(filepath.Join(dir, "run.log"))
	if err != nil {
		return "", err
	}
	args := []string{"run", file, "--target", api, "--out", dir}
	if len(brokers) > 0 {
		args = append(args, "--brokers", strings.Join(brokers, ","))
	}
	if r.ProfileFile != "" {
		args = append(args, "--profile", r.ProfileFile)
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	detach(cmd)
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return "", fmt.Errorf("starting %s run: %w", exe, err)
	}
	r.running = cmd
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	r.wg.Go(func() {
		err := cmd.Wait()
		logFile.Close()
		rep := result(id, dir, cmd.ProcessState.ExitCode(), err)
		r.mu.Lock()
		r.running, r.latest = nil, rep
		r.mu.Unlock()
		log.Info("load test finished", "id", id, "dir", dir, "exit_code", cmd.ProcessState.ExitCode())
	})
	return id, nil
}

// result is a finished test's answer to GET /api/v1/test/load-test/report:
// its id, folder and exit code (gl001 run's), and the validation report
// the run wrote into summary.json (gl001.report), or why there is none.
func result(id, dir string, exitCode int, waitErr error) []byte {
	out := map[string]any{"id": id, "dir": dir, "exit_code": exitCode}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	var sum struct {
		GL001 struct {
			Complete bool            `json:"complete"`
			Report   json.RawMessage `json:"report"`
		} `json:"gl001"`
	}
	switch {
	case err != nil:
		out["error"] = fmt.Sprintf("the run wrote no summary (%v); see run.log", errors.Join(err, waitErr))
	case json.Unmarshal(b, &sum) != nil:
		out["error"] = "summary.json does not decode; see run.log"
	default:
		out["complete"] = sum.GL001.Complete
		if len(sum.GL001.Report) > 0 {
			out["report"] = sum.GL001.Report
		} else {
			out["error"] = "the run wrote no report; see run.log"
		}
	}
	j, _ := json.Marshal(out)
	return j
}

// Latest implements simulator.LoadTester.
func (r *Runner) Latest() ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.latest, r.latest != nil
}

// Close implements simulator.LoadTester: it interrupts a running test as
// a Ctrl-C would (it still writes its results, marked not complete), kills
// it if it has not finished within stopGrace, and waits for it.
func (r *Runner) Close() {
	r.mu.Lock()
	r.closed = true
	cmd := r.running
	r.mu.Unlock()
	if cmd != nil {
		_ = cmd.Process.Signal(syscall.SIGINT)
		done := make(chan struct{})
		go func() { r.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(stopGrace):
			_ = cmd.Process.Kill()
		}
	}
	r.wg.Wait()
}

var _ simulator.LoadTester = (*Runner)(nil)
