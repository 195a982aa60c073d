package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/api"
)

// handleEvent is the replicas' handler in these tests: it parses an
// api.CoordinationEvent and rejects one without an agent id.
func handleEvent(_ context.Context, value []byte) (string, error) {
	var ev api.CoordinationEvent
	if err := json.Unmarshal(value, &ev); err != nil {
		return "", fmt.Errorf("decode coordination event: %w", err)
	}
	if ev.AgentID == "" {
		return ev.EventID, fmt.Errorf("event %q: agent_id is empty", ev.EventID)
	}
	return ev.EventID, nil
}

// testEvent is event i of a run: plant i%10, invalid (no agent id) when
// i%10 == 7.
func testEvent(i int) api.CoordinationEvent {
	ev := api.CoordinationEvent{
		EventID:   fmt.Sprintf("ev-%05d", i),
		AgentID:   fmt.Sprintf("GL-002-%02d", i%5),
		AgentType: "GL-002",
		Group:     api.GroupBoilerSteam,
		PlantID:   fmt.Sprintf("plant-%02d", i%10),
		Seq:       uint64(i + 1),
		SentAt:    time.Now().UTC(),
		Payload:   map[string]any{"steam_demand_mw": float64(i % 40)},
	}
	if i%10 == 7 {
		ev.AgentID = ""
	}
	return ev
}

func newEventWriter(cfg kafkabus.Config, transport *kafka.Transport) *kafka.Writer {
	return &kafka.Writer{
		Addr:         cfg.Addr(),
		Topic:        api.TopicCoordination,
		Transport:    transport,
		Balancer:     &kafka.Hash{},
		BatchTimeout: time.Millisecond,
		RequiredAcks: kafka.RequireOne,
	}
}

