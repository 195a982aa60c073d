package supervisor

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeReplica is an up replica entry pointing at target, with no process.
func fakeReplica(t *testing.T, id, target string) *replica {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	return &replica{id: id, log: slog.New(slog.DiscardHandler), up: true, target: u}
}

// echo is a replica server that answers with its name and the body it got,
// counting requests.
func echo(t *testing.T, name string, hits *atomic.Int64) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		b, _ := io.ReadAll(r.Body)
		io.WriteString(w, name+":"+r.Method+":"+string(b))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// refused returns a URL on which nothing listens.
func refused(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// hangup is a replica server that reads the request and closes the
// connection without answering: the request may have been acted on.
func hangup(t *testing.T, hits *atomic.Int64) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func serve(fd *frontDoor, method, body string) *httptest.ResponseRecorder {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	rec := httptest.NewRecorder()
	fd.ServeHTTP(rec, httptest.NewRequest(method, "/api/v1/optimize", r))
	return rec
}

func TestFrontDoorRetriesRefusedPOSTWithBody(t *testing.T) {
	var hits atomic.Int64
	dead := fakeReplica(t, "replica-0", refused(t))
	live := fakeReplica(t, "replica-1", echo(t, "b", &hits).URL)
	fd := newFrontDoor([]*replica{dead, live}, slog.New(slog.DiscardHandler))
	defer fd.transport.CloseIdleConnections()

	// The first pick is replica-0, which refuses; the POST is retried.
	rec := serve(fd, http.MethodPost, `{"plant_data":{}}`)
	if rec.Code != http.StatusOK || rec.Body.String() != `b:POST:{"plant_data":{}}` || rec.Header().Get(HeaderReplica) != "replica-1" {
		t.Fatalf("got %d %q from %q, want 200 with the body intact from replica-1", rec.Code, rec.Body, rec.Header().Get(HeaderReplica))
	}
	// replica-0 is now suspect and passed over: no more failed first tries.
	for range 4 {
		if rec := serve(fd, http.MethodGet, ""); rec.Header().Get(HeaderReplica) != "replica-1" {
			t.Errorf("request went to %q, want the suspect passed over", rec.Header().Get(HeaderReplica))
		}
	}
	if hits.Load() != 5 {
		t.Errorf("replica-1 got %d requests, want 5", hits.Load())
	}
}

func TestFrontDoorDoesNotRetrySentPOST(t *testing.T) {
	var hangHits, okHits atomic.Int64
	bad := fakeReplica(t, "replica-0", hangup(t, &hangHits).URL)
	good := fakeReplica(t, "replica-1", echo(t, "b", &okHits).URL)
	fd := newFrontDoor([]*replica{bad, good}, slog.New(slog.DiscardHandler))
	defer fd.transport.CloseIdleConnections()

	rec := serve(fd, http.MethodPost, "x")
	if rec.Code != http.StatusBadGateway || !strings.Contains(rec.Body.String(), `"error":"replica-0: `) {
		t.Errorf("POST to a replica that hung up: got %d %s, want 502 JSON naming replica-0", rec.Code, rec.Body)
	}
	if okHits.Load() != 0 {
		t.Errorf("a POST that reached a replica was retried on another")
	}

	// A GET is idempotent: retried on replica-1 after replica-0 hangs up.
	bad.suspectUntil = bad.suspectUntil.AddDate(-1, 0, 0)
	fd.next.Store(0)
	rec = serve(fd, http.MethodGet, "")
	if rec.Code != http.StatusOK || rec.Header().Get(HeaderReplica) != "replica-1" {
		t.Errorf("GET: got %d from %q, want 200 from replica-1 after retry", rec.Code, rec.Header().Get(HeaderReplica))
	}
	if hangHits.Load() < 2 {
		t.Errorf("replica-0 saw %d requests, want the POST and the GET", hangHits.Load())
	}
}

func TestFrontDoorDoesNotRetryOversizedBody(t *testing.T) {
	var hits atomic.Int64
	dead := fakeReplica(t, "replica-0", refused(t))
	live := fakeReplica(t, "replica-1", echo(t, "b", &hits).URL)
	fd := newFrontDoor([]*replica{dead, live}, slog.New(slog.DiscardHandler))
	fd.maxBody = 4
	defer fd.transport.CloseIdleConnections()

	if rec := serve(fd, http.MethodPost, "too large"); rec.Code != http.StatusBadGateway {
		t.Errorf("oversized POST to a refusing replica: got %d, want 502", rec.Code)
	}
	// Bodies over the limit still pass through, whole.
	if rec := serve(fd, http.MethodPost, "too large"); rec.Code != http.StatusOK || rec.Body.String() != "b:POST:too large" {
		t.Errorf("oversized POST: got %d %q, want it passed through", rec.Code, rec.Body)
	}
}

func TestFrontDoorAllSuspectStillServes(t *testing.T) {
	var hits atomic.Int64
	only := fakeReplica(t, "replica-0", echo(t, "a", &hits).URL)
	only.suspectUntil = only.suspectUntil.AddDate(100, 0, 0)
	down := fakeReplica(t, "replica-1", refused(t))
	down.up = false
	fd := newFrontDoor([]*replica{only, down}, slog.New(slog.DiscardHandler))
	defer fd.transport.CloseIdleConnections()
	if rec := serve(fd, http.MethodGet, ""); rec.Code != http.StatusOK {
		t.Errorf("got %d, want the suspect replica used when it is the only one up", rec.Code)
	}
}
