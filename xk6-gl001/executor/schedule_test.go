package executor

import (
	"math"
	"testing"
	"time"
)

// constant returns a valid constant-arrival-rate config.
func constant(rate int64, timeUnit, duration time.Duration) Config {
	c := NewConstantArrivalRateConfig()
	c.Rate = rate
	c.TimeUnit = Duration(timeUnit)
	c.Duration = Duration(duration)
	c.PreAllocatedVUs = 1
	return c
}

// ramping returns a valid ramping-arrival-rate config.
func ramping(startRate int64, timeUnit time.Duration, stages ...Stage) Config {
	c := NewRampingArrivalRateConfig()
	c.StartRate = startRate
	c.TimeUnit = Duration(timeUnit)
	c.Stages = stages
	c.PreAllocatedVUs = 1
	return c
}

// stage is a Stage literal with a time.Duration.
func stage(d time.Duration, target int64) Stage {
	return Stage{Duration: Duration(d), Target: target}
}

// offsets lists every arrival of c's schedule.
func offsets(t testing.TB, c Config) []time.Duration {
	t.Helper()
	s, err := NewSchedule(c)
	if err != nil {
		t.Fatalf("NewSchedule: %v", err)
	}
	var out []time.Duration
	for i := int64(0); ; i++ {
		off, ok := s.Next(i)
		if !ok {
			break
		}
		out = append(out, off)
	}
	return out
}

// scheduleCases are the profiles the schedule and the executor are both
// checked against, with their exact arrival counts and end arrivals.
var scheduleCases = []struct {
	name        string
	cfg         Config
	count       int64
	first, last time.Duration
}{
	{"constant 10/s for 10s", constant(10, time.Second, 10*time.Second),
		100, 0, 9900 * time.Millisecond},
	{"constant 100 per 1m for 3m", constant(100, time.Minute, 3*time.Minute),
		300, 0, 179400 * time.Millisecond},
	{"constant 3/s for 10s does not drift", constant(3, time.Second, 10*time.Second),
		30, 0, 9666666666},
	{"ramp up 0→60/s over 60s then hold 60s", ramping(0, time.Second, stage(time.Minute, 60), stage(time.Minute, 60)),
		5400, 1414213562, 2 * time.Minute},
	{"ramp down 60→0/s over 60s", ramping(60, time.Second, stage(time.Minute, 0)),
		1800, 16669 * time.Microsecond, time.Minute},
	{"up, hold, down", ramping(0, time.Second, stage(10*time.Second, 10), stage(20*time.Second, 10), stage(10*time.Second, 0)),
		300, 1414213562, 40 * time.Second},
	{"100 per 1m via timeUnit for 3m", ramping(100, time.Minute, stage(3*time.Minute, 100)),
		300, 600 * time.Millisecond, 3 * time.Minute},
	{"startRate 10 → 20/s over 10s", ramping(10, time.Second, stage(10*time.Second, 20)),
		150, 99504938, 10 * time.Second},
	{"0s stage jumps", ramping(0, time.Second, stage(0, 10), stage(10*time.Second, 10)),
		100, 100 * time.Millisecond, 10 * time.Second},
	{"fraction carries into next stage", ramping(0, time.Second, stage(time.Second, 3), stage(time.Second, 3)),
		4, 816496581, 1833333333}, // ⌊1.5 + 3⌋ arrivals, the 4th 2.5 into stage 2
}

func TestScheduleCounts(t *testing.T) {
	for _, tc := range scheduleCases {
		t.Run(tc.name, func(t *testing.T) {
			offs := offsets(t, tc.cfg)
			if got := int64(len(offs)); got != tc.count {
				t.Fatalf("arrivals = %d, want %d", got, tc.count)
			}
			if got := tc.cfg.Arrivals(); got != tc.count {
				t.Errorf("Arrivals() = %d, want %d", got, tc.count)
			}
			// First offsets of ramps are irrational; allow the float solve
			// a few microseconds where the want was written rounded.
			if d := offs[0] - tc.first; d < -time.Microsecond || d > time.Microsecond {
				t.Errorf("first arrival at %v, want %v", offs[0], tc.first)
			}
			if last := offs[len(offs)-1]; last != tc.last {
				t.Errorf("last arrival at %v, want %v", last, tc.last)
			}
			if end := tc.cfg.TotalDuration(); offs[len(offs)-1] > end {
				t.Errorf("last arrival %v after the end %v", offs[len(offs)-1], end)
			}
		})
	}
}

