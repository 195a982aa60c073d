package bus

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/api"
)

// regionHeader names the plant region a test event comes from.
const regionHeader = "X-GL001-Region"

// regionDelay is an AckDelay: the round trip of the message's region
// (its regionHeader), 0 for a region not in rtt or no header.
func regionDelay(rtt map[string]time.Duration) func(kafka.Message) time.Duration {
	return func(m kafka.Message) time.Duration {
		for _, h := range m.Headers {
			if h.Key == regionHeader {
				return rtt[string(h.Value)]
			}
		}
		return 0
	}
}

// regionEvent is test event i as a message on key plant-01 (so every event
// is on one partition, in order), from region ("" for no header).
func regionEvent(i int, region string) kafka.Message {
	ev := testEvent(i)
	ev.AgentID = "GL-002-00" // valid: every ack is "ok"
	ev.PlantID = "plant-01"
	body, _ := json.Marshal(ev)
	m := kafka.Message{Key: []byte(ev.PlantID), Value: body}
	if region != "" {
		m.Headers = []kafka.Header{{Key: regionHeader, Value: []byte(region)}}
	}
	return m
}

// ackLog records acks as an AckWaiter reads them: when, and in what order.
type ackLog struct {
	mu       sync.Mutex
	received map[string]time.Time
	order    []string
	want     int
	all      chan struct{}
	waiter   *kafkabus.AckWaiter
}

