package kafkabus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/simulator/api"
)

// AckWaiter defaults.
const (
	// DefaultAckTTL is how long an unclaimed ack, or a Notify without an
	// answer, is kept.
	DefaultAckTTL = 2 * time.Minute
	// DefaultMaxUnclaimedAcks bounds the acks kept for nobody (about
	// 150 bytes each).
	DefaultMaxUnclaimedAcks = 1 << 20
)

// AckWaiterOptions configure an AckWaiter; the zero value is usable.
type AckWaiterOptions struct {
	// Topic is the ack topic; empty means api.TopicAck.
	Topic string
	// TTL is how long an ack nobody has asked for yet is kept, and how long
	// a Notify waits before it is answered with ErrAckExpired; 0 means
	// DefaultAckTTL.
	TTL time.Duration
	// MaxUnclaimed bounds the acks kept for nobody; beyond it the oldest
	// are dropped. 0 means DefaultMaxUnclaimedAcks.
	MaxUnclaimed int
	// OnAck, when set, sees every ack as it is read, with the time it was
	// read, before it is matched. It runs on the partition reader
	// goroutines, concurrently: it must be safe for that and quick.
	OnAck func(ack api.Ack, receivedAt time.Time)
	// Logger receives warnings; nil means slog.Default().
	Logger *slog.Logger
}

// AckWaiter reads the ack topic for the load side and matches acks to event
// ids: Wait blocks for one, Notify calls back, OnAck sees them all.
//
// It sees every ack written after NewAckWaiter returns, and none from
// before: NewAckWaiter reads each partition's end offset and pins one
// partition reader (no consumer group) to it before returning. A consumer
// group would not do: with a shared group id the waiters of a sharded load
// run would split the acks between them, and a group's "start at the
// latest offset" is resolved only when the asynchronous join completes,
// which loses the acks written in between. Partitions added to the topic
// later are not read.
//
// Memory is bounded: acks nobody claims expire after TTL (or, beyond
// MaxUnclaimed, oldest first), and Notify registrations expire after TTL.
// Its methods are safe for concurrent use.
type AckWaiter struct {
	table     *ackTable
	malformed atomic.Int64
	done      chan struct{} // closed by Close
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	readers   []*kafka.Reader
	closeOnce sync.Once
}

// AckWaiterStats are an AckWaiter's counters (cumulative) and sizes (now).
type AckWaiterStats struct {
	Received         int64 // acks read
	Malformed        int64 // messages on the ack topic that are not an api.Ack
	Matched          int64 // acks handed to a Wait or Notify
	ExpiredUnclaimed int64 // acks dropped because nobody asked for them in time
	ExpiredWaits     int64 // Notify registrations answered with ErrAckExpired
	Unclaimed        int   // acks kept for nobody now
	Waiting          int   // Wait and Notify registrations pending now
	Partitions       int   // ack topic partitions read
}

// NewAckWaiter starts reading the ack topic from its current end. ctx
// bounds start-up (metadata and offsets); the waiter runs until Close.
func NewAckWaiter(ctx context.Context, cfg Config, opts AckWaiterOptions) (*AckWaiter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if opts.TTL < 0 || opts.MaxUnclaimed < 0 {
		return nil, errors.New("ack waiter: TTL and MaxUnclaimed must not be negative")
	}
	topic := opts.Topic
	if topic == "" {
		topic = api.TopicAck
	}
	ttl := opts.TTL
	if ttl == 0 {
		ttl = DefaultAckTTL
	}
	maxUnclaimed := opts.MaxUnclaimed
	if maxUnclaimed == 0 {
		maxUnclaimed = DefaultMaxUnclaimedAcks
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("topic", topic)

	ends, err := EndOffsets(ctx, cfg, topic)
	if err != nil {
		return nil, fmt.Errorf("ack waiter: %w", err)
	}

	w := &AckWaiter{table: newAckTable(ttl, maxUnclaimed), done: make(chan struct{})}
	parts := make([]int, 0, len(ends))
	for p := range ends {
		parts = append(parts, p)
	}
	sort.Ints(parts)
	for _, p := range parts {
		r, err := newAckReader(cfg, topic, p, ends[p], log)
		if err != nil {
			for _, r := range w.readers {
				_ = r.Close()
			}
			return nil, fmt.Errorf("ack waiter: partition %d: %w", p, err)
		}
		w.readers = append(w.readers, r)
	}

	runCtx, cancel := context.WithCancel(context.Background())
	w.cancel = cancel
	for _, r := range w.readers {
		w.wg.Go(func() { w.read(runCtx, r, opts.OnAck, log) })
	}
	w.wg.Go(func() {
		t := time.NewTicker(max(ttl/8, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case now := <-t.C:
				w.table.sweep(now)
			}
		}
	})
	return w, nil
}

// newAckReader returns a reader of one ack partition, positioned at offset.
func newAckReader(cfg Config, topic string, partition int, offset int64, log *slog.Logger) (*kafka.Reader, error) {
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:          cfg.Brokers,
		Topic:            topic,
		Partition:        partition,
		Dialer:           cfg.Dialer(),
		MinBytes:         1,
		MaxBytes:         1 << 20,
		MaxWait:          FetchMaxWait,
		ReadBatchTimeout: time.Second,
		ReadLagInterval:  -1,
		QueueCapacity:    1000,
		ReadBackoffMin:   10 * time.Millisecond,
		ReadBackoffMax:   500 * time.Millisecond,
		ErrorLogger:      ErrorLogger(log),
	})
	if err := r.SetOffset(offset); err != nil {
		_ = r.Close()
		return nil, err
	}
	return r, nil
}

