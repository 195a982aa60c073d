// Package bridge is gl001 bridge: the Kafka side of the k6 module in
// xk6-gl001/js, as Chromium is for k6 browser. Stock k6 speaks no Kafka;
// the module posts each coordination event to the bridge over loopback
// HTTP, and the bridge publishes it with the native engine's own client
// (client.Coordinator.Send: kafkabus writer and ack waiter), waits for the
// orchestrator's ack and answers then, with the times measured in Go.
//
// # Wire contract
//
// JSON bodies; durations are milliseconds as floats.
//
// POST /v1/coordinate, body one of
//
//	{}                                the next agent in turn from the bridge's fleet (fleet.NextEvent)
//	{"agent_id":"gl-003-plant-03-1"}  that agent's next event; an unknown id is a 400 naming it
//	{"event":{…}}                     an api.CoordinationEvent, published as given; no event_id is a 400
//
// each with an optional "timeout_ms" (> 0, at most MaxAckTimeout) that
// replaces the bridge's ack timeout for this event. Unknown fields are a
// 400. Answers:
//
//	200 {"status":"ack","event_id","agent_id","replica","received_to_ack_ms","publish_ms","publish_to_ack_ms"}
//	504 {"status":"timeout","event_id","agent_id","publish_ms","error":"no ack within …"}
//	502 {"status":"error","event_id","agent_id","error", "replica" when an ack said error}
//	503 {"status":"refused","error":"… pending, the bound --max-pending …"}
//	400 {"status":"bad_request","error"}  bad JSON, unknown agent, body over MaxBodyBytes
//
// received_to_ack_ms runs from the bridge receiving the request to the ack
// arriving; publish_to_ack_ms is what the native engine records as
// gl001_coordination_service_duration, publish_ms as
// gl001_coordination_publish_duration.
//
// GET /v1/stats answers Stats; GET /health answers 200
// {"status":"ok","topic","ack_topic","brokers"}, or 503 with "error" when
// the brokers do not answer a metadata request within HealthTimeout.
//
// Open model: at most MaxPending events wait for their acks at once; one
// more is refused with 503 and counted, never queued.
package bridge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/xk6-gl001/client"
)

// Defaults and limits of Options.
const (
	// DefaultMaxPending is the guide's 50 events/s through a 15 s stall.
	DefaultMaxPending = 750
	// DefaultAckTimeout is gl001 run's --ack-timeout default.
	DefaultAckTimeout = 10 * time.Second
	// DefaultStartTimeout bounds the connectivity check at start.
	DefaultStartTimeout = 10 * time.Second
	// MaxAckTimeout bounds a request's timeout_ms.
	MaxAckTimeout = 10 * time.Minute
	// HealthTimeout bounds the metadata request behind GET /health.
	HealthTimeout = 2 * time.Second
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes = 1 << 20
)

// ErrUnreachable is wrapped by New's error when the brokers did not answer
// in time.
var ErrUnreachable = errors.New("kafka brokers unreachable")

// Options configure a Bridge. Bus, Topic, AckTopic and Fleet are
// required; zero numbers mean the defaults above.
type Options struct {
	Bus      kafkabus.Config
	Topic    string // the profile's coordination topic
	AckTopic string // the profile's ack topic
	Fleet    *fleet.Fleet

	MaxPending   int
	AckTimeout   time.Duration
	StartTimeout time.Duration
	Logger       *slog.Logger // nil: slog.Default()
}

// Validate reports every problem with o at once.
func (o Options) Validate() error {
	var errs []error
	if err := o.Bus.Validate(); err != nil {
		errs = append(errs, err)
	}
	if o.Topic == "" || o.AckTopic == "" {
		errs = append(errs, errors.New("bridge: topic and ack topic must be set"))
	}
	if o.Fleet == nil {
		errs = append(errs, errors.New("bridge: no fleet"))
	}
	if o.MaxPending < 0 {
		errs = append(errs, fmt.Errorf("bridge: max pending (%d) must not be negative", o.MaxPending))
	}
	if o.AckTimeout < 0 || o.AckTimeout > MaxAckTimeout {
		errs = append(errs, fmt.Errorf("bridge: ack timeout (%s) must be from 0 to %s", o.AckTimeout, MaxAckTimeout))
	}
	return errors.Join(errs...)
}

