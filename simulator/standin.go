// Package simulator is the stand-in GL-001 deployment gl001 loads when the
// user gives it no orchestrator: an embedded Kafka broker (or the user's
// cluster), R orchestrator replicas each in its own OS process (like pods),
// and a front door that spreads requests over them (like a Service) and
// serves the guide's API. The plants and sub-agents whose requests and
// events make up the load are in package fleet.
//
// A replica is this same binary re-executed with GL001_REPLICA_CONFIG set;
// a program that may become a replica calls MaybeRunReplica first thing in
// main (and a test binary in TestMain).
package simulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/bus"
	"github.com/greenlang/gl001/simulator/cgroup"
	"github.com/greenlang/gl001/simulator/dbpool"
	"github.com/greenlang/gl001/simulator/orchestrator"
	"github.com/greenlang/gl001/simulator/region"
	"github.com/greenlang/gl001/simulator/supervisor"
)

// Options configure a stand-in. Zero values take the defaults noted.
type Options struct {
	Plants, Agents int    // the fleet the deployment is sized for; 15 / 75
	Replicas       int    // orchestrator replicas; the calculator's for Plants/Agents
	Listen         string // front door address; 127.0.0.1:8000

	Bus        kafkabus.Options // no brokers: start the embedded one
	Partitions int              // partitions of agent.coordination; 12 as the guide scales to
	Workers    int              // KAFKA_CONSUMER_THREADS per replica; 4

	// DBPoolSize is DB_POOL_SIZE for the whole deployment; the calculator's
	// pool size by default. Each replica gets an equal share, rounded up:
	// the guide sizes PostgreSQL (max_connections 300) against DB_POOL_SIZE
	// 200 for 11 replicas, which only fits if the pool is the deployment's.
	DBPoolSize     int
	DBPoolOverflow int           // DB_POOL_OVERFLOW for the deployment; 0
	DBPoolTimeout  time.Duration // DB_POOL_TIMEOUT; 30 s
	DBQueryTime    time.Duration // service time of one query; 2 ms

	// Profile is the names the stand-in answers to: topics, group, paths
	// and metrics; the guide's when its Name is empty.
	Profile api.Profile

	// Regions, when set, are the plants' regions: a request or event that
	// names its region (api.HeaderRegion) gets the region's round trip
	// added, at the front door before a replica serves it and on the bus
	// before its ack. Only the names and round trips are read.
	Regions region.Layout

	// CPULimitMillicores and MemoryLimitMiB are each replica's limits,
	// enforced on its process by a cgroup as the kubelet enforces a pod's
	// (see package cgroup); 0 takes DefaultLimits. Where this host cannot
	// enforce them the replicas run without, and Limits says so and why.
	CPULimitMillicores int
	MemoryLimitMiB     int
	// CgroupRoot is where the cgroup hierarchies are mounted;
	// cgroup.DefaultRoot when empty.
	CgroupRoot string

	// APIToken is the bearer token POST /api/v1/test/load-test requires;
	// empty turns the endpoint off.
	APIToken string
	// LoadTester runs the load tests that endpoint starts; nil answers 501.
	LoadTester LoadTester

	// Executable is the binary re-executed for each replica; os.Executable().
	Executable string
	Logger     *slog.Logger
}

// Defaults for Options.
const (
	DefaultPlants     = 15
	DefaultAgents     = 75
	DefaultListen     = "127.0.0.1:8000"
	DefaultPartitions = 12
	DefaultWorkers    = 4
)

// The range of a replica's limits. A replica's Go runtime, HTTP server,
// Kafka clients and metrics take about 45 MiB resident before any load;
// below MinReplicaMemoryMiB it would be OOM-killed before it serves.
const (
	MinReplicaCPUMillicores = cgroup.MinCPUMillicores
	MaxReplicaCPUMillicores = 256_000
	MinReplicaMemoryMiB     = 64
	MaxReplicaMemoryMiB     = 1 << 20 // 1 TiB
)

// The floors of DefaultLimits.
const (
	DefaultMinCPUMillicores = 100
	DefaultMinMemoryMiB     = 128
)

