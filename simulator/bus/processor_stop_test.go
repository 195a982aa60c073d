package bus

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/api"
)

// stopFixture runs one Processor whose handler blocks, on a fresh group,
// with events already published to one partition.
type stopFixture struct {
	t       *testing.T
	cfg     kafkabus.Config
	proc    *Processor
	started chan string // event ids as handlers start
	cancel  context.CancelFunc
	done    chan error
}

func startBlockedProcessor(t *testing.T, ctx context.Context, cfg kafkabus.Config, group string, events int, drain time.Duration, handle func(ctx context.Context, id string) error) *stopFixture {
	t.Helper()
	transport := cfg.Transport()
	defer transport.CloseIdleConnections()
	w := newEventWriter(cfg, transport)
	var msgs []kafka.Message
	for i := range events {
		ev := testEvent(i)
		ev.PlantID = "plant-01" // one key: one partition, offsets 0, 1, ...
		body, _ := json.Marshal(ev)
		msgs = append(msgs, kafka.Message{Key: []byte(ev.PlantID), Value: body})
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()

	f := &stopFixture{t: t, cfg: cfg, started: make(chan string, events), done: make(chan error, 1)}
	f.proc = &Processor{
		Config: cfg, Topic: api.TopicCoordination, AckTopic: api.TopicAck, Group: group,
		Workers: 2, Replica: "replica-stop", Logger: testLogger(t), DrainTimeout: drain,
		Handle: func(ctx context.Context, v []byte) (string, error) {
			var ev api.CoordinationEvent
			if err := json.Unmarshal(v, &ev); err != nil {
				return "", err
			}
			f.started <- ev.EventID
			return ev.EventID, handle(ctx, ev.EventID)
		},
	}
	runCtx, cancel := context.WithCancel(ctx)
	f.cancel = cancel
	go func() { f.done <- f.proc.Run(runCtx) }() // owned: every test waits on f.done
	return f
}

// waitInFlight waits until n handlers have started.
func (f *stopFixture) waitInFlight(ctx context.Context, n int) {
	f.t.Helper()
	for range n {
		select {
		case <-f.started:
		case <-ctx.Done():
			f.t.Fatalf("handlers never started: %v", ctx.Err())
		}
	}
}

// stop cancels Run and returns how long it took to return.
func (f *stopFixture) stop() time.Duration {
	f.t.Helper()
	at := time.Now()
	f.cancel()
	select {
	case err := <-f.done:
		if err != nil {
			f.t.Errorf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		f.t.Fatal("Run did not return within 30s of cancel")
	}
	return time.Since(at)
}

func TestProcessorStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	emb := startBroker(t, EmbeddedOptions{})
	cfg := emb.Config()
	if err := EnsureTopics(ctx, cfg, 4, api.TopicCoordination); err != nil {
		t.Fatal(err)
	}
	if err := EnsureTopics(ctx, cfg, 1, api.TopicAck); err != nil {
		t.Fatal(err)
	}
	partition := func(t *testing.T) int {
		// Find the partition plant-01 hashes to: the only non-empty one.
		ends, err := kafkabus.EndOffsets(ctx, cfg, api.TopicCoordination)
		if err != nil {
			t.Fatal(err)
		}
		for p, end := range ends {
			if end > 0 {
				return p
			}
		}
		t.Fatal("no events on the topic")
		return -1
	}

	t.Run("in-flight handlers finish, ack and commit", func(t *testing.T) {
		const group = "stop-graceful"
		release := make(chan struct{})
		f := startBlockedProcessor(t, ctx, cfg, group, 10, 10*time.Second, func(ctx context.Context, _ string) error {
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
		f.waitInFlight(ctx, 2)
		// Cancel while both workers are busy, then let them finish.
		time.AfterFunc(200*time.Millisecond, func() { close(release) })
		took := f.stop()
		if took > 10*time.Second {
			t.Errorf("stop took %v, want under 10s", took)
		}
		s := f.proc.Stats()
		t.Logf("stopped in %v; stats %+v", took.Round(time.Millisecond), s)
		if s.Processed != 2 || s.Committed != 2 || s.InFlight != 0 {
			t.Errorf("processed %d committed %d in flight %d, want 2, 2, 0", s.Processed, s.Committed, s.InFlight)
		}
		if got := committedOffsets(ctx, t, cfg, group, api.TopicCoordination, 4)[partition(t)]; got != 2 {
			t.Errorf("committed offset %d, want 2 (the two in-flight events, nothing queued)", got)
		}
	})

	t.Run("handlers past the drain timeout are abandoned, not acked", func(t *testing.T) {
		const group = "stop-drain"
		f := startBlockedProcessor(t, ctx, cfg, group, 10, 300*time.Millisecond, func(ctx context.Context, _ string) error {
			<-ctx.Done() // a handler that only stops when told
			return ctx.Err()
		})
		f.waitInFlight(ctx, 2)
		took := f.stop()
		if took > 10*time.Second {
			t.Errorf("stop took %v, want under 10s", took)
		}
		s := f.proc.Stats()
		t.Logf("stopped in %v; stats %+v", took.Round(time.Millisecond), s)
		if s.Processed != 0 || s.Committed != 0 || s.Abandoned < 2 {
			t.Errorf("processed %d committed %d abandoned %d, want 0, 0, at least 2", s.Processed, s.Committed, s.Abandoned)
		}
		if got := committedOffsets(ctx, t, cfg, group, api.TopicCoordination, 4)[partition(t)]; got != -1 {
			t.Errorf("committed offset %d, want none (-1)", got)
		}
	})

	// Nothing of kafka-go or this package outlives the processors.
	waitNoOwnGoroutines(t)
}

func TestProcessorValidate(t *testing.T) {
	p := &Processor{Workers: -1}
	err := p.Run(t.Context())
	if err == nil {
		t.Fatal("Run of an empty Processor succeeded")
	}
	for _, want := range []string{"no brokers", "Topic", "AckTopic", "Group", "Handle", "Workers (-1)"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %s", err, want)
		}
	}
}

func TestProcessorRunTwice(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	emb := startBroker(t, EmbeddedOptions{Topics: []string{api.TopicCoordination, api.TopicAck}, Partitions: 1})
	p := &Processor{
		Config: emb.Config(), Topic: api.TopicCoordination, AckTopic: api.TopicAck, Group: "twice",
		Replica: "r", Logger: testLogger(t), Handle: handleEvent,
	}
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := p.Run(runCtx); err != nil {
			t.Errorf("first Run: %v", err)
		}
	})
	// The second call must not wait for the first.
	deadline := time.Now().Add(10 * time.Second)
	for !p.started.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.Run(ctx); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("second Run: %v, want an error", err)
	}
	stop()
	wg.Wait()
}
