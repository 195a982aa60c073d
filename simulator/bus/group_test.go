package bus_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/bus"
)

func TestWaitGroupStable(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	emb, err := bus.StartEmbedded(ctx, bus.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	cfg := emb.Config()
	if err := bus.EnsureTopics(ctx, cfg, 4, api.TopicCoordination, api.TopicAck); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, id := range []string{"replica-0", "replica-1"} {
		p := &bus.Processor{Config: cfg, Topic: api.TopicCoordination, AckTopic: api.TopicAck, Group: api.ConsumerGroup,
			Workers: 1, Replica: id, Logger: quiet, Handle: func(context.Context, []byte) (string, error) { return "", nil }}
		wg.Go(func() { _ = p.Run(runCtx) })
	}
	defer func() { stop(); wg.Wait() }()

	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	st, err := bus.WaitGroupStable(wctx, cfg, api.ConsumerGroup, api.TopicCoordination, 2, 4, 50*time.Millisecond)
	wcancel()
	if err != nil || st.Members != 2 || st.Assigned != 4 || st.State != "Stable" {
		t.Fatalf("two members: %+v, %v", st, err)
	}
	// A third member never comes: the wait ends with ctx, reporting what it saw.
	wctx, wcancel = context.WithTimeout(ctx, 500*time.Millisecond)
	st, err = bus.WaitGroupStable(wctx, cfg, api.ConsumerGroup, api.TopicCoordination, 3, 4, 50*time.Millisecond)
	wcancel()
	if !errors.Is(err, context.DeadlineExceeded) || st.Members != 2 {
		t.Errorf("three members awaited: %+v, %v", st, err)
	}
}
