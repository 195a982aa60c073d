package bus

import (
	"sort"
	"time"
)

// offsetTracker decides which offsets a replica may commit when several
// workers finish messages out of order. For each partition it keeps the
// fetched offsets in fetch order; an offset becomes committable only when it
// and every offset fetched before it on that partition are done, so a commit
// never skips a message still being handled. Gaps between fetched offsets
// (compacted records, transaction markers) are fine: the tracker follows
// what was fetched, not offset+1.
//
// A fetch of an offset at or below the highest one already fetched on the
// partition is a re-delivery (kafka-go rewinds to the committed offset after
// a rebalance); Fetched reports it so the caller can skip it, because this
// replica already holds that message, done or in flight.
//
// Times are passed in so tests need no clock. offsetTracker is not safe for
// concurrent use; Processor guards it with a mutex.
type offsetTracker struct {
	parts map[int]*partitionOffsets
}

// partitionOffsets is one partition's state.
type partitionOffsets struct {
	pending      []pendingOffset // fetched, not yet popped, ascending
	lastFetched  int64           // highest offset fetched; -1 before the first
	next         int64           // committable offset: last popped + 1; -1 before the first pop
	committed    int64           // last offset committed; -1 before the first commit
	popped       int64           // messages popped (done in order), cumulative
	poppedAtSnap int64           // popped when the last commit snapshot was taken
	highWater    int64           // partition end offset seen at the last fetch
	lastFetchAt  time.Time
}

type pendingOffset struct {
	offset int64
	done   bool
}

func newOffsetTracker() *offsetTracker {
	return &offsetTracker{parts: make(map[int]*partitionOffsets)}
}

func (t *offsetTracker) partition(p int) *partitionOffsets {
	po := t.parts[p]
	if po == nil {
		po = &partitionOffsets{lastFetched: -1, next: -1, committed: -1}
		t.parts[p] = po
	}
	return po
}

// Fetched records that offset was fetched from partition, with the
// partition's high-water mark at that fetch. It returns false for a
// re-delivery that the caller should skip.
func (t *offsetTracker) Fetched(partition int, offset, highWater int64, now time.Time) bool {
	po := t.partition(partition)
	po.lastFetchAt = now
	if highWater > po.highWater {
		po.highWater = highWater
	}
	if offset <= po.lastFetched {
		return false
	}
	po.lastFetched = offset
	po.pending = append(po.pending, pendingOffset{offset: offset})
	return true
}

// Done marks offset on partition handled (its ack written). Unknown offsets
// are ignored.
func (t *offsetTracker) Done(partition int, offset int64) {
	po := t.parts[partition]
	if po == nil {
		return
	}
	i := sort.Search(len(po.pending), func(i int) bool { return po.pending[i].offset >= offset })
	if i == len(po.pending) || po.pending[i].offset != offset {
		return
	}
	po.pending[i].done = true
	n := 0
	for n < len(po.pending) && po.pending[n].done {
		n++
	}
	if n == 0 {
		return
	}
	po.next = po.pending[n-1].offset + 1
	po.popped += int64(n)
	// Shift rather than reslice so the backing array does not grow without
	// bound on a long run.
	po.pending = po.pending[:copy(po.pending, po.pending[n:])]
}

// commitSnapshot is what to commit: partition -> next offset to read, and
// how many messages that covers.
type commitSnapshot struct {
	offsets  map[int]int64
	messages map[int]int64
}

// Committable returns, for each partition whose committable offset moved
// since its last commit, that offset. Partitions that did not move are left
// out: re-committing an old offset after the partition moved to another
// replica would rewind that replica's progress.
func (t *offsetTracker) Committable() commitSnapshot {
	s := commitSnapshot{offsets: map[int]int64{}, messages: map[int]int64{}}
	for p, po := range t.parts {
		if po.next >= 0 && po.next != po.committed {
			s.offsets[p] = po.next
			s.messages[p] = po.popped - po.poppedAtSnap
		}
	}
	return s
}

// Committed records that s was committed and returns how many messages it
// covered.
func (t *offsetTracker) Committed(s commitSnapshot) int64 {
	var n int64
	for p, off := range s.offsets {
		po := t.parts[p]
		po.committed = off
		po.poppedAtSnap += s.messages[p]
		n += s.messages[p]
	}
	return n
}

// Lag is the number of messages on the broker that this replica has not
// finished, summed over partitions it fetched from within window before now:
// the high-water mark at the last fetch minus the first offset not done. A
// partition not fetched from within window has most likely moved to another
// replica, so it counts zero.
func (t *offsetTracker) Lag(now time.Time, window time.Duration) int64 {
	var lag int64
	for _, po := range t.parts {
		if now.Sub(po.lastFetchAt) > window {
			continue
		}
		first := po.next
		if len(po.pending) > 0 {
			first = po.pending[0].offset
		}
		if first < 0 {
			continue
		}
		if d := po.highWater - first; d > 0 {
			lag += d
		}
	}
	return lag
}
