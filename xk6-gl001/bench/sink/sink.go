// Package sink is a trivial GL-001 optimize endpoint for measuring load
// generators against each other: it does next to no work, so what a
// benchmark sees is the generator's cost, not the target's.
//
// A Sink answers POST /api/v1/optimize with a small answer shaped like the
// stand-in's (simulator/api.OptimizeResponse), whose
// performance_metrics.solve_time_ms is the time the sink really spent
// reading and checking the body (it checks only that the body looks like a
// JSON object, see looksLikeObject). It keeps its own server-side view of every
// request it answered: the service time (handler entry to answer written)
// in an HDR histogram, 1 µs to 1 min at 3 significant figures, counts, and
// (with ConnState wired into the server) the connections clients opened.
// GET /stats reads that view, POST /stats/reset reads and clears it.
//
// A Sink is safe for concurrent use. Each request records into one of a
// few shards, picked round-robin, so concurrent handlers rarely meet on a
// lock; Stats merges the shards.
package sink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/greenlang/gl001/simulator/api"
)

// Paths a Sink serves besides api.PathOptimize.
const (
	PathStats      = "/stats"
	PathStatsReset = "/stats/reset"
)

// MaxBodyBytes is the largest request body the sink reads; a larger one is
// answered 413.
const MaxBodyBytes = 16 << 20

// Histogram geometry: microseconds, 1 µs to 1 min, 3 significant figures.
const (
	lowestMicros  = 1
	highestMicros = 60_000_000
	sigFigs       = 3
	shards        = 8
)

// Replica is what the sink puts in the answer's replica field and the
// X-GL001-Replica header.
const Replica = "sink"

// Stats is the sink's view of the requests it answered since it started or
// was last reset. Times are milliseconds of service time as the sink
// measured it, from handler entry to the answer written; a value over a
// minute counts as one minute.
type Stats struct {
	Count    int64 `json:"count"`     // optimize requests answered 200
	BadCount int64 `json:"bad_count"` // optimize requests answered with an error
	// Connections is how many TCP connections clients opened, when the
	// server reports them through ConnState.
	Connections    int64     `json:"connections"`
	Since          time.Time `json:"since"` // start or last reset
	ElapsedSeconds float64   `json:"elapsed_seconds"`
	MeanMS         float64   `json:"mean_ms"`
	P50MS          float64   `json:"p50_ms"`
	P90MS          float64   `json:"p90_ms"`
	P99MS          float64   `json:"p99_ms"`
	MaxMS          float64   `json:"max_ms"`
}

type shard struct {
	mu   sync.Mutex
	hist *hdrhistogram.Histogram
	bad  int64
	_    [64]byte // keep shards on separate cache lines
}

// Sink is the endpoint and its record. Build one with New.
type Sink struct {
	next   atomic.Uint64
	conns  atomic.Int64
	shards [shards]shard
	mu     sync.Mutex // guards since
	since  time.Time
}

// New returns an empty Sink.
func New() *Sink {
	s := &Sink{since: time.Now()}
	for i := range s.shards {
		s.shards[i].hist = hdrhistogram.New(lowestMicros, highestMicros, sigFigs)
	}
	return s
}

// ServeHTTP answers the optimize, stats and stats-reset paths; anything
// else is 404, a wrong method 405.
func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case api.PathOptimize:
		if r.Method != http.MethodPost {
			methodNotAllowed(w, http.MethodPost)
			return
		}
		s.optimize(w, r)
	case PathStats:
		if r.Method != http.MethodGet {
			methodNotAllowed(w, http.MethodGet)
			return
		}
		writeJSON(w, http.StatusOK, s.Stats())
	case PathStatsReset:
		if r.Method != http.MethodPost {
			methodNotAllowed(w, http.MethodPost)
			return
		}
		writeJSON(w, http.StatusOK, s.Reset())
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": fmt.Sprintf("no such path %q", r.URL.Path)})
	}
}

// answer is the stand-in's response shape, cut to the fields a client of
// the optimize call reads; marshalled with the real api types so the
// field names cannot drift.
type answer struct {
	AgentID            string                 `json:"agent_id"`
	Timestamp          time.Time              `json:"timestamp"`
	ExecutionTimeMS    float64                `json:"execution_time_ms"`
	HeatDistribution   api.HeatDistribution   `json:"heat_distribution"`
	PerformanceMetrics api.PerformanceMetrics `json:"performance_metrics"`
	Replica            string                 `json:"replica"`
}

