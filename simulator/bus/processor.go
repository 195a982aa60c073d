package bus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/api"
)

// Processor defaults and the consumer-group tuning every replica uses.
const (
	// DefaultWorkers is the guide's KAFKA_CONSUMER_THREADS default.
	DefaultWorkers = 4
	// DefaultCommitInterval is how often done offsets are committed.
	DefaultCommitInterval = 100 * time.Millisecond
	// DefaultDrainTimeout is how long in-flight handlers get after Run's
	// context is cancelled.
	DefaultDrainTimeout = 5 * time.Second

	// heartbeatInterval is how soon a member notices a rebalance.
	// kafka-go's default (3 s) makes every join or leave of a replica
	// stall the group for up to 3 s; heartbeats are cheap.
	heartbeatInterval = 250 * time.Millisecond
	// sessionTimeout is how long a replica that died without leaving
	// keeps its partitions. kfake's floor is 6 s.
	sessionTimeout = 10 * time.Second
	// rebalanceTimeout is how long the coordinator waits for every
	// member to rejoin.
	rebalanceTimeout = 10 * time.Second
	// joinGroupBackoff is the pause after a failed join (kafka-go: 5 s).
	joinGroupBackoff = 500 * time.Millisecond
	// commitTimeout bounds one commit, which blocks across a rebalance.
	commitTimeout = 5 * time.Second
	// leaveTimeout bounds the final commit and leaving the group at
	// shutdown. Both block while a rebalance waits for a member that died
	// without leaving (up to sessionTimeout); a replica being stopped must
	// not wait that long, so it gives up and lets the coordinator expire
	// it, as it would a crashed pod.
	leaveTimeout = 2 * time.Second
	// lagWindow: a partition not fetched from for this long no longer
	// counts toward Lag.
	lagWindow = 10 * time.Second
)

// Processor is the Kafka consumer one orchestrator replica runs: it joins
// consumer group Group on Topic, hands each message to Handle on at most
// Workers goroutines, publishes an api.Ack for it on AckTopic (after
// AckDelay, if set) and, only after the ack is written, lets its offset be
// committed.
//
// Delivery is at least once. Offsets are committed in order per partition
// (never past a message still in flight), periodically and on shutdown. A
// message is handled again only when a rebalance hands its partition to
// another replica before its offset was committed: kafka-go's Reader has no
// partition-revoked hook, so a replica cannot hand in-flight work over.
//
// Set the exported fields, then call Run once. Stats may be called
// concurrently with Run.
type Processor struct {
	Config   kafkabus.Config
	Topic    string // e.g. api.TopicCoordination
	AckTopic string // e.g. api.TopicAck
	Group    string // e.g. api.ConsumerGroup
	// Workers is the number of concurrent handlers (the guide's
	// KAFKA_CONSUMER_THREADS); 0 means DefaultWorkers.
	Workers int
	// Replica names this replica in acks; empty means the host name (the
	// pod name under Kubernetes).
	Replica string
	// Handle processes one message value and returns the event id to ack.
	// An error is data: the ack says "error" with its text. Handle runs on
	// up to Workers goroutines at once. Its ctx ends when the drain after
	// shutdown runs out; Handle must then return promptly, since Run waits
	// for it.
	Handle func(ctx context.Context, value []byte) (eventID string, err error)
	// AckDelay, if set, returns the round trip m's origin adds before its
	// ack is written (a region's distance to the bus, e.g. 220 ms for
	// "apac"); nil or a result <= 0 means none. Handle runs at once and the
	// worker does not wait out the delay, since a network round trip does
	// not occupy a consumer thread: the ack is written, and the offset
	// marked done (commits stay in order), after the delay on a goroutine
	// of its own, which Run waits for at shutdown as it waits for workers.
	// The drain's end cuts such a wait short and the message is abandoned.
	// So acks waiting out a delay are not bounded by Workers; their offsets
	// stay uncommitted (and count toward Lag) until they are written. The
	// ack's ProcessedAt is when Handle returned, before the delay.
	// AckDelay runs on the workers, concurrently, and must be quick.
	AckDelay func(m kafka.Message) time.Duration
	// Logger receives warnings and errors; nil means slog.Default().
	Logger *slog.Logger

	// CommitInterval is how often done offsets are committed; 0 means
	// DefaultCommitInterval.
	CommitInterval time.Duration
	// DrainTimeout bounds how long, after Run's ctx is cancelled, in-flight
	// handlers and their ack writes (AckDelay included) may take; 0 means
	// DefaultDrainTimeout.
	DrainTimeout time.Duration

	started  atomic.Bool
	reader   atomic.Pointer[kafka.Reader]
	counters processorCounters

	mu      sync.Mutex // guards tracker
	tracker *offsetTracker
}

