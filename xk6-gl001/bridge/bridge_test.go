package bridge_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/deploy/kafkabus/kafkatest"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/xk6-gl001/bridge"
)

// TestCoordinateAck: each of the three request forms is published, acked
// by the stand-in's consumer, and answered with times that nest.
func TestCoordinateAck(t *testing.T) {
	r := newRig(t, 3)
	r.replica(t, "gl-001-0")
	b := r.bridge(t, bridge.Options{AckTimeout: 30 * time.Second})
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	c := srv.Client()

	agent := r.fleet.Agents()[3]
	given := agent.NextEvent(time.Now())
	given.EventID = "given-1"
	body, _ := jsonString(map[string]any{"event": given})
	for _, tc := range []struct{ name, body, agent, event string }{
		{"next in turn", `{}`, r.fleet.Agents()[0].ID(), ""},
		{"empty body", ``, r.fleet.Agents()[1].ID(), ""},
		{"agent", fmt.Sprintf(`{"agent_id":%q}`, agent.ID()), agent.ID(), ""},
		{"event as given", body, agent.ID(), "given-1"},
		{"own timeout", `{"timeout_ms": 20000}`, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, m := post(t, c, srv.URL, tc.body)
			if code != http.StatusOK || m["status"] != "ack" || m["replica"] != "gl-001-0" {
				t.Fatalf("%d %v", code, m)
			}
			if tc.agent != "" && m["agent_id"] != tc.agent {
				t.Errorf("agent_id %v, want %s", m["agent_id"], tc.agent)
			}
			if tc.event != "" && m["event_id"] != tc.event {
				t.Errorf("event_id %v, want %s", m["event_id"], tc.event)
			}
			pub, svc, all := m["publish_ms"].(float64), m["publish_to_ack_ms"].(float64), m["received_to_ack_ms"].(float64)
			if !(pub > 0 && svc >= pub && all >= svc && all < 30000) {
				t.Errorf("times not sane: publish %v ≤ publish_to_ack %v ≤ received_to_ack %v < 30000", pub, svc, all)
			}
		})
	}
	// An event the orchestrator rejects is acked with an error: 502, naming
	// the replica.
	bad := agent.NextEvent(time.Now())
	bad.EventID, bad.PlantID = "bad-1", ""
	body, _ = jsonString(map[string]any{"event": bad})
	code, m := post(t, c, srv.URL, body)
	if code != http.StatusBadGateway || m["status"] != "error" || m["replica"] != "gl-001-0" || !strings.Contains(m["error"].(string), "plant_id") {
		t.Errorf("error ack: %d %v", code, m)
	}
	s := b.Stats()
	if want := (bridge.Stats{Received: 6, Published: 6, Acked: 5, Errors: 1, MaxPending: bridge.DefaultMaxPending}); s != want {
		t.Errorf("stats %+v, want %+v", s, want)
	}
	if code, m := get(t, c, srv.URL+"/v1/stats"); code != 200 || m["acked"] != 5.0 || m["max_pending"] != 750.0 {
		t.Errorf("GET /v1/stats: %d %v", code, m)
	}
	if code, m := get(t, c, srv.URL+"/health"); code != 200 || m["status"] != "ok" || m["topic"] != api.TopicCoordination || m["ack_topic"] != api.TopicAck {
		t.Errorf("GET /health: %d %v", code, m)
	}
}

func jsonString(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// TestBadRequests: what the bridge cannot send is a 400 saying why, and
// reaches no broker.
func TestBadRequests(t *testing.T) {
	r := newRig(t, 1)
	b := r.bridge(t, bridge.Options{})
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	for _, tc := range []struct{ name, body, want string }{
		{"not JSON", `{"agent_id":`, "not a coordinate request"},
		{"unknown field", `{"agent":"x"}`, `unknown field "agent"`},
		{"unknown agent", `{"agent_id":"gl-009-plant-99"}`, `agent_id "gl-009-plant-99" is not in the bridge's fleet`},
		{"no event_id", `{"event":{"agent_id":"a","plant_id":"p"}}`, "event_id is missing"},
		{"both", `{"agent_id":"a","event":{"event_id":"e"}}`, "not both"},
		{"zero timeout", `{"timeout_ms":0}`, "timeout_ms (0) must be > 0"},
		{"two values", `{} {}`, "more than one JSON value"},
		{"too large", `{"agent_id":"` + strings.Repeat("x", bridge.MaxBodyBytes) + `"}`, "body larger than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, m := post(t, srv.Client(), srv.URL, tc.body)
			if code != http.StatusBadRequest || m["status"] != "bad_request" || !strings.Contains(m["error"].(string), tc.want) {
				t.Errorf("%d %v, want 400 with %q", code, m, tc.want)
			}
		})
	}
	if s := b.Stats(); s.BadRequests != 8 || s.Received != 8 || s.Published != 0 || s.Pending != 0 {
		t.Errorf("stats %+v", s)
	}
}

