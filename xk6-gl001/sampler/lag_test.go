package sampler_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/simulator/bus"
	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// readAndCommit fetches n messages as a member of r's group and commits
// them.
func readAndCommit(ctx context.Context, t *testing.T, r *kafka.Reader, n int) {
	t.Helper()
	msgs := make([]kafka.Message, 0, n)
	for range n {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("fetch: %v", err)
		}
		msgs = append(msgs, m)
	}
	if err := r.CommitMessages(ctx, msgs...); err != nil {
		t.Fatalf("commit: %v", err)
	}
}

func sampleLag(ctx context.Context, t *testing.T, l *sampler.KafkaLag, at time.Time) *sampler.Lag {
	t.Helper()
	s := sampler.Sample{At: at}
	if err := l.Sample(ctx, &s); err != nil {
		t.Fatalf("lag at %v: %v", at, err)
	}
	return s.Lag
}

func sum(m map[int32]int64) (n int64) {
	for _, v := range m {
		n += v
	}
	return n
}

func TestKafkaLag(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	broker, err := bus.StartEmbedded(ctx, bus.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	cfg := broker.Config()
	const topic, group, partitions = "lag.test", "lag-test-group", 3
	if err := bus.EnsureTopics(ctx, cfg, partitions, topic); err != nil {
		t.Fatal(err)
	}

	transport := cfg.Transport()
	defer transport.CloseIdleConnections()
	w := &kafka.Writer{Addr: kafka.TCP(cfg.Brokers...), Topic: topic, Transport: transport,
		Balancer: &kafka.RoundRobin{}, BatchTimeout: time.Millisecond, RequiredAcks: kafka.RequireAll}
	defer w.Close()
	var msgs []kafka.Message
	for i := range 12 {
		msgs = append(msgs, kafka.Message{Value: fmt.Appendf(nil, "event-%d", i)})
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}

	l := &sampler.KafkaLag{Config: cfg, Group: group, Topic: topic}
	defer l.Close()
	t0 := time.Now()

	// Nothing committed yet: all 12 messages are lag, counted from each
	// partition's start; one reading has no history, so 0 s.
	lag := sampleLag(ctx, t, l, t0)
	if lag.Group != group || lag.Topic != topic || lag.Messages != 12 || len(lag.PerPartition) != partitions ||
		sum(lag.PerPartition) != 12 || lag.Seconds != 0 {
		t.Fatalf("before any commit: %+v", lag)
	}
	// Two seconds on with nothing consumed: the oldest message is at least
	// as old as the first reading (no rate to interpolate with).
	lag = sampleLag(ctx, t, l, t0.Add(2*time.Second))
	if lag.Messages != 12 || lag.Seconds != 2 {
		t.Fatalf("2 s on: %+v", lag)
	}

	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: cfg.Brokers, Topic: topic, GroupID: group, Dialer: cfg.Dialer(),
		StartOffset: kafka.FirstOffset, MaxWait: 100 * time.Millisecond,
		HeartbeatInterval: 250 * time.Millisecond, SessionTimeout: 6 * time.Second,
		RebalanceTimeout: 2 * time.Second, JoinGroupBackoff: 200 * time.Millisecond,
	})
	defer r.Close()

	readAndCommit(ctx, t, r, 5)
	lag = sampleLag(ctx, t, l, t0.Add(3*time.Second))
	if lag.Messages != 7 || sum(lag.PerPartition) != 7 || lag.Seconds != 3 {
		t.Fatalf("5 of 12 committed: %+v", lag)
	}
	readAndCommit(ctx, t, r, 7)
	lag = sampleLag(ctx, t, l, t0.Add(4*time.Second))
	if lag.Messages != 0 || sum(lag.PerPartition) != 0 || lag.Seconds != 0 {
		t.Fatalf("all committed: %+v", lag)
	}

	// Six more written between the readings at 4 s and 5 s: the end
	// offsets were last at the committed ones at 4 s, so the lag is 1 s at
	// 5 s and 3 s at 7 s, whatever the wall clock says.
	if err := w.WriteMessages(ctx, msgs[:6]...); err != nil {
		t.Fatal(err)
	}
	lag = sampleLag(ctx, t, l, t0.Add(5*time.Second))
	if lag.Messages != 6 || lag.Seconds != 1 {
		t.Fatalf("6 new at 5 s: %+v", lag)
	}
	lag = sampleLag(ctx, t, l, t0.Add(7*time.Second))
	if lag.Messages != 6 || lag.Seconds != 3 {
		t.Fatalf("6 new at 7 s: %+v", lag)
	}
	readAndCommit(ctx, t, r, 6)
	lag = sampleLag(ctx, t, l, t0.Add(8*time.Second))
	if lag.Messages != 0 || lag.Seconds != 0 {
		t.Fatalf("caught up again: %+v", lag)
	}

	// A topic that does not exist is an error (a Gap in a Set).
	missing := &sampler.KafkaLag{Config: cfg, Group: group, Topic: "no.such.topic"}
	defer missing.Close()
	if err := missing.Sample(ctx, &sampler.Sample{}); err == nil || !strings.Contains(err.Error(), "no.such.topic") {
		t.Errorf("missing topic: %v", err)
	}
}
