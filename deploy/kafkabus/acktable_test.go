package kafkabus

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/api"
)

func ack(id string) api.Ack { return api.Ack{EventID: id, Status: api.AckOK, Replica: "r"} }

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestAckTableMatchesEitherOrder(t *testing.T) {
	tb := newAckTable(time.Minute, 100)

	// Ack first, then the claim.
	tb.deliver(ack("a"), t0)
	got, ok, err := tb.take("a", &ackWaiterEntry{ch: make(chan api.Ack, 1)}, t0)
	if err != nil || !ok || got.EventID != "a" {
		t.Fatalf("take after deliver: %+v %v %v", got, ok, err)
	}

	// Claim first, then the ack.
	w := &ackWaiterEntry{ch: make(chan api.Ack, 1)}
	if _, ok, _ := tb.take("b", w, t0); ok {
		t.Fatal("take of an ack not yet delivered returned one")
	}
	tb.deliver(ack("b"), t0)
	select {
	case got := <-w.ch:
		if got.EventID != "b" {
			t.Fatalf("waiter got %+v", got)
		}
	default:
		t.Fatal("waiter not answered")
	}

	// A Notify callback is called once, with the ack.
	var calls []string
	tb.take("c", &ackWaiterEntry{fn: func(a api.Ack, err error) { calls = append(calls, fmt.Sprint(a.EventID, err)) }}, t0)
	tb.deliver(ack("c"), t0)
	tb.deliver(ack("c"), t0) // a duplicate is kept unclaimed, not delivered twice
	if len(calls) != 1 || calls[0] != "c<nil>" {
		t.Fatalf("notify calls %q", calls)
	}
	received, matched, _, _, unclaimed, waiting := tb.counts()
	if received != 4 || matched != 3 || unclaimed != 1 || waiting != 0 {
		t.Errorf("counts: received %d matched %d unclaimed %d waiting %d", received, matched, unclaimed, waiting)
	}
}

func TestAckTableExpiry(t *testing.T) {
	ttl := time.Minute
	tb := newAckTable(ttl, 3)

	// Unclaimed acks go after the TTL ...
	tb.deliver(ack("old"), t0)
	tb.sweep(t0.Add(ttl - time.Second))
	if _, _, _, _, n, _ := tb.counts(); n != 1 {
		t.Fatalf("unclaimed %d before the TTL, want 1", n)
	}
	tb.sweep(t0.Add(ttl))
	if _, _, exp, _, n, _ := tb.counts(); n != 0 || exp != 1 {
		t.Fatalf("unclaimed %d expired %d after the TTL, want 0 and 1", n, exp)
	}

	// ... and beyond the cap, oldest first.
	for i := range 5 {
		tb.deliver(ack(fmt.Sprint("id", i)), t0.Add(2*ttl))
	}
	if _, _, _, _, n, _ := tb.counts(); n != 3 {
		t.Fatalf("unclaimed %d, want the cap 3", n)
	}
	w0 := &ackWaiterEntry{ch: make(chan api.Ack, 1)}
	if _, ok, _ := tb.take("id0", w0, t0.Add(2*ttl)); ok {
		t.Error("oldest ack survived the cap")
	}
	tb.withdraw("id0", w0)
	if _, ok, _ := tb.take("id4", &ackWaiterEntry{ch: make(chan api.Ack, 1)}, t0.Add(2*ttl)); !ok {
		t.Error("newest ack dropped by the cap")
	}

	// A Notify nobody answers gets ErrAckExpired after the TTL.
	var gotErr error
	tb.take("never", &ackWaiterEntry{fn: func(_ api.Ack, err error) { gotErr = err }}, t0)
	tb.sweep(t0.Add(ttl / 2))
	if gotErr != nil {
		t.Fatalf("notify answered early: %v", gotErr)
	}
	tb.sweep(t0.Add(ttl))
	if !errors.Is(gotErr, ErrAckExpired) {
		t.Fatalf("notify got %v, want ErrAckExpired", gotErr)
	}
	if _, _, _, expW, _, waiting := tb.counts(); expW != 1 || waiting != 0 {
		t.Errorf("expired waits %d waiting %d, want 1 and 0", expW, waiting)
	}
}

func TestAckTableClose(t *testing.T) {
	tb := newAckTable(time.Minute, 10)
	var gotErr error
	tb.take("x", &ackWaiterEntry{fn: func(_ api.Ack, err error) { gotErr = err }}, t0)
	w := &ackWaiterEntry{ch: make(chan api.Ack, 1)}
	tb.take("y", w, t0)
	tb.close()
	if !errors.Is(gotErr, ErrAckWaiterClosed) {
		t.Errorf("notify got %v, want ErrAckWaiterClosed", gotErr)
	}
	if _, _, err := tb.take("z", &ackWaiterEntry{ch: make(chan api.Ack, 1)}, t0); !errors.Is(err, ErrAckWaiterClosed) {
		t.Errorf("take after close: %v, want ErrAckWaiterClosed", err)
	}
	tb.deliver(ack("y"), t0) // late ack after close: dropped, no panic
	if len(w.ch) != 0 {
		t.Error("waiter answered after close")
	}
}
