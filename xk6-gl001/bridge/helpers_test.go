package bridge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/deploy/kafkabus/kafkatest"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/bus"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/xk6-gl001/bridge"
)

// rig is the embedded broker with the guide's topics, and what runs on it.
type rig struct {
	emb   *bus.Embedded
	cfg   kafkabus.Config
	fleet *fleet.Fleet
}

// newRig starts the embedded broker (closed at the test's end) with both
// topics on partitions partitions.
func newRig(tb testing.TB, partitions int) *rig {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	emb, err := bus.StartEmbedded(ctx, bus.EmbeddedOptions{Logger: kafkatest.Logger(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(emb.Close)
	cfg := emb.Config()
	if err := bus.EnsureTopics(ctx, cfg, partitions, api.TopicCoordination, api.TopicAck); err != nil {
		tb.Fatal(err)
	}
	f, err := fleet.New(fleet.Config{Plants: 2, Agents: 8, Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	return &rig{emb: emb, cfg: cfg, fleet: f}
}

// replica runs the stand-in's consumer (bus.Processor) in the guide's
// group, acking every event that validates and erroring the others, until
// the returned stop is called (also at the test's end).
func (r *rig) replica(tb testing.TB, name string) (stop func()) {
	p := &bus.Processor{Config: r.cfg, Topic: api.TopicCoordination, AckTopic: api.TopicAck, Group: api.ConsumerGroup,
		Workers: 4, Replica: name, Logger: kafkatest.Logger(tb),
		Handle: func(_ context.Context, v []byte) (string, error) {
			ev, err := api.DecodeEvent(v)
			return ev.EventID, err
		}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { _ = p.Run(ctx) })
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	tb.Cleanup(stop)
	return stop
}

// bridge starts a Bridge on the rig, closed at the test's end.
func (r *rig) bridge(tb testing.TB, o bridge.Options) *bridge.Bridge {
	tb.Helper()
	o.Bus, o.Topic, o.AckTopic, o.Fleet = r.cfg, api.TopicCoordination, api.TopicAck, r.fleet
	if o.Logger == nil {
		o.Logger = kafkatest.Logger(tb)
	}
	b, err := bridge.New(context.Background(), o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = b.Close() })
	return b
}

// post sends body to url's /v1/coordinate and decodes the answer into a
// generic map, returning the status code.
func post(tb testing.TB, c *http.Client, url, body string) (int, map[string]any) {
	tb.Helper()
	resp, err := c.Post(url+"/v1/coordinate", "application/json", bytes.NewBufferString(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, decode(tb, resp.Body)
}

func get(tb testing.TB, c *http.Client, url string) (int, map[string]any) {
	tb.Helper()
	resp, err := c.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, decode(tb, resp.Body)
}

func decode(tb testing.TB, r io.Reader) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		tb.Fatalf("answer is not JSON: %v", err)
	}
	return m
}

// waitPending waits, up to a generous bound, until b has n events pending.
func waitPending(tb testing.TB, b *bridge.Bridge, n int64) {
	tb.Helper()
	for range 1000 {
		if b.Stats().Pending == n {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatalf("pending %d, want %d", b.Stats().Pending, n)
}
