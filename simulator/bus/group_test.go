package bus

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/api"
)

func TestWaitGroupStable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cfg := startBroker(t, EmbeddedOptions{}).Config()
	if err := EnsureTopics(ctx, cfg, 4, api.TopicCoordination, api.TopicAck); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, id := range []string{"replica-0", "replica-1"} {
		p := &Processor{Config: cfg, Topic: api.TopicCoordination, AckTopic: api.TopicAck, Group: api.ConsumerGroup,
			Workers: 1, Replica: id, Logger: testLogger(t), Handle: func(context.Context, []byte) (string, error) { return "", nil }}
		wg.Go(func() { _ = p.Run(runCtx) })
	}
	defer func() { stop(); wg.Wait() }()

	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	st, err := WaitGroupStable(wctx, cfg, api.ConsumerGroup, api.TopicCoordination, 2, 4, 50*time.Millisecond)
	wcancel()
	if err != nil || st.Members != 2 || st.Assigned != 4 || st.State != "Stable" {
		t.Fatalf("two members: %+v, %v", st, err)
	}
	// A third member never comes: the wait ends with ctx, reporting what it saw.
	wctx, wcancel = context.WithTimeout(ctx, 500*time.Millisecond)
	st, err = WaitGroupStable(wctx, cfg, api.ConsumerGroup, api.TopicCoordination, 3, 4, 50*time.Millisecond)
	wcancel()
	if !errors.Is(err, context.DeadlineExceeded) || st.Members != 2 {
		t.Errorf("three members awaited: %+v, %v", st, err)
	}
}
