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
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/deploy/kafkabus"
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
	Region           string // the region the request or event came from; "" without regions
	Error            string // why it failed, when !OK
	// TimedOut is set when the call failed for want of an answer in time:
	// the request timeout passed, or no ack came within AckTimeout.
	TimedOut bool
	// Published is set when a coordination event reached the brokers,
	// whatever came of its ack.
	Published bool
}

// Optimizer posts heat-optimization requests built from the fleet model.
// Safe for concurrent use.
type Optimizer struct {
	URL   string       // full URL of the optimize endpoint
	HTTP  *http.Client // with a Timeout; shared keep-alive connections
	Fleet *fleet.Fleet
	// Token, when set, is sent as a bearer token.
	Token string
	// Region, when set, is the region Fleet's plants are in: sent in
	// api.HeaderRegion and returned in every Result.
	Region string
	// Clock maps real time to the fleet model's time; the model's day
	// advances with the run. Nil: real time.
	Clock func(time.Time) time.Time
	// Refresh is how much simulated time one encoded request stands for:
	// every request in the same stretch is the fleet at the stretch's
	// start, encoded once. Demand follows a daily cycle, so a second is
	// far below what it can show, and encoding a 15-plant request (19 KB)
	// for every iteration would cost the generator more than the request
	// itself. 0 means DefaultRefresh.
	Refresh time.Duration

	cache atomic.Pointer[encodedRequest]
}

// DefaultRefresh is Optimizer.Refresh's default.
const DefaultRefresh = time.Second

// encodedRequest is the request body of one stretch of simulated time.
type encodedRequest struct {
	at   time.Time
	body []byte
}

// body returns the encoded request for simulated time now.
func (o *Optimizer) body(now time.Time) ([]byte, error) {
	refresh := o.Refresh
	if refresh <= 0 {
		refresh = DefaultRefresh
	}
	at := now.Truncate(refresh)
	if c := o.cache.Load(); c != nil && c.at.Equal(at) {
		return c.body, nil
	}
	b, err := json.Marshal(o.Fleet.NextRequest(at))
	if err != nil {
		return nil, err
	}
	o.cache.Store(&encodedRequest{at: at, body: b})
	return b, nil
}

// answerBuffers recycles the buffers answers are read into.
var answerBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

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
	body, err := o.body(now)
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
	if o.Region != "" {
		req.Header.Set(api.HeaderRegion, o.Region)
	}
	r := o.send(req)
	r.Region = o.Region
	return r
}

// send does one request and reads its answer.
func (o *Optimizer) send(req *http.Request) Result {
	start := time.Now()
	resp, err := o.HTTP.Do(req)
	if err != nil {
		return Result{Service: time.Since(start), Error: shortError(err), TimedOut: isTimeout(err)}
	}
	defer resp.Body.Close()
	buf := answerBuffers.Get().(*bytes.Buffer)
	defer answerBuffers.Put(buf)
	buf.Reset()
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, maxAnswerBytes))
	r := Result{Service: time.Since(start), Status: resp.StatusCode, Replica: resp.Header.Get("X-GL001-Replica")}
	if err != nil {
		r.Error = "read answer: " + shortError(err)
		return r
	}
	data := buf.Bytes()
	if resp.StatusCode != http.StatusOK {
		var out struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &out)
		r.Error = fmt.Sprintf("%s: %s", resp.Status, firstLine(out.Error, data))
		return r
	}
	if a, ok := readAnswer(data); ok {
		if a.replica != "" {
			r.Replica = a.replica
		}
		r.HeatOptimization = time.Duration(a.solveTimeMS * float64(time.Millisecond))
	}
	r.OK = true
	return r
}

// Regional sends each optimization request for one region's plants, the
// regions taking turns in proportion to their plants, so every plant is
// in as many requests as every other. Safe for concurrent use.
type Regional struct {
	parts []*Optimizer
	turns []int // indices into parts, one cycle of the weighted turns
	next  atomic.Uint64
}

// NewRegional takes turns over parts, each of which has its Region and
// its region's Fleet set; weights are the regions' plants (> 0).
func NewRegional(parts []*Optimizer, weights []int) *Regional {
	return &Regional{parts: parts, turns: Turns(weights)}
}

// Optimize sends the next region's request and waits for its answer.
func (r *Regional) Optimize(ctx context.Context) Result {
	i := (r.next.Add(1) - 1) % uint64(len(r.turns))
	return r.parts[r.turns[i]].Optimize(ctx)
}