// DefaultLimits is the per-replica limits the stand-in enforces when
// none are given: what this machine can honour for replicas replicas,
// and never more than the calculator's per-replica limits (pred):
//
//	CPU    = min(calculator's, max(100m,  ⌊cpuCapacity ÷ replicas⌋))
//	memory = min(calculator's, max(128Mi, ⌊memoryCapacity ÷ 2 ÷ replicas⌋))
//
// cpuCapacity is this machine's CPUs in millicores, memoryCapacity its
// memory in MiB (cgroup.Hierarchy.Capacity: at most what the cgroup gl001
// runs in allows); half the memory is left to the load generator, the
// broker and the rest. memoryCapacity 0 (unknown) takes the calculator's.
// Below the floors the replicas' limits add up to more than the machine,
// as Kubernetes' limits may.
func DefaultLimits(replicas int, pred capacity.Prediction, cpuCapacityMillicores, memoryCapacityMiB int) (cpuMillicores, memoryMiB int) {
	replicas = max(replicas, 1)
	cpuMillicores = max(DefaultMinCPUMillicores, cpuCapacityMillicores/replicas)
	if pred.CPUMillicores > 0 {
		cpuMillicores = min(cpuMillicores, pred.CPUMillicores)
	}
	memoryMiB = pred.MemoryMiB
	if memoryCapacityMiB > 0 {
		share := max(DefaultMinMemoryMiB, memoryCapacityMiB/2/replicas)
		if memoryMiB == 0 || share < memoryMiB {
			memoryMiB = share
		}
	}
	return cpuMillicores, memoryMiB
}

// ErrOptions is wrapped by Validate's errors: the caller's settings are
// wrong, as opposed to something failing while starting.
var ErrOptions = errors.New("invalid stand-in options")

// Validate reports every problem with o at once, naming the setting.
func (o Options) Validate() error {
	var errs []error
	if err := capacity.Validate(o.Plants, o.Agents); err != nil {
		errs = append(errs, err)
	}
	if o.Replicas < 0 || o.Replicas > 64 {
		errs = append(errs, fmt.Errorf("replicas (%d) must be from 1 to 64 (0: the calculator's)", o.Replicas))
	}
	if o.Partitions < 1 || o.Partitions > 1000 {
		errs = append(errs, fmt.Errorf("partitions (%d) must be from 1 to 1000", o.Partitions))
	}
	if o.Workers < 1 || o.Workers > 256 {
		errs = append(errs, fmt.Errorf("workers (%d) must be from 1 to 256", o.Workers))
	}
	if o.DBPoolSize < 0 || o.DBPoolOverflow < 0 {
		errs = append(errs, fmt.Errorf("db pool size (%d) and overflow (%d) must be ≥ 0", o.DBPoolSize, o.DBPoolOverflow))
	}
	if o.DBPoolTimeout < 0 || o.DBQueryTime < 0 {
		errs = append(errs, fmt.Errorf("db pool timeout (%s) and query time (%s) must be ≥ 0", o.DBPoolTimeout, o.DBQueryTime))
	}
	if o.CPULimitMillicores != 0 && (o.CPULimitMillicores < MinReplicaCPUMillicores || o.CPULimitMillicores > MaxReplicaCPUMillicores) {
		errs = append(errs, fmt.Errorf("replica CPU limit (%dm) must be from %dm to %dm (0: the default)", o.CPULimitMillicores, MinReplicaCPUMillicores, MaxReplicaCPUMillicores))
	}
	if o.MemoryLimitMiB != 0 && (o.MemoryLimitMiB < MinReplicaMemoryMiB || o.MemoryLimitMiB > MaxReplicaMemoryMiB) {
		errs = append(errs, fmt.Errorf("replica memory limit (%dMi) must be from %dMi to %dMi (0: the default)", o.MemoryLimitMiB, MinReplicaMemoryMiB, MaxReplicaMemoryMiB))
	}
	if _, _, err := net.SplitHostPort(o.Listen); err != nil {
		errs = append(errs, fmt.Errorf("listen %q: want host:port, e.g. 127.0.0.1:8000", o.Listen))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrOptions, errors.Join(errs...))
	}
	return nil
}

