package dbpool_test

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/greenlang/gl001/simulator/dbpool"
)

func mustNew(t *testing.T, cfg dbpool.Config) *dbpool.Pool {
	t.Helper()
	p, err := dbpool.New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return p
}

type result struct {
	wait time.Duration
	err  error
	done time.Duration // since the test's start
}

// execAll starts n Exec calls at once and returns their results in start
// order. Starting them one at a time with synctest.Wait in between makes the
// queue order deterministic.
func execAll(t *testing.T, ctx context.Context, p *dbpool.Pool, n, queries int) []result {
	t.Helper()
	start := time.Now()
	res := make([]result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			w, err := p.Exec(ctx, queries)
			res[i] = result{wait: w, err: err, done: time.Since(start)}
		})
		synctest.Wait()
	}
	wg.Wait()
	return res
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  dbpool.Config
		want []string // substrings; nil means valid
	}{
		{"guide defaults", dbpool.Config{Size: 100, Overflow: 50, Timeout: 60 * time.Second, QueryTime: 5 * time.Millisecond}, nil},
		{"no overflow, zero query time", dbpool.Config{Size: 1, Timeout: time.Second}, nil},
		{"zero value", dbpool.Config{}, []string{"size (DB_POOL_SIZE) is 0", "timeout (DB_POOL_TIMEOUT) is 0s"}},
		{"negatives", dbpool.Config{Size: -1, Overflow: -2, Timeout: -time.Second, QueryTime: -time.Millisecond},
			[]string{"size (DB_POOL_SIZE) is -1", "overflow (DB_POOL_OVERFLOW) is -2", "timeout (DB_POOL_TIMEOUT) is -1s", "query time is -1ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors mentioning %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to mention %q", err, w)
				}
			}
			if _, err := dbpool.New(tt.cfg); err == nil {
				t.Errorf("New accepted an invalid config")
			}
		})
	}
}

func TestExecWaitsWhenAllBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, dbpool.Config{Size: 2, Timeout: time.Second, QueryTime: 100 * time.Millisecond})
		res := execAll(t, t.Context(), p, 5, 1)

		// Two connections, 100 ms per query: callers 0 and 1 start at once,
		// 2 and 3 get their connections at 100 ms, 4 at 200 ms.
		want := []result{
			{wait: 0, done: 100 * time.Millisecond},
			{wait: 0, done: 100 * time.Millisecond},
			{wait: 100 * time.Millisecond, done: 200 * time.Millisecond},
			{wait: 100 * time.Millisecond, done: 200 * time.Millisecond},
			{wait: 200 * time.Millisecond, done: 300 * time.Millisecond},
		}
		for i := range want {
			if res[i] != want[i] {
				t.Errorf("caller %d: got %+v, want %+v", i, res[i], want[i])
			}
		}
		got := p.Stats()
		wantStats := dbpool.Stats{
			Size: 2, Available: 2,
			WaitCount: 3, WaitDurationSecondsTotal: 0.4,
			QueriesTotal: 5, AcquiredTotal: 5, MaxInUse: 2,
		}
		if got != wantStats {
			t.Errorf("Stats() = %+v\nwant      %+v", got, wantStats)
		}
	})
}

func TestExecHoldsQueriesTimesQueryTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, dbpool.Config{Size: 1, Timeout: time.Minute, QueryTime: 30 * time.Millisecond})
		res := execAll(t, t.Context(), p, 2, 4)
		if res[0].done != 120*time.Millisecond || res[1].wait != 120*time.Millisecond || res[1].done != 240*time.Millisecond {
			t.Errorf("got %+v, want first done at 120ms, second waiting 120ms and done at 240ms", res)
		}
		if s := p.Stats(); s.QueriesTotal != 8 {
			t.Errorf("QueriesTotal = %d, want 8", s.QueriesTotal)
		}
	})
}

func TestOverflow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, dbpool.Config{Size: 2, Overflow: 1, Timeout: time.Second, QueryTime: 100 * time.Millisecond})
		var wg sync.WaitGroup
		waits := make([]time.Duration, 4)
		for i := range 4 {
			wg.Go(func() {
				w, err := p.Exec(t.Context(), 1)
				if err != nil {
					t.Errorf("Exec %d: %v", i, err)
				}
				waits[i] = w
			})
			synctest.Wait()
		}
		// All three connections busy, the fourth caller queued.
		mid := p.Stats()
		wantMid := dbpool.Stats{Size: 2, Overflow: 1, InUse: 3, Available: 0, OverflowInUse: 1, Waiting: 1,
			WaitCount: 1, AcquiredTotal: 3, QueriesTotal: 3, MaxInUse: 3}
		if mid != wantMid {
			t.Errorf("mid-run Stats() = %+v\nwant              %+v", mid, wantMid)
		}
		wg.Wait()
		if want := []time.Duration{0, 0, 0, 100 * time.Millisecond}; !slices.Equal(waits, want) {
			t.Errorf("waits = %v, want %v", waits, want)
		}
		end := p.Stats()
		if end.InUse != 0 || end.OverflowInUse != 0 || end.Available != 2 || end.MaxInUse != 3 {
			t.Errorf("end Stats() = %+v, want nothing in use, max_in_use 3", end)
		}
	})
}

func TestTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, dbpool.Config{Size: 1, Timeout: 50 * time.Millisecond, QueryTime: 200 * time.Millisecond})
		res := execAll(t, t.Context(), p, 2, 1)
		if res[0].err != nil {
			t.Fatalf("first Exec: %v", res[0].err)
		}
		if !errors.Is(res[1].err, dbpool.ErrTimeout) {
			t.Fatalf("second Exec err = %v, want ErrTimeout", res[1].err)
		}
		if res[1].wait != 50*time.Millisecond || res[1].done != 50*time.Millisecond {
			t.Errorf("timed-out Exec: wait %v done %v, want both 50ms", res[1].wait, res[1].done)
		}
		s := p.Stats()
		if s.Timeouts != 1 || s.WaitCount != 1 || s.AcquiredTotal != 1 || s.QueriesTotal != 1 || s.WaitDurationSecondsTotal != 0.05 || s.Waiting != 0 {
			t.Errorf("Stats() = %+v, want 1 timeout, 1 wait of 0.05s, 1 acquired, 1 query, none waiting", s)
		}
	})
}

func TestCancelWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, dbpool.Config{Size: 1, Timeout: time.Second, QueryTime: 500 * time.Millisecond})
		var wg sync.WaitGroup
		defer wg.Wait()
		wg.Go(func() { p.Exec(t.Context(), 1) })
		synctest.Wait()

		ctx, cancel := context.WithCancel(t.Context())
		var wait time.Duration
		var err error
		wg.Go(func() { wait, err = p.Exec(ctx, 1) })
		time.Sleep(30 * time.Millisecond)
		cancel()
		synctest.Wait()
		if !errors.Is(err, context.Canceled) || wait != 30*time.Millisecond {
			t.Errorf("Exec = (%v, %v), want (30ms, context.Canceled)", wait, err)
		}
		s := p.Stats()
		if s.Waiting != 0 || s.WaitCount != 1 || s.Timeouts != 0 || s.AcquiredTotal != 1 || s.InUse != 1 {
			t.Errorf("Stats() = %+v, want the canceled caller gone from the queue and not counted as timeout", s)
		}
	})
}

func TestCancelWhileHolding(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, dbpool.Config{Size: 1, Timeout: time.Second, QueryTime: time.Hour})
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := p.Exec(ctx, 1)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 10*time.Millisecond {
			t.Errorf("Exec err = %v after %v, want DeadlineExceeded after 10ms", err, time.Since(start))
		}
		if s := p.Stats(); s.InUse != 0 || s.QueriesTotal != 1 {
			t.Errorf("Stats() = %+v, want the connection released", s)
		}
	})
}

func TestDoneContextFailsAtOnce(t *testing.T) {
	p := mustNew(t, dbpool.Config{Size: 1, Timeout: time.Second})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := p.Exec(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("Exec on done ctx = %v, want context.Canceled", err)
	}
	if s := p.Stats(); s.AcquiredTotal != 0 {
		t.Errorf("AcquiredTotal = %d, want 0", s.AcquiredTotal)
	}
}

func TestAcquireReleaseFIFO(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, dbpool.Config{Size: 1, Timeout: time.Second})
		c, _, err := p.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var (
			mu    sync.Mutex
			order []int
			wg    sync.WaitGroup
		)
		for i := range 3 {
			wg.Go(func() {
				c, _, err := p.Acquire(t.Context())
				if err != nil {
					t.Errorf("Acquire %d: %v", i, err)
					return
				}
				mu.Lock()
				order = append(order, i)
				mu.Unlock()
				time.Sleep(time.Millisecond)
				c.Release()
			})
			synctest.Wait()
		}
		time.Sleep(10 * time.Millisecond)
		c.Release()
		c.Release() // second release is a no-op
		wg.Wait()
		if !slices.Equal(order, []int{0, 1, 2}) {
			t.Errorf("waiters served in order %v, want FIFO [0 1 2]", order)
		}
		if s := p.Stats(); s.InUse != 0 || s.AcquiredTotal != 4 {
			t.Errorf("Stats() = %+v, want 0 in use and 4 acquired", s)
		}
	})
}

func TestConnQuery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, dbpool.Config{Size: 1, Timeout: time.Second, QueryTime: time.Millisecond})
		c, _, err := p.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		start := time.Now()
		if err := c.Query(t.Context(), 40*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if err := c.Exec(t.Context(), 3); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d != 43*time.Millisecond {
			t.Errorf("held for %v, want 43ms", d)
		}
		if s := p.Stats(); s.QueriesTotal != 4 {
			t.Errorf("QueriesTotal = %d, want 4", s.QueriesTotal)
		}
	})
}

func TestStatsJSON(t *testing.T) {
	b, err := json.Marshal(dbpool.Stats{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"acquired_total", "available", "in_use", "max_in_use", "overflow", "overflow_in_use",
		"queries_total", "size", "timeouts", "wait_count", "wait_duration_seconds_total", "waiting"}
	if got := slices.Sorted(maps.Keys(m)); !slices.Equal(got, want) {
		t.Errorf("JSON keys = %v, want %v", got, want)
	}
}

// TestConcurrentStress runs many callers on real time with the race
// detector watching; it asserts only invariants, never timings.
func TestConcurrentStress(t *testing.T) {
	p := mustNew(t, dbpool.Config{Size: 4, Overflow: 2, Timeout: time.Second, QueryTime: 0})
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for range 200 {
				if _, err := p.Exec(t.Context(), 1); err != nil {
					t.Errorf("Exec: %v", err)
					return
				}
				_ = p.Stats()
			}
		})
	}
	wg.Wait()
	s := p.Stats()
	if s.InUse != 0 || s.Waiting != 0 || s.AcquiredTotal != 32*200 || s.QueriesTotal != 32*200 || s.MaxInUse > 6 {
		t.Errorf("Stats() = %+v, want all %d released and max_in_use ≤ 6", s, 32*200)
	}
}

func BenchmarkExecUncontended(b *testing.B) {
	p, err := dbpool.New(dbpool.Config{Size: 1, Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Exec(ctx, 1); err != nil {
			b.Fatal(err)
		}
	}
}
