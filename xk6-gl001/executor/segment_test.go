package executor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// segmentCases are the awkward schedules the shards must split exactly.
var segmentCases = []struct {
	name string
	cfg  Config
}{
	{"7/s for 10s", constant(7, time.Second, 10*time.Second)},
	{"1/s for 10s", constant(1, time.Second, 10*time.Second)},
	{"the guide's 100 per 1m for 3m", constant(100, time.Minute, 3*time.Minute)},
	{"ramp 0→13/s over 20s then hold 10s", ramping(0, time.Second, stage(20*time.Second, 13), stage(10*time.Second, 13))},
	{"fraction carries into next stage", ramping(0, time.Second, stage(time.Second, 3), stage(time.Second, 3))},
}

func equalShards(t *testing.T, n int) []Segment {
	t.Helper()
	out := make([]Segment, n)
	for i := range out {
		s, err := ParseSegment("--segment", fmt.Sprintf("%d/%d", i, n), "")
		if err != nil {
			t.Fatal(err)
		}
		out[i] = s
	}
	return out
}

// The shards of every sequence from 1 to 7 equal segments, and an uneven
// k6 sequence, run in simulated time: together they fire exactly the
// single run's arrivals, each once, at the single run's own instants, and
// their counts, VUs and expected iterations add up to the single run's.
func TestSegmentsSplitTheRunExactly(t *testing.T) {
	uneven := func(t *testing.T) []Segment {
		seq := "0,1/4,1/3,3/4,1"
		var out []Segment
		for _, ab := range []string{"0:1/4", "1/4:1/3", "1/3:3/4", "3/4:1"} {
			s, err := ParseSegment("--segment", ab, seq)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}
	sequences := map[string]func(*testing.T) []Segment{"uneven 1/4,1/12,5/12,1/4": uneven}
	for n := 1; n <= 7; n++ {
		sequences[fmt.Sprintf("%d equal", n)] = func(t *testing.T) []Segment { return equalShards(t, n) }
	}
	for _, tc := range segmentCases {
		for name, shards := range sequences {
			t.Run(tc.name+"/"+name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					c := tc.cfg
					c.PreAllocatedVUs, c.MaxVUs = 13, 40
					whole := fire(t, c, Segment{})
					var union []time.Duration
					var pre, maxv, arrivals int64
					var expected float64
					for _, seg := range shards(t) {
						e, err := NewInSegment("shard", c, seg, func(context.Context, time.Time) {})
						if err != nil {
							t.Fatal(err)
						}
						pre += e.preVUs
						maxv += e.maxVUs
						arrivals += e.Arrivals()
						expected += e.Expected(c.TotalDuration())
						union = append(union, fire(t, c, seg)...)
					}
					slices.Sort(union)
					if !slices.Equal(union, whole) {
						t.Errorf("the shards fired %d arrivals, the single run %d; they differ", len(union), len(whole))
					}
					if arrivals != c.Arrivals() || pre != 13 || maxv != 40 {
						t.Errorf("shares: arrivals %d of %d, preAllocatedVUs %d of 13, maxVUs %d of 40", arrivals, c.Arrivals(), pre, maxv)
					}
					if want := c.ExpectedIterations(c.TotalDuration()); expected < want-1e-9 || expected > want+1e-9 {
						t.Errorf("expected iterations sum to %v, want %v", expected, want)
					}
				})
			})
		}
	}
}

// fire runs c's executor for seg in the current bubble with VUs to spare
// and returns the offsets, from the run's start, at which its iterations
// were scheduled, sorted.
func fire(t *testing.T, c Config, seg Segment) []time.Duration {
	t.Helper()
	c.PreAllocatedVUs, c.MaxVUs = 1000, 1000
	r := &recorder{}
	e, err := NewInSegment("shard", c, seg, r.iterate)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	if err := e.Run(t.Context()); err != nil {
		t.Fatal(err)
	}
	st := e.Stats()
	checkInvariants(t, st)
	if st.Dropped != 0 {
		t.Fatalf("segment %v dropped %d", seg.seq, st.Dropped)
	}
	out := make([]time.Duration, len(r.starts))
	for i, s := range r.starts {
		out[i] = s.scheduled.Sub(t0)
	}
	slices.Sort(out)
	return out
}