// ProcessorStats are a Processor's counters: cumulative counts since Run
// started and current gauges. Message counts are in messages.
type ProcessorStats struct {
	Fetched        int64 // messages taken from the reader, re-deliveries included
	Redelivered    int64 // re-deliveries after a rebalance, skipped: this replica already had them
	Processed      int64 // messages handled and acked, "ok" or "error"
	Errors         int64 // acks with status "error"
	AckFailures    int64 // failed attempts to write an ack (each is retried)
	Abandoned      int64 // fetched but left unhandled or unacked at shutdown; another replica gets them
	Committed      int64 // messages whose offsets are committed
	CommitFailures int64 // commit attempts that failed (retried at the next interval)

	InFlight   int64 // gauge: messages a worker holds now: its handler running or, without AckDelay, its ack being written
	Delayed    int64 // gauge: acks waiting out AckDelay now, or being written after it; InFlight+Delayed are the messages handed out and not finished
	QueueDepth int64 // gauge: messages fetched (into kafka-go's prefetch queue or ours) and not yet handed to a handler; boiler_calculation_queue_depth
	Lag        int64 // gauge: messages on the broker this replica has not finished, over the partitions it reads
	Rebalances int64 // consumer-group generations joined, plus partition-leader moves (kafka-go's count)
}

type processorCounters struct {
	fetched, redelivered, processed, errors, ackFailures, abandoned  atomic.Int64
	committed, commitFailures, inFlight, delayed, queued, rebalances atomic.Int64
}

// Stats returns the current counters. It is safe to call at any time.
func (p *Processor) Stats() ProcessorStats {
	c := &p.counters
	var prefetched int64
	if r := p.reader.Load(); r != nil {
		// kafka-go resets its counters on every Stats call, so accumulate.
		rs := r.Stats()
		c.rebalances.Add(rs.Rebalances)
		prefetched = rs.QueueLength
	}
	s := ProcessorStats{
		Fetched:        c.fetched.Load(),
		Redelivered:    c.redelivered.Load(),
		Processed:      c.processed.Load(),
		Errors:         c.errors.Load(),
		AckFailures:    c.ackFailures.Load(),
		Abandoned:      c.abandoned.Load(),
		Committed:      c.committed.Load(),
		CommitFailures: c.commitFailures.Load(),
		InFlight:       c.inFlight.Load(),
		Delayed:        c.delayed.Load(),
		QueueDepth:     c.queued.Load() + prefetched,
		Rebalances:     c.rebalances.Load(),
	}
	p.mu.Lock()
	if p.tracker != nil {
		s.Lag = p.tracker.Lag(time.Now(), lagWindow)
	}
	p.mu.Unlock()
	return s
}

// settings is a Processor's configuration with defaults applied.
type settings struct {
	workers        int
	replica        string
	logger         *slog.Logger
	commitInterval time.Duration
	drainTimeout   time.Duration
}

