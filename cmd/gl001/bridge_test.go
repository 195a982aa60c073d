package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/bus"
)

func TestBridgeBadInput(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	_ = ln.Close()
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"no brokers", []string{"bridge"}, []string{"--brokers is required"}},
		{"unreachable brokers", []string{"bridge", "--brokers", dead, "--connect-timeout", "5s"},
			[]string{`--brokers "` + dead + `"`, "unreachable"}},
		{"remote listen", []string{"bridge", "--brokers", dead, "--listen", "0.0.0.0:8686"},
			[]string{"--listen", "not loopback", "--allow-remote"}},
		{"bad scenario", []string{"bridge", "--brokers", dead, "--scenario", "nope.json"}, []string{"--scenario", "nope.json"}},
		{"bad max pending", []string{"bridge", "--brokers", dead, "--max-pending", "0"}, []string{"--max-pending"}},
		{"bad ack timeout", []string{"bridge", "--brokers", dead, "--ack-timeout", "0s"}, []string{"--ack-timeout"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gl001(t, "", false, tc.args...).expect(t, exitBadInput, nil, tc.want)
		})
	}
}

// TestBridgeServesAndStops runs gl001 bridge against the embedded broker,
// sends it one event nobody acks, and stops it with a signal: exit 0 and
// the counters on stdout.
func TestBridgeServesAndStops(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	emb, err := bus.StartEmbedded(ctx, bus.EmbeddedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	if err := bus.EnsureTopics(ctx, emb.Config(), 2, api.TopicCoordination, api.TopicAck); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()

	sigs := make(chan os.Signal, 1)
	var out, errb bytes.Buffer
	code := make(chan int, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		code <- run([]string{"bridge", "--brokers", strings.Join(emb.Addrs(), ","), "--listen", addr, "--ack-timeout", "300ms"},
			streams{in: strings.NewReader(""), out: &out, err: &errb, signals: sigs})
	})
	defer wg.Wait()
	url := "http://" + addr
	var up bool
	for range 500 {
		if resp, err := http.Get(url + "/health"); err == nil {
			resp.Body.Close()
			up = resp.StatusCode == http.StatusOK
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !up {
		sigs <- os.Interrupt
		t.Fatal("bridge never healthy")
	}
	resp, err := http.Post(url+"/v1/coordinate", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusGatewayTimeout {
		t.Errorf("no consumer: %d, want 504", resp.StatusCode)
	}
	sigs <- os.Interrupt
	select {
	case c := <-code:
		wg.Wait()
		if c != exitOK || !strings.Contains(out.String(), "bridge stopped: 1 received, 1 published, 0 acked, 1 timeouts") {
			t.Errorf("exit %d, stdout %q, stderr %q", c, out.String(), errb.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("bridge did not stop")
	}
}
