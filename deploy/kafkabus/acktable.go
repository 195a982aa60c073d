package kafkabus

import (
	"errors"
	"sync"
	"time"

	"github.com/greenlang/gl001/simulator/api"
)

// Sentinel errors of AckWaiter.
var (
	// ErrAckExpired is given to a Notify callback whose ack did not come
	// within the waiter's TTL.
	ErrAckExpired = errors.New("ack did not arrive in time")
	// ErrAckWaiterClosed is returned by Wait, and given to pending Notify
	// callbacks, when the AckWaiter is closed.
	ErrAckWaiterClosed = errors.New("ack waiter closed")
)

// ackTable matches acks to the callers waiting for them. An ack that nobody
// waits for yet is kept as unclaimed until a Wait or Notify takes it, or
// until ttl passes or more than maxUnclaimed are kept (oldest go first). A
// Notify registration that no ack answers within ttl gets ErrAckExpired.
// Wait registrations live as long as the caller's context.
//
// Times are passed in so tests need no clock. ackTable is safe for
// concurrent use; callbacks run outside its lock.
type ackTable struct {
	ttl          time.Duration
	maxUnclaimed int

	mu        sync.Mutex
	closed    bool
	unclaimed map[string]unclaimedAck
	waiting   map[string][]*ackWaiterEntry
	// Expiry queues in arrival/registration order; entries that were
	// claimed or replaced meanwhile are skipped when popped.
	unclaimedQ []expiry
	notifyQ    []notifyExpiry

	stats ackTableStats
}

type unclaimedAck struct {
	ack api.Ack
	at  time.Time
	seq uint64
}

type expiry struct {
	id  string
	seq uint64
	at  time.Time
}

type notifyExpiry struct {
	id string
	w  *ackWaiterEntry
	at time.Time
}

// ackWaiterEntry is one Wait (ch set) or Notify (fn set) registration.
type ackWaiterEntry struct {
	ch   chan api.Ack
	fn   func(api.Ack, error)
	gone bool // answered, expired or withdrawn
}

type ackTableStats struct {
	received, matched, expiredUnclaimed, expiredWaits int64
	seq                                               uint64
}

func newAckTable(ttl time.Duration, maxUnclaimed int) *ackTable {
	return &ackTable{
		ttl:          ttl,
		maxUnclaimed: maxUnclaimed,
		unclaimed:    make(map[string]unclaimedAck),
		waiting:      make(map[string][]*ackWaiterEntry),
	}
}

// deliver hands ack to whoever waits for its event id, or keeps it.
func (t *ackTable) deliver(ack api.Ack, now time.Time) {
	t.mu.Lock()
	t.stats.received++
	ws := t.waiting[ack.EventID]
	delete(t.waiting, ack.EventID)
	var fns []func(api.Ack, error)
	for _, w := range ws {
		if w.gone {
			continue
		}
		w.gone = true
		t.stats.matched++
		if w.ch != nil {
			w.ch <- ack // buffered, one slot, sent once
		} else {
			fns = append(fns, w.fn)
		}
	}
	if len(ws) == 0 && !t.closed {
		t.stats.seq++
		t.unclaimed[ack.EventID] = unclaimedAck{ack: ack, at: now, seq: t.stats.seq}
		t.unclaimedQ = append(t.unclaimedQ, expiry{id: ack.EventID, seq: t.stats.seq, at: now})
		t.trimUnclaimed(now)
	}
	t.mu.Unlock()
	for _, fn := range fns {
		fn(ack, nil)
	}
}

// take returns the unclaimed ack for id, if any, and otherwise registers w.
func (t *ackTable) take(id string, w *ackWaiterEntry, now time.Time) (api.Ack, bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return api.Ack{}, false, ErrAckWaiterClosed
	}
	if u, ok := t.unclaimed[id]; ok {
		delete(t.unclaimed, id)
		t.stats.matched++
		return u.ack, true, nil
	}
	t.waiting[id] = append(t.waiting[id], w)
	if w.fn != nil {
		t.notifyQ = append(t.notifyQ, notifyExpiry{id: id, w: w, at: now})
	}
	return api.Ack{}, false, nil
}

// withdraw removes a Wait registration whose caller gave up; an ack
// delivered to it before this returns is in its channel.
func (t *ackTable) withdraw(id string, w *ackWaiterEntry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if w.gone {
		return
	}
	w.gone = true
	t.removeWaiter(id, w)
}

func (t *ackTable) removeWaiter(id string, w *ackWaiterEntry) {
	ws := t.waiting[id]
	for i, x := range ws {
		if x == w {
			ws = append(ws[:i], ws[i+1:]...)
			break
		}
	}
	if len(ws) == 0 {
		delete(t.waiting, id)
	} else {
		t.waiting[id] = ws
	}
}

// sweep expires unclaimed acks and Notify registrations older than ttl.
func (t *ackTable) sweep(now time.Time) {
	t.mu.Lock()
	t.trimUnclaimed(now)
	var expired []func(api.Ack, error)
	n := 0
	for n < len(t.notifyQ) && now.Sub(t.notifyQ[n].at) >= t.ttl {
		e := t.notifyQ[n]
		n++
		if e.w.gone {
			continue
		}
		e.w.gone = true
		t.removeWaiter(e.id, e.w)
		t.stats.expiredWaits++
		expired = append(expired, e.w.fn)
	}
	t.notifyQ = t.notifyQ[:copy(t.notifyQ, t.notifyQ[n:])]
	t.mu.Unlock()
	for _, fn := range expired {
		fn(api.Ack{}, ErrAckExpired)
	}
}

// trimUnclaimed drops unclaimed acks past ttl or beyond maxUnclaimed,
// oldest first. t.mu is held.
func (t *ackTable) trimUnclaimed(now time.Time) {
	n := 0
	for n < len(t.unclaimedQ) {
		e := t.unclaimedQ[n]
		u, live := t.unclaimed[e.id]
		live = live && u.seq == e.seq
		if live && now.Sub(e.at) < t.ttl && len(t.unclaimed) <= t.maxUnclaimed {
			break
		}
		n++
		if live {
			delete(t.unclaimed, e.id)
			t.stats.expiredUnclaimed++
		}
	}
	t.unclaimedQ = t.unclaimedQ[:copy(t.unclaimedQ, t.unclaimedQ[n:])]
}

// close answers every pending Notify with ErrAckWaiterClosed and drops all
// state; Wait callers see the waiter's done channel.
func (t *ackTable) close() {
	t.mu.Lock()
	t.closed = true
	var fns []func(api.Ack, error)
	for _, ws := range t.waiting {
		for _, w := range ws {
			if !w.gone && w.fn != nil {
				fns = append(fns, w.fn)
			}
			w.gone = true
		}
	}
	t.waiting = map[string][]*ackWaiterEntry{}
	t.unclaimed = map[string]unclaimedAck{}
	t.unclaimedQ, t.notifyQ = nil, nil
	t.mu.Unlock()
	for _, fn := range fns {
		fn(api.Ack{}, ErrAckWaiterClosed)
	}
}

// counts returns the table's counters and sizes.
func (t *ackTable) counts() (received, matched, expiredUnclaimed, expiredWaits int64, unclaimed, waiting int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, ws := range t.waiting {
		waiting += len(ws)
	}
	return t.stats.received, t.stats.matched, t.stats.expiredUnclaimed, t.stats.expiredWaits, len(t.unclaimed), waiting
}