// validate checks p's fields and fills in defaults, reporting every
// problem at once.
func (p *Processor) validate() (settings, error) {
	s := settings{
		workers:        p.Workers,
		replica:        p.Replica,
		logger:         p.Logger,
		commitInterval: p.CommitInterval,
		drainTimeout:   p.DrainTimeout,
	}
	var errs []error
	if err := p.Config.Validate(); err != nil {
		errs = append(errs, err)
	}
	if p.Topic == "" {
		errs = append(errs, errors.New("processor: Topic is empty"))
	}
	if p.AckTopic == "" {
		errs = append(errs, errors.New("processor: AckTopic is empty"))
	}
	if p.Group == "" {
		errs = append(errs, errors.New("processor: Group is empty"))
	}
	if p.Handle == nil {
		errs = append(errs, errors.New("processor: Handle is nil"))
	}
	if p.Workers < 0 {
		errs = append(errs, fmt.Errorf("processor: Workers (%d) must not be negative", p.Workers))
	}
	if p.CommitInterval < 0 || p.DrainTimeout < 0 {
		errs = append(errs, errors.New("processor: CommitInterval and DrainTimeout must not be negative"))
	}
	if s.workers == 0 {
		s.workers = DefaultWorkers
	}
	if s.replica == "" {
		h, err := os.Hostname()
		if err != nil {
			errs = append(errs, fmt.Errorf("processor: Replica is empty and the host name is unknown: %w", err))
		}
		s.replica = h
	}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	if s.commitInterval == 0 {
		s.commitInterval = DefaultCommitInterval
	}
	if s.drainTimeout == 0 {
		s.drainTimeout = DefaultDrainTimeout
	}
	return s, errors.Join(errs...)
}

// Run consumes until ctx is cancelled, then stops fetching, lets in-flight
// handlers finish and write their acks, delayed ones included (for up to
// DrainTimeout), commits what is done, leaves the group and returns nil.
// Stopping takes at most DrainTimeout plus twice leaveTimeout (2 s), even
// while the group waits for a member that died without leaving. It returns
// an error only for a bad configuration or if the reader fails for good.
// Run may be called once per Processor.
func (p *Processor) Run(ctx context.Context) error {
	s, err := p.validate()
	if err != nil {
		return err
	}
	if !p.started.CompareAndSwap(false, true) {
		return errors.New("processor: Run called twice")
	}
	log := s.logger.With("replica", s.replica, "topic", p.Topic, "group", p.Group)

	p.mu.Lock()
	p.tracker = newOffsetTracker()
	p.mu.Unlock()

	transport := p.Config.Transport()
	defer transport.CloseIdleConnections()
	writer := p.newAckWriter(transport)
	reader := p.newReader(s.workers, log)
	p.reader.Store(reader)

	// Handlers and ack writes outlive ctx by up to the drain timeout.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	jobs := make(chan kafka.Message, s.workers)
	var workers, delayedAcks sync.WaitGroup
	for range s.workers {
		workers.Go(func() {
			for m := range jobs {
				p.counters.queued.Add(-1)
				p.work(ctx, workCtx, &delayedAcks, writer, s.replica, log, m)
			}
		})
	}

	commitCtx, stopCommitter := context.WithCancel(context.WithoutCancel(ctx))
	var committer sync.WaitGroup
	committer.Go(func() {
		t := time.NewTicker(s.commitInterval)
		defer t.Stop()
		for {
			select {
			case <-commitCtx.Done():
				return
			case <-t.C:
				p.commit(commitCtx, reader, log)
			}
		}
	})

	runErr := p.fetch(ctx, reader, jobs, log)

	// Shutdown, in order: no more jobs; in-flight handlers and delayed
	// acks finish or the drain runs out; the periodic committer stops; a
	// last commit; leave the group; flush the ack writer.
	close(jobs)
	drain := time.AfterFunc(s.drainTimeout, cancelWork)
	workers.Wait()
	delayedAcks.Wait() // after workers.Wait: no worker starts one any more
	drain.Stop()
	cancelWork()
	stopCommitter()
	committer.Wait()
	p.finalCommit(context.WithoutCancel(ctx), reader, log)

	// Stats stops reading the reader before it closes; keep what it counted.
	p.counters.rebalances.Add(reader.Stats().Rebalances)
	p.reader.Store(nil)
	closed := make(chan error, 1)
	go func() { closed <- reader.Close() }() // may outlive Run by up to sessionTimeout
	select {
	case err := <-closed:
		if err != nil {
			log.Warn("close reader", "err", err)
		}
	case <-time.After(leaveTimeout):
		log.Warn("leaving the consumer group timed out; the coordinator will expire this member", "after", leaveTimeout)
	}
	if err := writer.Close(); err != nil {
		log.Warn("close ack writer", "err", err)
	}
	return runErr
}

