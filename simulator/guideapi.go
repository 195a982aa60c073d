package simulator

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/dbpool"
	"github.com/greenlang/gl001/simulator/orchestrator"
	"github.com/greenlang/gl001/simulator/supervisor"
)

// frontDoor is the stand-in's Service: the guide's API on one address.
// Work (optimize) is spread round-robin over live replicas; the metrics
// endpoints fan out to every replica and aggregate where the guide reads
// one figure for the deployment.
type frontDoor struct {
	sup        deployment
	prediction capacity.Prediction
	limits     api.ReplicaLimits
	client     *http.Client
	paths      api.Paths // the profile's: what it serves, what it asks the replicas

	self       string     // the front door's own URL, for self load tests
	brokers    []string   // the Kafka the stand-in uses
	token      string     // bearer token of the load-test endpoint; "" turns it off
	loadTester LoadTester // nil: the endpoint answers 501
	// roundTrips are the regions' round trips (Options.Regions); nil
	// without regions.
	roundTrips map[string]time.Duration
}

// deployment is what the front door needs of the replicas: the
// supervisor's, or a test's fake.
type deployment interface {
	// Replicas are every replica, up or not, in id order.
	Replicas() []supervisor.Replica
	// Live are the replicas up now, in id order.
	Live() []supervisor.Replica
	// FrontDoor spreads work over the live replicas.
	FrontDoor() http.Handler
}

func (f *frontDoor) handler() http.Handler {
	mux := http.NewServeMux()
	p := f.paths
	mux.HandleFunc("GET "+p.Health, f.health)
	mux.HandleFunc("GET "+p.Ready, f.ready)
	mux.HandleFunc("GET "+p.Metrics, f.metrics)
	mux.HandleFunc("GET "+p.LoadDistribution, f.loadDistribution)
	mux.HandleFunc("GET "+p.Database, f.database)
	mux.HandleFunc("GET "+p.Capacity, f.capacity)
	mux.HandleFunc("GET "+p.Prometheus, f.prometheus)
	mux.HandleFunc("POST "+p.LoadTest, f.startLoadTest)
	mux.HandleFunc("GET "+p.LoadTestReport, f.loadTestReport)
	mux.Handle("/", f.regionDelay(f.sup.FrontDoor()))
	return mux
}

// regionDelay holds each request that names its region (api.HeaderRegion)
// for the region's round trip before next serves it, as the network
// between a plant's region and the front door would; the wait ends early
// when the client gives up. Without regions the header is ignored, as a
// real orchestrator ignores it; a region the stand-in was not given is
// answered 400, naming the ones it was.
func (f *frontDoor) regionDelay(next http.Handler) http.Handler {
	if f.roundTrips == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		name := req.Header.Get(api.HeaderRegion)
		if name == "" {
			next.ServeHTTP(w, req)
			return
		}
		rtt, ok := f.roundTrips[name]
		if !ok {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("%s %q: this stand-in has regions %s",
				api.HeaderRegion, name, strings.Join(slices.Sorted(maps.Keys(f.roundTrips)), ", "))})
			return
		}
		if rtt > 0 {
			t := time.NewTimer(rtt)
			select {
			case <-t.C:
			case <-req.Context().Done():
				t.Stop()
				return
			}
		}
		next.ServeHTTP(w, req)
	})
}

// fanOut GETs path from every live replica at once and decodes each
// answer with decode; replicas that fail are left out and named in the
// returned errors.
func fanOut[T any](ctx context.Context, f *frontDoor, path string, decode func(io.Reader) (T, error)) (map[string]T, []string) {
	live := f.sup.Live()
	var mu sync.Mutex
	out := make(map[string]T, len(live))
	var errs []string
	var wg sync.WaitGroup
	for _, r := range live {
		wg.Go(func() {
			v, err := get(ctx, f.client, r.URL+path, decode)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s: %v", r.ID, err))
				return
			}
			out[r.ID] = v
		})
	}
	wg.Wait()
	slices.Sort(errs)
	return out, errs
}

func get[T any](ctx context.Context, c *http.Client, url string, decode func(io.Reader) (T, error)) (T, error) {
	var zero T
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return zero, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return zero, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return zero, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return decode(resp.Body)
}

func decodeJSON[T any](r io.Reader) (T, error) {
	var v T
	err := json.NewDecoder(r).Decode(&v)
	return v, err
}

// health is the deployment's health (supervisor.HealthOf): 503 with the
// reason when no replica is up, so a probe of the front door fails then.
func (f *frontDoor) health(w http.ResponseWriter, _ *http.Request) {
	h := supervisor.HealthOf(f.sup.Replicas())
	writeJSON(w, h.HTTPStatus(), h)
}

// ready answers 200 while at least one replica is live, as a Service has
// endpoints while any pod is ready.
func (f *frontDoor) ready(w http.ResponseWriter, _ *http.Request) {
	n := len(f.sup.Live())
	status := http.StatusOK
	if n == 0 {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, map[string]any{"ready": n > 0, "replicas_up": n})
}

