package executor

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrSegment is wrapped by every error ParseSegment returns.
var ErrSegment = errors.New("invalid execution segment")

// Segment is one shard's share of a run, with k6's execution-segment
// semantics (k6 run --execution-segment a:b --execution-segment-sequence
// 0,…,1): the segment [From, To) of the sequence of segments that covers 0
// to 1. Each shard of a distributed run takes one segment of the same
// sequence, and between them they run the single run's arrivals exactly
// once.
//
// Which arrivals are a segment's is k6's striping rule. With L the least
// common denominator of the sequence's segment lengths, each segment of
// length n/L owns n of every L consecutive arrival indices, in a pattern
// that repeats every L: index p (0 ≤ p < L) goes to the first segment, in
// order of length from longest (ties in sequence order), whose count c so
// far satisfies p ≥ c·L/n. So the owners of each block of L are spread as
// evenly as the lengths allow; for n equal segments, segment i owns
// i, i+n, i+2n, …. A segment's arrival j fires at the global arrival's own
// time: the shards together fire at exactly the instants the single run
// would, and no arrival is fired twice or lost. Counts (preAllocatedVUs,
// maxVUs, arrivals) split the same way (Scale): the shares of a count v
// sum to v exactly, as k6's ExecutionTuple.ScaleInt64.
//
// A Segment is immutable; its methods are safe for concurrent use.
type Segment struct {
	seq   []*big.Rat // the sequence's points, 0 … 1
	index int        // the segment is seq[index]:seq[index+1]
	lcd   int64
	pos   []int64 // the owned positions in each block of lcd, ascending
}

// ParseSegment reads a segment in one of two forms, naming flag in its
// errors:
//
//   - "i/n": the i-th (0-based) of n equal segments, sequence 0,1/n,…,1;
//     as Kubernetes' JOB_COMPLETION_INDEX over the Job's completions.
//   - "a:b", k6's --execution-segment: a and b are fractions ("1/3"),
//     decimals ("0.5") or percentages ("50%") with 0 ≤ a < b ≤ 1.
//     sequence, k6's --execution-segment-sequence ("0,1/3,2/3,1"),
//     names the sequence a:b is one of; it must hold a and b as
//     consecutive points. Without it the sequence is a:b filled out to 0
//     and 1 (0,a,b,1), as k6 does.
func ParseSegment(flag, segment, sequence string) (Segment, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s %q: %s", ErrSegment, flag, segment, fmt.Sprintf(format, args...))
	}
	if i, n, ok := strings.Cut(segment, "/"); ok && !strings.Contains(segment, ":") {
		if sequence != "" {
			return Segment{}, bad("the i/n form names its own sequence; give a:b with a sequence")
		}
		idx, err1 := strconv.Atoi(strings.TrimSpace(i))
		cnt, err2 := strconv.Atoi(strings.TrimSpace(n))
		if err1 != nil || err2 != nil {
			return Segment{}, bad("want i/n with whole numbers, 0 ≤ i < n (the shard's index of n), or k6's a:b")
		}
		if cnt < 1 {
			return Segment{}, bad("want 0 ≤ i < n with n ≥ 1 shards")
		}
		if idx < 0 || idx >= cnt {
			return Segment{}, bad("want 0 ≤ i < n: shard indices are 0-based, so %d shards are 0/%d … %d/%d", cnt, cnt, cnt-1, cnt)
		}
		if cnt > 10_000 {
			return Segment{}, bad("at most 10000 shards")
		}
		pts := make([]*big.Rat, cnt+1)
		for k := range pts {
			pts[k] = big.NewRat(int64(k), int64(cnt))
		}
		return newSegment(pts, idx)
	}
	a, b, ok := strings.Cut(segment, ":")
	if !ok {
		return Segment{}, bad("want i/n (the shard's index of n) or k6's a:b, such as 0:1/3")
	}
	from, err1 := parseFraction(a)
	to, err2 := parseFraction(b)
	if err1 != nil || err2 != nil {
		return Segment{}, bad("%v", errors.Join(err1, err2))
	}
	if from.Sign() < 0 || to.Cmp(big.NewRat(1, 1)) > 0 || from.Cmp(to) >= 0 {
		return Segment{}, bad("want 0 ≤ a < b ≤ 1")
	}
	var pts []*big.Rat
	if sequence == "" {
		pts = []*big.Rat{new(big.Rat)}
		for _, p := range []*big.Rat{from, to, big.NewRat(1, 1)} {
			if p.Cmp(pts[len(pts)-1]) > 0 {
				pts = append(pts, p)
			}
		}
	} else {
		for k, f := range strings.Split(sequence, ",") {
			p, err := parseFraction(f)
			if err != nil {
				return Segment{}, fmt.Errorf("%w: %s-sequence %q: point %d: %w", ErrSegment, flag, sequence, k+1, err)
			}
			if len(pts) > 0 && p.Cmp(pts[len(pts)-1]) <= 0 {
				return Segment{}, fmt.Errorf("%w: %s-sequence %q: points must increase (point %d is %s)", ErrSegment, flag, sequence, k+1, p.RatString())
			}
			pts = append(pts, p)
		}
		if len(pts) < 2 || pts[0].Sign() != 0 || pts[len(pts)-1].Cmp(big.NewRat(1, 1)) != 0 {
			return Segment{}, fmt.Errorf("%w: %s-sequence %q: want points from 0 to 1, such as 0,1/3,2/3,1", ErrSegment, flag, sequence)
		}
	}
	for k := 0; k+1 < len(pts); k++ {
		if pts[k].Cmp(from) == 0 && pts[k+1].Cmp(to) == 0 {
			return newSegment(pts, k)
		}
	}
	return Segment{}, bad("not a segment of the sequence %s: a and b must be consecutive points of it (segments of one run may not overlap)", ratsString(pts))
}

