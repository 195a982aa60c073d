// Package k6serve runs, in one process, everything a stock k6 test of
// GL-001 needs beside k6 itself: the stand-in deployment (unless the
// user names a real orchestrator), the bridge that carries the module's
// coordinate() to Kafka, and the samplers writing DIR/observed. It serves
// until its context ends, or with UntilK6 until k6 has written its
// summary export, then stops everything in order; the caller builds the
// report from k6's files and DIR/observed, as gl001 report --k6 does.
package k6serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/bridge"
	"github.com/greenlang/gl001/xk6-gl001/engine"
	"github.com/greenlang/gl001/xk6-gl001/k6init"
	"github.com/greenlang/gl001/xk6-gl001/observer"
	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// Files serve expects k6 to write into Dir, and the folders it writes.
const (
	K6OutFile     = "k6-out.json.gz"
	SummaryFile   = "summary-export.json"
	ObservedDir   = "observed"
	ReportDir     = "report"
	DefaultListen = "127.0.0.1:8686"
)

const (
	// bridgeSlack is what the bridge's graceful stop allows beyond the ack
	// timeout, for the publish before the wait.
	bridgeSlack = 5 * time.Second
	// summaryPoll is how often UntilK6 looks for k6's summary export.
	summaryPoll = 500 * time.Millisecond
)

// ErrInput marks a problem the user must fix: the folder, the scenario,
// the flags.
var ErrInput = errors.New("invalid k6 serve input")

// ErrNotInit is wrapped when Dir is not a folder gl001 k6 init wrote.
var ErrNotInit = errors.New("not a gl001 k6 init folder")

// Options are one serve's settings.
type Options struct {
	Dir          string // a folder gl001 k6 init wrote
	Scenario     scenarios.Scenario
	ScenarioFile string
	// Target is a real orchestrator's base URL; "" starts the stand-in.
	// Bus reaches the user's Kafka (required with Target for the bridge);
	// with the stand-in, brokers in Bus are handed to it, else it embeds
	// its own.
	Target  string
	Bus     kafkabus.Options
	StandIn engine.StandInOptions
	// BridgeListen is the bridge's loopback address; DefaultListen when "".
	BridgeListen string
	Profile      api.Profile
	ProfileName  string // "guide" or the profile file, for the header
	ProfileFile  string // "" for the guide's names, else handed to the stand-in
	Interval     time.Duration
	// K6Out and Summary are the file names k6 writes into Dir
	// (K6OutFile and SummaryFile when "").
	K6Out, Summary string
	// UntilK6 stops serving once k6's summary export has been written.
	UntilK6 bool
	Version string
	Logger  *slog.Logger
	// Ready is called once, when everything serves, with what k6 should
	// be pointed at.
	Ready func(Serving)
}

// Serving is what serve listens on once it is ready.
type Serving struct {
	Target string // the orchestrator's base URL: GL001_TARGET
	// Bridge is the bridge's base URL, GL001_BRIDGE; "" when none runs (no
	// brokers, or a scenario with no coordination events).
	Bridge  string
	Brokers []string // the Kafka the bridge and the lag sampler use
	StandIn bool     // the target is the stand-in serve started
	// K6Command is the k6 run command line for the user to paste.
	K6Command string
}

// Outcome is what a serve did.
type Outcome struct {
	Serving  Serving
	Observed observer.Outcome
	Bridge   bridge.Stats
	// Stopped is "interrupted" or "k6 finished".
	Stopped string
}

// Check returns an error wrapping ErrNotInit and ErrInput unless dir
// holds the script and fleet gl001 k6 init writes.
func Check(dir string) error {
	for _, name := range []string{k6init.ScriptFile, k6init.FleetFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("%w: %w: %q has no %s; write one with gl001 k6 init SCENARIO %s",
				ErrInput, ErrNotInit, dir, name, dir)
		}
	}
	return nil
}