func newAckLog(ctx context.Context, t *testing.T, cfg kafkabus.Config, want int) *ackLog {
	t.Helper()
	l := &ackLog{received: map[string]time.Time{}, want: want, all: make(chan struct{})}
	w, err := kafkabus.NewAckWaiter(ctx, cfg, kafkabus.AckWaiterOptions{
		Logger: testLogger(t),
		OnAck: func(a api.Ack, at time.Time) {
			l.mu.Lock()
			defer l.mu.Unlock()
			if _, dup := l.received[a.EventID]; dup {
				t.Errorf("event %s acked twice", a.EventID)
				return
			}
			if a.Status != api.AckOK {
				t.Errorf("event %s: status %q (%s), want ok", a.EventID, a.Status, a.Error)
			}
			l.received[a.EventID] = at
			l.order = append(l.order, a.EventID)
			if len(l.order) == l.want {
				close(l.all)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	l.waiter = w
	t.Cleanup(func() { _ = w.Close() }) // Close is idempotent
	return l
}

// ackTopicSize is how many acks the single-partition ack topic holds.
func ackTopicSize(ctx context.Context, t *testing.T, cfg kafkabus.Config) int64 {
	t.Helper()
	ends, err := kafkabus.EndOffsets(ctx, cfg, api.TopicAck)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, end := range ends {
		n += end
	}
	return n
}

// TestProcessorAckDelay: with one worker, acks of "apac" events wait out
// their 500 ms round trip without holding the worker: the plain event
// behind each one is acked first, and four apac events take about one
// round trip, not four.
func TestProcessorAckDelay(t *testing.T) {
	const (
		rtt   = 500 * time.Millisecond
		pairs = 4
		group = "ack-delay"
		// Serialized, the four apac acks alone take 4×rtt = 2 s.
		bound = 1900 * time.Millisecond
	)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	emb := startBroker(t, EmbeddedOptions{Topics: []string{api.TopicCoordination, api.TopicAck}, Partitions: 1})
	cfg := emb.Config()
	acks := newAckLog(ctx, t, cfg, 2*pairs)

	proc := &Processor{
		Config: cfg, Topic: api.TopicCoordination, AckTopic: api.TopicAck, Group: group,
		Workers: 1, Replica: "replica-delay", Logger: testLogger(t), Handle: handleEvent,
		AckDelay: regionDelay(map[string]time.Duration{"apac": rtt, "eu": 0}),
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	runErr := make(chan error, 1)
	go func() { runErr <- proc.Run(runCtx) }() // owned: waited on below
	waitAssigned(ctx, t, emb, group, 1)

	// apac, plain, apac, plain, ... on one partition: the worker takes them
	// in this order. Plain events alternate between no header and "eu"
	// (a region with no round trip).
	var msgs []kafka.Message
	var apac, plain []string
	for i := range 2 * pairs {
		region := "apac"
		switch {
		case i%2 == 0:
			apac = append(apac, testEvent(i).EventID)
		case i%4 == 1:
			region = ""
			plain = append(plain, testEvent(i).EventID)
		default:
			region = "eu"
			plain = append(plain, testEvent(i).EventID)
		}
		msgs = append(msgs, regionEvent(i, region))
	}
	transport := cfg.Transport()
	w := newEventWriter(cfg, transport)
	sent := time.Now()
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	transport.CloseIdleConnections()
	select {
	case <-acks.all:
	case <-ctx.Done():
		acks.mu.Lock()
		order := slices.Clone(acks.order)
		acks.mu.Unlock()
		t.Fatalf("got %d of %d acks: %v", len(order), 2*pairs, order)
	}
	took := time.Since(sent)

	stop()
	if err := <-runErr; err != nil {
		t.Errorf("Run: %v", err)
	}
	s := proc.Stats()
	t.Logf("%d events (%d apac, rtt %v) acked in %v with 1 worker; ack order %v; stats %+v",
		2*pairs, pairs, rtt, took.Round(time.Millisecond), acks.order, s)

	acks.mu.Lock()
	for _, id := range apac {
		if d := acks.received[id].Sub(sent); d < rtt {
			t.Errorf("apac event %s acked %v after publishing, want at least the %v round trip", id, d, rtt)
		}
	}
	for i := range pairs {
		// plain[i] was fetched, handled and acked after apac[i] was handled.
		a, p := slices.Index(acks.order, apac[i]), slices.Index(acks.order, plain[i])
		if p > a {
			t.Errorf("plain event %s acked after apac event %s ahead of it (ack order %v): held behind the delay", plain[i], apac[i], acks.order)
		}
	}
	acks.mu.Unlock()
	if took >= bound {
		t.Errorf("%d apac acks of %v each took %v with 1 worker, want under %v: the worker waits out the delays", pairs, rtt, took, bound)
	}
	if s.Processed != 2*pairs || s.Committed != 2*pairs || s.Abandoned != 0 || s.Delayed != 0 || s.InFlight != 0 {
		t.Errorf("processed %d committed %d abandoned %d delayed %d in flight %d, want %d, %d, 0, 0, 0",
			s.Processed, s.Committed, s.Abandoned, s.Delayed, s.InFlight, 2*pairs, 2*pairs)
	}
	if n := ackTopicSize(ctx, t, cfg); n != 2*pairs {
		t.Errorf("ack topic holds %d acks, want %d", n, 2*pairs)
	}
	if got := committedOffsets(ctx, t, cfg, group, api.TopicCoordination, 1)[0]; got != 2*pairs {
		t.Errorf("committed offset %d, want %d", got, 2*pairs)
	}
	_ = acks.waiter.Close()
	waitNoOwnGoroutines(t)
}

// TestProcessorStopWithDelayedAcks: Run cancelled while acks wait out
// AckDelay. Those whose delay ends within the drain are written; one whose
// delay outlasts it is abandoned, unwritten, and its offset (and so every
// later one on the partition) is not committed.
func TestProcessorStopWithDelayedAcks(t *testing.T) {
	const (
		group = "stop-delayed"
		drain = 1500 * time.Millisecond
	)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	emb := startBroker(t, EmbeddedOptions{Topics: []string{api.TopicCoordination, api.TopicAck}, Partitions: 1})
	cfg := emb.Config()

	// Offsets 0-2 plain, 3 from "apac" with a round trip longer than the
	// test, 4-5 from "eu", 100 ms: well within the drain.
	regions := []string{"", "", "", "apac", "eu", "eu"}
	const stuck = 3
	acks := newAckLog(ctx, t, cfg, len(regions)-1)
	transport := cfg.Transport()
	w := newEventWriter(cfg, transport)
	var msgs []kafka.Message
	for i, r := range regions {
		msgs = append(msgs, regionEvent(i, r))
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	transport.CloseIdleConnections()

	f := &stopFixture{t: t, cfg: cfg, started: make(chan string, len(regions)), done: make(chan error, 1)}
	f.proc = &Processor{
		Config: cfg, Topic: api.TopicCoordination, AckTopic: api.TopicAck, Group: group,
		Workers: 2, Replica: "replica-stop-delayed", Logger: testLogger(t), DrainTimeout: drain,
		AckDelay: regionDelay(map[string]time.Duration{"apac": 10 * time.Minute, "eu": 100 * time.Millisecond}),
		Handle: func(ctx context.Context, v []byte) (string, error) {
			id, err := handleEvent(ctx, v)
			f.started <- id
			return id, err
		},
	}
	runCtx, stop := context.WithCancel(ctx)
	f.cancel = stop
	go func() { f.done <- f.proc.Run(runCtx) }() // owned: f.stop waits on it

	// Every event is handed to a handler; the apac ack is surely waiting.
	f.waitInFlight(ctx, len(regions))
	took := f.stop()
	s := f.proc.Stats()
	t.Logf("stopped in %v (drain %v); stats %+v", took.Round(time.Millisecond), drain, s)
	if took < drain {
		t.Errorf("Run returned %v after cancel, before the %v drain ran out: it did not wait for the pending delayed ack", took, drain)
	}
	if took > drain+10*time.Second {
		t.Errorf("stop took %v, want under the drain plus 10s", took)
	}
	if s.Fetched != int64(len(regions)) || s.Processed != int64(len(regions)-1) || s.Abandoned != 1 {
		t.Errorf("fetched %d processed %d abandoned %d, want %d, %d, 1", s.Fetched, s.Processed, s.Abandoned, len(regions), len(regions)-1)
	}
	if s.Processed+s.Abandoned != s.Fetched-s.Redelivered {
		t.Errorf("processed %d + abandoned %d != fetched %d - redelivered %d", s.Processed, s.Abandoned, s.Fetched, s.Redelivered)
	}
	if s.Delayed != 0 || s.InFlight != 0 {
		t.Errorf("delayed %d in flight %d after Run returned, want 0, 0", s.Delayed, s.InFlight)
	}
	if s.Committed != stuck {
		t.Errorf("committed %d messages, want %d (those before the abandoned one)", s.Committed, stuck)
	}
	if got := committedOffsets(ctx, t, cfg, group, api.TopicCoordination, 1)[0]; got != stuck {
		t.Errorf("committed offset %d, want %d: nothing at or past the unacked offset", got, stuck)
	}
	if n := ackTopicSize(ctx, t, cfg); n != int64(len(regions)-1) {
		t.Fatalf("ack topic holds %d acks, want %d", n, len(regions)-1)
	}
	select {
	case <-acks.all:
	case <-ctx.Done():
		t.Fatal("the written acks were never read")
	}
	acks.mu.Lock()
	if _, ok := acks.received[testEvent(stuck).EventID]; ok {
		t.Errorf("event %s was acked, though its delay outlasted the drain", testEvent(stuck).EventID)
	}
	acks.mu.Unlock()
	_ = acks.waiter.Close()
	waitNoOwnGoroutines(t)
}