// newAckWriter returns the writer for acks.
func (p *Processor) newAckWriter(transport *kafka.Transport) *kafka.Writer {
	return &kafka.Writer{
		Addr:      p.Config.Addr(),
		Topic:     p.AckTopic,
		Transport: transport,
		Balancer:  &kafka.Hash{},
		// Each worker writes its own ack and waits for it. BatchSize 1 sends
		// it at once; a partial batch would wait BatchTimeout, and acks keyed
		// by event id rarely share a partition batch.
		BatchSize:       1,
		BatchTimeout:    time.Millisecond,
		RequiredAcks:    kafka.RequireOne,
		MaxAttempts:     3,
		WriteBackoffMin: 10 * time.Millisecond,
		WriteBackoffMax: 500 * time.Millisecond,
	}
}

// newReader returns the consumer-group reader, tuned for low latency and
// quick rebalances (see the constants above).
func (p *Processor) newReader(workers int, log *slog.Logger) *kafka.Reader {
	return kafka.NewReader(kafka.ReaderConfig{
		Brokers:           p.Config.Brokers,
		GroupID:           p.Group,
		Topic:             p.Topic,
		Dialer:            p.Config.Dialer(),
		QueueCapacity:     max(2*workers, 16),
		MinBytes:          1,
		MaxBytes:          1 << 20,
		MaxWait:           kafkabus.FetchMaxWait,
		ReadBatchTimeout:  time.Second,
		ReadLagInterval:   -1, // Lag is computed from fetched high-water marks
		HeartbeatInterval: heartbeatInterval,
		SessionTimeout:    sessionTimeout,
		RebalanceTimeout:  rebalanceTimeout,
		JoinGroupBackoff:  joinGroupBackoff,
		StartOffset:       kafka.FirstOffset,
		CommitInterval:    0, // CommitMessages is synchronous; the committer paces it
		ReadBackoffMin:    10 * time.Millisecond,
		ReadBackoffMax:    500 * time.Millisecond,
		ErrorLogger:       kafkabus.ErrorLogger(log),
	})
}

// fetch feeds jobs until ctx is cancelled. It blocks while every worker is
// busy and the jobs buffer is full, which is the back-pressure: nothing more
// is taken from the reader than the workers can start.
func (p *Processor) fetch(ctx context.Context, reader *kafka.Reader, jobs chan<- kafka.Message, log *slog.Logger) error {
	failures := 0
	for {
		m, err := reader.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("processor: reader closed: %w", err)
			}
			// Group join failures surface here after kafka-go's own
			// retries; a replica keeps trying, as a pod would.
			failures++
			log.Warn("fetch failed; retrying", "err", err, "failures", failures)
			if !kafkabus.Sleep(ctx, kafkabus.RetryDelay(failures, kafkabus.RetryMin, kafkabus.RetryMax)) {
				return nil
			}
			continue
		}
		failures = 0
		p.counters.fetched.Add(1)
		p.mu.Lock()
		fresh := p.tracker.Fetched(m.Partition, m.Offset, m.HighWaterMark, time.Now())
		p.mu.Unlock()
		if !fresh {
			p.counters.redelivered.Add(1)
			continue
		}
		p.counters.queued.Add(1)
		select {
		case jobs <- m:
		case <-ctx.Done():
			p.counters.queued.Add(-1)
			p.counters.abandoned.Add(1)
			return nil
		}
	}
}

// work handles one message: Handle, then the ack (at once, or after
// AckDelay on a goroutine tracked by delayedAcks), then marks it done.
// stop is Run's ctx: once it ends, queued messages are left for the next
// owner of the partition. workCtx ends when the drain runs out.
func (p *Processor) work(stop, workCtx context.Context, delayedAcks *sync.WaitGroup, writer *kafka.Writer, replica string, log *slog.Logger, m kafka.Message) {
	if stop.Err() != nil {
		p.counters.abandoned.Add(1)
		return
	}
	p.counters.inFlight.Add(1)
	defer p.counters.inFlight.Add(-1)

	eventID, herr := p.Handle(workCtx, m.Value)
	if herr != nil && workCtx.Err() != nil {
		// Cut short by shutdown, not a verdict on the event.
		p.counters.abandoned.Add(1)
		return
	}
	ack := api.Ack{EventID: eventID, Status: api.AckOK, Replica: replica, ProcessedAt: time.Now().UTC()}
	if herr != nil {
		ack.Status = api.AckError
		ack.Error = herr.Error()
	}
	if p.AckDelay != nil {
		if d := p.AckDelay(m); d > 0 {
			p.delayAck(workCtx, delayedAcks, d, writer, log, m, ack)
			return
		}
	}
	p.writeAck(workCtx, writer, log, m, ack)
}

