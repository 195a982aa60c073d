package bus

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/greenlang/gl001/deploy/kafkabus"
)

// GroupState is what WaitGroupStable last saw of a consumer group.
type GroupState struct {
	State    string // the coordinator's word, e.g. "Stable", "PreparingRebalance"
	Members  int
	Assigned int // partitions of the topic assigned to some member
}

// WaitGroupStable waits until group is "Stable" with members members and
// every one of the topic's partitions assigned, polling the group's
// coordinator (DescribeGroups) every poll until ctx ends. It returns the
// last state seen, and ctx's error if the group never settled.
func WaitGroupStable(ctx context.Context, cfg kafkabus.Config, group, topic string, members, partitions int, poll time.Duration) (GroupState, error) {
	transport := cfg.Transport()
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: cfg.Addr(), Transport: transport}
	var last GroupState
	for {
		st, err := describeGroup(ctx, client, group, topic)
		if err == nil {
			last = st
			if st.State == "Stable" && st.Members == members && st.Assigned == partitions {
				return st, nil
			}
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return last, errors.Join(ctx.Err(), err)
			}
			return last, ctx.Err()
		case <-time.After(poll):
		}
	}
}

func describeGroup(ctx context.Context, c *kafka.Client, group, topic string) (GroupState, error) {
	fc, err := c.FindCoordinator(ctx, &kafka.FindCoordinatorRequest{Key: group, KeyType: kafka.CoordinatorKeyTypeConsumer})
	if err != nil {
		return GroupState{}, err
	}
	if fc.Error != nil {
		return GroupState{}, fc.Error
	}
	addr := kafka.TCP(net.JoinHostPort(fc.Coordinator.Host, strconv.Itoa(fc.Coordinator.Port)))
	resp, err := c.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{Addr: addr, GroupIDs: []string{group}})
	if err != nil {
		return GroupState{}, err
	}
	if len(resp.Groups) != 1 {
		return GroupState{}, fmt.Errorf("describe group %q: %d groups in the answer", group, len(resp.Groups))
	}
	g := resp.Groups[0]
	if g.Error != nil {
		return GroupState{}, g.Error
	}
	st := GroupState{State: g.GroupState, Members: len(g.Members)}
	for _, m := range g.Members {
		for _, t := range m.MemberAssignments.Topics {
			if t.Topic == topic {
				st.Assigned += len(t.Partitions)
			}
		}
	}
	return st, nil
}
