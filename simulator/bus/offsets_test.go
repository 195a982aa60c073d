package bus

import (
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestOffsetTrackerOutOfOrder(t *testing.T) {
	tr := newOffsetTracker()
	for off := int64(10); off < 15; off++ {
		if !tr.Fetched(0, off, 20, t0) {
			t.Fatalf("offset %d reported as a re-delivery", off)
		}
	}
	steps := []struct {
		done       int64
		wantCommit int64 // -1: nothing to commit
	}{
		{12, -1}, // 10 and 11 still in flight
		{14, -1},
		{10, 11}, // 10 done: commit up to it
		{11, 13}, // 11 done, 12 already: 13 next
		{13, 15}, // everything done
	}
	for _, s := range steps {
		tr.Done(0, s.done)
		snap := tr.Committable()
		got, ok := snap.offsets[0]
		if s.wantCommit == -1 {
			if ok {
				t.Fatalf("after done %d: committable %d, want nothing", s.done, got)
			}
			continue
		}
		if !ok || got != s.wantCommit {
			t.Fatalf("after done %d: committable %d (%v), want %d", s.done, got, ok, s.wantCommit)
		}
		tr.Committed(snap)
		if again := tr.Committable(); len(again.offsets) != 0 {
			t.Fatalf("after committing %d: still committable %v", got, again.offsets)
		}
	}
}

func TestOffsetTrackerPartitionsAreIndependent(t *testing.T) {
	tr := newOffsetTracker()
	tr.Fetched(0, 0, 2, t0)
	tr.Fetched(1, 0, 2, t0)
	tr.Fetched(0, 1, 2, t0)
	tr.Done(0, 1)
	tr.Done(1, 0)
	snap := tr.Committable()
	if _, ok := snap.offsets[0]; ok {
		t.Errorf("partition 0 committable %d while offset 0 is in flight", snap.offsets[0])
	}
	if snap.offsets[1] != 1 {
		t.Errorf("partition 1 committable %d, want 1", snap.offsets[1])
	}
	if n := tr.Committed(snap); n != 1 {
		t.Errorf("committed %d messages, want 1", n)
	}
}

func TestOffsetTrackerGapsAndRedelivery(t *testing.T) {
	tr := newOffsetTracker()
	// Offsets 5 and 6 are missing (e.g. transaction markers).
	for _, off := range []int64{3, 4, 7, 8} {
		tr.Fetched(0, off, 9, t0)
	}
	tr.Done(0, 3)
	tr.Done(0, 4)
	tr.Done(0, 7)
	if got := tr.Committable().offsets[0]; got != 8 {
		t.Fatalf("committable %d, want 8 (past the gap)", got)
	}
	// A rebalance rewinds the reader to the committed offset: what this
	// replica already has is a re-delivery, the rest is new.
	for _, off := range []int64{3, 4, 7, 8} {
		if tr.Fetched(0, off, 10, t0) {
			t.Errorf("offset %d re-delivered but reported new", off)
		}
	}
	if !tr.Fetched(0, 9, 10, t0) {
		t.Errorf("offset 9 is new but reported re-delivered")
	}
	// Unknown or repeated Done calls change nothing.
	tr.Done(0, 100)
	tr.Done(0, 7)
	tr.Done(5, 1)
	tr.Done(0, 8)
	tr.Done(0, 9)
	snap := tr.Committable()
	if snap.offsets[0] != 10 || snap.messages[0] != 5 {
		t.Errorf("committable %d covering %d messages, want 10 covering 5", snap.offsets[0], snap.messages[0])
	}
}

func TestOffsetTrackerLag(t *testing.T) {
	tr := newOffsetTracker()
	tr.Fetched(0, 0, 100, t0) // 100 on the broker, 0 in flight
	tr.Fetched(1, 50, 60, t0)
	tr.Done(1, 50) // partition 1: next 51, end 60
	if got := tr.Lag(t0.Add(time.Second), 10*time.Second); got != 100+9 {
		t.Errorf("lag %d, want 109", got)
	}
	// Partition 1 keeps being fetched; partition 0 went quiet (moved away).
	tr.Fetched(1, 51, 60, t0.Add(20*time.Second))
	if got := tr.Lag(t0.Add(21*time.Second), 10*time.Second); got != 9 {
		t.Errorf("lag %d, want 9 once partition 0 went stale", got)
	}
}

// FuzzOffsetTracker completes fetched offsets in a random order and checks
// that the committable offset never passes an offset still in flight and
// ends at the last offset + 1.
func FuzzOffsetTracker(f *testing.F) {
	f.Add(uint64(1), uint8(10), uint8(3))
	f.Add(uint64(42), uint8(200), uint8(1))
	f.Add(uint64(7), uint8(1), uint8(0))
	f.Fuzz(func(t *testing.T, seed uint64, count, gapEvery uint8) {
		if count == 0 {
			return
		}
		rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
		tr := newOffsetTracker()
		var offs []int64
		off := int64(rng.IntN(1000))
		for i := range int(count) {
			if gapEvery > 0 && i%int(gapEvery) == 0 {
				off += int64(rng.IntN(3))
			}
			offs = append(offs, off)
			tr.Fetched(0, off, off+1, t0)
			off++
		}
		done := map[int64]bool{}
		last := int64(-1)
		for _, i := range rng.Perm(len(offs)) {
			tr.Done(0, offs[i])
			done[offs[i]] = true
			snap := tr.Committable()
			next, ok := snap.offsets[0]
			if !ok {
				continue
			}
			if next < last {
				t.Fatalf("committable went back from %d to %d", last, next)
			}
			for _, o := range offs {
				if o < next && !done[o] {
					t.Fatalf("committable %d passes offset %d still in flight", next, o)
				}
			}
			last = next
			tr.Committed(snap)
		}
		if want := offs[len(offs)-1] + 1; last != want {
			t.Fatalf("final committable %d, want %d", last, want)
		}
	})
}
