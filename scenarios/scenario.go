// Package scenarios is the load-test scenario: the GL-001 scaling guide's
// scenario.json ("Performance Testing"), its validation, the plan the load
// engine runs for it (two k6 ramping-arrival-rate scenarios) and the
// scenario files gl001 ships.
//
// A scenario file is one JSON object. The guide's seven fields are
// required; the rest are gl001's extensions and optional:
//
//	test_name                              string of [A-Za-z0-9_.-], at most 100 bytes, not "." or ".." (it names the results folder)
//	duration_minutes                       number > 0, at most 10080 (7 days), at least 1 s; fractions allowed (0.5 = 30 s)
//	plants                                 whole number, 1 to 10000 (the capacity calculator's domain)
//	sub_agents                             whole number, 0 to 100000 (the capacity calculator's domain)
//	heat_optimization_requests_per_minute  number ≥ 0, at most 600000
//	agent_coordination_events_per_second   number ≥ 0, at most 10000; at least one of the two rates > 0
//	ramp_up_minutes                        number ≥ 0, at most duration_minutes
//	thresholds                             k6 thresholds, a JSON object (kept raw; parsed elsewhere)
//	replicas                               whole number, 1 to 64; absent or 0: the calculator's replicas
//	partitions                             whole number, 1 to 1000, default 12 (agent.coordination partitions)
//	seed                                   whole number, 0 to 2^64-1, default 1
//	scenarios                              k6 scenarios, a JSON object as k6's options.scenarios (below)
//	regions                                the plants' regions, a list of {"name", "plants", "round_trip_ms"} (package region)
//
// scenarios, when given, replaces the Plan: the engine runs exactly these
// k6 scenarios (Executors), any number of them, under their own names.
// Each is an object of k6's constant-arrival-rate or ramping-arrival-rate
// executor with k6's option names and defaults: executor (required),
// rate and duration (constant only), startRate and stages (ramping only),
// timeUnit (default "1s"), preAllocatedVUs, maxVUs, gracefulStop (default
// "30s"), startTime, exec, tags, env. Durations are k6's ("30s", "1m30s",
// or a number of milliseconds). exec is what an iteration does:
// "optimize" (an HTTP optimization request) or "coordinate" (a Kafka
// coordination event); it defaults to the scenario's name when that is
// one of the two and is required otherwise. tags go on every sample of
// the scenario (not the keys gl001 sets itself, ReservedTags); env is
// accepted for k6 compatibility and recorded, but nothing reads it.
// Names follow k6's rule ([A-Za-z0-9_-]+). Unknown options (e.g. k6's
// vus, of other executors) are errors. Every error names the file and
// the path, the value and what would be right:
//
//	short.json: scenarios.spike.stages[1].target: -5, want a whole number ≥ 0
//
// With scenarios the guide's seven fields are still required: plants and
// sub_agents size the fleet and the capacity calculator's prediction, but
// duration_minutes, ramp_up_minutes and the two rates are then only
// informational (the scenarios set the load and how long it runs), and
// both rates may be 0.
//
// Durations are kept to the millisecond: Duration and RampUp round
// duration_minutes and ramp_up_minutes to the nearest millisecond.
//
// Load reads a file (falling back to a shipped one for a bare shipped
// name), Decode reads any reader, LoadShipped an embedded file; all three
// validate. Every error about the scenario — bad JSON, unknown, missing or
// mistyped fields, bad values, a missing file — wraps ErrInvalid, with
// one line per problem starting with the file's name, so the CLI exits 2
// on errors.Is(err, ErrInvalid).
package scenarios

import (
	"encoding/json"
	"math"
	"time"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/simulator/region"
	"github.com/greenlang/gl001/xk6-gl001/executor"
)

// Defaults of the optional fields.
const (
	DefaultPartitions = 12
	DefaultSeed       = 1
)