func (o *Options) defaults() {
	if o.MaxPending == 0 {
		o.MaxPending = DefaultMaxPending
	}
	if o.AckTimeout == 0 {
		o.AckTimeout = DefaultAckTimeout
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = DefaultStartTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// Stats are a Bridge's counters since New, and its pending events now.
// Every request is received; each then ends as exactly one of acked,
// timeouts, errors, refused or bad_requests, and published counts those
// whose event reached the brokers.
type Stats struct {
	Received    int64 `json:"received"`
	Published   int64 `json:"published"`
	Acked       int64 `json:"acked"`
	Timeouts    int64 `json:"timeouts"`
	Errors      int64 `json:"errors"`
	Refused     int64 `json:"refused"`
	BadRequests int64 `json:"bad_requests"`
	Pending     int64 `json:"pending"`
	MaxPending  int64 `json:"max_pending"`
}

// Bridge publishes events posted over HTTP and answers with their acks.
// Its methods are safe for concurrent use.
type Bridge struct {
	o      Options
	co     *client.Coordinator
	writer *kafka.Writer
	acks   *kafkabus.AckWaiter
	agents map[string]*fleet.Agent

	received, published, acked, timeouts, errs, refused, bad, pending atomic.Int64

	closeOnce sync.Once
}

// New checks that the brokers answer within o.StartTimeout (an error
// wrapping ErrUnreachable if not), starts reading the ack topic and
// returns a Bridge ready to serve. Close releases it.
func New(ctx context.Context, o Options) (*Bridge, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o.defaults()
	b := &Bridge{o: o, agents: map[string]*fleet.Agent{}}
	for _, a := range o.Fleet.Agents() {
		b.agents[a.ID()] = a
	}
	b.writer = kafkabus.NewWriter(o.Bus, o.Topic)

	sctx, cancel := context.WithTimeout(ctx, o.StartTimeout)
	defer cancel()
	if err := b.reach(sctx); err != nil {
		b.closeWriter()
		if sctx.Err() != nil || isDialError(err) {
			return nil, fmt.Errorf("%w (tried for up to %s): %w", ErrUnreachable, o.StartTimeout, err)
		}
		return nil, err
	}
	acks, err := kafkabus.NewAckWaiter(sctx, o.Bus, kafkabus.AckWaiterOptions{Topic: o.AckTopic, TTL: 2 * o.AckTimeout, Logger: o.Logger})
	if err != nil {
		b.closeWriter()
		if sctx.Err() != nil {
			return nil, fmt.Errorf("%w (tried for up to %s): %w", ErrUnreachable, o.StartTimeout, err)
		}
		return nil, fmt.Errorf("listening for acks on %s: %w", o.AckTopic, err)
	}
	b.acks = acks
	b.co = &client.Coordinator{Writer: b.writer, Acks: acks, Fleet: o.Fleet, AckTimeout: o.AckTimeout}
	return b, nil
}

// reach asks the brokers for the topic's metadata over a connection of
// its own, with the writer's TLS and SASL: the writer's transport answers
// metadata from its cache, which would say the brokers are there after
// they have gone.
func (b *Bridge) reach(ctx context.Context) error {
	t := b.o.Bus.Transport()
	defer t.CloseIdleConnections()
	_, err := kafkabus.Partitions(ctx, &kafka.Client{Addr: b.o.Bus.Addr(), Transport: t}, b.o.Topic)
	return err
}

// isDialError reports whether err is a failure to connect at all.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op)
}

func (b *Bridge) closeWriter() {
	_ = b.writer.Close()
	if t, ok := b.writer.Transport.(*kafka.Transport); ok {
		t.CloseIdleConnections()
	}
}

// Stats returns the counters.
func (b *Bridge) Stats() Stats {
	return Stats{
		Received: b.received.Load(), Published: b.published.Load(), Acked: b.acked.Load(),
		Timeouts: b.timeouts.Load(), Errors: b.errs.Load(), Refused: b.refused.Load(),
		BadRequests: b.bad.Load(), Pending: b.pending.Load(), MaxPending: int64(b.o.MaxPending),
	}
}

// AckTimeout is the ack timeout of a request that sets none.
func (b *Bridge) AckTimeout() time.Duration { return b.o.AckTimeout }

// Close stops reading acks (waiting requests answer 502) and closes the
// writer. Call it after the HTTP server has stopped; safe to call twice.
func (b *Bridge) Close() error {
	b.closeOnce.Do(func() {
		_ = b.acks.Close()
		b.closeWriter()
	})
	return nil
}

// Serve answers the wire contract on ln until ctx ends, then stops
// gracefully: it takes no new connection and lets requests in flight
// finish for up to grace, then cuts them off. It returns nil after a
// graceful stop. It does not Close b.
func (b *Bridge) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{Handler: b.Handler(), ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(b.o.Logger.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		_ = srv.Close()
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		return serr
	}
	return err
}