func (o *Options) defaults() {
	if o.Plants == 0 {
		o.Plants = DefaultPlants
	}
	if o.Agents == 0 {
		o.Agents = DefaultAgents
	}
	if o.Listen == "" {
		o.Listen = DefaultListen
	}
	if o.Partitions == 0 {
		o.Partitions = DefaultPartitions
	}
	if o.Workers == 0 {
		o.Workers = DefaultWorkers
	}
	if o.DBPoolTimeout == 0 {
		o.DBPoolTimeout = 30 * time.Second
	}
	if o.DBQueryTime == 0 {
		o.DBQueryTime = 2 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Profile.Name == "" {
		o.Profile = api.GuideProfile()
	}
}

// StandIn is a running stand-in deployment.
type StandIn struct {
	opts       Options
	prediction capacity.Prediction
	embedded   *bus.Embedded
	brokers    []string
	sup        *supervisor.Supervisor
	limits     api.ReplicaLimits
	group      *cgroup.Group // nil when the limits are not enforced
	srv        *http.Server
	apiURL     string
	serveDone  chan struct{}
	cancel     context.CancelFunc // ends the replicas' lives
	stopOnce   sync.Once
	stopErr    error
}

// Start brings the stand-in up: broker and topics, replicas, front door.
// It returns once every replica has announced itself and the front door
// listens; ctx bounds the start-up only. Stop tears it down.
func Start(ctx context.Context, o Options) (_ *StandIn, err error) {
	o.defaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	pred, err := capacity.Calculate(o.Plants, o.Agents)
	if err != nil {
		return nil, err
	}
	if o.Replicas == 0 {
		o.Replicas = pred.Replicas
	}
	if o.DBPoolSize == 0 {
		o.DBPoolSize = pred.DBPoolSize
	}
	if o.Executable == "" {
		if o.Executable, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("simulator: cannot find this binary to start replicas: %w", err)
		}
	}
	s := &StandIn{opts: o, prediction: pred, serveDone: make(chan struct{})}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()

	busCfg, err := o.Bus.Config()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrOptions, err)
	}
	// Bind the front door first, so a busy port fails before anything starts.
	ln, err := net.Listen("tcp", o.Listen)
	if err != nil {
		return nil, fmt.Errorf("%w: front door cannot listen on %q: %w", ErrOptions, o.Listen, err)
	}
	defer func() {
		if err != nil {
			ln.Close()
		}
	}()
	if len(busCfg.Brokers) == 0 {
		s.embedded, err = bus.StartEmbedded(ctx, bus.EmbeddedOptions{})
		if err != nil {
			return nil, fmt.Errorf("simulator: embedded Kafka broker: %w", err)
		}
		busCfg.Brokers = s.embedded.Addrs()
		o.Bus.Brokers = busCfg.Brokers
	}
	s.brokers = busCfg.Brokers
	if err := bus.EnsureTopics(ctx, busCfg, o.Partitions, o.Profile.Topic, o.Profile.AckTopic); err != nil {
		return nil, fmt.Errorf("simulator: topics on %v: %w", s.brokers, err)
	}

	confine := s.enforceLimits(o)
	child := childConfig{Bus: o.Bus, Replica: orchestrator.Config{
		Topic: o.Profile.Topic, AckTopic: o.Profile.AckTopic, Group: o.Profile.Group,
		Paths: o.Profile.Paths, Metrics: o.Profile.Metrics,
		Workers: o.Workers,
		Pool: dbpool.Config{
			Size:      ceilDiv(o.DBPoolSize, o.Replicas),
			Overflow:  ceilDiv(o.DBPoolOverflow, o.Replicas),
			Timeout:   o.DBPoolTimeout,
			QueryTime: o.DBQueryTime,
		},
		CPULimitMillicores: s.limits.CPULimitMillicores,
		MemoryLimitMiB:     s.limits.MemoryLimitMiB,
		LimitSource:        s.limits.LimitSource,
		RegionRoundTrips:   o.Regions.RoundTrips(),
	}}
	// The supervisor's context is its whole life, not the start-up's:
	// replicas live until Stop; ctx bounds only the wait for them.
	life, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	started := make(chan struct{})
	stopWatch := context.AfterFunc(ctx, func() {
		select {
		case <-started:
		default:
			cancel()
		}
	})
	defer stopWatch()
	s.sup, err = supervisor.Start(life, supervisor.Spec{
		Replicas: o.Replicas,
		Command:  func(id string) *exec.Cmd { return child.command(o.Executable, id) },
		Confine:  confine,
		Logger:   o.Logger,
	})
	close(started)
	if err != nil {
		return nil, fmt.Errorf("simulator: replicas: %w", err)
	}
	// Ready means ready for load: every replica has joined the consumer
	// group and every partition is assigned, so the first events do not
	// wait out a rebalance (which would read as consumer lag).
	groupCtx, cancelGroup := context.WithTimeout(ctx, groupSettleTimeout)
	st, gerr := bus.WaitGroupStable(groupCtx, busCfg, o.Profile.Group, o.Profile.Topic, o.Replicas, o.Partitions, 100*time.Millisecond)
	cancelGroup()
	if gerr != nil {
		o.Logger.Warn("consumer group not settled; starting anyway", "group", o.Profile.Group,
			"state", st.State, "members", st.Members, "assigned_partitions", st.Assigned, "err", gerr)
	}
	s.apiURL = "http://" + ln.Addr().String()
	fd := &frontDoor{sup: s.sup, prediction: pred, limits: s.limits, client: &http.Client{Timeout: 5 * time.Second}, paths: o.Profile.Paths,
		self: s.apiURL, brokers: s.brokers, token: o.APIToken, loadTester: o.LoadTester, roundTrips: o.Regions.RoundTrips()}
	s.srv = &http.Server{Handler: fd.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(s.serveDone)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			o.Logger.Error("front door stopped", "err", err)
		}
	}()
	o.Logger.Info("stand-in ready", "api", s.apiURL, "brokers", s.brokers, "replicas", o.Replicas,
		"db_pool_size", o.DBPoolSize, "partitions", o.Partitions, "workers", o.Workers,
		"replica_cpu_limit_millicores", s.limits.CPULimitMillicores, "replica_memory_limit_mib", s.limits.MemoryLimitMiB,
		"limit_source", s.limits.LimitSource)
	return s, nil
}