// delayAck writes ack for m after d on a goroutine of its own, tracked by
// delayedAcks, so the worker is free for its next message meanwhile. It is
// apart from work so that only this path pays for the closure (m would
// otherwise move to the heap on every message).
func (p *Processor) delayAck(workCtx context.Context, delayedAcks *sync.WaitGroup, d time.Duration, writer *kafka.Writer, log *slog.Logger, m kafka.Message, ack api.Ack) {
	p.counters.delayed.Add(1)
	delayedAcks.Go(func() {
		defer p.counters.delayed.Add(-1)
		if !kafkabus.Sleep(workCtx, d) {
			// The drain ran out while the ack waited: never written.
			p.counters.abandoned.Add(1)
			return
		}
		p.writeAck(workCtx, writer, log, m, ack)
	})
}

// writeAck writes ack for m, retrying until it is written or workCtx ends
// (then m is abandoned), and then marks m done so its offset can be
// committed.
func (p *Processor) writeAck(workCtx context.Context, writer *kafka.Writer, log *slog.Logger, m kafka.Message, ack api.Ack) {
	body, err := json.Marshal(ack)
	if err != nil {
		// api.Ack has only strings and a time; this cannot fail.
		panic(fmt.Sprintf("marshal ack: %v", err))
	}
	msg := kafka.Message{Value: body}
	if ack.EventID != "" {
		msg.Key = []byte(ack.EventID)
	}
	for attempt := 1; ; attempt++ {
		err := writer.WriteMessages(workCtx, msg)
		if err == nil {
			break
		}
		p.counters.ackFailures.Add(1)
		if workCtx.Err() != nil {
			p.counters.abandoned.Add(1)
			return
		}
		log.Warn("write ack failed; retrying", "event_id", ack.EventID, "attempt", attempt, "err", err)
		if !kafkabus.Sleep(workCtx, kafkabus.RetryDelay(attempt, kafkabus.RetryMin, kafkabus.RetryMax)) {
			p.counters.abandoned.Add(1)
			return
		}
	}
	p.counters.processed.Add(1)
	if ack.Status == api.AckError {
		p.counters.errors.Add(1)
	}
	p.mu.Lock()
	p.tracker.Done(m.Partition, m.Offset)
	p.mu.Unlock()
}

// finalCommit commits what is done, retrying within one commitTimeout:
// the periodic commit may have failed across a rebalance.
func (p *Processor) finalCommit(ctx context.Context, reader *kafka.Reader, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, leaveTimeout)
	defer cancel()
	for ctx.Err() == nil {
		if p.commit(ctx, reader, log) {
			return
		}
		kafkabus.Sleep(ctx, kafkabus.RetryMin)
	}
	log.Warn("final commit failed; the next owner of these partitions repeats their uncommitted events")
}

// commit commits every partition whose committable offset moved. It
// reports false if the commit failed.
func (p *Processor) commit(ctx context.Context, reader *kafka.Reader, log *slog.Logger) bool {
	p.mu.Lock()
	snap := p.tracker.Committable()
	p.mu.Unlock()
	if len(snap.offsets) == 0 {
		return true
	}
	msgs := make([]kafka.Message, 0, len(snap.offsets))
	for part, next := range snap.offsets {
		// kafka-go commits Offset+1.
		msgs = append(msgs, kafka.Message{Topic: p.Topic, Partition: part, Offset: next - 1})
	}
	cctx, cancel := context.WithTimeout(ctx, commitTimeout)
	defer cancel()
	if err := reader.CommitMessages(cctx, msgs...); err != nil {
		p.counters.commitFailures.Add(1)
		log.Debug("commit failed; retrying", "err", err)
		return false
	}
	p.mu.Lock()
	n := p.tracker.Committed(snap)
	p.mu.Unlock()
	p.counters.committed.Add(n)
	return true
}