// bufs holds request-body buffers between requests, so a steady load
// reads bodies without allocating.
var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (s *Sink) optimize(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	buf := bufs.Get().(*bytes.Buffer)
	defer bufs.Put(buf)
	buf.Reset()
	if r.ContentLength > 0 && r.ContentLength <= MaxBodyBytes {
		buf.Grow(int(r.ContentLength))
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		s.bad(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", MaxBodyBytes))
		return
	case err != nil:
		s.bad(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	case !looksLikeObject(buf.Bytes()):
		s.bad(w, http.StatusBadRequest, "body is not a JSON object")
		return
	}
	read := time.Since(start)
	b, err := json.Marshal(answer{
		AgentID: "GL-001", Timestamp: start.UTC(), ExecutionTimeMS: ms(read),
		HeatDistribution:   api.HeatDistribution{DistributionMatrix: map[string]api.UnitAllocation{}, ConstraintsSatisfied: true},
		PerformanceMetrics: api.PerformanceMetrics{SolveTimeMS: ms(read)},
		Replica:            Replica,
	})
	if err != nil { // cannot happen with these types
		s.bad(w, http.StatusInternalServerError, err.Error())
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-GL001-Replica", Replica)
	_, _ = w.Write(b)
	s.record(time.Since(start))
}

// looksLikeObject reports whether b, trimmed of JSON whitespace, starts
// with '{' and ends with '}'. The sink deliberately does not parse the
// body: a full check (json.Valid) costs about 45 µs on a 14 KB request,
// as much CPU as a lean generator spends sending it, and the sink shares
// the machine with the generator it measures.
func looksLikeObject(b []byte) bool {
	b = bytes.Trim(b, " \t\r\n")
	return len(b) >= 2 && b[0] == '{' && b[len(b)-1] == '}'
}

func (s *Sink) bad(w http.ResponseWriter, status int, msg string) {
	sh := &s.shards[s.next.Add(1)%shards]
	sh.mu.Lock()
	sh.bad++
	sh.mu.Unlock()
	writeJSON(w, status, map[string]string{"error": msg})
}

func (s *Sink) record(d time.Duration) {
	us := max(lowestMicros, min(highestMicros, d.Microseconds()))
	sh := &s.shards[s.next.Add(1)%shards]
	sh.mu.Lock()
	_ = sh.hist.RecordValue(us) // in range by the clamp above
	sh.mu.Unlock()
}

// ConnState counts the connections clients open; set it as the
// http.Server's ConnState. A generator that keeps too few idle connections
// opens a new one for many of its requests, which costs both sides CPU.
func (s *Sink) ConnState(_ net.Conn, st http.ConnState) {
	if st == http.StateNew {
		s.conns.Add(1)
	}
}

// Stats returns the sink's view since it started or was last reset.
func (s *Sink) Stats() Stats { return s.collect(false) }

// Reset returns the sink's view, as Stats does, and clears it.
func (s *Sink) Reset() Stats { return s.collect(true) }

func (s *Sink) collect(reset bool) Stats {
	all := hdrhistogram.New(lowestMicros, highestMicros, sigFigs)
	var bad int64
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		all.Merge(sh.hist)
		bad += sh.bad
		if reset {
			sh.hist.Reset()
			sh.bad = 0
		}
		sh.mu.Unlock()
	}
	now := time.Now()
	conns := s.conns.Load()
	if reset {
		s.conns.Add(-conns)
	}
	st := Stats{Count: all.TotalCount(), BadCount: bad, Connections: conns, Since: s.since, ElapsedSeconds: now.Sub(s.since).Seconds()}
	if st.Count > 0 {
		st.MeanMS = all.Mean() / 1000
		st.P50MS = float64(all.ValueAtQuantile(50)) / 1000
		st.P90MS = float64(all.ValueAtQuantile(90)) / 1000
		st.P99MS = float64(all.ValueAtQuantile(99)) / 1000
		st.MaxMS = float64(all.Max()) / 1000
	}
	if reset {
		s.since = now
	}
	return st
}

// ErrNotLoopback is returned by Listen for an address that is not on the
// loopback interface.
var ErrNotLoopback = errors.New("not a loopback address")

// Listen opens a TCP listener on addr (host:port, port 0 picks a free one)
// if addr's host is a loopback IP or "localhost"; anything else — another
// interface, a hostname, an empty host that would bind every interface —
// is refused with ErrNotLoopback, so the sink never answers traffic from
// off the machine.
func Listen(addr string) (net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w (want host:port, e.g. 127.0.0.1:0)", addr, err)
	}
	if host == "localhost" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("listen address %q: %w; the sink serves loopback only (e.g. 127.0.0.1:0)", addr, ErrNotLoopback)
	}
	return net.Listen("tcp", net.JoinHostPort(host, port))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed, use " + allow})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