// read feeds one partition's acks into the table until ctx ends.
func (w *AckWaiter) read(ctx context.Context, r *kafka.Reader, onAck func(api.Ack, time.Time), log *slog.Logger) {
	failures := 0
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			failures++
			log.Warn("read acks failed; retrying", "partition", r.Config().Partition, "err", err)
			if !Sleep(ctx, RetryDelay(failures, RetryMin, RetryMax)) {
				return
			}
			continue
		}
		failures = 0
		now := time.Now()
		var ack api.Ack
		if err := json.Unmarshal(m.Value, &ack); err != nil {
			w.malformed.Add(1)
			continue
		}
		if onAck != nil {
			onAck(ack, now)
		}
		w.table.deliver(ack, now)
	}
}

// Wait returns the ack for eventID: at once if it has arrived unclaimed,
// else when it arrives. It returns ctx's error if ctx ends first and
// ErrAckWaiterClosed if the waiter is closed. Each ack answers one caller.
func (w *AckWaiter) Wait(ctx context.Context, eventID string) (api.Ack, error) {
	e := &ackWaiterEntry{ch: make(chan api.Ack, 1)}
	ack, ok, err := w.table.take(eventID, e, time.Now())
	if err != nil || ok {
		return ack, err
	}
	select {
	case ack := <-e.ch:
		return ack, nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-w.done:
		err = ErrAckWaiterClosed
	}
	w.table.withdraw(eventID, e)
	// deliver sends under the table's lock, so after withdraw an ack that
	// raced with giving up is in the channel: it is ours after all.
	select {
	case ack := <-e.ch:
		return ack, nil
	default:
		return api.Ack{}, err
	}
}

// Notify calls fn once for eventID's ack: with the ack (at once if it has
// arrived unclaimed), or with ErrAckExpired after the TTL, or with
// ErrAckWaiterClosed on Close. fn runs on an internal goroutine, or on the
// caller's when the ack is already there; it must not block.
func (w *AckWaiter) Notify(eventID string, fn func(api.Ack, error)) {
	ack, ok, err := w.table.take(eventID, &ackWaiterEntry{fn: fn}, time.Now())
	if err != nil || ok {
		fn(ack, err)
	}
}

// Stats returns the waiter's counters.
func (w *AckWaiter) Stats() AckWaiterStats {
	var s AckWaiterStats
	s.Received, s.Matched, s.ExpiredUnclaimed, s.ExpiredWaits, s.Unclaimed, s.Waiting = w.table.counts()
	s.Malformed = w.malformed.Load()
	s.Partitions = len(w.readers)
	return s
}

// Close stops reading, answers pending Notify callbacks with
// ErrAckWaiterClosed and wakes pending Waits. It is safe to call twice.
func (w *AckWaiter) Close() error {
	w.closeOnce.Do(func() {
		w.cancel()
		w.wg.Wait()
		for _, r := range w.readers {
			_ = r.Close()
		}
		w.table.close()
		close(w.done)
	})
	return nil
}
