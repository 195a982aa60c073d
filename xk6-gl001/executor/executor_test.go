package executor

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// start records one iteration: when it was scheduled and when it ran.
type start struct{ scheduled, ran time.Time }

// recorder is an Iteration that records its starts and then sleeps (or
// waits for its context, if cancellable) for work.
type recorder struct {
	mu     sync.Mutex
	starts []start
	ctxErr []error
	work   time.Duration
}

func (r *recorder) iterate(ctx context.Context, scheduled time.Time) {
	now := time.Now()
	r.mu.Lock()
	r.starts = append(r.starts, start{scheduled, now})
	r.mu.Unlock()
	select {
	case <-time.After(r.work):
	case <-ctx.Done():
		r.mu.Lock()
		r.ctxErr = append(r.ctxErr, ctx.Err())
		r.mu.Unlock()
	}
}

// run runs c to the end in the current bubble and returns the executor,
// Run's error and how long Run took.
func run(t *testing.T, c Config, it Iteration) (*Executor, error, time.Duration) {
	t.Helper()
	e, err := New("test", c, it)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	err = e.Run(t.Context())
	return e, err, time.Since(t0)
}

// checkInvariants checks the counts every finished run must satisfy.
func checkInvariants(t *testing.T, s Stats) {
	t.Helper()
	if s.Started+s.Dropped != s.Scheduled {
		t.Errorf("Started %d + Dropped %d != Scheduled %d", s.Started, s.Dropped, s.Scheduled)
	}
	if s.Dropped != s.DroppedNoVU+s.DroppedBehind {
		t.Errorf("Dropped %d != DroppedNoVU %d + DroppedBehind %d", s.Dropped, s.DroppedNoVU, s.DroppedBehind)
	}
	if s.Started != s.Completed+s.Interrupted {
		t.Errorf("Started %d != Completed %d + Interrupted %d", s.Started, s.Completed, s.Interrupted)
	}
	if s.ActiveVUs != 0 {
		t.Errorf("ActiveVUs = %d after Run", s.ActiveVUs)
	}
}

// TestExecutorFollowsSchedule runs every profile of scheduleCases with
// VUs to spare: every arrival starts, exactly at its scheduled time.
func TestExecutorFollowsSchedule(t *testing.T) {
	for _, tc := range scheduleCases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := tc.cfg
				c.PreAllocatedVUs = 3
				r := &recorder{}
				t0 := time.Now()
				e, err, took := run(t, c, r.iterate)
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				if took != c.TotalDuration() {
					t.Errorf("Run took %v, want TotalDuration %v", took, c.TotalDuration())
				}
				s := e.Stats()
				checkInvariants(t, s)
				if s.Started != tc.count || s.Dropped != 0 || s.Completed != tc.count {
					t.Fatalf("started %d dropped %d completed %d, want %d, 0, %d", s.Started, s.Dropped, s.Completed, tc.count, tc.count)
				}
				want := offsets(t, c)
				for i, st := range r.starts { // one VU-free schedule: starts are in order
					if st.scheduled != t0.Add(want[i]) {
						t.Fatalf("iteration %d scheduled at +%v, want +%v", i, st.scheduled.Sub(t0), want[i])
					}
					if !st.ran.Equal(st.scheduled) {
						t.Fatalf("iteration %d ran at +%v, scheduled +%v", i, st.ran.Sub(t0), st.scheduled.Sub(t0))
					}
				}
			})
		})
	}
}

// TestExecutorDropsNeverQueues: one VU busy 350ms, arrivals every 100ms.
// The VU takes the arrivals at 0, .4, .8, 1.2, 1.6s; the rest are dropped.
func TestExecutorDropsNeverQueues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := constant(10, time.Second, 2*time.Second)
		c.PreAllocatedVUs, c.MaxVUs = 1, 1
		r := &recorder{work: 350 * time.Millisecond}
		t0 := time.Now()
		e, err, _ := run(t, c, r.iterate)
		if err != nil {
			t.Fatal(err)
		}
		s := e.Stats()
		checkInvariants(t, s)
		if s.Started != 5 || s.Dropped != 15 || s.DroppedNoVU != 15 || s.Scheduled != 20 || s.AllocatedVUs != 1 {
			t.Errorf("started %d dropped %d (no VU %d) scheduled %d VUs %d; want 5, 15 (15), 20, 1", s.Started, s.Dropped, s.DroppedNoVU, s.Scheduled, s.AllocatedVUs)
		}
		for i, st := range r.starts {
			if want := t0.Add(time.Duration(i) * 400 * time.Millisecond); st.scheduled != want || st.ran != want {
				t.Errorf("iteration %d scheduled +%v ran +%v, want both +%v (never queued)", i, st.scheduled.Sub(t0), st.ran.Sub(t0), want.Sub(t0))
			}
		}
	})
}

