// Package selftest lets a running stand-in load-test itself, for the
// guide's POST /api/v1/test/load-test: it implements simulator.LoadTester
// with the load engine, one test at a time, keeping the latest report.
package selftest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/greenlang/gl001/deploy/kafkabus"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator"
	"github.com/greenlang/gl001/xk6-gl001/engine"
)

// Runner runs the load tests. Set the fields before the first Start.
type Runner struct {
	// Dir is the results root; each test writes Dir/<test_name>-<UTC time>.
	Dir    string
	Logger *slog.Logger
	// Report builds the JSON report of a finished run folder; nil reports
	// the engine's outcome alone.
	Report func(dir string) ([]byte, error)

	mu      sync.Mutex
	running bool
	closed  bool
	latest  []byte
	ctx     context.Context // the running tests' lifetime; made on first Start
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

// Start implements simulator.LoadTester.
func (r *Runner) Start(body []byte, api string, brokers []string) (string, error) {
	sc, err := scenarios.Decode(bytes.NewReader(body), "scenario")
	if err != nil {
		return "", fmt.Errorf("%w: %w", simulator.ErrBadScenario, err)
	}
	if _, err := engine.Thresholds(sc, "scenario"); err != nil {
		return "", fmt.Errorf("%w: %w", simulator.ErrBadScenario, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return "", fmt.Errorf("the stand-in is stopping")
	}
	if r.running {
		return "", simulator.ErrBusy
	}
	if r.ctx == nil {
		r.ctx, r.cancel = context.WithCancel(context.Background())
	}
	id := sc.TestName + "-" + time.Now().UTC().Format("20060102T150405Z")
	dir := filepath.Join(r.Dir, id)
	r.running = true
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	r.wg.Go(func() {
		out, err := engine.Run(r.ctx, engine.Options{Scenario: sc, ScenarioFile: "POST " + simulator.PathLoadTest,
			Target: api, Bus: kafkabus.Options{Brokers: brokers}, OutDir: dir, Logger: log})
		rep, rerr := r.report(dir, out, err)
		if rerr != nil {
			log.Error("load test report", "id", id, "err", rerr)
		}
		r.mu.Lock()
		r.running = false
		if rep != nil {
			r.latest = rep
		}
		r.mu.Unlock()
		log.Info("load test finished", "id", id, "dir", dir, "passed", out.Passed, "complete", out.Complete)
	})
	return id, nil
}

func (r *Runner) report(dir string, out engine.Outcome, runErr error) ([]byte, error) {
	if runErr != nil {
		return json.Marshal(map[string]any{"dir": dir, "error": runErr.Error(), "outcome": out})
	}
	if r.Report != nil {
		return r.Report(dir)
	}
	return json.Marshal(map[string]any{"dir": dir, "outcome": out, "thresholds": out.Thresholds})
}

// Latest implements simulator.LoadTester.
func (r *Runner) Latest() ([]byte, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.latest, r.latest != nil
}

// Close implements simulator.LoadTester: it interrupts a running test
// (which still writes its results, marked not complete) and waits for it.
func (r *Runner) Close() {
	r.mu.Lock()
	r.closed = true
	if r.cancel != nil {
		r.cancel()
	}
	r.mu.Unlock()
	r.wg.Wait()
}
