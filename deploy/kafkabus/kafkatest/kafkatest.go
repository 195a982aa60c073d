// Package kafkatest holds what the tests of the Kafka code share: a logger
// into the test's log, and a check that a test left no goroutine of
// kafka-go, or of the package under test, behind.
package kafkatest

import (
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Logger logs warnings and worse through t.Log.
func Logger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// WaitNoGoroutines fails t if goroutines running kafka-go, or code whose
// stack mentions one of packages (e.g. "gl001/simulator/bus."), are still
// running after a generous bound (10 s), other than the test's own.
func WaitNoGoroutines(t testing.TB, packages ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := goroutines(packages)
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left behind, first:\n%s", len(left), left[0])
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// goroutines returns the stacks of live goroutines running kafka-go or
// one of packages, other than the caller's.
func goroutines(packages []string) []string {
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
		if strings.Contains(g, "github.com/segmentio/kafka-go") {
			out = append(out, g)
			continue
		}
		for _, p := range packages {
			if strings.Contains(g, p) && !strings.Contains(g, "testing.tRunner") {
				out = append(out, g)
				break
			}
		}
	}
	return out
}
