package sampler

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/api"
)

// DefaultLagHistory is how far back KafkaLag keeps log end offsets to
// turn lag in messages into lag in seconds.
const DefaultLagHistory = 10 * time.Minute

// maxLagPoints bounds each partition's history whatever History says. Runs
// of equal end offsets are kept as their first and last points, so an
// idle partition costs two.
const maxLagPoints = 1024

// KafkaLag samples the consumer lag of Group on Topic, as
// kafka-consumer-groups.sh --describe and kafka-lag-exporter read it.
//
// Per partition, lag in messages is max(0, log end offset − committed
// offset). A partition the group has never committed on counts from the
// partition's log start offset (its earliest retained message): the
// group's consumers start there (kafka-go's and the stand-in's
// FirstOffset), so everything retained is still to do.
//
// Lag in seconds follows kafka-lag-exporter: every Sample records each
// partition's (Sample.At, log end offset), kept for History. The
// committed offset is looked up in that history: the time the end offset
// was (last) at the committed offset, interpolated linearly between the
// readings around it, is when the oldest unconsumed message was written,
// and the lag is Sample.At minus that. A committed offset older than the
// history is extrapolated back on the line through the oldest and newest
// readings; with no rate to extrapolate on (one reading, or no new
// messages in the whole history) the oldest reading's time is used, which
// makes the figure a lower bound (0 s on the very first Sample). A
// partition with no lag in messages has 0 s. Lag.Seconds is the worst
// partition's, since the HPA and the guide's thresholds care about the
// oldest waiting event, not an average.
//
// Close releases the connections. Safe for concurrent use.
type KafkaLag struct {
	Config kafkabus.Config
	// Group and Topic; api.ConsumerGroup and api.TopicCoordination
	// (gl-001-orchestrator on agent.coordination) when empty.
	Group, Topic string
	// History is how long end offsets are kept; DefaultLagHistory when 0.
	History time.Duration

	mu        sync.Mutex
	transport *kafka.Transport
	history   map[int32]*offsetHistory
}

// Name is "lag".
func (l *KafkaLag) Name() string { return "lag" }

// Close releases the connections to the brokers. The KafkaLag can be used
// again afterwards; it reconnects.
func (l *KafkaLag) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.transport != nil {
		l.transport.CloseIdleConnections()
		l.transport = nil
	}
	return nil
}

// Sample reads the committed and end offsets of every partition.
func (l *KafkaLag) Sample(ctx context.Context, s *Sample) error {
	group, topic := or(l.Group, api.ConsumerGroup), or(l.Topic, api.TopicCoordination)
	if err := l.Config.Validate(); err != nil {
		return err
	}
	client := l.client()
	now := s.At
	if now.IsZero() {
		now = time.Now()
	}

	partitions, err := kafkabus.Partitions(ctx, client, topic)
	if err != nil {
		return err
	}
	committed, err := kafkabus.CommittedOffsets(ctx, client, group, topic, partitions)
	if err != nil {
		return err
	}
	ends, err := kafkabus.ListOffsets(ctx, client, topic, partitions, kafka.LastOffset)
	if err != nil {
		return fmt.Errorf("log end offsets of %q: %w", topic, err)
	}
	var fresh []int
	for _, p := range partitions {
		if committed[p] < 0 {
			fresh = append(fresh, p)
		}
	}
	if len(fresh) > 0 {
		starts, err := kafkabus.ListOffsets(ctx, client, topic, fresh, kafka.FirstOffset)
		if err != nil {
			return fmt.Errorf("log start offsets of %q: %w", topic, err)
		}
		for p, off := range starts {
			committed[p] = off
		}
	}

	out := &Lag{Group: group, Topic: topic, PerPartition: make(map[int32]int64, len(partitions))}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.history == nil {
		l.history = map[int32]*offsetHistory{}
	}
	keep := l.History
	if keep <= 0 {
		keep = DefaultLagHistory
	}
	for _, p := range partitions {
		id := int32(p)
		h := l.history[id]
		if h == nil {
			h = &offsetHistory{}
			l.history[id] = h
		}
		h.add(now, ends[p], keep)
		n := max(0, ends[p]-committed[p])
		out.PerPartition[id] = n
		out.Messages += n
		if n > 0 {
			out.Seconds = max(out.Seconds, h.lagSeconds(now, committed[p]))
		}
	}
	s.Lag = out
	return nil
}

