package dbpool

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// ErrTimeout is returned (wrapped) by Acquire and Exec when no connection
// became free within Config.Timeout (DB_POOL_TIMEOUT).
var ErrTimeout = errors.New("db pool: timed out waiting for a connection")

// Pool is a bounded connection pool. Up to Size+Overflow connections are in
// use at once; further callers wait in FIFO order for one to be released,
// for at most Config.Timeout or until their context is done.
//
// Connections are counted, not objects: a released connection goes straight
// to the longest waiter if there is one; otherwise it becomes idle, or, if
// more than Size are in use, it is an overflow connection and is closed.
//
// A Pool is safe for concurrent use.
type Pool struct {
	cfg Config

	mu        sync.Mutex
	inUse     int
	waiters   list.List // of *waiter, oldest first
	maxInUse  int
	waitCount int64
	waitTotal time.Duration
	timeouts  int64
	acquired  int64
	queries   int64
}

// waiter is one Acquire queued for a connection. granted and wait are
// written under Pool.mu by the releaser that hands it a connection, before
// ch is closed.
type waiter struct {
	ch      chan struct{}
	since   time.Time
	granted bool
	wait    time.Duration
	elem    *list.Element
}

// New returns an empty pool sized by cfg, or cfg's Validate error.
func New(cfg Config) (*Pool, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Pool{cfg: cfg}, nil
}

// Config returns the configuration the pool was made with.
func (p *Pool) Config() Config { return p.cfg }

// Exec runs queries queries on one connection: it acquires a connection
// (waiting up to Config.Timeout or until ctx is done), holds it for
// queries×Config.QueryTime, and releases it. The hold is a timer wait: it
// models the database's service time and uses no CPU.
//
// wait is how long Exec waited for the connection. err wraps ErrTimeout when
// the wait exceeded Config.Timeout, or ctx's error when ctx was done while
// waiting or holding; a connection held when ctx is done is released at once.
func (p *Pool) Exec(ctx context.Context, queries int) (wait time.Duration, err error) {
	if queries < 0 {
		return 0, fmt.Errorf("db pool: exec: queries is %d, must be 0 or more", queries)
	}
	wait, err = p.acquire(ctx)
	if err != nil {
		return wait, err
	}
	err = p.hold(ctx, queries, time.Duration(queries)*p.cfg.QueryTime)
	p.release()
	return wait, err
}

// Acquire takes a connection, waiting up to Config.Timeout or until ctx is
// done, and reports how long it waited. The caller must Release the Conn.
// err wraps ErrTimeout or ctx's error.
func (p *Pool) Acquire(ctx context.Context) (*Conn, time.Duration, error) {
	wait, err := p.acquire(ctx)
	if err != nil {
		return nil, wait, err
	}
	return &Conn{pool: p}, wait, nil
}

// Conn is one acquired connection, held until Release. Like a real
// connection it is meant for one goroutine at a time; Release alone is safe
// to call more than once.
type Conn struct {
	pool     *Pool
	released atomic.Bool
}

// Exec holds c for queries×Config.QueryTime, or until ctx is done, and
// counts the queries. It does not release c.
func (c *Conn) Exec(ctx context.Context, queries int) error {
	if queries < 0 {
		return fmt.Errorf("db pool: exec: queries is %d, must be 0 or more", queries)
	}
	return c.pool.hold(ctx, queries, time.Duration(queries)*c.pool.cfg.QueryTime)
}

// Query holds c for one query of the given service time (instead of
// Config.QueryTime), or until ctx is done. It does not release c.
func (c *Conn) Query(ctx context.Context, service time.Duration) error {
	return c.pool.hold(ctx, 1, service)
}

// Release returns c to the pool. Calls after the first do nothing.
func (c *Conn) Release() {
	if c.released.Swap(true) {
		return
	}
	c.pool.release()
}