// AggregateMetrics is GET /api/v1/metrics at the front door: the
// deployment's figures and each replica's. Latency p95s are the worst
// replica's (percentiles do not add up), CPU and memory the mean over the
// replicas that have a reading, as the HPA averages utilisation, the
// success rate is over every replica's events, counters are summed. A
// figure no replica read is null, never 0 or 1.
type AggregateMetrics struct {
	orchestrator.Snapshot
	CPUPercentMax    *float64                         `json:"cpu_percent_max"`
	MemoryPercentMax *float64                         `json:"memory_percent_max"`
	PerReplica       map[string]orchestrator.Snapshot `json:"per_replica"`
	Unreachable      []string                         `json:"unreachable,omitempty"`
}

// metrics answers 503 when no replica could be read: summed counters of
// no replica would be zeros standing for nothing.
func (f *frontDoor) metrics(w http.ResponseWriter, req *http.Request) {
	snaps, errs := fanOut(req.Context(), f, f.paths.Metrics, decodeJSON[orchestrator.Snapshot])
	if len(snaps) == 0 {
		writeNoReplica(w, f, errs)
		return
	}
	writeJSON(w, http.StatusOK, aggregate(snaps, errs))
}

// writeNoReplica answers 503 for an aggregate that no replica answered,
// saying why.
func writeNoReplica(w http.ResponseWriter, f *frontDoor, errs []string) {
	msg := "no replica up to read"
	if len(errs) > 0 {
		msg = "no replica answered"
	}
	writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": msg, "replicas": f.sup.Replicas(), "unreachable": errs})
}

func aggregate(snaps map[string]orchestrator.Snapshot, errs []string) AggregateMetrics {
	a := AggregateMetrics{PerReplica: snaps, Unreachable: errs}
	s := &a.Snapshot
	s.Replicas = len(snaps)
	var cpu, mem mean
	var ok, total int64
	for _, r := range snaps {
		s.OrchestrationLatencyP95 = maxOf(s.OrchestrationLatencyP95, r.OrchestrationLatencyP95)
		s.HeatOptimizationTimeP95 = maxOf(s.HeatOptimizationTimeP95, r.HeatOptimizationTimeP95)
		cpu.add(r.CPUPercent)
		mem.add(r.MemoryPercent)
		a.CPUPercentMax = maxOf(a.CPUPercentMax, r.CPUPercent)
		a.MemoryPercentMax = maxOf(a.MemoryPercentMax, r.MemoryPercent)
		s.AgentCoordinationPerSecond += r.AgentCoordinationPerSecond
		s.OptimizationRequestsTotal += r.OptimizationRequestsTotal
		s.OptimizationRequestsOK += r.OptimizationRequestsOK
		s.OptimizationRequestsInvalid += r.OptimizationRequestsInvalid
		s.OptimizationRequestsError += r.OptimizationRequestsError
		s.CoordinationEventsTotal += r.CoordinationEventsTotal
		s.CoordinationEventsFailed += r.CoordinationEventsFailed
		s.BoilerCalculationQueueDepth += r.BoilerCalculationQueueDepth
		s.PlantsSeen = max(s.PlantsSeen, r.PlantsSeen)
		s.AgentsSeen = max(s.AgentsSeen, r.AgentsSeen)
		s.UptimeSeconds = max(s.UptimeSeconds, r.UptimeSeconds)
		total += r.CoordinationEventsTotal
		ok += r.CoordinationEventsTotal - r.CoordinationEventsFailed
	}
	s.CPUPercent, s.MemoryPercent = cpu.value(), mem.value()
	if total > 0 {
		s.AgentCoordinationSuccessRate = ptr(float64(ok) / float64(total))
	}
	return a
}

// maxOf is the larger of two figures, either of which may be unread (nil).
func maxOf(a, b *float64) *float64 {
	switch {
	case b == nil:
		return a
	case a == nil || *b > *a:
		return ptr(*b)
	}
	return a
}

// mean is the mean of the figures that were read.
type mean struct {
	sum float64
	n   int
}

func (m *mean) add(p *float64) {
	if p != nil {
		m.sum += *p
		m.n++
	}
}

// value is the mean, nil when nothing was read.
func (m mean) value() *float64 {
	if m.n == 0 {
		return nil
	}
	return ptr(math.Round(m.sum/float64(m.n)*100) / 100)
}

func ptr[T any](v T) *T { return &v }

