// Package client is gl001's GL-001 client: it sends heat-optimization
// requests over HTTP and agent-coordination events over Kafka, the two
// kinds of work the load engine's iterations do. Every call returns a
// Result; a failed request is data (status, error text, latency), never a
// Go error.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/greenlang/gl001/deploy/kafkabus"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/fleet"
)

// Result is the outcome of one optimization or coordination call.
type Result struct {
	OK bool
	// Service is the time the call itself took: the HTTP round trip, or
	// publish to ack. The load engine measures latency from the scheduled
	// start instead, and records this beside it.
	Service time.Duration
	// Publish is the time the Kafka produce took (coordination only).
	Publish time.Duration
	// HeatOptimization is the solve time the orchestrator reported
	// (performance_metrics.solve_time_ms); 0 when it reported none.
	HeatOptimization time.Duration
	Status           int    // HTTP status, 0 for coordination or no answer
	Replica          string // the replica that served, when known
	Error            string // why it failed, when !OK
	// TimedOut is set when the call failed for want of an answer in time:
	// the request timeout passed, or no ack came within AckTimeout.
	TimedOut bool
}

// Optimizer posts heat-optimization requests built from the fleet model.
// Safe for concurrent use.
type Optimizer struct {
	URL   string       // full URL of the optimize endpoint
	HTTP  *http.Client // with a Timeout; shared keep-alive connections
	Fleet *fleet.Fleet
	// Token, when set, is sent as a bearer token.
	Token string
	// Clock maps real time to the fleet model's time; the model's day
	// advances with the run. Nil: real time.
	Clock func(time.Time) time.Time
}

// NewHTTPClient returns a client sized for maxConns concurrent requests to
// one host, with the request timeout given.
func NewHTTPClient(timeout time.Duration, maxConns int) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = maxConns
	t.MaxIdleConnsPerHost = maxConns
	return &http.Client{Transport: t, Timeout: timeout}
}

// Optimize sends one request and waits for its answer.
func (o *Optimizer) Optimize(ctx context.Context) Result {
	now := time.Now()
	if o.Clock != nil {
		now = o.Clock(now)
	}
	body, err := json.Marshal(o.Fleet.NextRequest(now))
	if err != nil {
		return Result{Error: "encode request: " + err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.URL, bytes.NewReader(body))
	if err != nil {
		return Result{Error: err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	if o.Token != "" {
		req.Header.Set("Authorization", "Bearer "+o.Token)
	}
	start := time.Now()
	resp, err := o.HTTP.Do(req)
	if err != nil {
		return Result{Service: time.Since(start), Error: shortError(err), TimedOut: isTimeout(err)}
	}
	defer resp.Body.Close()
	var out struct {
		Replica            string                 `json:"replica"`
		PerformanceMetrics api.PerformanceMetrics `json:"performance_metrics"`
		Error              string                 `json:"error"`
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	r := Result{Service: time.Since(start), Status: resp.StatusCode, Replica: resp.Header.Get("X-GL001-Replica")}
	if err != nil {
		r.Error = "read answer: " + shortError(err)
		return r
	}
	if jerr := json.Unmarshal(data, &out); jerr == nil {
		if out.Replica != "" {
			r.Replica = out.Replica
		}
		r.HeatOptimization = time.Duration(out.PerformanceMetrics.SolveTimeMS * float64(time.Millisecond))
	}
	if resp.StatusCode != http.StatusOK {
		r.Error = fmt.Sprintf("%s: %s", resp.Status, firstLine(out.Error, data))
		return r
	}
	r.OK = true
	return r
}

// Coordinator publishes coordination events from the fleet's agents on
// agent.coordination and, unless PublishOnly, waits for each one's ack on
// agent.coordination.ack. Safe for concurrent use.
type Coordinator struct {
	Writer      *kafka.Writer
	Acks        *kafkabus.AckWaiter // nil with PublishOnly
	Fleet       *fleet.Fleet
	PublishOnly bool
	AckTimeout  time.Duration
}

// Coordinate publishes one event, keyed by its plant so a plant's events
// keep their order, and waits for its ack.
func (c *Coordinator) Coordinate(ctx context.Context) Result {
	ev := c.Fleet.NextEvent(time.Now())
	if ev.EventID == "" {
		return Result{Error: "the fleet has no sub-agents to send events"}
	}
	value, err := json.Marshal(ev)
	if err != nil {
		return Result{Error: "encode event: " + err.Error()}
	}
	start := time.Now()
	err = c.Writer.WriteMessages(ctx, kafka.Message{Key: []byte(ev.PlantID), Value: value})
	pub := time.Since(start)
	if err != nil {
		return Result{Service: pub, Publish: pub, Error: "publish: " + shortError(err)}
	}
	if c.PublishOnly {
		return Result{OK: true, Service: pub, Publish: pub}
	}
	wctx, cancel := context.WithTimeout(ctx, c.AckTimeout)
	defer cancel()
	ack, err := c.Acks.Wait(wctx, ev.EventID)
	r := Result{Service: time.Since(start), Publish: pub, Replica: ack.Replica}
	switch {
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		r.Error = fmt.Sprintf("no ack within %s", c.AckTimeout)
		r.TimedOut = true
	case err != nil:
		r.Error = "ack: " + shortError(err)
	case ack.Status != api.AckOK:
		r.Error = "ack status " + ack.Status + ": " + ack.Error
	default:
		r.OK = true
	}
	return r
}

// isTimeout reports whether err is a request that ran out of time, as
// opposed to one refused or broken.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// shortError trims Go's wrapping of network errors to what a report row
// can hold.
func shortError(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && len(s) > 120 {
		s = s[i+2:]
	}
	return s
}

func firstLine(msg string, body []byte) string {
	if msg == "" {
		msg = string(body)
	}
	msg, _, _ = strings.Cut(msg, "\n")
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}
