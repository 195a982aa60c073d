package fleet

import (
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/greenlang/gl001/simulator/api"
)

// AgentType is one row of the sub-agent table: a GreenLang agent type, the
// guide's group it scales with, and its deployment.
type AgentType struct {
	Code       string // agent_type of its events, "GL-002"
	Group      string // api.GroupBoilerSteam, api.GroupCombustionEmissions or api.GroupHeatRecovery
	Deployment string // Kubernetes deployment, "gl-002-boiler-efficiency"
	Role       string // what it watches, in a few words
	PerBoiler  bool   // one agent per boiler, not per plant
	FromGuide  bool   // the guide deploys it by this name; such types fill the core tier
}

// Indexes into agentTypes, which is in fill order.
const (
	gl002 = iota
	gl012
	gl003
	gl004
	gl006
	gl005
	gl014
	gl016
	gl020
	gl017
	gl022
	numTypes
)

// agentTypes is the table, in the order slots are filled (see the package
// documentation). The guide names GL-002, GL-012, GL-003, GL-004 and
// GL-006's deployments; the other deployment names are this package's.
var agentTypes = [numTypes]AgentType{
	gl002: {Code: "GL-002", Group: api.GroupBoilerSteam, Deployment: "gl-002-boiler-efficiency", Role: "boiler efficiency", PerBoiler: true, FromGuide: true},
	gl012: {Code: "GL-012", Group: api.GroupBoilerSteam, Deployment: "gl-012-steam-system", Role: "steam header and balance", FromGuide: true},
	gl003: {Code: "GL-003", Group: api.GroupCombustionEmissions, Deployment: "gl-003-combustion-optimizer", Role: "excess air and CO", FromGuide: true},
	gl004: {Code: "GL-004", Group: api.GroupCombustionEmissions, Deployment: "gl-004-emissions-control", Role: "stack emissions", FromGuide: true},
	gl006: {Code: "GL-006", Group: api.GroupHeatRecovery, Deployment: "gl-006-waste-heat", Role: "waste-heat recovery", FromGuide: true},
	gl005: {Code: "GL-005", Group: api.GroupCombustionEmissions, Deployment: "gl-005-combustion-diagnostics", Role: "flame and furnace diagnostics"},
	gl014: {Code: "GL-014", Group: api.GroupHeatRecovery, Deployment: "gl-014-heat-exchanger", Role: "process heat-exchanger performance"},
	gl016: {Code: "GL-016", Group: api.GroupBoilerSteam, Deployment: "gl-016-water-treatment", Role: "boiler water and blowdown"},
	gl020: {Code: "GL-020", Group: api.GroupHeatRecovery, Deployment: "gl-020-economizer", Role: "economizer duty and fouling"},
	gl017: {Code: "GL-017", Group: api.GroupBoilerSteam, Deployment: "gl-017-condensate-recovery", Role: "condensate return"},
	gl022: {Code: "GL-022", Group: api.GroupBoilerSteam, Deployment: "gl-022-superheater-control", Role: "superheat and attemperation"},
}

// AgentTypes returns the sub-agent table in fill order.
func AgentTypes() []AgentType { return append([]AgentType(nil), agentTypes[:]...) }

// Agent is one sub-agent: a type, the plant (and for GL-002 the boiler) it
// watches, and its event sequence. Its methods are safe for concurrent use.
type Agent struct {
	seq      atomic.Uint64
	id       string
	typ      uint8
	boiler   int8 // index in the plant, or -1
	plant    int32
	instance int32
	noise    uint64 // hash key of its sensors
	fleet    *Fleet
}

// ID returns the agent id, e.g. "gl-002-plant-03-boiler-2".
func (a *Agent) ID() string { return a.id }

// Type returns the agent's row of the sub-agent table.
func (a *Agent) Type() AgentType { return agentTypes[a.typ] }

// PlantID returns the plant the agent watches, e.g. "plant-03".
func (a *Agent) PlantID() string { return a.fleet.plants[a.plant].id }

// BoilerID returns the heat source a GL-002 watches ("plant-03/boiler-2"),
// or "" for a per-plant agent.
func (a *Agent) BoilerID() string {
	if a.boiler < 0 {
		return ""
	}
	return a.fleet.plants[a.plant].boilers[a.boiler].key
}

// Instance returns which instance of its slot the agent is, from 1.
func (a *Agent) Instance() int { return int(a.instance) }

// Seq returns the sequence number of the agent's latest event, 0 before
// the first.
func (a *Agent) Seq() uint64 { return a.seq.Load() }

// Agents returns the fleet's agents in fill order (see the package
// documentation), which is also Fleet.NextEvent's round-robin order.
func (f *Fleet) Agents() []*Agent { return append([]*Agent(nil), f.agents...) }

// slot is one place an agent can fill: a type at a plant, and a boiler for
// per-boiler types.
type slot struct {
	typ    uint8
	boiler int8
	plant  int32
}

// slots lists every slot in fill order: tiers 1 to 3 of the package
// documentation.
func (f *Fleet) slots() []slot {
	n := len(f.plants)
	s := make([]slot, 0, f.boilers+(numTypes-1)*n)
	perPlant := func(t int) {
		for p := range n {
			b := int8(-1)
			if agentTypes[t].PerBoiler {
				b = 0
			}
			s = append(s, slot{typ: uint8(t), boiler: b, plant: int32(p)})
		}
	}
	for t := range agentTypes {
		if agentTypes[t].FromGuide {
			perPlant(t)
		}
	}
	for b := 1; b < maxBoilers; b++ {
		for p := range n {
			if b < len(f.plants[p].boilers) {
				s = append(s, slot{typ: gl002, boiler: int8(b), plant: int32(p)})
			}
		}
	}
	for t := range agentTypes {
		if !agentTypes[t].FromGuide {
			perPlant(t)
		}
	}
	return s
}