func (f *frontDoor) loadDistribution(w http.ResponseWriter, req *http.Request) {
	loads, errs := fanOut(req.Context(), f, f.paths.LoadDistribution, decodeJSON[orchestrator.LoadDistribution])
	out := struct {
		orchestrator.LoadDistribution
		Unreachable []string `json:"unreachable,omitempty"`
	}{Unreachable: errs}
	out.Replicas = []orchestrator.ReplicaLoad{}
	for _, r := range f.sup.Replicas() {
		l, ok := loads[r.ID]
		if !ok || len(l.Replicas) == 0 {
			out.Replicas = append(out.Replicas, orchestrator.ReplicaLoad{Replica: r.ID, Up: false})
			continue
		}
		out.Replicas = append(out.Replicas, l.Replicas[0])
	}
	writeJSON(w, http.StatusOK, out)
}

// DeploymentPool is connection_pool at the front door: every live
// replica's pool, read at once (one concurrent fan-out), summed. Size,
// in_use, available, overflow_in_use and waiting are readings of that
// moment, so in_use / size is the deployment's share of connections in use
// then; the counters (wait_count, timeouts, ...) are the sums of the
// replicas' counters since each started.
//
// MaxInUse is always null: a replica's max_in_use is its own all-time peak,
// reached at a moment of its own, and the sum of such peaks describes no
// moment the deployment lived through. Each replica's stays in per_replica.
type DeploymentPool struct {
	dbpool.Stats
	MaxInUse *int `json:"max_in_use"`
	// ReplicasRead is how many replicas' pools are in the sums.
	ReplicasRead int `json:"replicas_read"`
}

// database sums the replicas' pools: the deployment's connections to the
// database are what the guide's pool size counts. With no replica read it
// answers 503: a sum over none would be zeros standing for nothing.
func (f *frontDoor) database(w http.ResponseWriter, req *http.Request) {
	dbs, errs := fanOut(req.Context(), f, f.paths.Database, decodeJSON[orchestrator.Database])
	if len(dbs) == 0 {
		writeNoReplica(w, f, errs)
		return
	}
	sum := DeploymentPool{ReplicasRead: len(dbs)}
	per := make(map[string]dbpool.Stats, len(dbs))
	for id, d := range dbs {
		p := d.ConnectionPool
		per[id] = p
		sum.Size += p.Size
		sum.Overflow += p.Overflow
		sum.InUse += p.InUse
		sum.Available += p.Available
		sum.OverflowInUse += p.OverflowInUse
		sum.Waiting += p.Waiting
		sum.WaitCount += p.WaitCount
		sum.WaitDurationSecondsTotal += p.WaitDurationSecondsTotal
		sum.Timeouts += p.Timeouts
		sum.QueriesTotal += p.QueriesTotal
		sum.AcquiredTotal += p.AcquiredTotal
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"connection_pool": sum, "per_replica": per, "read_replicas": []orchestrator.ReadReplica{}, "unreachable": errs,
	})
}

// CapacityView is GET /api/v1/capacity: what the calculator predicts for
// the simulated fleet beside what is running, and the per-replica limits
// the replicas run under.
type CapacityView struct {
	Predicted       capacity.Prediction `json:"predicted"`
	ReplicaLimits   api.ReplicaLimits   `json:"replica_limits"`
	ReplicasRunning int                 `json:"replicas_running"`
	ReplicasUp      int                 `json:"replicas_up"`
	Replicas        []api.Replica       `json:"replicas"`
	MaxPlants       int                 `json:"max_plants"`
}

func (f *frontDoor) capacity(w http.ResponseWriter, _ *http.Request) {
	rs := f.sup.Replicas()
	writeJSON(w, http.StatusOK, CapacityView{
		Predicted: f.prediction, ReplicaLimits: f.limits, ReplicasRunning: len(rs), ReplicasUp: len(f.sup.Live()),
		Replicas: rs, MaxPlants: f.prediction.Plants,
	})
}

// prometheus merges the replicas' expositions into one, each series keeping
// its replica label, so a scrape of the front door sees the deployment.
// With no replica read it answers 503.
func (f *frontDoor) prometheus(w http.ResponseWriter, req *http.Request) {
	parse := func(r io.Reader) (map[string]*dto.MetricFamily, error) {
		p := expfmt.NewTextParser(model.UTF8Validation)
		return p.TextToMetricFamilies(r)
	}
	all, errs := fanOut(req.Context(), f, f.paths.Prometheus, parse)
	if len(all) == 0 { // a failed scrape, not an exposition of nothing
		writeNoReplica(w, f, errs)
		return
	}
	merged := map[string]*dto.MetricFamily{}
	for _, id := range slices.Sorted(maps.Keys(all)) {
		for name, fam := range all[id] {
			if m, ok := merged[name]; ok {
				m.Metric = append(m.Metric, fam.Metric...)
				continue
			}
			merged[name] = fam
		}
	}
	w.Header().Set("Content-Type", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	for _, e := range errs {
		fmt.Fprintf(w, "# unreachable replica %s\n", e)
	}
	for _, name := range slices.Sorted(maps.Keys(merged)) {
		if _, err := expfmt.MetricFamilyToText(w, merged[name]); err != nil {
			return
		}
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
