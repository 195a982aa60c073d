package kafkabus_test

import (
	"context"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/bus"
)

// startBroker starts an embedded broker that the test closes.
func startBroker(t testing.TB, opts bus.EmbeddedOptions) *bus.Embedded {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e, err := bus.StartEmbedded(ctx, opts)
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	t.Cleanup(e.Close)
	return e
}

// testLogger logs warnings and worse through t.Log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// waitNoOwnGoroutines fails t if goroutines of kafka-go or this package are
// still running after a generous bound.
func waitNoOwnGoroutines(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := ownGoroutines()
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left behind, first:\n%s", len(left), left[0])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ownGoroutines returns the stacks of live goroutines running kafka-go or
// this package's code, other than the caller's.
func ownGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 {
			continue // this goroutine
		}
		if strings.Contains(g, "github.com/segmentio/kafka-go") ||
			(strings.Contains(g, "gl001/deploy/kafkabus.") && !strings.Contains(g, "testing.tRunner")) {
			out = append(out, g)
		}
	}
	return out
}
