package k6serve

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/xk6-gl001/bridge"
)

// startBridge connects the bridge to bus with the scenario's fleet, as
// gl001 bridge builds it (so agent ids match fleet.json), and listens on
// o.BridgeListen. The caller closes the bridge; Serve closes ln.
func startBridge(ctx context.Context, o Options, bus kafkabus.Options) (*bridge.Bridge, net.Listener, error) {
	cfg, err := bus.Config()
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	f, err := fleet.New(fleet.Config{Plants: o.Scenario.Plants, Agents: o.Scenario.SubAgents, Seed: o.Scenario.Seed})
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %s: %w", ErrInput, o.ScenarioFile, err)
	}
	b, err := bridge.New(ctx, bridge.Options{Bus: cfg, Topic: o.Profile.Topic, AckTopic: o.Profile.AckTopic, Fleet: f, Logger: o.Logger})
	if errors.Is(err, bridge.ErrUnreachable) {
		return nil, nil, fmt.Errorf("%w: brokers %v: %w", ErrInput, bus.Brokers, err)
	}
	if err != nil {
		return nil, nil, err
	}
	ln, err := net.Listen("tcp", o.BridgeListen)
	if err != nil {
		b.Close()
		return nil, nil, fmt.Errorf("%w: --bridge-listen %q: %w", ErrInput, o.BridgeListen, err)
	}
	return b, ln, nil
}
