package kafkabus_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/greenlang/gl001/deploy/kafkabus/kafkatest"
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
func testLogger(t testing.TB) *slog.Logger { return kafkatest.Logger(t) }

// waitNoOwnGoroutines fails t if goroutines of kafka-go or this package are
// still running after a generous bound.
func waitNoOwnGoroutines(t testing.TB) { kafkatest.WaitNoGoroutines(t, "gl001/deploy/kafkabus.") }