// assignAgents fills f.agents, each plant's agent list and f.split.
func (f *Fleet) assignAgents() {
	m := f.cfg.Agents
	f.agents = make([]*Agent, m)
	if m == 0 {
		f.split = f.splitOf()
		return
	}
	slots := f.slots()
	backing := make([]Agent, m) // one allocation, not M
	counts := make([]int, len(f.plants))
	for i := range m {
		s := slots[i%len(slots)]
		a := &backing[i]
		a.typ, a.boiler, a.plant, a.instance = s.typ, s.boiler, s.plant, int32(i/len(slots)+1)
		a.noise = hashKey(f.cfg.Seed, 5, uint64(i), 0)
		a.fleet = f
		a.id = agentID(a, f.plants[s.plant].id)
		f.agents[i] = a
		counts[s.plant]++
	}
	for p := range f.plants {
		f.plants[p].agents = make([]int32, 0, counts[p])
	}
	for i, a := range f.agents {
		f.plants[a.plant].agents = append(f.plants[a.plant].agents, int32(i))
	}
	f.split = f.splitOf()
}

// agentID is "gl-002-plant-03-boiler-2" (then "…-boiler-2-2" for a second
// instance) or "gl-003-plant-03-1".
func agentID(a *Agent, plantID string) string {
	var b strings.Builder
	b.Grow(40)
	b.WriteString(strings.ToLower(agentTypes[a.typ].Code))
	b.WriteByte('-')
	b.WriteString(plantID)
	if a.boiler >= 0 {
		b.WriteString("-boiler-")
		b.WriteString(strconv.Itoa(int(a.boiler) + 1))
		if a.instance > 1 {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(int(a.instance)))
		}
	} else {
		b.WriteByte('-')
		b.WriteString(strconv.Itoa(int(a.instance)))
	}
	return b.String()
}

// MaxRequestAgentIDs bounds a request's agent_ids: the agents an
// orchestrator is asked to coordinate in one call.
const MaxRequestAgentIDs = 50

// agentIDs is the agent_ids of a request covering plants: each plant's
// agents in fill order, taken round-robin across the plants (first agent
// of each plant, then second, …) up to MaxRequestAgentIDs.
func (f *Fleet) agentIDs(plants []int) []string {
	ids := make([]string, 0, min(MaxRequestAgentIDs, len(f.agents)))
	for r := 0; len(ids) < cap(ids); r++ {
		added := false
		for _, p := range plants {
			if as := f.plants[p].agents; r < len(as) {
				ids = append(ids, f.agents[as[r]].id)
				added = true
				if len(ids) == cap(ids) {
					break
				}
			}
		}
		if !added {
			break
		}
	}
	return ids
}

// TypeSplit is how many agents of one type a fleet has.
type TypeSplit struct {
	AgentType
	Agents int // agents of this type
	Plants int // plants with at least one of them
}

// GroupSplit is how many agents of one group a fleet has, by type.
type GroupSplit struct {
	Group  string
	Agents int
	Types  []TypeSplit // every type of the group, in fill order, zeros included
}

// Split returns the agents per group (in the order of api.Groups) and type.
func (f *Fleet) Split() []GroupSplit {
	out := make([]GroupSplit, len(f.split))
	for i, g := range f.split {
		out[i] = g
		out[i].Types = append([]TypeSplit(nil), g.Types...)
	}
	return out
}

func (f *Fleet) splitOf() []GroupSplit {
	var agents, plants [numTypes]int
	seen := make([][]bool, numTypes) // seen[type][plant]
	for t := range seen {
		seen[t] = make([]bool, len(f.plants))
	}
	for _, a := range f.agents {
		agents[a.typ]++
		if !seen[a.typ][a.plant] {
			seen[a.typ][a.plant] = true
			plants[a.typ]++
		}
	}
	groups := make([]GroupSplit, len(api.Groups))
	for i, g := range api.Groups {
		groups[i].Group = g
		for t, at := range agentTypes {
			if at.Group != g {
				continue
			}
			groups[i].Types = append(groups[i].Types, TypeSplit{AgentType: at, Agents: agents[t], Plants: plants[t]})
			groups[i].Agents += agents[t]
		}
	}
	return groups
}

// SplitText renders Split as a table, one line per group and one per type
// beneath it, each line ending in a newline.
func (f *Fleet) SplitText() string {
	var b strings.Builder
	for _, g := range f.split {
		fmt.Fprintf(&b, "%-22s %6d\n", g.Group, g.Agents)
		for _, t := range g.Types {
			fmt.Fprintf(&b, "  %-6s %-29s %6d", t.Code, t.Deployment, t.Agents)
			if t.Agents > 0 {
				fmt.Fprintf(&b, " on %d plants", t.Plants)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// String describes the fleet: its size on one line, then SplitText.
func (f *Fleet) String() string {
	return fmt.Sprintf("%d plants, %d boilers, %d agents\n%s", len(f.plants), f.boilers, len(f.agents), f.SplitText())
}