func (p *Pool) acquire(ctx context.Context) (time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("db pool: acquire: %w", err)
	}
	p.mu.Lock()
	if p.inUse < p.cfg.Size+p.cfg.Overflow {
		p.inUse++
		p.maxInUse = max(p.maxInUse, p.inUse)
		p.acquired++
		p.mu.Unlock()
		return 0, nil
	}
	w := &waiter{ch: make(chan struct{}), since: time.Now()}
	w.elem = p.waiters.PushBack(w)
	p.waitCount++
	p.mu.Unlock()

	timer := time.NewTimer(p.cfg.Timeout)
	defer timer.Stop()
	timedOut := false
	select {
	case <-w.ch:
		return w.wait, nil
	case <-timer.C:
		timedOut = true
	case <-ctx.Done():
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	if w.granted {
		// A release handed us a connection while the timer or ctx fired;
		// the grant came first, so take it. Exec's hold notices a done ctx.
		return w.wait, nil
	}
	p.waiters.Remove(w.elem)
	wait := time.Since(w.since)
	p.waitTotal += wait
	if timedOut {
		p.timeouts++
		return wait, fmt.Errorf("%w after %v (DB_POOL_TIMEOUT)", ErrTimeout, p.cfg.Timeout)
	}
	return wait, fmt.Errorf("db pool: waiting for a connection: %w", ctx.Err())
}

// hold keeps a connection for d, counting queries queries.
func (p *Pool) hold(ctx context.Context, queries int, d time.Duration) error {
	p.mu.Lock()
	p.queries += int64(queries)
	p.mu.Unlock()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("db pool: query: %w", ctx.Err())
	}
}

func (p *Pool) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e := p.waiters.Front(); e != nil {
		w := p.waiters.Remove(e).(*waiter)
		w.granted = true
		w.wait = time.Since(w.since)
		p.waitTotal += w.wait
		p.acquired++
		close(w.ch)
		return
	}
	if p.inUse <= 0 {
		panic("dbpool: release without acquire")
	}
	p.inUse--
}

// Stats is a snapshot of a Pool: the connection_pool object of GET
// /api/v1/metrics/database ({size, in_use, available, wait_count} in the
// guide) plus the counters behind it. Counters are cumulative since New.
type Stats struct {
	// Size is DB_POOL_SIZE.
	Size int `json:"size"`
	// Overflow is DB_POOL_OVERFLOW, the most overflow connections allowed.
	Overflow int `json:"overflow"`
	// InUse is the connections held now, overflow included.
	InUse int `json:"in_use"`
	// Available is Size − InUse, clamped at 0.
	Available int `json:"available"`
	// OverflowInUse is the connections held now beyond Size.
	OverflowInUse int `json:"overflow_in_use"`
	// Waiting is the callers queued for a connection now.
	Waiting int `json:"waiting"`
	// WaitCount is the acquisitions that had to queue, counted when they
	// queued, whether they then got a connection, timed out or gave up.
	WaitCount int64 `json:"wait_count"`
	// WaitDurationSecondsTotal is the time all queued callers spent queued,
	// counted when they left the queue.
	WaitDurationSecondsTotal float64 `json:"wait_duration_seconds_total"`
	// Timeouts is the acquisitions that failed with ErrTimeout.
	Timeouts int64 `json:"timeouts"`
	// QueriesTotal is the queries started on acquired connections.
	QueriesTotal int64 `json:"queries_total"`
	// AcquiredTotal is the successful acquisitions.
	AcquiredTotal int64 `json:"acquired_total"`
	// MaxInUse is the most connections ever held at once.
	MaxInUse int `json:"max_in_use"`
}

// Stats returns a consistent snapshot of p. It is safe to call concurrently
// with everything else.
func (p *Pool) Stats() Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Stats{
		Size:                     p.cfg.Size,
		Overflow:                 p.cfg.Overflow,
		InUse:                    p.inUse,
		Available:                max(p.cfg.Size-p.inUse, 0),
		OverflowInUse:            max(p.inUse-p.cfg.Size, 0),
		Waiting:                  p.waiters.Len(),
		WaitCount:                p.waitCount,
		WaitDurationSecondsTotal: p.waitTotal.Seconds(),
		Timeouts:                 p.timeouts,
		QueriesTotal:             p.queries,
		AcquiredTotal:            p.acquired,
		MaxInUse:                 p.maxInUse,
	}
}