// enforceLimits settles the replicas' limits (o's, or DefaultLimits) and
// makes the cgroups that enforce them. It returns the supervisor's
// Confiner, nil when this host cannot enforce them; s.limits then says
// "not enforced" and why, and a warning is logged.
func (s *StandIn) enforceLimits(o Options) supervisor.Confiner {
	h := cgroup.Detect(o.CgroupRoot)
	cpuCap, memCap := h.Capacity()
	cpu, mem := DefaultLimits(o.Replicas, s.prediction, cpuCap, memCap)
	if o.CPULimitMillicores != 0 {
		cpu = o.CPULimitMillicores
	}
	if o.MemoryLimitMiB != 0 {
		mem = o.MemoryLimitMiB
	}
	s.limits = api.ReplicaLimits{CPULimitMillicores: cpu, MemoryLimitMiB: mem, LimitSource: h.Source()}
	if h.Version == 0 {
		o.Logger.Warn("replica limits not enforced: the replicas run without them", "reason", h.Reason)
		return nil
	}
	g, err := h.NewGroup(cgroup.Limits{CPUMillicores: cpu, MemoryMiB: mem}, o.Logger)
	if err != nil {
		s.limits.LimitSource = api.LimitNotEnforced(err.Error())
		o.Logger.Warn("replica limits not enforced: the replicas run without them", "reason", err)
		return nil
	}
	s.group = g
	return g
}

// Ready describes the running stand-in.
func (s *StandIn) Ready() api.ReadyLine {
	return api.ReadyLine{
		API: s.apiURL, Brokers: s.brokers, Embedded: s.embedded != nil,
		Topic: s.opts.Profile.Topic, AckTopic: s.opts.Profile.AckTopic, Group: s.opts.Profile.Group,
		Workers: s.opts.Workers, DBPoolSize: s.opts.DBPoolSize,
		Replicas: s.sup.Replicas(), Limits: s.limits, RegionRoundTripsMS: roundTripsMS(s.opts.Regions),
	}
}

// roundTripsMS are the regions' round trips as the ready line gives them;
// nil without regions.
func roundTripsMS(l region.Layout) map[string]float64 {
	if l == nil {
		return nil
	}
	m := make(map[string]float64, len(l))
	for _, r := range l {
		m[r.Name] = r.RoundTripMS
	}
	return m
}

// Limits are every replica's CPU and memory limits and where they come
// from: "cgroup-v1" or "cgroup-v2" when enforced, else "not enforced
// (reason)". The replicas' cpu_percent and memory_percent are of these.
func (s *StandIn) Limits() api.ReplicaLimits { return s.limits }

// Prediction is the calculator's answer for the stand-in's fleet.
func (s *StandIn) Prediction() capacity.Prediction { return s.prediction }

// Workers is each replica's coordination workers (KAFKA_CONSUMER_THREADS).
func (s *StandIn) Workers() int { return s.opts.Workers }

// API is the front door's base URL.
func (s *StandIn) API() string { return s.apiURL }

// Brokers are the Kafka bootstrap addresses in use.
func (s *StandIn) Brokers() []string { return s.brokers }

// Replicas lists the replica processes and their state.
func (s *StandIn) Replicas() []api.Replica { return s.sup.Replicas() }

// Stop shuts the front door, the replicas (then removes their cgroups) and
// the embedded broker, in that order. Safe to call more than once.
func (s *StandIn) Stop() error {
	s.stopOnce.Do(func() {
		var errs []error
		if s.opts.LoadTester != nil {
			s.opts.LoadTester.Close()
		}
		if s.srv != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			errs = append(errs, s.srv.Shutdown(ctx))
			cancel()
			<-s.serveDone
		}
		if s.sup != nil {
			s.sup.Stop()
		}
		if s.cancel != nil {
			s.cancel()
		}
		if s.group != nil { // the replicas are reaped: their cgroups can go
			errs = append(errs, s.group.Close())
		}
		if s.embedded != nil {
			s.embedded.Close()
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

// groupSettleTimeout bounds the wait for the consumer group at start.
const groupSettleTimeout = 30 * time.Second

func ceilDiv(a, b int) int { return (a + b - 1) / b }