func TestExecutorGrowsVUs(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		maxVUs                int64
		started, dropped, vus int64
	}{
		// 350ms iterations every 100ms need 4 VUs. Beyond the one
		// pre-allocated, each new VU costs the arrival that made it (at
		// .1, .3 and .7s), as in k6.
		{"enough", 10, 17, 3, 4},
		// Two VUs take two arrivals of every four.
		{"capped", 2, 10, 10, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := constant(10, time.Second, 2*time.Second)
				c.PreAllocatedVUs, c.MaxVUs = 1, tc.maxVUs
				r := &recorder{work: 350 * time.Millisecond}
				e, err, _ := run(t, c, r.iterate)
				if err != nil {
					t.Fatal(err)
				}
				s := e.Stats()
				checkInvariants(t, s)
				if s.Started != tc.started || s.Dropped != tc.dropped || s.AllocatedVUs != tc.vus {
					t.Errorf("started %d dropped %d VUs %d, want %d, %d, %d", s.Started, s.Dropped, s.AllocatedVUs, tc.started, tc.dropped, tc.vus)
				}
				for _, st := range r.starts {
					if st.ran != st.scheduled {
						t.Errorf("an iteration scheduled at %v ran at %v", st.scheduled, st.ran)
					}
				}
			})
		})
	}
}

// TestExecutorSpawnedVUDropsItsArrival: an arrival that finds no free
// VU with all preAllocatedVUs made is dropped, also when it starts a new
// VU (k6's unplanned VU); the new VU takes the next arrival. Within
// preAllocatedVUs a VU made on demand takes its arrival (k6 had it ready).
func TestExecutorSpawnedVUDropsItsArrival(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		pre, max                  int64
		started, droppedNoVU, vus int64
		firstRun                  []time.Duration // the first iterations' scheduled offsets
	}{
		// 1s iterations, arrivals every 100ms over 300ms: 3 arrivals.
		{"pre-allocated take theirs", 3, 3, 3, 0, 3, []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond}},
		{"spawned drop theirs", 1, 3, 2, 1, 2, []time.Duration{0, 200 * time.Millisecond}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := constant(10, time.Second, time.Second)
				c.PreAllocatedVUs, c.MaxVUs = tc.pre, tc.max
				r := &recorder{work: 10 * time.Second}
				c.GracefulStop = Duration(20 * time.Second)
				e, err := New("test", c, r.iterate)
				if err != nil {
					t.Fatal(err)
				}
				t0 := time.Now()
				go func() { _ = e.Run(t.Context()) }()
				time.Sleep(250 * time.Millisecond)
				synctest.Wait()
				s := e.Stats()
				e.Stop()
				synctest.Wait()
				if s.Started != tc.started || s.DroppedNoVU != tc.droppedNoVU || s.AllocatedVUs != tc.vus {
					t.Errorf("by +250ms: started %d dropped (no VU) %d VUs %d, want %d, %d, %d", s.Started, s.DroppedNoVU, s.AllocatedVUs, tc.started, tc.droppedNoVU, tc.vus)
				}
				r.mu.Lock()
				defer r.mu.Unlock()
				var got []time.Duration
				for _, st := range r.starts[:min(len(r.starts), len(tc.firstRun))] {
					got = append(got, st.scheduled.Sub(t0))
				}
				if !slices.Equal(got, tc.firstRun) {
					t.Errorf("iterations scheduled at %v, want %v", got, tc.firstRun)
				}
			})
		})
	}
}

func TestExecutorGracefulStop(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		work, gracefulStop     time.Duration
		took                   time.Duration
		completed, interrupted int64
	}{
		{"finishes within gracefulStop", 5 * time.Second, 10 * time.Second, 5 * time.Second, 1, 0},
		{"interrupted after gracefulStop", time.Minute, 2 * time.Second, 3 * time.Second, 0, 1},
		{"gracefulStop 0 interrupts at the end", time.Minute, 0, time.Second, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := constant(1, time.Second, time.Second) // one arrival, at 0
				c.GracefulStop = Duration(tc.gracefulStop)
				r := &recorder{work: tc.work}
				e, err, took := run(t, c, r.iterate)
				if err != nil {
					t.Fatal(err)
				}
				s := e.Stats()
				checkInvariants(t, s)
				if took != tc.took || s.Completed != tc.completed || s.Interrupted != tc.interrupted {
					t.Errorf("took %v completed %d interrupted %d, want %v, %d, %d", took, s.Completed, s.Interrupted, tc.took, tc.completed, tc.interrupted)
				}
				if tc.interrupted > 0 && (len(r.ctxErr) != 1 || !errors.Is(r.ctxErr[0], context.Canceled)) {
					t.Errorf("interrupted iteration saw ctx errors %v, want [context.Canceled]", r.ctxErr)
				}
				if s.Elapsed != tc.took {
					t.Errorf("Elapsed after Run = %v, want %v", s.Elapsed, tc.took)
				}
			})
		})
	}
}