// TestScheduleSolvesTheIntegral checks every ramping arrival against the
// rule itself: arrival i is where ∫rate reaches i+1.
func TestScheduleSolvesTheIntegral(t *testing.T) {
	for _, tc := range scheduleCases {
		if tc.cfg.Executor != RampingArrivalRate {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			offs := offsets(t, tc.cfg)
			for i, off := range offs {
				if i > 0 && off < offs[i-1] {
					t.Fatalf("arrival %d at %v before arrival %d at %v", i, off, i-1, offs[i-1])
				}
				// One nanosecond of rounding is worth rate×1ns iterations.
				tol := 1e-6 + 2*tc.cfg.RateAt(off)/float64(time.Second)
				if got := tc.cfg.ExpectedIterations(off); math.Abs(got-float64(i+1)) > tol {
					t.Fatalf("∫rate to arrival %d (%v) = %.9f, want %d", i, off, got, i+1)
				}
			}
			if got, want := int64(tc.cfg.ExpectedIterations(tc.cfg.TotalDuration())+1e-9), int64(len(offs)); got != want {
				t.Errorf("⌊∫rate⌋ over the profile = %d, want the arrival count %d", got, want)
			}
		})
	}
}

func TestConstantScheduleIsExact(t *testing.T) {
	c := constant(7, 3*time.Second, time.Minute)
	for i, off := range offsets(t, c) {
		if want := time.Duration(int64(i) * int64(3*time.Second) / 7); off != want {
			t.Fatalf("arrival %d at %v, want %v", i, off, want)
		}
	}
}

func TestScheduleOutOfRange(t *testing.T) {
	for _, c := range []Config{constant(10, time.Second, time.Second), ramping(0, time.Second, stage(time.Second, 10))} {
		s, err := NewSchedule(c)
		if err != nil {
			t.Fatal(err)
		}
		n := c.Arrivals()
		for _, i := range []int64{-1, n, math.MaxInt64} {
			if off, ok := s.Next(i); ok {
				t.Errorf("%s: Next(%d) = %v, true; want false", c.Executor, i, off)
			}
		}
	}
	if _, err := NewSchedule(Config{}); err == nil {
		t.Error("NewSchedule(Config{}) succeeded, want Validate's error")
	}
}

func TestRateAtAndExpected(t *testing.T) {
	c := ramping(0, time.Second, stage(10*time.Second, 10), stage(0, 40), stage(10*time.Second, 40))
	for _, tc := range []struct {
		at       time.Duration
		rate     float64
		expected float64
	}{
		{-time.Second, 0, 0},
		{0, 0, 0},
		{5 * time.Second, 5, 12.5},
		{10 * time.Second, 40, 50}, // the 0s stage jumped to 40
		{15 * time.Second, 40, 250},
		{20 * time.Second, 0, 450},
		{time.Hour, 0, 450},
	} {
		if got := c.RateAt(tc.at); math.Abs(got-tc.rate) > 1e-9 {
			t.Errorf("RateAt(%v) = %v, want %v", tc.at, got, tc.rate)
		}
		if got := c.ExpectedIterations(tc.at); math.Abs(got-tc.expected) > 1e-9 {
			t.Errorf("ExpectedIterations(%v) = %v, want %v", tc.at, got, tc.expected)
		}
	}
	k := constant(100, time.Minute, 3*time.Minute)
	if got := k.RateAt(time.Minute); math.Abs(got-100.0/60) > 1e-12 {
		t.Errorf("constant RateAt = %v, want 1.666…", got)
	}
	if got := k.ExpectedIterations(time.Hour); got != 300 {
		t.Errorf("constant ExpectedIterations(end) = %v, want 300", got)
	}
}
