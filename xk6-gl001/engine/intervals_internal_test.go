package engine

import (
	"math"
	"testing"
	"time"
)

// At the guide's 100 optimize/min (1.67/s) a schedule that is kept starts
// one or two iterations a second. The progress line used to divide the
// last second's starts by one second and showed 1.01/s; over a window
// long enough to hold 20 arrivals it reads the rate.
func TestRateWindowReadsTheRate(t *testing.T) {
	const perSecond = 100.0 / 60
	var w rateWindow
	for s := 1; s <= 60; s++ {
		at := time.Duration(s) * time.Second
		w.add(at, int64(math.Floor(perSecond*float64(s)))) // the kept schedule's count
	}
	rate, window := w.rate(perSecond)
	if window < 12*time.Second || window > maxRateWindow {
		t.Errorf("window %v, want at least 12 s (20 arrivals at 1.67/s)", window)
	}
	if math.Abs(rate-perSecond) > 0.1 {
		t.Errorf("rate %.3f/s over %v, want 1.67/s", rate, window)
	}

	// At 3,000/s the window is the 5 s floor, and it follows a drop at once.
	var fast rateWindow
	started := int64(0)
	for s := 1; s <= 20; s++ {
		step := int64(3000)
		if s > 15 {
			step = 1500
		}
		started += step
		fast.add(time.Duration(s)*time.Second, started)
	}
	rate, window = fast.rate(3000)
	if window != minRateWindow || rate != 1500 {
		t.Errorf("rate %.1f/s over %v, want 1500/s over %v", rate, window, minRateWindow)
	}

	// The history is bounded by maxRateWindow, however long the run.
	var long rateWindow
	for s := 1; s <= 86400; s++ {
		long.add(time.Duration(s)*time.Second, int64(s))
	}
	if n := len(long.points); n > int(maxRateWindow/time.Second)+2 {
		t.Errorf("%d points kept after a day, want at most %d", n, int(maxRateWindow/time.Second)+2)
	}
	if r, _ := (&rateWindow{}).rate(1); r != 0 {
		t.Errorf("an empty window reads %v", r)
	}
}
