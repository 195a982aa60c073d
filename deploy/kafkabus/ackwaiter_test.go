package kafkabus_test

import (
	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/bus"

	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/simulator/api"
)

func writeAcks(ctx context.Context, t *testing.T, cfg kafkabus.Config, values ...[]byte) {
	t.Helper()
	transport := cfg.Transport()
	defer transport.CloseIdleConnections()
	w := &kafka.Writer{Addr: cfg.Addr(), Topic: api.TopicAck, Transport: transport, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireOne}
	defer w.Close()
	var msgs []kafka.Message
	for _, v := range values {
		msgs = append(msgs, kafka.Message{Value: v})
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
}

func ackJSON(id string) []byte {
	b, _ := json.Marshal(api.Ack{EventID: id, Status: api.AckOK, Replica: "r", ProcessedAt: time.Now().UTC()})
	return b
}

func TestAckWaiter(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	emb := startBroker(t, bus.EmbeddedOptions{})
	cfg := emb.Config()
	if err := bus.EnsureTopics(ctx, cfg, 3, api.TopicAck); err != nil {
		t.Fatal(err)
	}
	writeAcks(ctx, t, cfg, ackJSON("before"))

	var seen sync.Map
	w, err := kafkabus.NewAckWaiter(ctx, cfg, kafkabus.AckWaiterOptions{
		Logger: testLogger(t),
		OnAck:  func(a api.Ack, _ time.Time) { seen.Store(a.EventID, true) },
	})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()

	// Wait registered before the ack is written, Notify after it arrived.
	var waitErr error
	var got api.Ack
	var waiting sync.WaitGroup
	waiting.Go(func() { got, waitErr = w.Wait(ctx, "a") })
	writeAcks(ctx, t, cfg, ackJSON("a"), ackJSON("b"), []byte("not an ack"))
	waiting.Wait()
	if waitErr != nil || got.EventID != "a" || got.Status != api.AckOK {
		t.Fatalf("Wait(a) = %+v, %v", got, waitErr)
	}
	notified := make(chan api.Ack, 1)
	w.Notify("b", func(a api.Ack, err error) {
		if err != nil {
			t.Errorf("Notify(b): %v", err)
		}
		notified <- a
	})
	select {
	case a := <-notified:
		if a.EventID != "b" {
			t.Errorf("Notify(b) got %+v", a)
		}
	case <-ctx.Done():
		t.Fatal("Notify(b) never called")
	}

	// The ack written before the waiter started is not seen.
	short, cancelShort := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancelShort()
	if _, err := w.Wait(short, "before"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait(before) = %v, want deadline exceeded", err)
	}
	if _, ok := seen.Load("before"); ok {
		t.Error("OnAck saw an ack written before the waiter started")
	}
	s := w.Stats()
	if s.Received != 2 || s.Malformed != 1 || s.Matched != 2 || s.Partitions != 3 || s.Waiting != 0 {
		t.Errorf("stats %+v, want 2 received, 1 malformed, 2 matched, 3 partitions, 0 waiting", s)
	}

	// Close wakes a pending Wait.
	var closedErr error
	waiting.Go(func() { _, closedErr = w.Wait(ctx, "never") })
	time.Sleep(50 * time.Millisecond) // let it register; the result is the same if not
	_ = w.Close()
	waiting.Wait()
	if !errors.Is(closedErr, kafkabus.ErrAckWaiterClosed) {
		t.Errorf("Wait across Close = %v, want kafkabus.ErrAckWaiterClosed", closedErr)
	}
	_ = w.Close() // twice is fine
	waitNoOwnGoroutines(t)
}
