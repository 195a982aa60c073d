package orchestrator

import (
	"context"
	"sync"
	"time"

	"github.com/greenlang/gl001/simulator/api"
)

// handleEvent processes one coordination event for the bus Processor:
// validate it, fold it into its plant's state, and write the agent's state
// through the database pool. The Processor acknowledges with the returned
// id, status error when err is not nil.
func (r *Replica) handleEvent(ctx context.Context, value []byte) (string, error) {
	r.events.Add(1)
	ev, err := api.DecodeEvent(value)
	if err == nil {
		r.m.messageBusLatency.Observe(max(0, time.Since(ev.SentAt).Seconds()))
		err = r.plants.apply(ev)
	}
	if err == nil {
		dbStart := time.Now()
		_, err = r.pool.Exec(ctx, r.cfg.QueriesPerEvent)
		r.m.dbQueryDuration.Observe(time.Since(dbStart).Seconds())
	}
	r.m.coordinationRate.Add(1)
	r.m.messageBusMessages.Inc() // the ack, either status
	if err != nil {
		r.m.coordinationFailures.Inc()
		r.m.coordinationEvents.WithLabelValues(api.AckError).Inc()
		return ev.EventID, err
	}
	r.m.coordinationEvents.WithLabelValues(api.AckOK).Inc()
	return ev.EventID, nil
}

// plantStates is what the replica knows of each plant from its agents'
// events: the newest payload per agent, and sequence checks. Safe for
// concurrent use.
type plantStates struct {
	mu     sync.Mutex
	plants map[string]*plantState
}

type plantState struct {
	agents  map[string]agentState
	updated time.Time
}

type agentState struct {
	seq     uint64
	kind    string
	payload map[string]any
}

func newPlantStates() *plantStates { return &plantStates{plants: map[string]*plantState{}} }

// apply folds ev into its plant's state. An event older than one already
// applied for the same agent (a redelivery after a rebalance) is accepted
// and ignored, as an idempotent consumer would.
func (s *plantStates) apply(ev api.CoordinationEvent) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.plants[ev.PlantID]
	if !ok {
		p = &plantState{agents: map[string]agentState{}}
		s.plants[ev.PlantID] = p
	}
	if prev, ok := p.agents[ev.AgentID]; ok && prev.seq >= ev.Seq {
		return nil
	}
	p.agents[ev.AgentID] = agentState{seq: ev.Seq, kind: ev.AgentType, payload: ev.Payload}
	p.updated = ev.SentAt
	return nil
}

// counts returns the number of plants and agents heard from.
func (s *plantStates) counts() (plants, agents int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.plants {
		agents += len(p.agents)
	}
	return len(s.plants), agents
}
