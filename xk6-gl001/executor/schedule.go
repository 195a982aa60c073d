package executor

import (
	"math"
	"math/big"
	"math/bits"
	"time"
)

// Schedule is the arrival plan of a scenario as a pure function: no clock,
// no state, safe for concurrent use. Next returns the offset of arrival i
// (0-based) from the scenario start, and ok=false when i is negative or
// past the last arrival. Offsets never decrease as i grows.
//
// The arrival rule follows k6 (lib/executor/constant_arrival_rate.go and
// the cal function of lib/executor/ramping_arrival_rate.go):
//
//   - constant-arrival-rate: arrival i is at i×timeUnit/rate, so the first
//     starts at once (offset 0) and the last is the one before the end:
//     an arrival exactly at Duration does not start. 10/s for 10s is
//     exactly 100 arrivals, at 0s, 0.1s, …, 9.9s. Unlike k6, the offset is
//     computed exactly in integers (floor to the nanosecond) rather than by
//     multiplying a period already truncated to the nanosecond, so a rate
//     such as 3/s does not drift into a 31st arrival in 10s.
//   - ramping-arrival-rate: arrival i (0-based) is at the time t where the
//     area under the rate profile, ∫₀ᵗ rate, reaches i+1; along a linear
//     stage that is the root of a quadratic. So no arrival is at 0 (the
//     first needs one whole iteration of area) and an arrival that falls
//     exactly on the end does start. A fraction of an iteration left at a
//     stage's end carries into the next stage. The count is therefore
//     exactly ⌊∫ rate⌋ over the whole profile: a ramp 0→60/s over 60s then
//     60/s for 60s is 1800 + 3600 = 5400 arrivals, the last at 120s.
//     Stage boundaries are decided in exact integer arithmetic; within a
//     stage the root is solved in float64 and rounded to the nanosecond.
type Schedule interface {
	Next(i int64) (offset time.Duration, ok bool)
}

// NewSchedule returns the Schedule of c, or Validate's error.
func NewSchedule(c Config) (Schedule, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	if c.Executor == ConstantArrivalRate {
		n, _ := c.arrivals()
		return constantSchedule{n: uint64(n), rate: uint64(c.Rate), timeUnit: uint64(c.TimeUnit)}, nil
	}
	return newRampingSchedule(c), nil
}

// Arrivals is the exact number of arrivals c schedules (the rule is in
// Schedule's doc), or 0 when c is not valid.
func (c Config) Arrivals() int64 {
	if c.Validate() != nil {
		return 0
	}
	n, _ := c.arrivals()
	return n
}

// Due is how many of the schedule's first n arrivals are due by elapsed
// (offset ≤ elapsed): the arrivals the schedule has called for by then.
// Offsets never decrease, so it is a binary search over Next.
func Due(s Schedule, n int64, elapsed time.Duration) int64 {
	lo, hi := int64(0), n // the first arrival not yet due is in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo)/2
		if off, ok := s.Next(mid); ok && off <= elapsed {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// constantCount is how many i ≥ 0 satisfy i×timeUnit < duration×rate,
// i.e. ⌈duration×rate/timeUnit⌉, or 0 for non-positive inputs.
func constantCount(rate, duration, timeUnit int64) *big.Int {
	if rate <= 0 || duration <= 0 || timeUnit <= 0 {
		return new(big.Int)
	}
	num := new(big.Int).Mul(big.NewInt(duration), big.NewInt(rate))
	num.Add(num, big.NewInt(timeUnit-1))
	return num.Quo(num, big.NewInt(timeUnit))
}

// constantSchedule spaces n arrivals timeUnit/rate apart from offset 0.
type constantSchedule struct {
	n, rate, timeUnit uint64
}

// Next returns ⌊i×timeUnit/rate⌋ for i < n. The 128-bit quotient fits in
// 64 bits because i < n implies it is below the scenario's duration.
func (s constantSchedule) Next(i int64) (time.Duration, bool) {
	if i < 0 || uint64(i) >= s.n {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(i), s.timeUnit)
	q, _ := bits.Div64(hi, lo, s.rate)
	return time.Duration(q), true
}

// rampStage is one stage of a ramping schedule that holds arrivals.
type rampStage struct {
	start    time.Duration // offset of the stage start
	dur      float64       // stage length, ns
	from, to float64       // rate at the ends, iterations per timeUnit
	before   int64         // arrivals in earlier stages: ⌊area before⌋
	frac     float64       // area before minus before, in [0, 1)
	last     int64         // ⌊area up to this stage's end⌋
}

// rampingSchedule places arrival n (1-based) where the area reaches n.
type rampingSchedule struct {
	stages   []rampStage
	n        int64
	timeUnit float64
}

// newRampingSchedule precomputes, per stage, the exact cumulative area
// (in units of 1/(2×timeUnit) so it is an integer), so that which stage
// an arrival falls in never suffers rounding. c must be valid.
func newRampingSchedule(c Config) rampingSchedule {
	s := rampingSchedule{timeUnit: float64(c.TimeUnit)}
	den := new(big.Int).Mul(big.NewInt(int64(c.TimeUnit)), big.NewInt(2))
	cum := new(big.Int)
	var (
		start  time.Duration
		before int64
		frac   float64
		from   = c.StartRate
	)
	for _, st := range c.Stages {
		if st.Duration > 0 {
			area := new(big.Int).Add(big.NewInt(from), big.NewInt(st.Target))
			cum.Add(cum, area.Mul(area, big.NewInt(int64(st.Duration))))
			q, r := new(big.Int).QuoRem(cum, den, new(big.Int))
			last := q.Int64() // fits: Validate checked the total
			if last > before {
				s.stages = append(s.stages, rampStage{
					start: start, dur: float64(st.Duration),
					from: float64(from), to: float64(st.Target),
					before: before, frac: frac, last: last,
				})
			}
			before = last
			frac, _ = new(big.Rat).SetFrac(r, den).Float64()
			start += time.Duration(st.Duration)
		}
		from = st.Target
	}
	s.n = before
	return s
}

// Next solves from·t + (to−from)·t²/(2·dur) = r·timeUnit for t, where r
// is the area still needed inside the stage, in the cancellation-free form
// t = 2c / (b + √(b² + 4ac)), which also covers a flat stage (a = 0).
func (s rampingSchedule) Next(i int64) (time.Duration, bool) {
	if i < 0 || i >= s.n {
		return 0, false
	}
	n := i + 1
	lo, hi := 0, len(s.stages)-1
	for lo < hi { // first stage whose last arrival is ≥ n
		mid := int(uint(lo+hi) >> 1)
		if s.stages[mid].last < n {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	st := &s.stages[lo]
	rt := (float64(n-st.before) - st.frac) * s.timeUnit
	disc := st.from*st.from + 2*(st.to-st.from)*rt/st.dur
	t := math.Round(2 * rt / (st.from + math.Sqrt(max(disc, 0))))
	t = min(max(t, 0), st.dur)
	return st.start + time.Duration(t), true
}
