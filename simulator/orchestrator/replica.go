// Package orchestrator is one replica of the stand-in GL-001 orchestrator:
// the guide's HTTP API over a real LP heat dispatch, a Kafka consumer in
// group gl-001-orchestrator that processes agent-coordination events and
// acknowledges them, and a bounded database connection pool that every
// optimization and coordination write goes through.
//
// A replica is meant to run as its own OS process (see package simulator),
// but nothing here depends on that: tests run one in-process.
package orchestrator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/deploy/procfs"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/bus"
	"github.com/greenlang/gl001/simulator/dbpool"
)

// Config is one replica's settings. The guide's ConfigMap keys are noted
// where a field stands for one.
type Config struct {
	ID     string `json:"id"`
	Listen string `json:"listen"` // host:port; port 0 picks a free one

	Bus      kafkabus.Config `json:"-"`
	Brokers  []string        `json:"brokers"`
	Topic    string          `json:"topic"`
	AckTopic string          `json:"ack_topic"`
	Group    string          `json:"group"`
	Workers  int             `json:"workers"` // KAFKA_CONSUMER_THREADS

	// Paths and Metrics are the profile's: what the replica serves and
	// the Prometheus names it exposes the guide's figures under.
	Paths   api.Paths       `json:"paths"`
	Metrics api.MetricNames `json:"metrics"`

	Pool dbpool.Config `json:"pool"` // DB_POOL_SIZE, DB_POOL_OVERFLOW, DB_POOL_TIMEOUT

	// QueriesPerOptimize and QueriesPerEvent are the database round trips
	// one optimization (read plant state, write the dispatch) and one
	// coordination event (write the agent's state) cost.
	QueriesPerOptimize int `json:"queries_per_optimize"`
	QueriesPerEvent    int `json:"queries_per_event"`

	// CPULimitMillicores and MemoryLimitMiB are the replica's limits, the
	// denominators of cpu_percent and memory_percent; LimitSource says
	// what enforces them ("cgroup-v1", "cgroup-v2", "not enforced (…)",
	// see api.ReplicaLimits). 0 leaves the percentage 0.
	CPULimitMillicores int    `json:"cpu_limit_millicores"`
	MemoryLimitMiB     int    `json:"memory_limit_mib"`
	LimitSource        string `json:"limit_source"`

	// CO2LimitKgPerMWh is the emissions-intensity limit of heat output the
	// compliance check applies: at or below 90 % PASS, to 100 % WARNING,
	// above FAIL.
	CO2LimitKgPerMWh float64 `json:"co2_limit_kg_per_mwh"`

	// RegionRoundTrips are the regions' round trips, by name: an event
	// whose api.HeaderRegion names one is acked that much later, as the
	// bus between the region and the orchestrator would delay it (see
	// bus.Processor.AckDelay). Nil, or a region not in it: no delay.
	RegionRoundTrips map[string]time.Duration `json:"region_round_trips,omitempty"`
}

// Defaults fills the zero fields of c with the stand-in's defaults.
func (c *Config) Defaults() {
	if c.ID == "" {
		c.ID = "replica-0"
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:0"
	}
	if c.Topic == "" {
		c.Topic = api.TopicCoordination
	}
	if c.AckTopic == "" {
		c.AckTopic = api.TopicAck
	}
	if c.Group == "" {
		c.Group = api.ConsumerGroup
	}
	if c.Paths == (api.Paths{}) {
		c.Paths = api.GuideProfile().Paths
	}
	if c.Metrics == (api.MetricNames{}) {
		c.Metrics = api.GuideProfile().Metrics
	}
	if c.Workers == 0 {
		c.Workers = 4
	}
	if c.QueriesPerOptimize == 0 {
		c.QueriesPerOptimize = 2
	}
	if c.QueriesPerEvent == 0 {
		c.QueriesPerEvent = 1
	}
	if c.CO2LimitKgPerMWh == 0 {
		c.CO2LimitKgPerMWh = 300
	}
}

// Replica is one running stand-in orchestrator.
type Replica struct {
	cfg     Config
	log     *slog.Logger
	pool    *dbpool.Pool
	proc    *bus.Processor
	m       *metrics
	plants  *plantStates
	started time.Time

	requests atomic.Int64 // optimize requests answered, any status
	events   atomic.Int64 // coordination events processed, any status
	ready    atomic.Bool

	usageMu   sync.Mutex
	lastUsage procfs.Usage
	lastAt    time.Time
	cpuPct    *float64 // nil until two reads a second apart, or without a limit
	memPct    *float64 // nil until the first read, or without a limit
}