// FleetScenario is the test_name fleet.json in dir was written for, so a
// caller can default the scenario to it.
func FleetScenario(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, k6init.FleetFile))
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrInput, err)
	}
	var f struct {
		Scenario string `json:"scenario"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return "", fmt.Errorf("%w: %s: %w", ErrInput, filepath.Join(dir, k6init.FleetFile), err)
	}
	return f.Scenario, nil
}

func (o *Options) defaults() {
	if o.BridgeListen == "" {
		o.BridgeListen = DefaultListen
	}
	if o.K6Out == "" {
		o.K6Out = K6OutFile
	}
	if o.Summary == "" {
		o.Summary = SummaryFile
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Run serves until ctx is done (or, with UntilK6, k6 has finished), then
// stops the observer, the bridge and the stand-in, in that order, and
// waits for each. Errors that the user must fix wrap ErrInput.
func Run(ctx context.Context, o Options) (out Outcome, err error) {
	o.defaults()
	if err := Check(o.Dir); err != nil {
		return out, err
	}
	if o.Target != "" && len(o.Bus.Brokers) == 0 && !o.Scenario.Plan().Coordinate.Skip() {
		return out, fmt.Errorf("%w: --brokers is required with --target: the scenario sends %v coordination events/s over Kafka",
			ErrInput, o.Scenario.AgentCoordinationEventsPerSecond)
	}
	if err := bridge.CheckListen(o.BridgeListen, false); err != nil {
		return out, fmt.Errorf("%w: --bridge-listen: %w", ErrInput, err)
	}
	observed := filepath.Join(o.Dir, ObservedDir)
	if _, err := os.Stat(filepath.Join(observed, observer.IntervalsFile)); err == nil {
		return out, fmt.Errorf("%w: %s already holds an observation; remove it or gl001 k6 init a new folder", ErrInput, observed)
	}
	sv := Serving{Target: o.Target, Brokers: o.Bus.Brokers}
	var limits *api.ReplicaLimits
	var ready *api.ReadyLine
	if o.Target == "" {
		si, err := engine.StartStandIn(ctx, o.Scenario, o.Bus, o.StandIn, o.ProfileFile, o.Logger)
		if errors.Is(err, engine.ErrInput) {
			return out, fmt.Errorf("%w: %w", ErrInput, err)
		}
		if err != nil {
			return out, err
		}
		defer func() {
			if serr := si.Stop(); serr != nil && err == nil {
				err = serr
			}
		}()
		rl := si.Ready()
		sv.Target, sv.Brokers, sv.StandIn, limits, ready = rl.API, rl.Brokers, true, &rl.Limits, &rl
	}
	bus := o.Bus
	bus.Brokers = sv.Brokers

	var wg sync.WaitGroup // every goroutine below; waited for in order
	var b *bridge.Bridge
	bridgeCtx, stopBridge := context.WithCancel(context.WithoutCancel(ctx))
	defer stopBridge()
	var bridgeErr error
	if len(bus.Brokers) > 0 && !o.Scenario.Plan().Coordinate.Skip() {
		var ln net.Listener
		if b, ln, err = startBridge(ctx, o, bus); err != nil {
			return out, err
		}
		defer b.Close()
		sv.Bridge = "http://" + ln.Addr().String()
		wg.Go(func() { bridgeErr = b.Serve(bridgeCtx, ln, b.AckTimeout()+bridgeSlack) })
	}

	obsCtx, stopObs := context.WithCancel(context.WithoutCancel(ctx))
	defer stopObs()
	var obsErr error
	obsDone := make(chan struct{})
	go func() {
		defer close(obsDone)
		out.Observed, obsErr = observer.Run(obsCtx, observer.Options{
			Samplers: sampler.Config{Target: sv.Target, Limits: limits, Bus: bus, Profile: o.Profile},
			OutDir:   observed, Interval: o.Interval, Version: o.Version, ProfileName: o.ProfileName, StandIn: ready})
	}()

	sv.K6Command = K6Command(o.Dir, sv, o.K6Out, o.Summary)
	out.Serving = sv
	if o.Ready != nil {
		o.Ready(sv)
	}
	out.Stopped = wait(ctx, obsDone, o.UntilK6, filepath.Join(o.Dir, o.Summary), filepath.Join(o.Dir, o.K6Out))

	stopObs()
	<-obsDone
	stopBridge()
	wg.Wait()
	if b != nil {
		out.Bridge = b.Stats()
	}
	if errors.Is(obsErr, observer.ErrInput) {
		return out, fmt.Errorf("%w: %w", ErrInput, obsErr)
	}
	return out, errors.Join(obsErr, bridgeErr)
}

// wait returns why serving ends: ctx done, the observer ended on its own
// (an error), or with untilK6 k6 finished: its summary export written and
// its points file there, neither grown for one poll.
func wait(ctx context.Context, obsDone <-chan struct{}, untilK6 bool, summary, points string) string {
	var tick <-chan time.Time
	if untilK6 {
		t := time.NewTicker(summaryPoll)
		defer t.Stop()
		tick = t.C
	}
	var last [2]int64
	for {
		select {
		case <-ctx.Done():
			return "interrupted"
		case <-obsDone:
			return "observer stopped"
		case <-tick:
			// k6 writes the summary export once, as it exits, after its
			// outputs have flushed: a summary that parses as JSON, beside
			// a points file, both the size they were a poll ago, is done.
			var now [2]int64
			for i, p := range []string{summary, points} {
				if fi, err := os.Stat(p); err == nil {
					now[i] = fi.Size()
				}
			}
			if now[0] > 0 && now[1] > 0 && now == last && complete(summary) {
				return "k6 finished"
			}
			last = now
		}
	}
}

func complete(path string) bool {
	b, err := os.ReadFile(path)
	return err == nil && json.Valid(b)
}

// K6Command is the k6 run command line that points stock k6 at sv and
// writes the files the report reads into dir.
func K6Command(dir string, sv Serving, k6Out, summary string) string {
	env := "-e GL001_TARGET=" + quote(sv.Target)
	if sv.Bridge != "" {
		env += " -e GL001_BRIDGE=" + quote(sv.Bridge)
	}
	p := func(name string) string { return quote(filepath.Join(dir, name)) }
	return "k6 run " + env + " --out json=" + p(k6Out) + " --summary-export " + p(summary) + " " + p(k6init.ScriptFile)
}

// quote returns s as one POSIX shell word.
func quote(s string) string {
	if s != "" && strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=,@%+-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