// Limits of a scenario's values.
const (
	MaxTestNameBytes = 100

	// MaxDurationMinutes is 7 days: the longest soak test a scenario
	// describes.
	MaxDurationMinutes = 7 * 24 * 60
	// MinDuration is the shortest test; shorter ones cannot fire one
	// request at the rates they could have.
	MinDuration = time.Second

	// MaxRequestsPerMinute and MaxEventsPerSecond are 10 000 per second,
	// 200 times the guide's coordination rate; above them the plan's
	// virtual users stop being a sensible number.
	MaxRequestsPerMinute = 600_000
	MaxEventsPerSecond   = 10_000

	MinReplicas   = 1
	MaxReplicas   = 64
	MinPartitions = 1
	MaxPartitions = 1000
)

// Scenario is one load test as its file describes it. Build one with
// NewScenario (for the defaults) or Decode/Load, and check it with
// Validate: Plan, Prediction and ReplicasOrPredicted assume a valid
// scenario. A Scenario is a value; it is safe to share once built.
type Scenario struct {
	TestName                          string  `json:"test_name"`
	DurationMinutes                   float64 `json:"duration_minutes"`
	Plants                            int     `json:"plants"`
	SubAgents                         int     `json:"sub_agents"`
	HeatOptimizationRequestsPerMinute float64 `json:"heat_optimization_requests_per_minute"`
	AgentCoordinationEventsPerSecond  float64 `json:"agent_coordination_events_per_second"`
	RampUpMinutes                     float64 `json:"ramp_up_minutes"`

	// Thresholds are k6 thresholds ({"metric": ["p(95)<2000", ...]}),
	// kept as written; nil when the file has none (or null).
	Thresholds json.RawMessage `json:"thresholds,omitempty"`
	// Replicas of the orchestrator to run; 0 means the capacity
	// calculator's prediction (see ReplicasOrPredicted).
	Replicas int `json:"replicas,omitempty"`
	// Partitions of the agent.coordination topic.
	Partitions int `json:"partitions"`
	// Seed for every random choice of the run; 0 is a seed like any other.
	Seed uint64 `json:"seed"`
	// Scenarios are k6 scenarios (options.scenarios) by name; when set
	// they replace the Plan (see Executors). nil when the file has none.
	Scenarios map[string]executor.Config `json:"scenarios,omitempty"`
	// Regions split the plants between the guide's regions (see package
	// region); nil when the run has none. gl001 run --regions sets it.
	Regions region.Layout `json:"regions,omitempty"`
}

// NewScenario returns a Scenario with the optional fields at their
// defaults and the required ones zero.
func NewScenario() Scenario {
	return Scenario{Partitions: DefaultPartitions, Seed: DefaultSeed}
}

// Duration is duration_minutes as a time.Duration, rounded to the
// millisecond; 0 when duration_minutes is not positive.
func (s Scenario) Duration() time.Duration { return minutes(s.DurationMinutes) }

// RampUp is ramp_up_minutes as a time.Duration, rounded to the
// millisecond; 0 when ramp_up_minutes is not positive.
func (s Scenario) RampUp() time.Duration { return minutes(s.RampUpMinutes) }

// Prediction is the capacity calculator's answer for the scenario's plants
// and sub-agents; the zero Prediction when they are outside its domain
// (which Validate reports).
func (s Scenario) Prediction() capacity.Prediction {
	p, err := capacity.Calculate(s.Plants, s.SubAgents)
	if err != nil {
		return capacity.Prediction{}
	}
	return p
}

// ReplicasOrPredicted is the number of orchestrator replicas to run:
// replicas when the scenario sets it, otherwise the calculator's
// prediction (11 for the guide's 15 plants and 75 sub-agents).
func (s Scenario) ReplicasOrPredicted() int {
	if s.Replicas > 0 {
		return s.Replicas
	}
	return s.Prediction().Replicas
}

// minutes converts minutes to a duration rounded to the millisecond,
// clamped to [0, the largest time.Duration].
func minutes(m float64) time.Duration {
	ms := math.Round(m * 60_000)
	switch {
	case !(ms > 0): // also NaN
		return 0
	case ms >= float64(math.MaxInt64/int64(time.Millisecond)):
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(ms) * time.Millisecond
}
