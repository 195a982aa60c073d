package simulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/simulator/supervisor"
)

// TestMain lets this test binary serve as a stand-in replica when the
// stand-in re-executes it.
func TestMain(m *testing.M) {
	simulator.MaybeRunReplica()
	os.Exit(m.Run())
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

func TestStandInEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts replica processes and a Kafka broker")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const plants, agents = 5, 25
	si, err := simulator.Start(ctx, simulator.Options{
		Plants: plants, Agents: agents, Replicas: 2, Listen: "127.0.0.1:0", Partitions: 4, Workers: 2,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer si.Stop()
	ready := si.Ready()
	if len(ready.Replicas) != 2 || !ready.Embedded || ready.Group != "gl-001-orchestrator" || ready.Topic != "agent.coordination" {
		t.Fatalf("ready line %+v", ready)
	}

	f, err := fleet.New(fleet.Config{Plants: plants, Agents: agents, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}

	// Heat optimization through the front door, spread over both replicas.
	served := map[string]int{}
	for i := range 10 {
		req := f.NextRequest(fleet.DefaultStart.Add(time.Duration(i) * time.Hour))
		body, _ := json.Marshal(req)
		resp, err := http.Post(si.API()+api.PathOptimize, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var out api.OptimizeResponse
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("optimize: %s, %v", resp.Status, err)
		}
		served[out.Replica]++
		if out.PerformanceMetrics.PlantsOptimized != plants || out.HeatDistribution.TotalHeatSupplyMW <= 0 ||
			len(out.HeatDistribution.DistributionMatrix) != len(req.SensorFeeds.HeatDemands) || len(out.ProvenanceHash) != 64 {
			t.Fatalf("optimize answer does not reflect the request: %+v", out.PerformanceMetrics)
		}
	}
	if len(served) != 2 {
		t.Errorf("requests served by %v, want both replicas", served)
	}

	// A malformed request: 400 naming the field.
	resp, err := http.Post(si.API()+api.PathOptimize, "application/json", strings.NewReader(`{"sensor_feeds": {"heat_demands": {"u": -1}}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `sensor_feeds.heat_demands[\"u\"]`) {
		t.Errorf("malformed request: %s %s", resp.Status, b)
	}

	// Coordination events through the broker, each acknowledged.
	cfg := kafkabus.Config{Brokers: si.Brokers()}
	waiter, err := kafkabus.NewAckWaiter(ctx, cfg, kafkabus.AckWaiterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Close()
	w := &kafka.Writer{Addr: kafka.TCP(si.Brokers()...), Topic: api.TopicCoordination, Transport: cfg.Transport(),
		Balancer: &kafka.Hash{}, BatchTimeout: time.Millisecond}
	defer w.Close()
	const events = 200
	var ids []string
	var msgs []kafka.Message
	for i := range events {
		ev := f.NextEvent(time.Now())
		if i%50 == 0 {
			ev.AgentType = "boiler" // invalid: acknowledged with status error
		}
		v, _ := json.Marshal(ev)
		ids = append(ids, ev.EventID)
		msgs = append(msgs, kafka.Message{Key: []byte(ev.PlantID), Value: v})
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	replicas, errs := map[string]int{}, 0
	for _, id := range ids {
		ack, err := waiter.Wait(ctx, id)
		if err != nil {
			t.Fatalf("ack for %s: %v", id, err)
		}
		replicas[ack.Replica]++
		if ack.Status == api.AckError {
			errs++
		}
	}
	if errs != events/50 {
		t.Errorf("%d error acks, want %d", errs, events/50)
	}
	if len(replicas) != 2 {
		t.Errorf("acks from %v, want both replicas", replicas)
	}

	// The endpoints answer with numbers that moved.
	var m simulator.AggregateMetrics
	getJSON(t, si.API()+api.PathMetrics, &m)
	if m.OptimizationRequestsOK != 10 || m.OptimizationRequestsInvalid != 1 || m.CoordinationEventsTotal < events ||
		m.CoordinationEventsFailed < events/50 || m.OrchestrationLatencyP95 == nil || *m.OrchestrationLatencyP95 <= 0 ||
		m.HeatOptimizationTimeP95 == nil || *m.HeatOptimizationTimeP95 <= 0 ||
		m.AgentCoordinationSuccessRate == nil || *m.AgentCoordinationSuccessRate >= 1 || m.Replicas != 2 {
		t.Errorf("metrics did not move as expected: %+v", m.Snapshot)
	}
	var dist struct {
		Replicas []struct {
			Replica              string `json:"replica"`
			OptimizationRequests int64  `json:"optimization_requests"`
			CoordinationEvents   int64  `json:"coordination_events"`
			Up                   bool   `json:"up"`
		} `json:"replicas"`
	}
	getJSON(t, si.API()+api.PathLoadDistribution, &dist)
	if len(dist.Replicas) != 2 || dist.Replicas[0].OptimizationRequests+dist.Replicas[1].OptimizationRequests != 11 {
		t.Errorf("load distribution %+v", dist)
	}
	var db struct {
		ConnectionPool struct {
			Size          int   `json:"size"`
			QueriesTotal  int64 `json:"queries_total"`
			AcquiredTotal int64 `json:"acquired_total"`
		} `json:"connection_pool"`
		ReadReplicas []any `json:"read_replicas"`
	}
	getJSON(t, si.API()+api.PathDatabase, &db)
	// 5 plants, 4 replicas predicted: 25 + 40 + 20 = 85 connections,
	// shared by the 2 running replicas as ceil(85/2) = 43 each.
	if db.ConnectionPool.Size != 86 || db.ConnectionPool.QueriesTotal < 10*2+events-events/50 || db.ReadReplicas == nil {
		t.Errorf("database %+v", db)
	}
	var health supervisor.Health
	getJSON(t, si.API()+api.PathHealth, &health)
	if health.Status != supervisor.Healthy || health.ReplicasUp != 2 || health.Reason != "" {
		t.Errorf("health %+v, want healthy with both replicas up", health)
	}
	var capv simulator.CapacityView
	getJSON(t, si.API()+api.PathCapacity, &capv)
	if capv.Predicted.Replicas != 4 || capv.ReplicasRunning != 2 || capv.ReplicasUp != 2 {
		t.Errorf("capacity %+v", capv)
	}
	resp, err = http.Get(si.API() + api.PathPrometheus)
	if err != nil {
		t.Fatal(err)
	}
	prom, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, name := range []string{
		"orchestration_latency_p95_seconds", "agent_coordination_per_second", "boiler_calculation_queue_depth",
		"heat_optimization_time_p95", "gl_001_orchestration_duration_seconds_bucket", "gl_001_orchestration_requests_total",
		"gl_001_subagent_coordination_failures_total", "gl_001_message_bus_latency_seconds_bucket",
		"gl_001_db_connection_pool_size", "gl_001_db_query_duration_seconds_bucket",
		`replica="replica-0"`, `replica="replica-1"`,
	} {
		if !bytes.Contains(prom, []byte(name)) {
			t.Errorf("/metrics lacks %s", name)
		}
	}

	// Stop leaves no replica process behind.
	waiter.Close()
	pids := []int{}
	for _, r := range si.Replicas() {
		pids = append(pids, r.PID)
	}
	if err := si.Stop(); err != nil {
		t.Errorf("stop: %v", err)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
			t.Errorf("replica pid %d still exists after Stop (%v)", pid, err)
		}
	}
}
