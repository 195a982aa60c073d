package sampler

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// scrapes is what Target keeps of its previous scrape, so that a profile
// may name a histogram where the guide names a p95 gauge, and a counter
// where it names a per-second gauge (the public implementation's
// gl_001_orchestration_duration_seconds and gl_001_message_bus_messages_total):
// the figure is then read over the time between two scrapes, the way
// histogram_quantile(0.95, sum by (le) (rate(..._bucket[w]))) and
// sum(rate(...[w])) read them. A series whose count went down was reset
// (its process restarted), and its increase is its whole new count, as
// Prometheus takes it. Not safe for concurrent use; Target holds a lock.
type scrapes struct {
	at      time.Time
	buckets map[string][]bucket // by metric and series: cumulative counts
	counts  map[string]float64  // by metric and series: counter values
}

// bucket is one cumulative histogram bucket.
type bucket struct {
	le    float64 // upper bound; +Inf for the last
	count float64 // observations ≤ le
}

func newScrapes(at time.Time) *scrapes {
	return &scrapes{at: at, buckets: map[string][]bucket{}, counts: map[string]float64{}}
}

// seriesKey names one series of metric by its label pairs.
func seriesKey(metric string, m *dto.Metric) string {
	var b strings.Builder
	b.WriteString(metric)
	pairs := m.GetLabel()
	idx := make([]int, len(pairs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, c int) bool { return pairs[idx[a]].GetName() < pairs[idx[c]].GetName() })
	for _, i := range idx {
		fmt.Fprintf(&b, "\xff%s=%s", pairs[i].GetName(), pairs[i].GetValue())
	}
	return b.String()
}

// histogramP95 is the 95th percentile of the observations f's series made
// since prev's scrape, with every series' buckets summed (all replicas'),
// interpolated linearly inside the bucket as histogram_quantile does. It
// records f's buckets in next. With no previous scrape, or no observation
// since, there is no figure and the reason says why.
func histogramP95(f *dto.MetricFamily, name string, prev, next *scrapes) (float64, string) {
	var sum []bucket // the increase, summed over series, by le
	series, first := 0, false
	for _, m := range f.GetMetric() {
		h := m.GetHistogram()
		if h == nil {
			continue
		}
		series++
		cur := cumulative(h)
		key := seriesKey(name, m)
		next.buckets[key] = cur
		if prev.at.IsZero() {
			first = true
			continue
		}
		inc := increase(prev.buckets[key], cur)
		if inc == nil {
			return 0, fmt.Sprintf("%s: series change their bucket bounds between scrapes", name)
		}
		if sum == nil {
			sum = inc
			continue
		}
		if !sameBounds(sum, inc) {
			return 0, fmt.Sprintf("%s: series have different bucket bounds, so they cannot be summed", name)
		}
		for i := range sum {
			sum[i].count += inc[i].count
		}
	}
	switch {
	case series == 0:
		return 0, name + " exposes no series"
	case first && sum == nil:
		return 0, name + " is a histogram: its p95 is read from the increase between two scrapes, and this is the first"
	case sum == nil || sum[len(sum)-1].count <= 0:
		return 0, name + " is a histogram with no observation since the previous scrape (no data behind its p95)"
	}
	return bucketQuantile(0.95, sum), ""
}

// cumulative is h's buckets in order of le, ending with +Inf (the sample
// count, which the exposition need not list as a bucket).
func cumulative(h *dto.Histogram) []bucket {
	out := make([]bucket, 0, len(h.GetBucket())+1)
	for _, b := range h.GetBucket() {
		out = append(out, bucket{le: b.GetUpperBound(), count: float64(b.GetCumulativeCount())})
	}
	slices.SortFunc(out, func(a, b bucket) int {
		switch {
		case a.le < b.le:
			return -1
		case a.le > b.le:
			return 1
		}
		return 0
	})
	if len(out) == 0 || !math.IsInf(out[len(out)-1].le, 1) {
		out = append(out, bucket{le: math.Inf(1), count: float64(h.GetSampleCount())})
	}
	return out
}

// increase is cur minus old bucket by bucket, or cur itself when the
// series was reset (its count went down) or is new; nil when the bounds
// differ.
func increase(old, cur []bucket) []bucket {
	out := slices.Clone(cur)
	if old == nil || old[len(old)-1].count > cur[len(cur)-1].count {
		return out
	}
	if !sameBounds(old, cur) {
		return nil
	}
	for i := range out {
		out[i].count = max(0, cur[i].count-old[i].count)
	}
	return out
}

func sameBounds(a, b []bucket) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].le != b[i].le {
			return false
		}
	}
	return true
}

// bucketQuantile is Prometheus's histogram_quantile over cumulative
// buckets ending in +Inf with a positive count: the rank q×count falls in
// the first bucket whose count reaches it, and the value is interpolated
// linearly between that bucket's lower and upper bounds (the lower bound
// of the first bucket is 0 when its upper bound is positive). A rank in
// the +Inf bucket is the highest finite bound.
func bucketQuantile(q float64, bs []bucket) float64 {
	total := bs[len(bs)-1].count
	rank := q * total
	i := sort.Search(len(bs), func(i int) bool { return bs[i].count >= rank })
	if i == len(bs)-1 {
		if i == 0 {
			return math.NaN()
		}
		return bs[i-1].le
	}
	lower, below := 0.0, 0.0
	if i > 0 {
		lower, below = bs[i-1].le, bs[i-1].count
	} else if bs[0].le <= 0 {
		return bs[0].le
	}
	in := bs[i].count - below
	if in <= 0 {
		return bs[i].le
	}
	return lower + (bs[i].le-lower)*(rank-below)/in
}

// counterRate is the per-second increase of f's counters since prev's
// scrape, summed over series; it records their values in next. With no
// previous scrape there is no figure.
func counterRate(f *dto.MetricFamily, name string, prev, next *scrapes) (float64, string) {
	inc, series, first := 0.0, 0, false
	for _, m := range f.GetMetric() {
		c := m.GetCounter()
		if c == nil {
			continue
		}
		v := c.GetValue()
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		series++
		key := seriesKey(name, m)
		next.counts[key] = v
		old, seen := prev.counts[key]
		switch {
		case prev.at.IsZero():
			first = true
		case !seen || v < old: // new or reset: all of it is new
			inc += v
		default:
			inc += v - old
		}
	}
	secs := next.at.Sub(prev.at).Seconds()
	switch {
	case series == 0:
		return 0, name + " has no finite counter series"
	case first:
		return 0, name + " is a counter: its rate is read from the increase between two scrapes, and this is the first"
	case secs <= 0:
		return 0, fmt.Sprintf("%s: no time between two scrapes", name)
	}
	return inc / secs, ""
}
