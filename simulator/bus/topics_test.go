package bus

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/api"
)

func TestEnsureTopics(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	emb := startBroker(t, EmbeddedOptions{})
	cfg := emb.Config()

	for round := range 2 { // the second call finds both topics there
		if err := EnsureTopics(ctx, cfg, 12, api.TopicCoordination, api.TopicAck); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		layout, err := readPartitions(ctx, cfg, api.TopicCoordination, api.TopicAck)
		if err != nil {
			t.Fatal(err)
		}
		for _, topic := range []string{api.TopicCoordination, api.TopicAck} {
			if l := layout[topic]; l.count != 12 || !l.ready {
				t.Errorf("round %d: %s has %d partitions (ready %v), want 12", round, topic, l.count, l.ready)
			}
		}
	}

	// Asking for more partitions than an existing topic has is an error
	// that says so; asking for fewer is fine.
	err := EnsureTopics(ctx, cfg, 24, api.TopicCoordination)
	if err == nil || !strings.Contains(err.Error(), `"agent.coordination"`) || !strings.Contains(err.Error(), "12") {
		t.Errorf("EnsureTopics(24) on a 12-partition topic: %v, want an error naming topic and count", err)
	}
	if err := EnsureTopics(ctx, cfg, 4, api.TopicCoordination); err != nil {
		t.Errorf("EnsureTopics(4) on a 12-partition topic: %v", err)
	}
	if err := EnsureTopics(ctx, cfg, 0, "x"); err == nil {
		t.Error("EnsureTopics with 0 partitions succeeded")
	}
}

func TestEmbeddedSeedsTopics(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	emb := startBroker(t, EmbeddedOptions{Partitions: 3, Topics: []string{api.TopicCoordination}})
	for _, a := range emb.Addrs() {
		if !strings.HasPrefix(a, "127.0.0.1:") {
			t.Errorf("broker listens on %s, want 127.0.0.1", a)
		}
	}
	layout, err := readPartitions(ctx, emb.Config(), api.TopicCoordination)
	if err != nil {
		t.Fatal(err)
	}
	if n := layout[api.TopicCoordination].count; n != 3 {
		t.Errorf("seeded topic has %d partitions, want 3", n)
	}
	if _, err := StartEmbedded(ctx, EmbeddedOptions{Users: []EmbeddedUser{{Mechanism: "md5", User: "u"}}}); err == nil || !strings.Contains(err.Error(), `"md5"`) {
		t.Errorf("unknown SASL mechanism: %v, want an error naming it", err)
	}
}