// TestExecutorCancel cancels Run's context at 3.05s of a 10/s, 10s run:
// scheduling stops at once (31 arrivals), in-flight iterations get
// gracefulStop, and every goroutine is gone when Run returns (synctest
// fails the test on a goroutine left blocked in the bubble).
func TestExecutorCancel(t *testing.T) {
	for _, tc := range []struct {
		name        string
		work        time.Duration
		took        time.Duration
		interrupted int64
	}{
		{"nothing in flight", 10 * time.Millisecond, 3050 * time.Millisecond, 0},
		// The 1s iterations of 2.1…3.0s run on: the last ends at 4.0s.
		{"in-flight iterations finish", time.Second, 4 * time.Second, 0},
		// gracefulStop 500ms from the cancel at 3.05s: 3.55s.
		{"gracefulStop counts from the cancel", time.Minute, 3550 * time.Millisecond, 31},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := constant(10, time.Second, 10*time.Second)
				// Pre-allocated, so that no arrival is dropped for a new VU.
				c.PreAllocatedVUs, c.MaxVUs = 100, 100
				c.GracefulStop = Duration(500 * time.Millisecond)
				if tc.interrupted == 0 {
					c.GracefulStop = Duration(30 * time.Second)
				}
				r := &recorder{work: tc.work}
				e, err := New("cancel", c, r.iterate)
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				time.AfterFunc(3050*time.Millisecond, cancel)
				t0 := time.Now()
				err = e.Run(ctx)
				took := time.Since(t0)
				if !errors.Is(err, context.Canceled) {
					t.Errorf("Run = %v, want context.Canceled", err)
				}
				s := e.Stats()
				checkInvariants(t, s)
				if s.Scheduled != 31 || s.DroppedBehind != 0 || took != tc.took || s.Interrupted != tc.interrupted {
					t.Errorf("scheduled %d (behind %d) took %v interrupted %d, want 31 (0), %v, %d", s.Scheduled, s.DroppedBehind, took, s.Interrupted, tc.took, tc.interrupted)
				}
			})
		})
	}
}

// TestExecutorStop: Stop interrupts in-flight iterations at once, ignoring
// gracefulStop, and only its first call reports stopping.
func TestExecutorStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := constant(10, time.Second, 10*time.Second)
		c.PreAllocatedVUs = 100
		r := &recorder{work: time.Minute}
		e, err := New("stop", c, r.iterate)
		if err != nil {
			t.Fatal(err)
		}
		stops := make(chan [2]bool, 1)
		time.AfterFunc(1050*time.Millisecond, func() { stops <- [2]bool{e.Stop(), e.Stop()} })
		t0 := time.Now()
		err = e.Run(t.Context())
		if !errors.Is(err, ErrStopped) {
			t.Errorf("Run = %v, want ErrStopped", err)
		}
		if took := time.Since(t0); took != 1050*time.Millisecond {
			t.Errorf("Run took %v after Stop at 1.05s", took)
		}
		if got := <-stops; got != [2]bool{true, false} {
			t.Errorf("Stop() reported %v then %v, want true then false", got[0], got[1])
		}
		s := e.Stats()
		checkInvariants(t, s)
		if s.Started != 11 || s.Interrupted != 11 {
			t.Errorf("started %d interrupted %d, want 11, 11", s.Started, s.Interrupted)
		}
	})
}

func TestExecutorStopBeforeRunAndRunTwice(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		e, err := New("x", constant(10, time.Second, time.Second), func(context.Context, time.Time) { calls++ })
		if err != nil {
			t.Fatal(err)
		}
		e.Stop()
		if err := e.Run(t.Context()); !errors.Is(err, ErrStopped) {
			t.Errorf("Run after Stop = %v, want ErrStopped", err)
		}
		if err := e.Run(t.Context()); !errors.Is(err, ErrAlreadyRun) {
			t.Errorf("second Run = %v, want ErrAlreadyRun", err)
		}
		if calls != 0 {
			t.Errorf("%d iterations ran", calls)
		}
	})
}

func TestExecutorStartTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := ramping(0, time.Second, stage(time.Second, 2)) // one arrival, at 1s
		c.StartTime = Duration(2 * time.Second)
		r := &recorder{}
		t0 := time.Now()
		e, err, took := run(t, c, r.iterate)
		if err != nil {
			t.Fatal(err)
		}
		if len(r.starts) != 1 || r.starts[0].scheduled.Sub(t0) != 3*time.Second {
			t.Errorf("starts %v, want one scheduled at +3s", r.starts)
		}
		if took != 3*time.Second || e.Stats().Elapsed != time.Second {
			t.Errorf("Run took %v, Elapsed %v; want 3s and 1s (from the scenario start)", took, e.Stats().Elapsed)
		}
	})
}

func TestExecutorStatsLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := ramping(10, time.Second, stage(10*time.Second, 10), stage(10*time.Second, 30))
		c.PreAllocatedVUs, c.MaxVUs = 2, 4
		r := &recorder{work: 80 * time.Millisecond}
		e, err := New("live", c, r.iterate)
		if err != nil {
			t.Fatal(err)
		}
		if s := e.Stats(); s != (Stats{}) {
			t.Errorf("Stats before Run = %+v, want zero", s)
		}
		midCh := make(chan Stats, 1)
		time.AfterFunc(15050*time.Millisecond, func() { midCh <- e.Stats() })
		if err := e.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
		mid := <-midCh
		// At 15.05s: 100 arrivals in the first stage, then ∫(10+2τ)dτ
		// over 5.05s = 76.0025 → 76 more, the last two (at 15.0s and
		// 15.0499s) still running their 80ms.
		want := Stats{Started: 176, Completed: 174, ActiveVUs: 2, AllocatedVUs: 2,
			Elapsed: 15050 * time.Millisecond, TargetRate: 20.1, Scheduled: 176}
		if mid.TargetRate < 20.1-1e-9 || mid.TargetRate > 20.1+1e-9 {
			t.Errorf("TargetRate at 15.05s = %v, want 20.1", mid.TargetRate)
		}
		mid.TargetRate = want.TargetRate
		if mid != want {
			t.Errorf("Stats at 15.05s =\n%+v\nwant\n%+v", mid, want)
		}
		end := e.Stats()
		checkInvariants(t, end)
		if end.TargetRate != 0 || end.Scheduled != c.Arrivals() {
			t.Errorf("Stats after Run: TargetRate %v Scheduled %d, want 0 and %d", end.TargetRate, end.Scheduled, c.Arrivals())
		}
	})
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := New("bad name!", Config{}, nil)
	if err == nil {
		t.Fatal("New succeeded")
	}
	for _, want := range []string{
		`scenario "bad name!"`,
		`scenario name "bad name!" must contain only numbers, latin letters, underscores and dashes`,
		"the iteration function is nil",
		"executor is required",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("New error %q lacks %q", err, want)
		}
	}
}

// TestExecutorBehindCountsEveryArrival asks for a rate far beyond any
// machine (20 million a second for 1 s, in real time): the scheduler
// falls behind, and what it could not issue before the end is dropped and
// counted as behind, so every arrival is either started or dropped. The
// same holds when the run is cut short while behind.
func TestExecutorBehindCountsEveryArrival(t *testing.T) {
	noop := func(context.Context, time.Time) {}
	for _, tc := range []struct {
		name   string
		cancel time.Duration // 0: run to the end
	}{
		{name: "to the end"},
		{name: "cut short", cancel: 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := constant(20_000_000, time.Second, time.Second)
			c.PreAllocatedVUs, c.MaxVUs = 4, 4
			e, err := New("behind", c, noop)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tc.cancel > 0 {
				time.AfterFunc(tc.cancel, cancel)
			}
			_ = e.Run(ctx)
			s := e.Stats()
			checkInvariants(t, s)
			if s.DroppedBehind == 0 {
				t.Fatalf("no arrival counted behind at 20M/s: %+v", s)
			}
			if tc.cancel == 0 && s.Scheduled != c.Arrivals() {
				t.Errorf("Scheduled %d, want all %d arrivals", s.Scheduled, c.Arrivals())
			}
			if tc.cancel > 0 && (s.Scheduled <= 0 || s.Scheduled >= c.Arrivals()) {
				t.Errorf("Scheduled %d of %d after a cut at %v, want between", s.Scheduled, c.Arrivals(), tc.cancel)
			}
			t.Logf("scheduled %d: started %d, dropped %d behind + %d no VU", s.Scheduled, s.Started, s.DroppedBehind, s.DroppedNoVU)
		})
	}
}

func TestDue(t *testing.T) {
	c := constant(10, time.Second, 2*time.Second) // arrivals at 0, 0.1, …, 1.9 s
	s, err := NewSchedule(c)
	if err != nil {
		t.Fatal(err)
	}
	n := c.Arrivals()
	for _, tc := range []struct {
		at   time.Duration
		want int64
	}{
		{-time.Millisecond, 0}, {0, 1}, {99 * time.Millisecond, 1}, {100 * time.Millisecond, 2},
		{time.Second, 11}, {1900 * time.Millisecond, 20}, {time.Hour, 20},
	} {
		if got := Due(s, n, tc.at); got != tc.want {
			t.Errorf("Due(%v) = %d, want %d", tc.at, got, tc.want)
		}
	}
}
