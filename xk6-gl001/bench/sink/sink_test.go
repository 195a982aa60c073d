package sink_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/bench/sink"
)

const body = `{"plant_data":{"fuel_input_mw":10},"sensor_feeds":{"heat_demands":{"plant-01/unit-1":5},"heat_sources":{"plant-01/boiler-1":8}}}`

func post(t *testing.T, url, path, payload string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Post(url+path, "application/json", strings.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func stats(t *testing.T, url string) sink.Stats {
	t.Helper()
	resp, err := http.Get(url + sink.PathStats)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st sink.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestOptimizeAnswersLikeTheStandIn(t *testing.T) {
	srv := httptest.NewServer(sink.New())
	defer srv.Close()

	resp, b := post(t, srv.URL, api.PathOptimize, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if got := resp.Header.Get("X-GL001-Replica"); got != sink.Replica {
		t.Errorf("X-GL001-Replica = %q, want %q", got, sink.Replica)
	}
	// The answer decodes strictly into the stand-in's own response type.
	var out api.OptimizeResponse
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("answer %s does not decode as api.OptimizeResponse: %v", b, err)
	}
	if out.Replica != sink.Replica || out.AgentID == "" || out.Timestamp.IsZero() {
		t.Errorf("answer = %+v, want replica %q, an agent_id and a timestamp", out, sink.Replica)
	}
	if out.PerformanceMetrics.SolveTimeMS <= 0 {
		t.Errorf("performance_metrics.solve_time_ms = %v, want the measured read time (> 0)", out.PerformanceMetrics.SolveTimeMS)
	}
}

func TestBadRequests(t *testing.T) {
	srv := httptest.NewServer(sink.New())
	defer srv.Close()
	for _, tc := range []struct {
		name, method, path, body string
		want                     int
	}{
		{"not JSON", http.MethodPost, api.PathOptimize, `{"plant_data":`, http.StatusBadRequest},
		{"GET optimize", http.MethodGet, api.PathOptimize, "", http.StatusMethodNotAllowed},
		{"unknown path", http.MethodPost, "/api/v1/nothing", body, http.StatusNotFound},
		{"GET reset", http.MethodGet, sink.PathStatsReset, "", http.StatusMethodNotAllowed},
		{"POST stats", http.MethodPost, sink.PathStats, "", http.StatusMethodNotAllowed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader(tc.body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.want)
			}
		})
	}
	if st := stats(t, srv.URL); st.Count != 0 || st.BadCount != 1 {
		t.Errorf("stats = %+v, want count 0 and bad_count 1 (only the bad JSON reached the handler's body check)", st)
	}
}

func TestStatsCountAndReset(t *testing.T) {
	sk := sink.New()
	srv := httptest.NewUnstartedServer(sk)
	srv.Config.ConnState = sk.ConnState
	srv.Start()
	defer srv.Close()

	const n = 50
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			resp, err := http.Post(srv.URL+api.PathOptimize, "application/json", strings.NewReader(body))
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		})
	}
	wg.Wait()

	st := stats(t, srv.URL)
	if st.Count != n {
		t.Fatalf("count = %d, want %d", st.Count, n)
	}
	// Concurrent posts from one client open at least one connection, at
	// most one each (plus the stats call's).
	if st.Connections < 1 || st.Connections > n+1 {
		t.Errorf("connections = %d, want 1 to %d", st.Connections, n+1)
	}
	if !(st.P50MS > 0 && st.P50MS <= st.P99MS && st.P99MS <= st.MaxMS) {
		t.Errorf("percentiles p50 %v, p99 %v, max %v: want 0 < p50 ≤ p99 ≤ max", st.P50MS, st.P99MS, st.MaxMS)
	}

	// Reset answers what it cleared, then the view starts again.
	resp, b := post(t, srv.URL, sink.PathStatsReset, "")
	var cleared sink.Stats
	if err := json.Unmarshal(b, &cleared); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("reset: status %d, %s, %v", resp.StatusCode, b, err)
	}
	if cleared.Count != n {
		t.Errorf("reset answered count %d, want %d", cleared.Count, n)
	}
	after := stats(t, srv.URL)
	if after.Count != 0 || after.P99MS != 0 || after.Connections != 0 || !after.Since.After(st.Since) {
		t.Errorf("after reset: %+v, want count 0, p99 0, connections 0 and a later since than %v", after, st.Since)
	}
	post(t, srv.URL, api.PathOptimize, body)
	if got := stats(t, srv.URL).Count; got != 1 {
		t.Errorf("count after one more request = %d, want 1", got)
	}
}

func TestListenRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "192.0.2.1:0", "example.com:0"} {
		t.Run(addr, func(t *testing.T) {
			ln, err := sink.Listen(addr)
			if err == nil {
				ln.Close()
				t.Fatalf("Listen(%q) succeeded, want refused", addr)
			}
			if !errors.Is(err, sink.ErrNotLoopback) {
				t.Errorf("Listen(%q) = %v, want ErrNotLoopback", addr, err)
			}
		})
	}
	if _, err := sink.Listen("127.0.0.1"); err == nil || errors.Is(err, sink.ErrNotLoopback) {
		t.Errorf("Listen without a port = %v, want a host:port error", err)
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0"} {
		ln, err := sink.Listen(addr)
		if err != nil {
			t.Errorf("Listen(%q): %v", addr, err)
			continue
		}
		ln.Close()
	}
}

func BenchmarkOptimize(b *testing.B) {
	s := sink.New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			w := httptest.NewRecorder()
			s.ServeHTTP(w, httptest.NewRequest(http.MethodPost, api.PathOptimize, strings.NewReader(body)))
			if w.Code != http.StatusOK {
				b.Fatal(w.Code)
			}
		}
	})
}
