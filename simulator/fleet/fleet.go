// Package fleet is the simulated estate whose requests and events make
// gl001's load: N process-heat plants, each with boilers and heat-demand
// units, and M sub-agents in the three groups of the GL-001 scaling guide's
// "Sub-Agent Group Scaling". It produces api.OptimizeRequest values (the
// body of POST /api/v1/optimize) and api.CoordinationEvent values (the
// messages on agent.coordination).
//
// # Plants
//
// Plant ids are "plant-01" … zero-padded to the width of N (at least two
// digits: "plant-0001" for 1,000 plants). Each plant has 2–6 boilers
// ("plant-03/boiler-2") burning natural gas (202 kg CO2/MWh of fuel), fuel
// oil (267) or biomass (15, the supply chain's share; its biogenic CO2 is
// counted as neutral), with a capacity of 8–50 MW of heat, a minimum stable
// output of 20–40 % of capacity and an efficiency of 0.78–0.94; and 2–6
// demand units ("plant-03/unit-1"), one of them the plant's priority unit.
// A plant's properties come from its own seeded stream, so plant-03 is the
// same plant in a fleet of 15 and in a fleet of 1,000 with the same seed.
//
// Heat demand is a pure function of the seed, the unit and the simulated
// time: a daily cycle peaking in the working day (13:00–15:00 UTC, lower
// and flatter at weekends) times a plant-wide AR(1) disturbance (15-minute
// steps) times a unit AR(1) disturbance (5-minute steps). The innovations
// are hashes of (seed, unit, time step), so no state is kept and any two
// calls at the same instant agree. Plant demand stays below the plant's
// capacity most of the time; at the daily peak, in a disturbance or while
// a boiler is down it exceeds what is available, so shortfalls happen
// (1–2 % of plant-hours, most at the weekday peak). Boilers are
// occasionally derated (to 55–90 % for a 2-hour step, about 6 % of steps)
// or tripped (about 0.5 %).
//
// A request describes the plants' current operation as a naive operator
// runs them, every available boiler at the same share of its availability,
// which is what the orchestrator's dispatch improves on: plant_data closes
// its energy balance to within measurement noise (about 0.2 %), and
// emissions_data is the stack emissions of that operation.
//
// # Agents and how M is split
//
// AgentTypes lists the eleven sub-agent types with their group and
// deployment name. Five deployment names are the guide's
// (gl-002-boiler-efficiency, gl-012-steam-system,
// gl-003-combustion-optimizer, gl-004-emissions-control,
// gl-006-waste-heat); the other six are this package's.
//
// M agents fill slots in this order, stopping when M runs out:
//
//  1. Core: one agent of each type the guide deploys by name, in the order
//     GL-002 (on the plant's boiler-1), GL-012, GL-003, GL-004, GL-006;
//     each type across every plant before the next type.
//  2. GL-002 for every other boiler: boiler-2 of every plant, then boiler-3
//     of every plant, and so on, so the guide's "1 per boiler" holds once
//     M allows it.
//  3. One per plant of the remaining types, in the order GL-005, GL-014,
//     GL-016, GL-020, GL-017, GL-022, each across every plant.
//  4. When every slot (boilers + 10 × plants of them) is taken, the next
//     agents are second instances of the slots in the same order, then
//     third, and so on.
//
// So five agents per plant (the guide's 50 agents for 10 plants, and the
// default 75 for 15) are one of each core type per plant, covering all
// three groups; fewer agents than plants are GL-002s on the first plants;
// and a large M reaches every boiler and then every type. Agent ids are
// "gl-002-plant-03-boiler-2" (a further instance appends "-2", "-3", …) and
// "gl-003-plant-03-1" for per-plant types, the last number the instance.
// Split and SplitText report the result per group and type.
//
// # Concurrency
//
// A Fleet is immutable after New apart from its sequence counters. Every
// method of Fleet and Agent is safe for concurrent use; NextRequest,
// RequestFor and the NextEvent methods take no lock: demand is recomputed
// from (seed, unit, time), and the per-agent sequence and the fleet's
// round-robin position are atomic counters.
package fleet

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/greenlang/gl001/deploy/capacity"
)

// Limits of a fleet's size: the capacity calculator's domain, so every
// fleet can be sized by the guide's formulas.
const (
	MinPlants = capacity.MinPlants
	MaxPlants = capacity.MaxPlants
	MinAgents = capacity.MinAgents
	MaxAgents = capacity.MaxAgents
)

// Defaults of DefaultConfig: the fleet of the guide's pre-expansion
// question, 15 plants and 75 sub-agents.
const (
	DefaultPlants = 15
	DefaultAgents = 75
	DefaultSeed   = 1
	// DefaultCarbonCostPerTonne is the CO2 price a fleet puts in its
	// requests when Config leaves it zero, per tonne.
	DefaultCarbonCostPerTonne = 85.0
)

// DefaultStart is the simulated time a run begins at when Config leaves
// Start zero: a Monday, 06:00 UTC, at the start of the morning ramp.
var DefaultStart = time.Date(2026, time.January, 5, 6, 0, 0, 0, time.UTC)

// ErrConfig is wrapped by every error New returns.
var ErrConfig = errors.New("invalid fleet config")

