package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/api"
)

// TestProcessorsRebalanceMidStream scales the group up and down while
// events flow: replica-a alone, then replica-b joins, then replica-a leaves.
// No event may go unacked, and the offsets end fully committed. Duplicate
// acks are allowed (delivery is at least once) and logged.
func TestProcessorsRebalanceMidStream(t *testing.T) {
	const (
		perPhase = 300
		group    = "rebalance"
	)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	emb := startBroker(t, EmbeddedOptions{})
	cfg := emb.Config()
	if err := EnsureTopics(ctx, cfg, 12, api.TopicCoordination, api.TopicAck); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		acks  = map[string]int{}
		count int
		all   = make(chan struct{})
	)
	waiter, err := kafkabus.NewAckWaiter(ctx, cfg, kafkabus.AckWaiterOptions{Logger: testLogger(t), OnAck: func(a api.Ack, _ time.Time) {
		mu.Lock()
		defer mu.Unlock()
		if acks[a.EventID]++; acks[a.EventID] == 1 {
			if count++; count == 3*perPhase {
				close(all)
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Close()

	type replica struct {
		p    *Processor
		stop context.CancelFunc
		done chan error
	}
	start := func(name string) *replica {
		rctx, stop := context.WithCancel(ctx)
		r := &replica{stop: stop, done: make(chan error, 1), p: &Processor{
			Config: cfg, Topic: api.TopicCoordination, AckTopic: api.TopicAck, Group: group,
			Workers: 2, Replica: name, Handle: handleEvent, Logger: testLogger(t),
		}}
		go func() { r.done <- r.p.Run(rctx) }() // owned: every replica is stopped and awaited below
		return r
	}
	stopReplica := func(r *replica) {
		r.stop()
		if err := <-r.done; err != nil {
			t.Errorf("%s: %v", r.p.Replica, err)
		}
	}

	transport := cfg.Transport()
	defer transport.CloseIdleConnections()
	writer := newEventWriter(cfg, transport)
	defer writer.Close()
	publish := func(from int) {
		for i := from; i < from+perPhase; i += 10 {
			var msgs []kafka.Message
			for j := i; j < i+10; j++ {
				ev := testEvent(j)
				body, _ := json.Marshal(ev)
				msgs = append(msgs, kafka.Message{Key: []byte(fmt.Sprintf("plant-%02d", j%15)), Value: body})
			}
			if err := writer.WriteMessages(ctx, msgs...); err != nil {
				t.Errorf("publish: %v", err)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}

	at := time.Now()
	a := start("replica-a")
	waitAssigned(ctx, t, emb, group, 1)
	t.Logf("replica-a alone: assigned after %v", time.Since(at).Round(time.Millisecond))
	publish(0)

	at = time.Now()
	b := start("replica-b") // scale up while phase 2 flows
	var flowing sync.WaitGroup
	flowing.Go(func() { publish(perPhase) })
	waitAssigned(ctx, t, emb, group, 2)
	t.Logf("scale up under load: both assigned after %v", time.Since(at).Round(time.Millisecond))
	flowing.Wait()

	at = time.Now()
	flowing.Go(func() { publish(2 * perPhase) })
	stopReplica(a) // scale down while phase 3 flows
	waitAssigned(ctx, t, emb, group, 1)
	t.Logf("scale down under load: replica-a stopped and replica-b holds all after %v", time.Since(at).Round(time.Millisecond))
	flowing.Wait()

	select {
	case <-all:
	case <-ctx.Done():
		mu.Lock()
		t.Fatalf("%d of %d events acked before the deadline", count, 3*perPhase)
	}
	stopReplica(b)

	mu.Lock()
	dups := 0
	for i := range 3 * perPhase {
		n := acks[testEvent(i).EventID]
		if n == 0 {
			t.Errorf("event %d never acked", i)
		}
		dups += n - min(n, 1)
	}
	mu.Unlock()
	sa, sb := a.p.Stats(), b.p.Stats()
	t.Logf("duplicate acks: %d of %d events; replica-a %+v; replica-b %+v", dups, 3*perPhase, sa, sb)

	ends, err := kafkabus.EndOffsets(ctx, cfg, api.TopicCoordination)
	if err != nil {
		t.Fatal(err)
	}
	committed := committedOffsets(ctx, t, cfg, group, api.TopicCoordination, 12)
	for p, end := range ends {
		if committed[p] != end && !(end == 0 && committed[p] == -1) {
			t.Errorf("partition %d: committed %d, end %d", p, committed[p], end)
		}
	}
}
