package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/deploy/kafkabus"
)

// topicPollInterval is how often EnsureTopics re-reads metadata while it
// waits for new topics to show up with their leaders.
const topicPollInterval = 50 * time.Millisecond

// EnsureTopics creates topics with the given partition count (replication
// factor left to the broker) unless they exist, then waits until metadata
// shows every topic with at least that many partitions, each with a leader.
// A topic that already exists with fewer partitions is an error: the run
// would not have the parallelism it asked for. ctx bounds the whole call.
func EnsureTopics(ctx context.Context, cfg kafkabus.Config, partitions int, topics ...string) error {
	if partitions < 1 {
		return fmt.Errorf("ensure topics: partitions %d must be at least 1", partitions)
	}
	if len(topics) == 0 {
		return nil
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	transport := cfg.Transport()
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: cfg.Addr(), Transport: transport}

	req := &kafka.CreateTopicsRequest{}
	for _, t := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{
			Topic:             t,
			NumPartitions:     partitions,
			ReplicationFactor: -1,
		})
	}
	resp, err := client.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("create topics %q: %w", topics, err)
	}
	var errs []error
	existed := map[string]bool{}
	for _, t := range topics {
		switch err := resp.Errors[t]; {
		case errors.Is(err, kafka.TopicAlreadyExists):
			existed[t] = true
		case err != nil:
			errs = append(errs, fmt.Errorf("create topic %q: %w", t, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return waitTopics(ctx, cfg, partitions, topics, existed)
}

// waitTopics polls metadata until every topic has partitions with leaders.
// A topic that existed before with too few partitions will not grow, so
// that is an error rather than a wait.
func waitTopics(ctx context.Context, cfg kafkabus.Config, partitions int, topics []string, existed map[string]bool) error {
	ticker := time.NewTicker(topicPollInterval)
	defer ticker.Stop()
	for {
		have, err := readPartitions(ctx, cfg, topics...)
		var missing []string
		if err == nil {
			for _, t := range topics {
				n, ready := have[t].count, have[t].ready
				if existed[t] && ready && n < partitions {
					return fmt.Errorf("topic %q exists with %d partitions, fewer than the %d asked for", t, n, partitions)
				}
				if n < partitions || !ready {
					missing = append(missing, t)
				}
			}
			if len(missing) == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("topics %q not ready", missing)
			}
			return fmt.Errorf("wait for topics: %w (last: %w)", ctx.Err(), err)
		case <-ticker.C:
		}
	}
}

// topicLayout is what metadata says about one topic.
type topicLayout struct {
	count int  // partitions
	ready bool // every partition has a leader and no error
	ids   []int
}

// readPartitions reads fresh metadata for topics. It uses a new transport
// that asks for these topics only: a transport's metadata is cached for
// seconds, and Conn.ReadPartitions asks the broker to auto-create missing
// topics.
func readPartitions(ctx context.Context, cfg kafkabus.Config, topics ...string) (map[string]topicLayout, error) {
	transport := cfg.Transport()
	transport.MetadataTopics = topics
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: cfg.Addr(), Transport: transport}
	resp, err := client.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
	if err != nil {
		return nil, fmt.Errorf("read metadata for %q: %w", topics, err)
	}
	out := make(map[string]topicLayout, len(topics))
	for _, t := range resp.Topics {
		if t.Error != nil {
			continue // absent, or not ready yet
		}
		l := topicLayout{count: len(t.Partitions), ready: len(t.Partitions) > 0}
		for _, p := range t.Partitions {
			l.ids = append(l.ids, p.ID)
			if p.Error != nil || p.Leader.Host == "" {
				l.ready = false
			}
		}
		out[t.Name] = l
	}
	return out, nil
}