// New prepares a replica; Run starts it.
func New(cfg Config, log *slog.Logger) (*Replica, error) {
	cfg.Defaults()
	if log == nil {
		log = slog.Default()
	}
	if len(cfg.Bus.Brokers) == 0 {
		cfg.Bus.Brokers = cfg.Brokers
	}
	if len(cfg.Bus.Brokers) == 0 {
		return nil, errors.New("orchestrator: no Kafka brokers configured")
	}
	pool, err := dbpool.New(cfg.Pool)
	if err != nil {
		return nil, fmt.Errorf("orchestrator: %w", err)
	}
	r := &Replica{cfg: cfg, log: log.With("replica", cfg.ID), pool: pool, plants: newPlantStates(), started: time.Now()}
	r.proc = &bus.Processor{
		Config: cfg.Bus, Topic: cfg.Topic, AckTopic: cfg.AckTopic, Group: cfg.Group,
		Workers: cfg.Workers, Replica: cfg.ID, Handle: r.handleEvent, Logger: r.log,
		// In-flight events get 2 s to finish at shutdown, so a replica stops
		// well inside the supervisor's 5 s grace, as a pod inside its
		// terminationGracePeriod.
		DrainTimeout: 2 * time.Second,
	}
	if rtts := cfg.RegionRoundTrips; len(rtts) > 0 {
		r.proc.AckDelay = func(m kafka.Message) time.Duration {
			for _, h := range m.Headers {
				if h.Key == api.HeaderRegion {
					return rtts[string(h.Value)]
				}
			}
			return 0
		}
	}
	r.m = newMetrics(cfg.ID, cfg.Metrics,
		func() float64 { return float64(cfg.Pool.Size) },
		func() float64 { return float64(r.proc.Stats().QueueDepth) },
		func() float64 { cpu, _ := r.usagePercent(); return orNaN(cpu) },
		func() float64 { _, mem := r.usagePercent(); return orNaN(mem) },
	)
	return r, nil
}

// Handler serves the replica's API.
func (r *Replica) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+r.cfg.Paths.Optimize, r.serveOptimize)
	mux.HandleFunc("GET "+r.cfg.Paths.Health, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "healthy", "replica": r.cfg.ID,
			"uptime_seconds": time.Since(r.started).Seconds()})
	})
	mux.HandleFunc("GET "+r.cfg.Paths.Ready, func(w http.ResponseWriter, _ *http.Request) {
		if !r.ready.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "replica": r.cfg.ID})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "replica": r.cfg.ID})
	})
	mux.HandleFunc("GET "+r.cfg.Paths.Metrics, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, r.Snapshot())
	})
	mux.HandleFunc("GET "+r.cfg.Paths.LoadDistribution, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, LoadDistribution{Replicas: []ReplicaLoad{r.load()}})
	})
	mux.HandleFunc("GET "+r.cfg.Paths.Database, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, Database{ConnectionPool: r.pool.Stats(), ReadReplicas: []ReadReplica{}})
	})
	mux.Handle("GET "+r.cfg.Paths.Prometheus, promhttp.HandlerFor(r.m.reg, promhttp.HandlerOpts{}))
	return mux
}

// Run serves HTTP on cfg.Listen and consumes coordination events until
// ctx is cancelled. announce, if not nil, is called with the base URL once
// the listener is bound and the consumer is running.
func (r *Replica) Run(ctx context.Context, announce func(url string) error) error {
	ln, err := net.Listen("tcp", r.cfg.Listen)
	if err != nil {
		return fmt.Errorf("orchestrator: listen %s: %w", r.cfg.Listen, err)
	}
	srv := &http.Server{Handler: r.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs <- fmt.Errorf("orchestrator: serve: %w", err)
			cancel()
		}
	})
	wg.Go(func() {
		if err := r.proc.Run(ctx); err != nil {
			errs <- fmt.Errorf("orchestrator: coordination consumer: %w", err)
			cancel()
		}
	})
	wg.Go(func() { r.sampleUsage(ctx) })

	r.ready.Store(true)
	url := "http://" + ln.Addr().String()
	r.log.Info("replica serving", "url", url, "brokers", r.cfg.Bus.Brokers, "workers", r.cfg.Workers, "db_pool_size", r.cfg.Pool.Size)
	if announce != nil {
		if err := announce(url); err != nil {
			cancel()
		}
	}
	<-ctx.Done()
	r.ready.Store(false)
	shutdownCtx, done := context.WithTimeout(context.Background(), 5*time.Second)
	defer done()
	_ = srv.Shutdown(shutdownCtx)
	wg.Wait()
	close(errs)
	return <-errs // nil when closed and empty
}

// sampleUsage refreshes cpu_percent and memory_percent once a second from
// /proc, the way kubelet's cAdvisor samples a pod.
func (r *Replica) sampleUsage(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		u, err := procfs.Read(0)
		now := time.Now()
		if err == nil {
			r.usageMu.Lock()
			if !r.lastAt.IsZero() && r.cfg.CPULimitMillicores > 0 {
				millicores := (u.CPUSeconds - r.lastUsage.CPUSeconds) / now.Sub(r.lastAt).Seconds() * 1000
				r.cpuPct = ptr(millicores / float64(r.cfg.CPULimitMillicores) * 100)
			}
			if r.cfg.MemoryLimitMiB > 0 {
				r.memPct = ptr(u.RSSMiB() / float64(r.cfg.MemoryLimitMiB) * 100)
			}
			r.lastUsage, r.lastAt = u, now
			r.usageMu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// usagePercent is the replica's last CPU and memory reading, percent of
// its limits; nil for what it has not read.
func (r *Replica) usagePercent() (cpu, mem *float64) {
	r.usageMu.Lock()
	defer r.usageMu.Unlock()
	return r.cpuPct, r.memPct
}

// orNaN is *p, or NaN (a gauge with no data) when p is nil.
func orNaN(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}
