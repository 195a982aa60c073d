package bus

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/api"
)

// BenchmarkTwoReplicas measures events/s through two replicas (default
// workers) with a trivial handler, publishing as fast as one batched writer
// can, and the publish->ack latency under that saturation. Run it with a
// fixed count, e.g. -bench TwoReplicas -benchtime 20000x.
func BenchmarkTwoReplicas(b *testing.B) {
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Minute)
	defer cancel()
	emb := startBroker(b, EmbeddedOptions{})
	cfg := emb.Config()
	if err := EnsureTopics(ctx, cfg, 12, api.TopicCoordination, api.TopicAck); err != nil {
		b.Fatal(err)
	}
	var (
		mu       sync.Mutex
		sent     = make(map[string]time.Time, b.N)
		lat      = make([]time.Duration, 0, b.N)
		n        int
		allIn    = make(chan struct{})
		expected = b.N
	)
	waiter, err := kafkabus.NewAckWaiter(ctx, cfg, kafkabus.AckWaiterOptions{
		Logger: testLogger(b),
		OnAck: func(a api.Ack, at time.Time) {
			mu.Lock()
			defer mu.Unlock()
			lat = append(lat, at.Sub(sent[a.EventID]))
			if n++; n == expected {
				close(allIn)
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer waiter.Close()

	runCtx, stop := context.WithCancel(ctx)
	var replicas sync.WaitGroup
	procs := make([]*Processor, 2)
	for i := range procs {
		procs[i] = &Processor{
			Config: cfg, Topic: api.TopicCoordination, AckTopic: api.TopicAck, Group: api.ConsumerGroup,
			Replica: fmt.Sprintf("replica-%d", i), Logger: testLogger(b),
			Handle: func(_ context.Context, v []byte) (string, error) {
				var ev struct {
					EventID string `json:"event_id"`
				}
				err := json.Unmarshal(v, &ev)
				return ev.EventID, err
			},
		}
		replicas.Go(func() {
			if err := procs[i].Run(runCtx); err != nil {
				b.Error(err)
			}
		})
	}
	defer func() { stop(); replicas.Wait() }()
	waitAssigned(ctx, b, emb, api.ConsumerGroup, 2)

	transport := cfg.Transport()
	defer transport.CloseIdleConnections()
	writer := newEventWriter(cfg, transport)
	writer.BatchSize = 500
	defer writer.Close()

	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i += 500 {
		var msgs []kafka.Message
		mu.Lock()
		for j := i; j < min(i+500, b.N); j++ {
			ev := testEvent(j)
			body, _ := json.Marshal(ev)
			msgs = append(msgs, kafka.Message{Key: []byte(ev.PlantID), Value: body})
			sent[ev.EventID] = time.Now()
		}
		mu.Unlock()
		if err := writer.WriteMessages(ctx, msgs...); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-allIn:
	case <-ctx.Done():
		b.Fatalf("acks: %d of %d", n, b.N)
	}
	elapsed := time.Since(start)
	b.StopTimer()

	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(percentile(lat, 0.5).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99_ms")
}
