package client_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/bus"
	"github.com/greenlang/gl001/simulator/dbpool"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/simulator/orchestrator"
	"github.com/greenlang/gl001/xk6-gl001/client"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestOptimize(t *testing.T) {
	rep, err := orchestrator.New(orchestrator.Config{ID: "replica-x", Brokers: []string{"127.0.0.1:1"},
		Pool: dbpool.Config{Size: 4, Timeout: time.Second}}, quiet)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rep.Handler())
	defer srv.Close()
	f, err := fleet.New(fleet.Config{Plants: 3, Agents: 15})
	if err != nil {
		t.Fatal(err)
	}
	o := &client.Optimizer{URL: srv.URL + api.PathOptimize, HTTP: client.NewHTTPClient(5*time.Second, 4), Fleet: f}
	r := o.Optimize(t.Context())
	if !r.OK || r.Status != 200 || r.Replica != "replica-x" || r.HeatOptimization <= 0 || r.Service < r.HeatOptimization {
		t.Fatalf("result %+v", r)
	}

	// Failures are data: a 404 and a dead address.
	o.URL = srv.URL + "/api/v1/nope"
	if r := o.Optimize(t.Context()); r.OK || r.Status != 404 || r.Error == "" {
		t.Errorf("404: %+v", r)
	}
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	o.URL = dead.URL + api.PathOptimize
	if r := o.Optimize(t.Context()); r.OK || r.Status != 0 || r.Error == "" {
		t.Errorf("dead target: %+v", r)
	}
}

func TestCoordinate(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	emb, err := bus.StartEmbedded(ctx, bus.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	cfg := emb.Config()
	if err := bus.EnsureTopics(ctx, cfg, 3, api.TopicCoordination, api.TopicAck); err != nil {
		t.Fatal(err)
	}
	proc := &bus.Processor{Config: cfg, Topic: api.TopicCoordination, AckTopic: api.TopicAck, Group: api.ConsumerGroup,
		Workers: 2, Replica: "replica-k", Logger: quiet,
		Handle: func(_ context.Context, v []byte) (string, error) {
			ev, err := api.DecodeEvent(v)
			return ev.EventID, err
		}}
	procCtx, stopProc := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = proc.Run(procCtx) })
	defer func() { stopProc(); wg.Wait() }()

	acks, err := kafkabus.NewAckWaiter(ctx, cfg, kafkabus.AckWaiterOptions{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer acks.Close()
	w := kafkabus.NewWriter(cfg, api.TopicCoordination)
	defer w.Close()
	f, _ := fleet.New(fleet.Config{Plants: 2, Agents: 8})
	c := &client.Coordinator{Writer: w, Acks: acks, Fleet: f, AckTimeout: 30 * time.Second}
	for range 20 {
		r := c.Coordinate(ctx)
		if !r.OK || r.Replica != "replica-k" || r.Publish <= 0 || r.Service < r.Publish {
			t.Fatalf("result %+v", r)
		}
	}
	c.PublishOnly = true
	if r := c.Coordinate(ctx); !r.OK || r.Service != r.Publish {
		t.Errorf("publish-only: %+v", r)
	}

	// An ack that never comes is a failed iteration, not a hang.
	c.PublishOnly = false
	stopProc()
	wg.Wait()
	c.AckTimeout = 300 * time.Millisecond
	if r := c.Coordinate(ctx); r.OK || r.Error != "no ack within 300ms" {
		t.Errorf("no consumer: %+v", r)
	}
}
