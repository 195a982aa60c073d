package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/greenlang/gl001/simulator/api"
)

// Answer statuses of POST /v1/coordinate.
const (
	StatusAck        = "ack"
	StatusTimeout    = "timeout"
	StatusError      = "error"
	StatusRefused    = "refused"
	StatusBadRequest = "bad_request"
)

// Request is the body of POST /v1/coordinate; see the package doc.
type Request struct {
	AgentID   string                 `json:"agent_id,omitempty"`
	Event     *api.CoordinationEvent `json:"event,omitempty"`
	TimeoutMs *float64               `json:"timeout_ms,omitempty"`
}

// Ack is the 200 answer.
type Ack struct {
	Status          string  `json:"status"`
	EventID         string  `json:"event_id"`
	AgentID         string  `json:"agent_id"`
	Replica         string  `json:"replica"`
	ReceivedToAckMs float64 `json:"received_to_ack_ms"`
	PublishMs       float64 `json:"publish_ms"`
	PublishToAckMs  float64 `json:"publish_to_ack_ms"`
}

// Failure is every other answer; which fields are set depends on Status.
type Failure struct {
	Status    string   `json:"status"`
	EventID   string   `json:"event_id,omitempty"`
	AgentID   string   `json:"agent_id,omitempty"`
	Replica   string   `json:"replica,omitempty"`
	PublishMs *float64 `json:"publish_ms,omitempty"`
	Error     string   `json:"error"`
}

// Health is the answer of GET /health.
type Health struct {
	Status   string   `json:"status"`
	Topic    string   `json:"topic"`
	AckTopic string   `json:"ack_topic"`
	Brokers  []string `json:"brokers"`
	Error    string   `json:"error,omitempty"`
}

// Handler serves the wire contract.
func (b *Bridge) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/coordinate", b.coordinate)
	mux.HandleFunc("GET /v1/stats", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, b.Stats()) })
	mux.HandleFunc("GET /health", b.healthz)
	return mux
}

func (b *Bridge) coordinate(w http.ResponseWriter, r *http.Request) {
	received := time.Now()
	b.received.Add(1)
	if n := b.pending.Add(1); n > int64(b.o.MaxPending) {
		b.pending.Add(-1)
		b.refused.Add(1)
		writeJSON(w, http.StatusServiceUnavailable, Failure{Status: StatusRefused,
			Error: fmt.Sprintf("%d events pending, the bound --max-pending %d", n-1, b.o.MaxPending)})
		return
	}
	defer b.pending.Add(-1)

	ev, timeout, err := b.decode(w, r, received)
	if err != nil {
		b.bad.Add(1)
		writeJSON(w, http.StatusBadRequest, Failure{Status: StatusBadRequest, Error: err.Error()})
		return
	}
	res := b.co.Send(r.Context(), ev, timeout)
	acked := time.Now()
	if res.Published {
		b.published.Add(1)
	}
	switch {
	case res.OK:
		b.acked.Add(1)
		writeJSON(w, http.StatusOK, Ack{Status: StatusAck, EventID: ev.EventID, AgentID: ev.AgentID, Replica: res.Replica,
			ReceivedToAckMs: ms(acked.Sub(received)), PublishMs: ms(res.Publish), PublishToAckMs: ms(res.Service)})
	case res.TimedOut:
		b.timeouts.Add(1)
		pub := ms(res.Publish)
		writeJSON(w, http.StatusGatewayTimeout, Failure{Status: StatusTimeout, EventID: ev.EventID, AgentID: ev.AgentID,
			PublishMs: &pub, Error: res.Error})
	default:
		b.errs.Add(1)
		f := Failure{Status: StatusError, EventID: ev.EventID, AgentID: ev.AgentID, Replica: res.Replica, Error: res.Error}
		if res.Published {
			pub := ms(res.Publish)
			f.PublishMs = &pub
		}
		writeJSON(w, http.StatusBadGateway, f)
	}
}

// decode reads the request into the event to send and its ack timeout.
func (b *Bridge) decode(w http.ResponseWriter, r *http.Request, now time.Time) (api.CoordinationEvent, time.Duration, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return api.CoordinationEvent{}, 0, fmt.Errorf("body larger than %d bytes", MaxBodyBytes)
		}
		return api.CoordinationEvent{}, 0, fmt.Errorf("reading body: %w", err)
	}
	req, err := ParseRequest(body)
	if err != nil {
		return api.CoordinationEvent{}, 0, err
	}
	timeout := b.o.AckTimeout
	if req.TimeoutMs != nil {
		timeout = time.Duration(*req.TimeoutMs * float64(time.Millisecond))
	}
	switch {
	case req.Event != nil:
		return *req.Event, timeout, nil
	case req.AgentID != "":
		a, ok := b.agents[req.AgentID]
		if !ok {
			return api.CoordinationEvent{}, 0, fmt.Errorf("agent_id %q is not in the bridge's fleet of %d agents (see its fleet.json)",
				req.AgentID, len(b.agents))
		}
		return a.NextEvent(now), timeout, nil
	}
	ev := b.o.Fleet.NextEvent(now)
	if ev.EventID == "" {
		return api.CoordinationEvent{}, 0, errors.New("the fleet has no sub-agents to send events")
	}
	return ev, timeout, nil
}

// ParseRequest decodes and checks a POST /v1/coordinate body: one JSON
// object of Request's fields and no others (empty means {}), not both
// agent_id and event, an event with an event_id, and a timeout_ms above 0
// and at most MaxAckTimeout. Whether agent_id is in the fleet is the
// Bridge's to say.
func ParseRequest(body []byte) (Request, error) {
	var req Request
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return Request{}, fmt.Errorf("body is not a coordinate request: %v", err)
		}
		if dec.More() {
			return Request{}, errors.New("body holds more than one JSON value")
		}
	}
	if req.TimeoutMs != nil {
		v := *req.TimeoutMs
		if math.IsNaN(v) || v <= 0 || v > float64(MaxAckTimeout/time.Millisecond) {
			return Request{}, fmt.Errorf("timeout_ms (%v) must be > 0 and at most %d", v, MaxAckTimeout/time.Millisecond)
		}
	}
	switch {
	case req.Event != nil && req.AgentID != "":
		return Request{}, errors.New(`give "agent_id" or "event", not both`)
	case req.Event != nil && strings.TrimSpace(req.Event.EventID) == "":
		return Request{}, errors.New("event: event_id is missing")
	}
	return req, nil
}

func (b *Bridge) healthz(w http.ResponseWriter, r *http.Request) {
	h := Health{Status: "ok", Topic: b.o.Topic, AckTopic: b.o.AckTopic, Brokers: b.o.Bus.Brokers}
	ctx, cancel := context.WithTimeout(r.Context(), HealthTimeout)
	defer cancel()
	if err := b.reach(ctx); err != nil {
		h.Status, h.Error = "unavailable", err.Error()
		writeJSON(w, http.StatusServiceUnavailable, h)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	body, _ := json.Marshal(v) // the answer types always encode
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
