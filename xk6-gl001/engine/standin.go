package engine

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/api"
)

// StandInOptions size the stand-in deployment a run starts when it is
// given no Target. The stand-in runs as a child process, `gl001 simulate`,
// never in the generator's own Go runtime: its broker, front door and GC
// must not share the load generator's CPU time and pauses.
type StandInOptions struct {
	// Executable is the gl001 binary whose simulate subcommand runs the
	// stand-in; os.Executable() when empty.
	Executable string
	// DBPoolSize and DBQueryTime size the stand-in's database pool
	// (DB_POOL_SIZE for the deployment, and one query's service time)
	// instead of the calculator's pool and 2 ms: a way to rehearse an
	// under-provisioned deployment. 0 keeps the stand-in's defaults.
	DBPoolSize  int
	DBQueryTime time.Duration
	// CPULimitMillicores and MemoryLimitMiB are each replica's enforced
	// limits (simulate's --replica-cpu-limit and --replica-memory-limit);
	// 0 takes the stand-in's default, what this machine can honour.
	CPULimitMillicores int
	MemoryLimitMiB     int
}

const (
	// standInStartTimeout bounds the wait for the stand-in's ready line.
	standInStartTimeout = 2 * time.Minute
	// standInStopGrace is how long the stand-in has to stop its replicas
	// and broker after SIGTERM before its process group is killed.
	standInStopGrace = 15 * time.Second
	// standInTail is how many of the child's last log lines an error
	// quotes.
	standInTail = 8
	// envSASLPassword hands the child the Kafka password outside argv.
	envSASLPassword = "GL001_KAFKA_SASL_PASSWORD"
)

// standIn is a running `gl001 simulate` child.
type standIn struct {
	cmd    *exec.Cmd
	ready  api.ReadyLine
	exited chan struct{} // closed once the child has been reaped
	err    error         // the child's exit, set before exited closes
	log    *slog.Logger

	mu   sync.Mutex
	tail []string // the child's last stderr lines

	stopOnce sync.Once
}

// args is the simulate command line for the scenario's fleet.
func (o StandInOptions) args(s scenarios.Scenario, bus kafkabus.Options, profileFile string) []string {
	a := []string{"simulate", "--listen", "127.0.0.1:0",
		"--plants", strconv.Itoa(s.Plants), "--agents", strconv.Itoa(s.SubAgents)}
	if s.Replicas > 0 {
		a = append(a, "--replicas", strconv.Itoa(s.Replicas))
	}
	if s.Partitions > 0 {
		a = append(a, "--partitions", strconv.Itoa(s.Partitions))
	}
	if o.DBPoolSize > 0 {
		a = append(a, "--db-pool-size", strconv.Itoa(o.DBPoolSize))
	}
	if o.DBQueryTime > 0 {
		a = append(a, "--db-query-time", o.DBQueryTime.String())
	}
	if o.CPULimitMillicores > 0 {
		a = append(a, "--replica-cpu-limit", strconv.Itoa(o.CPULimitMillicores)+"m")
	}
	if o.MemoryLimitMiB > 0 {
		a = append(a, "--replica-memory-limit", strconv.Itoa(o.MemoryLimitMiB)+"Mi")
	}
	if len(bus.Brokers) > 0 {
		a = append(a, "--brokers", strings.Join(bus.Brokers, ","))
	}
	for _, f := range []struct{ flag, v string }{
		{"--kafka-tls-ca", bus.TLSCAFile}, {"--kafka-tls-cert", bus.TLSCertFile}, {"--kafka-tls-key", bus.TLSKeyFile},
		{"--kafka-sasl-mechanism", bus.SASLMechanism}, {"--kafka-sasl-username", bus.SASLUsername},
	} {
		if f.v != "" {
			a = append(a, f.flag, f.v)
		}
	}
	if bus.TLS {
		a = append(a, "--kafka-tls")
	}
	if s.Regions != nil { // the stand-in reads only names and round trips
		a = append(a, "--regions", s.Regions.JSON())
	}
	if profileFile != "" {
		a = append(a, "--profile", profileFile)
	}
	return a
}

// startStandIn starts `gl001 simulate` for the run's scenario and returns
// once it has printed its ready line. The child leads its own process
// group, so a Ctrl-C at the terminal reaches the harness alone (which
// stops the child after its graceful stop), and it gets SIGTERM if the
// harness dies. A child that exits or prints no ready line within
// standInStartTimeout is an error quoting its last log lines; one that
// refuses its flags is ErrInput.
func startStandIn(ctx context.Context, o Options) (*standIn, error) {
	return launchStandIn(ctx, o.StandIn, o.Scenario, o.Bus, o.ProfileFile, o.Logger)
}

// StandIn is a running stand-in deployment (`gl001 simulate` as a child
// process) started by StartStandIn, for a caller that drives the load
// some other way (gl001 k6 serve). Stop it once it is no longer needed.
type StandIn struct{ s *standIn }

