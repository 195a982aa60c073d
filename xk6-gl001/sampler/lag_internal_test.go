package sampler

import (
	"math"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func sec(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

// history builds a partition history from (seconds after t0, end offset)
// pairs, keeping keep.
func history(keep time.Duration, points ...[2]float64) *offsetHistory {
	h := &offsetHistory{}
	for _, p := range points {
		h.add(sec(p[0]), int64(p[1]), keep)
	}
	return h
}

func TestOffsetHistoryInterpolation(t *testing.T) {
	// End offsets: 0 at 0 s, 100 at 10 s, 300 from 20 s to 40 s, 400 at
	// 50 s. The reading at 30 s is the middle of a flat run and is dropped.
	h := history(10*time.Minute, [2]float64{0, 0}, [2]float64{10, 100}, [2]float64{20, 300},
		[2]float64{30, 300}, [2]float64{40, 300}, [2]float64{50, 400})
	wantPoints := []offsetPoint{{sec(0), 0}, {sec(10), 100}, {sec(20), 300}, {sec(40), 300}, {sec(50), 400}}
	if len(h.points) != len(wantPoints) {
		t.Fatalf("points %v, want %v", h.points, wantPoints)
	}
	for i, p := range wantPoints {
		if !h.points[i].at.Equal(p.at) || h.points[i].end != p.end {
			t.Fatalf("points %v, want %v", h.points, wantPoints)
		}
	}
	now := sec(60)
	for _, tc := range []struct {
		committed int64
		want      float64 // seconds, worked by hand
	}{
		{0, 60},     // last at 0 at 0 s: 60 − 0
		{50, 55},    // halfway 0→100 between 0 s and 10 s: 5 s
		{100, 50},   // at 10 s
		{200, 45},   // halfway 100→300 between 10 s and 20 s: 15 s
		{300, 20},   // still 300 at 40 s: message 300 came after that
		{350, 15},   // halfway 300→400 between 40 s and 50 s: 45 s
		{399, 10.1}, // 99 % of 40 s→50 s: 49.9 s
		{400, 0},    // caught up
		{450, 0},    // past the end (a stale end offset): no lag
	} {
		if got := h.lagSeconds(now, tc.committed); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("committed %d: lag %v s, want %v s", tc.committed, got, tc.want)
		}
	}
}

func TestOffsetHistoryOutsideTheHistory(t *testing.T) {
	// Keeping 30 s, at 50 s the readings at 0 s and 10 s are gone:
	// (20 s, 300), (40 s, 300), (50 s, 400) remain.
	h := history(30*time.Second, [2]float64{0, 0}, [2]float64{10, 100}, [2]float64{20, 300},
		[2]float64{30, 300}, [2]float64{40, 300}, [2]float64{50, 400})
	if len(h.points) != 3 || !h.points[0].at.Equal(sec(20)) {
		t.Fatalf("points %v", h.points)
	}
	now := sec(50)
	// Older than the history: extrapolated on the line through the first
	// and last points, 100 offsets per 30 s. 100 is 200 before 300 (at
	// 20 s): 60 s earlier, at −40 s; lag 90 s.
	if got := h.lagSeconds(now, 100); math.Abs(got-90) > 1e-9 {
		t.Errorf("extrapolated lag %v s, want 90 s", got)
	}
	// Just under the oldest point: extrapolated to 0.3 s before it.
	if got := h.lagSeconds(now, 299); math.Abs(got-30.3) > 1e-9 {
		t.Errorf("lag just under the oldest point %v s, want 30.3 s", got)
	}

	// No rate to extrapolate with: one reading, or no new messages.
	one := history(time.Minute, [2]float64{0, 10})
	if got := one.lagSeconds(sec(7), 5); got != 7 {
		t.Errorf("one reading: lag %v s, want 7 s (since the reading)", got)
	}
	flat := history(time.Minute, [2]float64{0, 10}, [2]float64{5, 10}, [2]float64{9, 10})
	if got := flat.lagSeconds(sec(12), 3); got != 12 || len(flat.points) != 2 {
		t.Errorf("flat history %v: lag %v s, want 12 s", flat.points, got)
	}
	if got := (&offsetHistory{}).lagSeconds(sec(1), 0); got != 0 {
		t.Errorf("empty history: lag %v", got)
	}
}

func TestOffsetHistoryBounds(t *testing.T) {
	// A lower end offset (topic recreated) starts over.
	h := history(time.Minute, [2]float64{0, 100}, [2]float64{1, 200}, [2]float64{2, 5})
	if len(h.points) != 1 || h.points[0].end != 5 {
		t.Errorf("after a reset: %v", h.points)
	}
	// Two readings at one instant: one point, the higher offset.
	h = history(time.Minute, [2]float64{0, 10}, [2]float64{0, 12})
	if len(h.points) != 1 || h.points[0].end != 12 {
		t.Errorf("same instant: %v", h.points)
	}
	// However long History is, at most maxLagPoints are kept.
	h = &offsetHistory{}
	for i := range 3 * maxLagPoints {
		h.add(t0.Add(time.Duration(i)*time.Millisecond), int64(i), time.Hour)
	}
	if len(h.points) != maxLagPoints || h.points[len(h.points)-1].end != 3*maxLagPoints-1 {
		t.Errorf("%d points kept, newest %v", len(h.points), h.points[len(h.points)-1])
	}
}
