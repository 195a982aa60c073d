package kafkabus

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/segmentio/kafka-go"
)

// Partitions returns topic's partition ids, sorted, from fresh metadata.
func Partitions(ctx context.Context, c *kafka.Client, topic string) ([]int, error) {
	md, err := c.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, fmt.Errorf("metadata of %q: %w", topic, err)
	}
	for _, t := range md.Topics {
		if t.Name != topic {
			continue
		}
		if t.Error != nil {
			return nil, fmt.Errorf("topic %q: %w", topic, t.Error)
		}
		ps := make([]int, 0, len(t.Partitions))
		for _, p := range t.Partitions {
			ps = append(ps, p.ID)
		}
		if len(ps) == 0 {
			return nil, fmt.Errorf("topic %q has no partitions", topic)
		}
		slices.Sort(ps)
		return ps, nil
	}
	return nil, fmt.Errorf("topic %q not found", topic)
}

// CommittedOffsets returns group's committed offset per partition, -1
// where it has none.
func CommittedOffsets(ctx context.Context, c *kafka.Client, group, topic string, partitions []int) (map[int]int64, error) {
	res, err := c.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{topic: partitions}})
	if err != nil {
		return nil, fmt.Errorf("committed offsets of group %q: %w", group, err)
	}
	out := make(map[int]int64, len(partitions))
	for _, p := range partitions {
		out[p] = -1
	}
	if errors.Is(res.Error, kafka.GroupIdNotFound) {
		// A group that never committed: Kafka answers -1 offsets, kfake
		// (and some brokers) this error. Either way, nothing committed.
		return out, nil
	}
	if res.Error != nil {
		return nil, fmt.Errorf("committed offsets of group %q: %w", group, res.Error)
	}
	var errs []error
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			errs = append(errs, fmt.Errorf("partition %d: %w", p.Partition, p.Error))
			continue
		}
		out[p.Partition] = p.CommittedOffset
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("committed offsets of group %q on %q: %w", group, topic, err)
	}
	return out, nil
}

// ListOffsets returns the first or last (kafka.FirstOffset,
// kafka.LastOffset) offset of each partition. kafka-go asks each
// partition's leader.
func ListOffsets(ctx context.Context, c *kafka.Client, topic string, partitions []int, which int64) (map[int]int64, error) {
	reqs := make([]kafka.OffsetRequest, len(partitions))
	for i, p := range partitions {
		reqs[i] = kafka.OffsetRequest{Partition: p, Timestamp: which}
	}
	res, err := c.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: reqs}})
	if err != nil {
		return nil, fmt.Errorf("list offsets of %q: %w", topic, err)
	}
	out := make(map[int]int64, len(partitions))
	var errs []error
	for _, p := range res.Topics[topic] {
		if p.Error != nil {
			errs = append(errs, fmt.Errorf("list offsets of %q partition %d: %w", topic, p.Partition, p.Error))
			continue
		}
		if which == kafka.FirstOffset {
			out[p.Partition] = p.FirstOffset
		} else {
			out[p.Partition] = p.LastOffset
		}
	}
	for _, p := range partitions {
		if _, ok := out[p]; !ok && len(errs) == 0 {
			errs = append(errs, fmt.Errorf("list offsets of %q partition %d: no offset in the answer", topic, p))
		}
	}
	return out, errors.Join(errs...)
}

// EndOffsets returns topic's partitions and each one's log end offset,
// over a connection of its own.
func EndOffsets(ctx context.Context, cfg Config, topic string) (map[int]int64, error) {
	transport := cfg.Transport()
	defer transport.CloseIdleConnections()
	c := &kafka.Client{Addr: cfg.Addr(), Transport: transport}
	ps, err := Partitions(ctx, c, topic)
	if err != nil {
		return nil, err
	}
	return ListOffsets(ctx, c, topic, ps, kafka.LastOffset)
}