// waitAssigned waits until group is stable with n members, each holding
// partitions.
func waitAssigned(ctx context.Context, t testing.TB, e *Embedded, group string, n int) {
	t.Helper()
	_, err := e.Cluster().WaitGroupInfo(ctx, group, func(g *kfake.GroupInfo) bool {
		if g == nil || g.State != "Stable" || len(g.Members) != n {
			return false
		}
		for _, m := range g.Members {
			if m.NumAssigned() == 0 {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("group %q never had %d members with partitions: %v", group, n, err)
	}
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

func TestProcessorsEndToEnd(t *testing.T) {
	const (
		events     = 500
		partitions = 12
		group      = api.ConsumerGroup
	)
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	emb := startBroker(t, EmbeddedOptions{})
	cfg := emb.Config()
	if err := EnsureTopics(ctx, cfg, partitions, api.TopicCoordination); err != nil {
		t.Fatal(err)
	}
	if err := EnsureTopics(ctx, cfg, 4, api.TopicAck); err != nil {
		t.Fatal(err)
	}

	// Every ack as read, for counting duplicates, and when it was read.
	var (
		mu       sync.Mutex
		acks     = map[string][]api.Ack{}
		received = map[string]time.Time{}
		total    int
		allIn    = make(chan struct{})
	)
	waiter, err := kafkabus.NewAckWaiter(ctx, cfg, kafkabus.AckWaiterOptions{
		Logger: testLogger(t),
		OnAck: func(a api.Ack, at time.Time) {
			mu.Lock()
			defer mu.Unlock()
			acks[a.EventID] = append(acks[a.EventID], a)
			if _, ok := received[a.EventID]; !ok {
				received[a.EventID] = at
			}
			total++
			if total == events+1 {
				close(allIn)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Close()

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	procs := make([]*Processor, 2)
	runErrs := make([]error, 2)
	var replicas sync.WaitGroup
	for i := range procs {
		procs[i] = &Processor{
			Config:   cfg,
			Topic:    api.TopicCoordination,
			AckTopic: api.TopicAck,
			Group:    group,
			Workers:  2,
			Replica:  fmt.Sprintf("replica-%d", i),
			Handle:   handleEvent,
			Logger:   testLogger(t),
		}
		replicas.Go(func() { runErrs[i] = procs[i].Run(runCtx) })
	}
	joinStart := time.Now()
	waitAssigned(ctx, t, emb, group, 2)
	t.Logf("group %q: 2 replicas joined and assigned in %v", group, time.Since(joinStart).Round(time.Millisecond))

	// Publish at a steady pace (10 events, then a 5 ms pause) so the
	// latency is not that of one burst.
	transport := cfg.Transport()
	defer transport.CloseIdleConnections()
	writer := newEventWriter(cfg, transport)
	defer writer.Close()
	sent := make(map[string]time.Time, events)
	publishStart := time.Now()
	for i := 0; i < events; i += 10 {
		var msgs []kafka.Message
		for j := i; j < min(i+10, events); j++ {
			ev := testEvent(j)
			body, _ := json.Marshal(ev)
			msgs = append(msgs, kafka.Message{Key: []byte(ev.PlantID), Value: body})
			mu.Lock()
			sent[ev.EventID] = time.Now()
			mu.Unlock()
		}
		if err := writer.WriteMessages(ctx, msgs...); err != nil {
			t.Fatalf("publish: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// A message that is not JSON still gets an (error) ack.
	if err := writer.WriteMessages(ctx, kafka.Message{Key: []byte("plant-00"), Value: []byte("{not json")}); err != nil {
		t.Fatalf("publish: %v", err)
	}
	published := time.Since(publishStart)

	select {
	case <-allIn:
	case <-ctx.Done():
		mu.Lock()
		t.Fatalf("got %d of %d acks before the deadline", total, events+1)
	}
	elapsed := time.Since(publishStart)

	stopAt := time.Now()
	stop()
	replicas.Wait()
	if d := time.Since(stopAt); d > 10*time.Second {
		t.Errorf("replicas took %v to stop, want under 10s", d)
	} else {
		t.Logf("replicas stopped in %v", d.Round(time.Millisecond))
	}
	for i, err := range runErrs {
		if err != nil {
			t.Errorf("replica-%d Run: %v", i, err)
		}
	}

	mu.Lock()
	defer mu.Unlock()
	byReplica := map[string]int{}
	var lat, procLat []time.Duration
	for i := range events {
		id := testEvent(i).EventID
		got := acks[id]
		if len(got) != 1 {
			t.Errorf("event %s: %d acks, want 1", id, len(got))
			continue
		}
		a := got[0]
		byReplica[a.Replica]++
		wantStatus := api.AckOK
		if i%10 == 7 {
			wantStatus = api.AckError
		}
		if a.Status != wantStatus {
			t.Errorf("event %s: status %q (error %q), want %q", id, a.Status, a.Error, wantStatus)
		}
		if wantStatus == api.AckError && a.Error == "" {
			t.Errorf("event %s: error ack without error text", id)
		}
		if a.ProcessedAt.IsZero() {
			t.Errorf("event %s: ack without processed_at", id)
		}
		lat = append(lat, received[id].Sub(sent[id]))
		procLat = append(procLat, a.ProcessedAt.Sub(sent[id]))
	}
	if bad := acks[""]; len(bad) != 1 || bad[0].Status != api.AckError {
		t.Errorf("non-JSON message: acks %+v, want one error ack with no event id", bad)
	}
	if len(byReplica) != 2 {
		t.Errorf("acks by replica %v, want both replicas", byReplica)
	}

	// Exactly events+1 acks were written, not just read.
	ackEnds, err := kafkabus.EndOffsets(ctx, cfg, api.TopicAck)
	if err != nil {
		t.Fatal(err)
	}
	var written int64
	for _, n := range ackEnds {
		written += n
	}
	if written != events+1 {
		t.Errorf("ack topic holds %d acks, want %d", written, events+1)
	}

	// The group committed everything.
	ends, err := kafkabus.EndOffsets(ctx, cfg, api.TopicCoordination)
	if err != nil {
		t.Fatal(err)
	}
	committed := committedOffsets(ctx, t, cfg, group, api.TopicCoordination, partitions)
	for p, end := range ends {
		if committed[p] != end && !(end == 0 && committed[p] == -1) {
			t.Errorf("partition %d: committed %d, end %d", p, committed[p], end)
		}
	}

	var totalProcessed, totalCommitted, totalErrors int64
	for _, p := range procs {
		s := p.Stats()
		t.Logf("%s stats: %+v", p.Replica, s)
		totalProcessed += s.Processed
		totalCommitted += s.Committed
		totalErrors += s.Errors
	}
	if totalProcessed != events+1 || totalCommitted != events+1 {
		t.Errorf("processed %d, committed %d, want %d each", totalProcessed, totalCommitted, events+1)
	}
	if want := int64(events/10 + 1); totalErrors != want {
		t.Errorf("errors %d, want %d", totalErrors, want)
	}

	slices.Sort(lat)
	slices.Sort(procLat)
	t.Logf("publish->processed p50 %v p99 %v", percentile(procLat, 0.5), percentile(procLat, 0.99))
	t.Logf("%d events through 2 replicas (2 workers each) in %v: %.0f events/s at the offered %.0f/s; publish->ack latency p50 %v p99 %v max %v; acks by replica %v",
		events+1, elapsed.Round(time.Millisecond), float64(events+1)/elapsed.Seconds(), float64(events+1)/published.Seconds(),
		percentile(lat, 0.50).Round(10*time.Microsecond), percentile(lat, 0.99).Round(10*time.Microsecond),
		lat[len(lat)-1].Round(10*time.Microsecond), byReplica)
}

// committedOffsets reads group's committed offsets for topic.
func committedOffsets(ctx context.Context, t testing.TB, cfg kafkabus.Config, group, topic string, partitions int) map[int]int64 {
	t.Helper()
	transport := cfg.Transport()
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: cfg.Addr(), Transport: transport}
	var ids []int
	for p := range partitions {
		ids = append(ids, p)
	}
	resp, err := client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: ids}})
	if err != nil {
		t.Fatalf("offset fetch: %v", err)
	}
	if resp.Error != nil {
		t.Fatalf("offset fetch: %v", resp.Error)
	}
	out := map[int]int64{}
	for _, p := range resp.Topics[topic] {
		if p.Error != nil && !errors.Is(p.Error, kafka.UnknownTopicOrPartition) {
			t.Fatalf("offset fetch partition %d: %v", p.Partition, p.Error)
		}
		out[p.Partition] = p.CommittedOffset
	}
	return out
}