// Config sizes and seeds a fleet.
type Config struct {
	Plants int    // plants, MinPlants to MaxPlants
	Agents int    // sub-agents, MinAgents to MaxAgents
	Seed   uint64 // everything but event ids is a function of the seed

	// CarbonCostPerTonne prices CO2 in every request's objective, per
	// tonne, finite and ≥ 0; zero means DefaultCarbonCostPerTonne (set
	// the request's field to zero afterwards to leave carbon unpriced).
	CarbonCostPerTonne float64

	// Start is the simulated time a run begins at; zero means
	// DefaultStart. The model depends on absolute time only, so Start
	// moves where a run begins, not what a plant does at a given instant.
	Start time.Time
}

// DefaultConfig returns the default fleet: 15 plants, 75 agents, seed 1.
func DefaultConfig() Config {
	return Config{
		Plants: DefaultPlants, Agents: DefaultAgents, Seed: DefaultSeed,
		CarbonCostPerTonne: DefaultCarbonCostPerTonne, Start: DefaultStart,
	}
}

// Validate reports every problem with c at once, each naming the field,
// its value and the allowed range. It does not apply defaults.
func (c Config) Validate() error {
	var errs []error
	if c.Plants < MinPlants || c.Plants > MaxPlants {
		errs = append(errs, fmt.Errorf("%w: plants (%d) must be from %d to %d", ErrConfig, c.Plants, MinPlants, MaxPlants))
	}
	if c.Agents < MinAgents || c.Agents > MaxAgents {
		errs = append(errs, fmt.Errorf("%w: agents (%d) must be from %d to %d", ErrConfig, c.Agents, MinAgents, MaxAgents))
	}
	if v := c.CarbonCostPerTonne; math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		errs = append(errs, fmt.Errorf("%w: carbon_cost_per_tonne (%v) must be a finite number ≥ 0", ErrConfig, v))
	}
	return errors.Join(errs...)
}

// Fleet is N plants and M sub-agents. Build one with New; see the package
// documentation for the model and for which methods are safe to call
// concurrently (all are).
type Fleet struct {
	cfg     Config
	plants  []plant
	boilers int
	agents  []*Agent
	split   []GroupSplit
	token   string   // per-fleet random run token, the prefix of event ids
	all     []int    // 0 … N-1, the plants NextRequest covers
	allIDs  []string // agent_ids of a whole-fleet request
	units   int      // demand units in the whole fleet, to size request maps
	next    atomic.Uint64
}

// New builds the fleet cfg describes, applying the defaults noted on
// Config. Its errors wrap ErrConfig and name every bad field.
func New(cfg Config) (*Fleet, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.CarbonCostPerTonne == 0 {
		cfg.CarbonCostPerTonne = DefaultCarbonCostPerTonne
	}
	if cfg.Start.IsZero() {
		cfg.Start = DefaultStart
	}
	var tok [8]byte
	_, _ = rand.Read(tok[:]) // crypto/rand.Read never fails on supported platforms
	f := &Fleet{cfg: cfg, token: hex.EncodeToString(tok[:])}
	width := max(2, len(strconv.Itoa(cfg.Plants)))
	f.plants = make([]plant, cfg.Plants)
	f.all = make([]int, cfg.Plants)
	for p := range f.plants {
		f.plants[p] = newPlant(cfg.Seed, p, width)
		f.boilers += len(f.plants[p].boilers)
		f.units += len(f.plants[p].units)
		f.all[p] = p
	}
	f.assignAgents()
	f.allIDs = f.agentIDs(f.all)
	return f, nil
}

// Config returns the fleet's configuration with defaults applied.
func (f *Fleet) Config() Config { return f.cfg }

// Plants returns the number of plants.
func (f *Fleet) Plants() int { return len(f.plants) }

// Boilers returns the number of boilers (heat sources) in the fleet.
func (f *Fleet) Boilers() int { return f.boilers }

// PlantIDs returns the plant ids in order; index i is plant i of RequestFor.
func (f *Fleet) PlantIDs() []string {
	ids := make([]string, len(f.plants))
	for i := range f.plants {
		ids[i] = f.plants[i].id
	}
	return ids
}

// RunToken returns the random token that prefixes every event id of this
// fleet, so ids stay unique across runs with the same seed.
func (f *Fleet) RunToken() string { return f.token }

// SimTime returns the simulated time elapsed after the run's Start.
func (f *Fleet) SimTime(elapsed time.Duration) time.Time { return f.cfg.Start.Add(elapsed) }

// Only is the part of f a shard of a distributed run plays: the plants at
// the given indices (0 to Plants()-1) and their agents. Its NextRequest
// covers those plants only (as RequestFor) and its NextEvent takes turns
// over their agents only; plant and agent ids, and every payload, are f's,
// so shards that partition the plants between them play the fleet once.
// Plants, PlantIDs and Split still describe the whole fleet; Agents are
// the part's. It fails, wrapping ErrPlants, as RequestFor does.
func (f *Fleet) Only(plants []int) (*Fleet, error) {
	if _, err := f.RequestFor(f.cfg.Start, plants); err != nil {
		return nil, err
	}
	g := &Fleet{cfg: f.cfg, plants: f.plants, boilers: f.boilers, split: f.split, token: f.token,
		all: slices.Clone(plants), allIDs: f.agentIDs(plants)}
	in := map[int32]bool{}
	for _, p := range plants {
		in[int32(p)] = true
		g.units += len(f.plants[p].units)
	}
	for _, a := range f.agents {
		if in[a.plant] {
			g.agents = append(g.agents, a)
		}
	}
	return g, nil
}