// Turns is one cycle of smooth weighted round-robin over weights (as
// nginx's upstream balancer): index i appears weights[i]/g times in a
// cycle of sum/g turns, g their greatest common divisor, spread as evenly
// as can be. Weights ≤ 0 never get a turn.
func Turns(weights []int) []int {
	g := 0
	for _, w := range weights {
		if w > 0 {
			g = gcd(g, w)
		}
	}
	if g == 0 {
		return nil
	}
	total := 0
	w := make([]int, len(weights))
	for i, v := range weights {
		w[i] = max(v, 0) / g
		total += w[i]
	}
	cur := make([]int, len(w))
	turns := make([]int, 0, total)
	for range total {
		best := -1
		for i := range w {
			cur[i] += w[i]
			if w[i] > 0 && (best < 0 || cur[i] > cur[best]) {
				best = i
			}
		}
		cur[best] -= total
		turns = append(turns, best)
	}
	return turns
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// maxAnswerBytes bounds an answer read into memory.
const maxAnswerBytes = 16 << 20

// answer is what the load side reads of an optimization answer.
type answer struct {
	replica     string
	solveTimeMS float64
}

// readAnswer reads replica and performance_metrics.solve_time_ms from the
// top level of an answer. It finds the two members with one scan over the
// bytes and decodes only their values: decoding the whole answer (the
// dispatch is most of its bytes) would scan it twice and build every
// value, which made reading answers a third of the generator's CPU. ok is
// false when data is not a well-formed JSON object at the top.
func readAnswer(data []byte) (a answer, ok bool) {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return a, false
	}
	i++
	var pm api.PerformanceMetrics // merged over repeats, as encoding/json does
	for {
		i = skipSpace(data, i)
		if i < len(data) && data[i] == '}' {
			return a, true
		}
		keyStart := i
		keyEnd, ok := stringEnd(data, keyStart)
		if !ok {
			return a, false
		}
		key := data[keyStart+1 : keyEnd-1]
		if bytes.IndexByte(key, '\\') >= 0 { // an escaped key: read it as encoding/json does
			var k string
			if json.Unmarshal(data[keyStart:keyEnd], &k) != nil {
				return a, false
			}
			key = []byte(k)
		}
		i = skipSpace(data, keyEnd)
		if i >= len(data) || data[i] != ':' {
			return a, false
		}
		start := skipSpace(data, i+1)
		end, ok := valueEnd(data, start)
		if !ok {
			return a, false
		}
		switch {
		case bytes.EqualFold(key, []byte("replica")): // encoding/json matches keys without case
			if json.Unmarshal(data[start:end], &a.replica) != nil {
				return a, false
			}
		case bytes.EqualFold(key, []byte("performance_metrics")):
			if json.Unmarshal(data[start:end], &pm) != nil {
				return a, false
			}
			a.solveTimeMS = pm.SolveTimeMS
		}
		i = skipSpace(data, end)
		switch {
		case i < len(data) && data[i] == ',':
			i++
		case i < len(data) && data[i] == '}':
			return a, true
		default:
			return a, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just past the JSON string starting at b[i].
func stringEnd(b []byte, i int) (int, bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, false
	}
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return 0, false
}

// valueEnd returns the index just past the JSON value starting at b[i]:
// a string, or an object or array (brackets counted outside strings), or
// a scalar up to the next delimiter.
func valueEnd(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '"':
				end, ok := stringEnd(b, i)
				if !ok {
					return 0, false
				}
				i = end
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, true
				}
			}
			i++
		}
		return 0, false
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' && b[j] != '\t' && b[j] != '\r' {
		j++
	}
	return j, j > i
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
	// Regions maps a plant id to its region, when the run has regions:
	// each event carries its plant's region in a Kafka header
	// (api.HeaderRegion) and its Result says it. Nil: no regions.
	Regions map[string]string
}

// Coordinate publishes the next event of the fleet's agent in turn, keyed
// by its plant so a plant's events keep their order, and waits up to
// AckTimeout for its ack.
func (c *Coordinator) Coordinate(ctx context.Context) Result {
	ev := c.Fleet.NextEvent(time.Now())
	if ev.EventID == "" {
		return Result{Error: "the fleet has no sub-agents to send events"}
	}
	return c.Send(ctx, ev, c.AckTimeout)
}

// Send publishes ev as Coordinate does and waits up to ackTimeout for its
// ack: the one path for the native engine's iterations and gl001 bridge's
// requests, so both measure publish and publish-to-ack alike.
func (c *Coordinator) Send(ctx context.Context, ev api.CoordinationEvent, ackTimeout time.Duration) Result {
	value, err := json.Marshal(ev)
	if err != nil {
		return Result{Error: "encode event: " + err.Error()}
	}
	msg := kafka.Message{Key: []byte(ev.PlantID), Value: value}
	reg := c.Regions[ev.PlantID]
	if reg != "" {
		msg.Headers = []kafka.Header{{Key: api.HeaderRegion, Value: []byte(reg)}}
	}
	r := c.publish(ctx, msg, ev.EventID, ackTimeout)
	r.Region = reg
	return r
}

// publish writes msg and, unless PublishOnly, waits for eventID's ack.
func (c *Coordinator) publish(ctx context.Context, msg kafka.Message, eventID string, ackTimeout time.Duration) Result {
	start := time.Now()
	err := c.Writer.WriteMessages(ctx, msg)
	pub := time.Since(start)
	if err != nil {
		return Result{Service: pub, Publish: pub, Error: "publish: " + shortError(err)}
	}
	if c.PublishOnly {
		return Result{OK: true, Service: pub, Publish: pub, Published: true}
	}
	wctx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	ack, err := c.Acks.Wait(wctx, eventID)
	r := Result{Service: time.Since(start), Publish: pub, Replica: ack.Replica, Published: true}
	switch {
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		r.Error = fmt.Sprintf("no ack within %s", ackTimeout)
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
