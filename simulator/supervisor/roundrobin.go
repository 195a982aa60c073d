package supervisor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"sync/atomic"
	"syscall"
	"time"
)

// HeaderReplica names the response header in which the front door says
// which replica served a request.
const HeaderReplica = "X-GL001-Replica"

const (
	// maxRetryBody is the largest request body the front door buffers so
	// that the request can be retried on another replica.
	maxRetryBody = 1 << 20
	// suspectFor is how long a replica whose connection failed is passed
	// over, unless no other replica is up. A new announcement clears it.
	suspectFor = 2 * time.Second
)

// FrontDoor returns the handler that spreads requests over the live
// replicas, round-robin, like a Kubernetes Service. Each response carries
// HeaderReplica. If the connection to the chosen replica fails, the replica
// is passed over for a while and the request is retried once on another
// replica, provided it can be replayed: its body (if any) is at most 1 MiB,
// and either the connection was never made or the method is idempotent.
// With no replica up it answers 503, and when the replicas cannot be
// reached 502, each with a JSON body {"error": "..."}.
//
// The handler is safe for concurrent use; all calls return the same one.
func (s *Supervisor) FrontDoor() http.Handler { return s.front }

// frontDoor is the handler behind FrontDoor. It is also the RoundTripper of
// its own ReverseProxy: ServeHTTP picks the first replica and buffers the
// body, RoundTrip sends, and retries on a connection failure.
type frontDoor struct {
	replicas  []*replica
	next      atomic.Uint64
	transport *http.Transport
	proxy     *httputil.ReverseProxy
	log       *slog.Logger
	maxBody   int64
}

// route is what ServeHTTP hands RoundTrip through the request context.
type route struct {
	first *replica
	body  []byte // the buffered request body; nil when there is none
	// replayable is false when the body was too large to buffer.
	replayable bool
}

type routeKey struct{}

func newFrontDoor(replicas []*replica, log *slog.Logger) *frontDoor {
	fd := &frontDoor{
		replicas: replicas,
		log:      log,
		maxBody:  maxRetryBody,
		transport: &http.Transport{
			Proxy: nil, // replicas are local; never through HTTP_PROXY
			DialContext: (&net.Dialer{
				Timeout:   5 * time.Second,
				KeepAlive: 30 * time.Second,
			}).DialContext,
			MaxIdleConns:          1024,
			MaxIdleConnsPerHost:   512,
			IdleConnTimeout:       90 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
	}
	fd.proxy = &httputil.ReverseProxy{
		Rewrite:      func(pr *httputil.ProxyRequest) { pr.SetXForwarded() },
		Transport:    fd,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandler: fd.proxyError,
	}
	return fd
}

func (fd *frontDoor) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	first := fd.pick(nil)
	if first == nil {
		writeJSONError(w, http.StatusServiceUnavailable, "no live replica")
		return
	}
	rt := &route{first: first, replayable: true}
	if req.Body != nil && req.Body != http.NoBody {
		if req.ContentLength > fd.maxBody {
			rt.replayable = false
		} else {
			b, err := io.ReadAll(io.LimitReader(req.Body, fd.maxBody+1))
			if err != nil {
				writeJSONError(w, http.StatusBadRequest, "reading request body: "+err.Error())
				return
			}
			switch {
			case int64(len(b)) > fd.maxBody:
				rt.replayable = false
				req.Body = readCloser{io.MultiReader(bytes.NewReader(b), req.Body), req.Body}
			case len(b) == 0:
				// A non-nil empty body with length 0 would be sent chunked.
				req.Body, req.ContentLength = http.NoBody, 0
			default:
				rt.body = b
				req.Body = io.NopCloser(bytes.NewReader(b))
				req.ContentLength = int64(len(b))
			}
		}
	}
	fd.proxy.ServeHTTP(w, req.WithContext(context.WithValue(req.Context(), routeKey{}, rt)))
}

// RoundTrip sends req to the route's first replica and, if the connection
// fails and req can be replayed, once more to another.
func (fd *frontDoor) RoundTrip(req *http.Request) (*http.Response, error) {
	rt, ok := req.Context().Value(routeKey{}).(*route)
	if !ok {
		return nil, errors.New("front door: request has no route")
	}
	resp, err := fd.send(req, rt, rt.first)
	if err == nil || req.Context().Err() != nil {
		return resp, err
	}
	fd.suspect(rt.first, err)
	if !retryable(req, rt, err) {
		return nil, err
	}
	other := fd.pick(rt.first)
	if other == nil {
		return nil, fmt.Errorf("%w; no other live replica to retry on", err)
	}
	resp, err2 := fd.send(req, rt, other)
	if err2 == nil {
		return resp, nil
	}
	if req.Context().Err() == nil {
		fd.suspect(other, err2)
	}
	return nil, fmt.Errorf("%w; retry: %w", err, err2)
}

func (fd *frontDoor) send(req *http.Request, rt *route, r *replica) (*http.Response, error) {
	r.mu.Lock()
	target := r.target
	r.mu.Unlock()
	if target == nil {
		return nil, fmt.Errorf("%s: not serving", r.id)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host = target.Scheme, target.Host
	out.Host = ""
	if rt.body != nil {
		body := rt.body
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		out.ContentLength = int64(len(body))
	}
	resp, err := fd.transport.RoundTrip(out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.id, err)
	}
	resp.Header.Set(HeaderReplica, r.id)
	return resp, nil
}

// retryable reports whether req, whose connection failed with err, may be
// sent again: its body must be replayable, and either it never left (the
// dial failed) or its method is idempotent.
func retryable(req *http.Request, rt *route, err error) bool {
	if !rt.replayable {
		return false
	}
	var op *net.OpError
	if (errors.As(err, &op) && op.Op == "dial") || errors.Is(err, syscall.ECONNREFUSED) {
		return true
	}
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// pick returns the next replica round-robin that is up and not suspect,
// skipping exclude; failing that, one that is up though suspect; failing
// that, nil.
func (fd *frontDoor) pick(exclude *replica) *replica {
	n := uint64(len(fd.replicas))
	start := fd.next.Add(1) - 1
	now := time.Now()
	var fallback *replica
	for i := range n {
		r := fd.replicas[(start+i)%n]
		if r == exclude {
			continue
		}
		r.mu.Lock()
		up, suspect := r.up && r.target != nil, now.Before(r.suspectUntil)
		r.mu.Unlock()
		switch {
		case !up:
		case !suspect:
			return r
		case fallback == nil:
			fallback = r
		}
	}
	return fallback
}

func (fd *frontDoor) suspect(r *replica, err error) {
	r.mu.Lock()
	r.suspectUntil = time.Now().Add(suspectFor)
	r.mu.Unlock()
	r.log.Warn("replica connection failed; passing it over", "for", suspectFor, "err", err)
}

func (fd *frontDoor) proxyError(w http.ResponseWriter, req *http.Request, err error) {
	if req.Context().Err() != nil {
		// The client went away; nobody reads this response.
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	fd.log.Warn("front door: request failed", "method", req.Method, "path", req.URL.Path, "err", err)
	writeJSONError(w, http.StatusBadGateway, err.Error())
}

func writeJSONError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Error string `json:"error"`
	}{msg})
}

type readCloser struct {
	io.Reader
	io.Closer
}
