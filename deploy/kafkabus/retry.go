package kafkabus

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

const (
	// FetchMaxWait caps how long a fetch waits on the broker for data.
	// Data still comes back as soon as it arrives (MinBytes 1), but a
	// partition reader cannot stop mid-fetch, so kafka-go's default (10 s)
	// would hold up every rebalance and Close for that long.
	FetchMaxWait = 100 * time.Millisecond
	// RetryMin and RetryMax bound the pause between attempts to fetch or
	// to write an ack.
	RetryMin = 50 * time.Millisecond
	RetryMax = 2 * time.Second
)

// ErrorLogger passes kafka-go's error log on as warnings, except the
// "rebalance in progress" lines every join or leave of a replica produces.
func ErrorLogger(log *slog.Logger) kafka.Logger {
	return kafka.LoggerFunc(func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		level := slog.LevelWarn
		// Rebalances are routine, and a fetch that times out on a busy
		// machine is retried by kafka-go itself; an ack that really never
		// comes is counted as a failed iteration, so neither needs a warning.
		if strings.Contains(msg, kafka.RebalanceInProgress.Title()) || strings.Contains(msg, "i/o timeout") {
			level = slog.LevelDebug
		}
		log.Log(context.Background(), level, msg, "source", "kafka-go")
	})
}

// RetryDelay grows quadratically from lo to hi with attempt (1, 2, ...).
func RetryDelay(attempt int, lo, hi time.Duration) time.Duration {
	d := time.Duration(attempt*attempt) * lo
	if d > hi || d <= 0 {
		return hi
	}
	return d
}

// Sleep waits d or until ctx ends, reporting whether d passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