func (l *KafkaLag) client() *kafka.Client {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.transport == nil {
		l.transport = l.Config.Transport()
	}
	return &kafka.Client{Addr: kafka.TCP(l.Config.Brokers...), Transport: l.transport}
}

// offsetPoint is one reading of a partition's log end offset.
type offsetPoint struct {
	at  time.Time
	end int64
}

// offsetHistory is a partition's log end offsets over time, oldest first,
// end offsets non-decreasing.
type offsetHistory struct {
	points []offsetPoint
}

// add records end at time at and drops points older than keep (the
// newest is always kept). An end offset lower than the last (the topic
// was recreated) starts the history over. The middle of a run of equal
// end offsets is dropped: its first point says when the offset was
// reached, its last that it still was, and lookups need nothing between.
func (h *offsetHistory) add(at time.Time, end int64, keep time.Duration) {
	n := len(h.points)
	switch {
	case n > 0 && end < h.points[n-1].end:
		h.points = h.points[:0]
	case n > 0 && !at.After(h.points[n-1].at):
		// Same instant (or a clock step back): the newer reading wins.
		h.points[n-1].end = max(h.points[n-1].end, end)
		return
	case n >= 2 && h.points[n-1].end == end && h.points[n-2].end == end:
		h.points[n-1].at = at
		h.trim(at, keep)
		return
	}
	h.points = append(h.points, offsetPoint{at: at, end: end})
	h.trim(at, keep)
}

func (h *offsetHistory) trim(now time.Time, keep time.Duration) {
	cut := 0
	for cut < len(h.points)-1 && now.Sub(h.points[cut].at) > keep {
		cut++
	}
	if over := len(h.points) - cut - maxLagPoints; over > 0 {
		cut += over
	}
	if cut > 0 {
		h.points = slices.Delete(h.points, 0, cut)
	}
}

// timeAt estimates when the log end offset was last at offset, which is
// just before the message at offset (the first one a consumer at offset
// has not finished) was written: on the line between the last reading
// with end ≤ offset and the next one. In a run of equal readings that is
// the run's last reading, not its first. ok is false when there is
// nothing to look up: the history is empty, or offset is at or past the
// newest end offset (no lag).
func (h *offsetHistory) timeAt(offset int64) (t time.Time, ok bool) {
	n := len(h.points)
	// First reading past offset; ends are non-decreasing.
	j := sort.Search(n, func(k int) bool { return h.points[k].end > offset })
	switch {
	case j == n:
		return time.Time{}, false
	case j > 0:
		return interpolate(h.points[j-1], h.points[j], offset), true
	}
	// offset is older than the history.
	first, last := h.points[0], h.points[n-1]
	if last.end == first.end || !last.at.After(first.at) {
		return first.at, true // no rate: a lower bound
	}
	return interpolate(first, last, offset), true // extrapolates back
}

// lagSeconds is how far behind a consumer at offset committed is at now,
// in seconds: now minus the time the end offset was last at committed; 0
// when it is not behind.
func (h *offsetHistory) lagSeconds(now time.Time, committed int64) float64 {
	t, ok := h.timeAt(committed)
	if !ok {
		return 0
	}
	return max(0, now.Sub(t).Seconds())
}

// interpolate is the time on the line through a and b (a.end < b.end) at
// which the end offset is offset; offset may lie outside [a.end, b.end].
func interpolate(a, b offsetPoint, offset int64) time.Time {
	frac := float64(offset-a.end) / float64(b.end-a.end)
	return a.at.Add(time.Duration(frac * float64(b.at.Sub(a.at))))
}