// TestTimeoutAndBound: with nobody consuming, an event times out (504,
// with its publish time), and while MaxPending wait, one more is refused
// with 503 and counted.
func TestTimeoutAndBound(t *testing.T) {
	r := newRig(t, 1)
	b := r.bridge(t, bridge.Options{MaxPending: 2, AckTimeout: 300 * time.Millisecond})
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	c := srv.Client()

	code, m := post(t, c, srv.URL, `{}`)
	if code != http.StatusGatewayTimeout || m["status"] != "timeout" || m["error"] != "no ack within 300ms" || !(m["publish_ms"].(float64) > 0) {
		t.Errorf("timeout: %d %v", code, m)
	}

	var wg sync.WaitGroup
	codes := make(chan int, 2)
	for range 2 {
		wg.Go(func() {
			code, _ := post(t, c, srv.URL, `{"timeout_ms": 3000}`)
			codes <- code
		})
	}
	waitPending(t, b, 2)
	code, m = post(t, c, srv.URL, `{}`)
	if code != http.StatusServiceUnavailable || m["status"] != "refused" || !strings.Contains(m["error"].(string), "2 events pending, the bound --max-pending 2") {
		t.Errorf("over the bound: %d %v", code, m)
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusGatewayTimeout {
			t.Errorf("waiting event answered %d, want 504", code)
		}
	}
	if s := b.Stats(); s != (bridge.Stats{Received: 4, Published: 3, Timeouts: 3, Refused: 1, MaxPending: 2}) {
		t.Errorf("stats %+v", s)
	}
}

// TestGracefulStop: when Serve's context ends, the event in flight still
// gets its answer and then Serve returns nil; new connections are refused.
func TestGracefulStop(t *testing.T) {
	r := newRig(t, 1)
	b := r.bridge(t, bridge.Options{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- b.Serve(ctx, ln, 10*time.Second) }()

	answered := make(chan int, 1)
	go func() {
		code, _ := post(t, http.DefaultClient, url, `{"timeout_ms": 500}`)
		answered <- code
	}()
	waitPending(t, b, 1)
	cancel()
	select {
	case code := <-answered:
		if code != http.StatusGatewayTimeout {
			t.Errorf("in-flight event answered %d, want 504", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("in-flight event not answered")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not return")
	}
	if _, err := http.Post(url+"/v1/coordinate", "application/json", strings.NewReader(`{}`)); err == nil {
		t.Error("a request after the stop was answered")
	}
	_ = b.Close()
	_ = b.Close()
	kafkatest.WaitNoGoroutines(t, "gl001/xk6-gl001/bridge.")
}

// TestHealthWhenBrokersGo: GET /health answers 503 once the brokers are
// gone.
func TestHealthWhenBrokersGo(t *testing.T) {
	r := newRig(t, 1)
	b := r.bridge(t, bridge.Options{})
	srv := httptest.NewServer(b.Handler())
	defer srv.Close()
	if code, m := get(t, srv.Client(), srv.URL+"/health"); code != http.StatusOK {
		t.Fatalf("broker up: %d %v", code, m)
	}
	r.emb.Close()
	code, m := get(t, srv.Client(), srv.URL+"/health")
	if code != http.StatusServiceUnavailable || m["status"] != "unavailable" || m["error"] == nil {
		t.Errorf("broker gone: %d %v", code, m)
	}
}

// TestUnreachable: brokers that refuse connections fail New at once
// with ErrUnreachable.
func TestUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	f, _ := fleet.New(fleet.Config{Plants: 2, Agents: 8})
	start := time.Now()
	_, err = bridge.New(context.Background(), bridge.Options{Bus: kafkabus.Config{Brokers: []string{addr}},
		Topic: api.TopicCoordination, AckTopic: api.TopicAck, Fleet: f, StartTimeout: 5 * time.Second})
	if !errors.Is(err, bridge.ErrUnreachable) {
		t.Fatalf("err %v, want ErrUnreachable", err)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("took %s, bound 5s", d)
	}
}

func TestCheckListen(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:8686", false, true},
		{"[::1]:8686", false, true},
		{"localhost:8686", false, true},
		{"127.9.9.9:1", false, true},
		{"0.0.0.0:8686", false, false},
		{":8686", false, false},
		{"10.0.0.5:8686", false, false},
		{"10.0.0.5:8686", true, true},
		{"8686", true, false},
	} {
		err := bridge.CheckListen(tc.addr, tc.remote)
		if (err == nil) != tc.ok {
			t.Errorf("CheckListen(%q, %v) = %v, want ok %v", tc.addr, tc.remote, err, tc.ok)
		}
	}
}