// parseFraction reads "1/3", "0.25" or "25%".
func parseFraction(s string) (*big.Rat, error) {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	r, ok := new(big.Rat).SetString(strings.TrimSuffix(s, "%"))
	if !ok || s == "" {
		return nil, fmt.Errorf("%q is not a fraction, decimal or percentage", s)
	}
	if pct {
		r.Quo(r, big.NewRat(100, 1))
	}
	return r, nil
}

func ratsString(pts []*big.Rat) string {
	out := make([]string, len(pts))
	for i, p := range pts {
		out[i] = p.RatString()
	}
	return strings.Join(out, ",")
}

// maxLCD bounds the striping's block: k6's sequences are a few segments
// of small denominators; a block of millions would be a typo.
const maxLCD = 1_000_000

// newSegment stripes the sequence pts and keeps segment index's share.
func newSegment(pts []*big.Rat, index int) (Segment, error) {
	n := len(pts) - 1
	lens := make([]*big.Rat, n)
	lcd := big.NewInt(1)
	for k := range lens {
		lens[k] = new(big.Rat).Sub(pts[k+1], pts[k])
		d := lens[k].Denom()
		g := new(big.Int).GCD(nil, nil, lcd, d)
		lcd.Mul(lcd, new(big.Int).Quo(d, g))
		if lcd.Cmp(big.NewInt(maxLCD)) > 0 {
			return Segment{}, fmt.Errorf("%w: sequence %s: its lengths' common denominator exceeds %d", ErrSegment, ratsString(pts), maxLCD)
		}
	}
	L := lcd.Int64()
	num := make([]int64, n) // each length × L
	for k, l := range lens {
		num[k] = new(big.Int).Quo(new(big.Int).Mul(l.Num(), lcd), l.Denom()).Int64()
	}
	order := make([]int, n)
	for k := range order {
		order[k] = k
	}
	sort.SliceStable(order, func(a, b int) bool { return num[order[a]] > num[order[b]] })
	chosen := make([]int64, n)
	var pos []int64
	for p := range L {
		for _, k := range order {
			if chosen[k] < num[k] && p*num[k] >= chosen[k]*L {
				chosen[k]++
				if k == index {
					pos = append(pos, p)
				}
				break
			}
		}
	}
	return Segment{seq: pts, index: index, lcd: L, pos: pos}, nil
}

// String is the segment in k6's form, "1/3:2/3".
func (s Segment) String() string {
	return s.seq[s.index].RatString() + ":" + s.seq[s.index+1].RatString()
}

// Sequence is the sequence in k6's form, "0,1/3,2/3,1".
func (s Segment) Sequence() string { return ratsString(s.seq) }

// Index is the segment's 0-based position in its sequence, and Count the
// number of segments in the sequence.
func (s Segment) Index() int { return s.index }

// Count is the number of segments in the sequence.
func (s Segment) Count() int { return len(s.seq) - 1 }

// Fraction is the segment's length, b − a: its share of rates.
func (s Segment) Fraction() float64 {
	f, _ := new(big.Rat).Sub(s.seq[s.index+1], s.seq[s.index]).Float64()
	return f
}

// Full reports whether the segment is the whole run (0:1).
func (s Segment) Full() bool { return s.Count() == 1 }

// Scale is the segment's share of v whole things (arrivals, VUs, plants):
// how many of the indices 0 … v−1 it owns. The shares of the sequence's
// segments sum to v.
func (s Segment) Scale(v int64) int64 {
	if v <= 0 {
		return 0
	}
	q, r := v/s.lcd, v%s.lcd
	in := int64(sort.Search(len(s.pos), func(i int) bool { return s.pos[i] >= r }))
	return q*int64(len(s.pos)) + in
}

// Global is the run-wide index of the segment's j-th owned index (j ≥ 0).
func (s Segment) Global(j int64) int64 {
	m := int64(len(s.pos))
	return (j/m)*s.lcd + s.pos[j%m]
}

// Owned lists the indices of 0 … v−1 the segment owns, ascending: the
// plants of a fleet of v a shard plays.
func (s Segment) Owned(v int) []int {
	out := make([]int, 0, s.Scale(int64(v)))
	for j := int64(0); ; j++ {
		if len(s.pos) == 0 {
			return out
		}
		g := s.Global(j)
		if g >= int64(v) {
			return out
		}
		out = append(out, int(g))
	}
}

// Segments lists every segment of s's sequence, in order: the shards of
// the run s is one of.
func (s Segment) Segments() []Segment {
	out := make([]Segment, s.Count())
	for k := range out {
		out[k], _ = newSegment(slices.Clone(s.seq), k) // s's sequence is valid
	}
	return out
}

// segmentSchedule is a schedule restricted to a segment's arrivals, at
// their global offsets.
type segmentSchedule struct {
	whole Schedule
	seg   Segment
	n     int64 // the segment's arrivals
}

// SegmentSchedule is whole's arrivals of n that seg owns: its arrival j
// is whole's arrival seg.Global(j), at that arrival's offset.
func SegmentSchedule(whole Schedule, n int64, seg Segment) Schedule {
	return segmentSchedule{whole: whole, seg: seg, n: seg.Scale(n)}
}

func (s segmentSchedule) Next(j int64) (time.Duration, bool) {
	if j < 0 || j >= s.n {
		return 0, false
	}
	return s.whole.Next(s.seg.Global(j))
}