// k6's striping: equal segments own every n-th index; an uneven
// sequence's owners are spread within each block of the denominators'
// LCD, and the shares of any count add up.
func TestSegmentStriping(t *testing.T) {
	three := equalShards(t, 3)
	for i, s := range three {
		if got := s.Owned(10); !slices.Equal(got, []int{i, i + 3, i + 6, i + 9}[:len(got)]) || len(got) != []int{4, 3, 3}[i] {
			t.Errorf("shard %d of 3 owns %v (%s)", i, got, s)
		}
	}
	if s := three[0]; s.String() != "0:1/3" || s.Sequence() != "0,1/3,2/3,1" || s.Index() != 0 || s.Count() != 3 {
		t.Errorf("shard 0: %s in %s, %d of %d", s, s.Sequence(), s.Index(), s.Count())
	}
	// 15 plants over 7 shards: 3, 2, 2, 2, 2, 2, 2, none twice, none missing.
	var all []int
	var sizes []int
	for _, s := range equalShards(t, 7) {
		own := s.Owned(15)
		sizes = append(sizes, len(own))
		all = append(all, own...)
	}
	slices.Sort(all)
	if !slices.Equal(sizes, []int{3, 2, 2, 2, 2, 2, 2}) || len(all) != 15 || slices.Compact(all)[14] != 14 {
		t.Errorf("15 over 7: sizes %v, plants %v", sizes, all)
	}
	for v := int64(0); v < 50; v++ {
		var sum int64
		for _, s := range []string{"0:1/4", "1/4:1/3", "1/3:3/4", "3/4:1"} {
			seg, err := ParseSegment("--segment", s, "0,1/4,1/3,3/4,1")
			if err != nil {
				t.Fatal(err)
			}
			sum += seg.Scale(v)
		}
		if sum != v {
			t.Errorf("shares of %d sum to %d", v, sum)
		}
	}
}

func TestParseSegmentBadInput(t *testing.T) {
	for _, tc := range []struct{ seg, seq, want string }{
		{"3/3", "", "want 0 ≤ i < n"},
		{"0/0", "", "want 0 ≤ i < n"},
		{"a/b", "", "want i/n with whole numbers"},
		{"-1/3", "", "want 0 ≤ i < n"},
		{"1/2:1/3", "", "want 0 ≤ a < b ≤ 1"},
		{"0:3/2", "", "want 0 ≤ a < b ≤ 1"},
		{"0:x", "", `"x" is not a fraction`},
		{"0:1/2", "0,1/3,2/3,1", "not a segment of the sequence 0,1/3,2/3,1"},
		{"0:1/3", "0,2/3,1/3,1", "points must increase"},
		{"0:1/3", "0,1/3,2/3", "want points from 0 to 1"},
		{"half", "", "want i/n (the shard's index of n) or k6's a:b"},
	} {
		_, err := ParseSegment("--segment", tc.seg, tc.seq)
		if err == nil || !errors.Is(err, ErrSegment) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--segment") {
			t.Errorf("%q in %q: %v, want one naming --segment and %q", tc.seg, tc.seq, err, tc.want)
		}
	}
	// k6's forms: decimals, percentages, a segment filled out to 0 and 1.
	s, err := ParseSegment("--segment", "25%:0.5", "")
	if err != nil || s.Sequence() != "0,1/4,1/2,1" || s.Index() != 1 || s.Fraction() != 0.25 {
		t.Errorf("25%%:0.5: %v in %s, %v", s, s.Sequence(), err)
	}
}