// StartStandIn starts the stand-in sized for scenario s as a run sizes
// it (plants, sub-agents, replicas, partitions), on a loopback port, and
// returns once it has printed its ready line; see startStandIn for the
// process group and the errors (ErrInput for flags it refuses). bus
// reaches the user's Kafka; no brokers, the stand-in embeds its own.
// profileFile is a profile file or "" for the guide's names.
func StartStandIn(ctx context.Context, s scenarios.Scenario, bus kafkabus.Options, o StandInOptions, profileFile string, log *slog.Logger) (*StandIn, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	si, err := launchStandIn(ctx, o, s, bus, profileFile, log)
	if err != nil {
		return nil, err
	}
	return &StandIn{s: si}, nil
}

// Ready is the stand-in's ready line: its API URL, brokers and limits.
func (s *StandIn) Ready() api.ReadyLine { return s.s.ready }

// Stop stops the stand-in gracefully (SIGTERM, then its process group is
// killed after standInStopGrace) and waits for it. Safe to call twice.
func (s *StandIn) Stop() error { return s.s.stop() }

func launchStandIn(ctx context.Context, so StandInOptions, sc scenarios.Scenario, bus kafkabus.Options, profileFile string, log *slog.Logger) (*standIn, error) {
	o := struct {
		StandIn     StandInOptions
		Scenario    scenarios.Scenario
		Bus         kafkabus.Options
		ProfileFile string
		Logger      *slog.Logger
	}{so, sc, bus, profileFile, log}
	exe := o.StandIn.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("starting the stand-in: cannot find this binary: %w", err)
		}
	}
	cmd := exec.Command(exe, o.StandIn.args(o.Scenario, o.Bus, o.ProfileFile)...)
	cmd.Env = os.Environ()
	if o.Bus.SASLPassword != "" {
		cmd.Env = append(cmd.Env, envSASLPassword+"="+o.Bus.SASLPassword)
	}
	setChildAttr(cmd)
	cmd.WaitDelay = time.Second // a grandchild holding the pipes must not stall the reaping
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	s := &standIn{cmd: cmd, exited: make(chan struct{}), log: o.Logger.With("source", "stand-in")}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting the stand-in (%s simulate): %w", exe, err)
	}
	var drained sync.WaitGroup
	drained.Go(func() { s.logLines(stderr) })
	readyCh := make(chan api.ReadyLine, 1)
	drained.Go(func() { s.readReady(stdout, readyCh) })
	go func() { // owned by s: stop and every error path below wait on exited
		drained.Wait()
		s.err = cmd.Wait()
		close(s.exited)
	}()

	timeout := time.NewTimer(standInStartTimeout)
	defer timeout.Stop()
	select {
	case s.ready = <-readyCh:
		return s, nil
	case <-s.exited:
		err := fmt.Errorf("the stand-in exited before it was ready (%v)%s", s.err, s.lastLines())
		if code := s.cmd.ProcessState.ExitCode(); code == 2 {
			return nil, fmt.Errorf("%w: %w", ErrInput, err)
		}
		return nil, err
	case <-timeout.C:
		s.stop()
		return nil, fmt.Errorf("the stand-in printed no ready line within %s%s", standInStartTimeout, s.lastLines())
	case <-ctx.Done():
		s.stop()
		return nil, context.Cause(ctx)
	}
}

// readReady hands on the first line of stdout that is a ready line, then
// drains the rest.
func (s *standIn) readReady(r io.Reader, ready chan<- api.ReadyLine) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sent := false
	for sc.Scan() {
		var rl api.ReadyLine
		if !sent && json.Unmarshal(sc.Bytes(), &rl) == nil && rl.API != "" {
			ready <- rl
			sent = true
			continue
		}
		s.log.Debug("stand-in output", "line", sc.Text())
	}
}

// logLines passes the child's log on: warnings and errors as warnings, the
// rest at debug level, keeping the last lines for error messages.
func (s *standIn) logLines(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		s.mu.Lock()
		s.tail = append(s.tail, line)
		if len(s.tail) > standInTail {
			s.tail = s.tail[1:]
		}
		s.mu.Unlock()
		if strings.Contains(line, "level=WARN") || strings.Contains(line, "level=ERROR") {
			s.log.Warn("stand-in log", "line", line)
		} else {
			s.log.Debug("stand-in log", "line", line)
		}
	}
}

func (s *standIn) lastLines() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.tail) == 0 {
		return ""
	}
	return "; its last output:\n  " + strings.Join(s.tail, "\n  ")
}

// stop asks the stand-in to stop (SIGTERM: it stops its front door,
// replicas and broker) and waits for it; after standInStopGrace its whole
// process group is killed. Safe to call more than once.
func (s *standIn) stop() error {
	var err error
	s.stopOnce.Do(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		grace := time.NewTimer(standInStopGrace)
		defer grace.Stop()
		select {
		case <-s.exited:
		case <-grace.C:
			killGroup(s.cmd.Process.Pid)
			<-s.exited
			err = fmt.Errorf("the stand-in did not stop within %s; killed", standInStopGrace)
		}
		var exit *exec.ExitError
		if err == nil && s.err != nil && !errors.As(s.err, &exit) {
			err = s.err
		}
	})
	return err
}
