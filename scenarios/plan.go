package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Executor is the k6 executor every planned scenario uses: an open model
// whose arrival rate ramps through stages, dropping (and counting) an
// iteration when no virtual user is free instead of queueing it.
const Executor = "ramping-arrival-rate"

// Names of the two scenarios of a Plan, as k6 scenario names and as the
// functions they run (exec).
const (
	ExecOptimize   = "optimize"
	ExecCoordinate = "coordinate"
)

// Virtual-user sizing. At a peak rate of r iterations per second a
// scenario gets
//
//	preAllocatedVUs = max(MinPreAllocatedVUs, ceil(r × HealthyLatency))
//	maxVUs          = max(MinMaxVUs,          ceil(r × StalledLatency))
//
// By Little's law r × latency iterations are in flight at once, so the
// pre-allocated users cover a healthy target (the guide's healthy
// orchestration latency and heat optimization time are both under 2 s)
// without allocating during the test, and the run only drops iterations
// once responses take longer than 15 s (five times the guide's critical
// 3 s latency): a stalled target shows up as dropped_iterations within
// 15 s, a merely slow one does not. At the guide's rates this is 5/50
// users for optimize (100 per minute) and 100/750 for coordinate (50 per
// second).
const (
	HealthyLatency     = 2 * time.Second
	StalledLatency     = 15 * time.Second
	MinPreAllocatedVUs = 5
	MinMaxVUs          = 50
)

// MaxGracefulStop is k6's default gracefulStop, which a plan uses unless
// the test is shorter than four times it.
const MaxGracefulStop = 30 * time.Second

// Plan is what the load engine runs for a scenario: two k6
// ramping-arrival-rate scenarios, in the JSON shape of k6's
// options.scenarios, so a plan can be printed beside (or pasted into) a k6
// script's options. A skipped scenario (zero rate) is the zero
// ArrivalScenario and is left out of the JSON.
type Plan struct {
	Optimize   ArrivalScenario `json:"optimize,omitzero"`
	Coordinate ArrivalScenario `json:"coordinate,omitzero"`
}

// ArrivalScenario is one k6 ramping-arrival-rate scenario. Rates are whole
// numbers of iterations per TimeUnit; every duration string is in k6's
// form ("30s", "4m30s", "500ms", "1h") and is also accepted by
// time.ParseDuration.
type ArrivalScenario struct {
	Executor        string  `json:"executor"`
	StartRate       int64   `json:"startRate"`
	TimeUnit        string  `json:"timeUnit"`
	PreAllocatedVUs int64   `json:"preAllocatedVUs"`
	MaxVUs          int64   `json:"maxVUs"`
	Stages          []Stage `json:"stages"`
	GracefulStop    string  `json:"gracefulStop"`
	Exec            string  `json:"exec"`
}

// Stage moves the arrival rate linearly to Target iterations per TimeUnit
// over Duration.
type Stage struct {
	Duration string `json:"duration"`
	Target   int64  `json:"target"`
}

// Skip reports whether the engine should not run the scenario: its rate is
// zero, so it has no stages.
func (a ArrivalScenario) Skip() bool { return len(a.Stages) == 0 }

// Plan turns the scenario into its two arrival-rate scenarios:
//
//   - optimize fires heat_optimization_requests_per_minute with timeUnit
//     "1m", coordinate fires agent_coordination_events_per_second with
//     timeUnit "1s". A fractional rate gets the shortest timeUnit, in whole
//     minutes (up to 60) or whole seconds (up to 3600), that makes it a
//     whole number: 2.5 events/s is 5 per "2s", 0.4 requests/min is 2 per
//     "5m". Validate rejects a rate no such timeUnit fits.
//   - With a ramp, the rate starts at 0 and rises to the target over
//     ramp_up_minutes, then holds the target until duration_minutes. With
//     no ramp (ramp_up_minutes 0) the ramp stage is left out and the rate
//     starts at the target. A ramp as long as the test has no hold stage.
//   - A zero rate gives the zero ArrivalScenario, whose Skip is true.
//   - Virtual users are sized as described at HealthyLatency.
//   - gracefulStop is 30 s as in k6, or a quarter of the test rounded up to
//     a whole second for tests shorter than 2 minutes (3s for a 10 s test).
//
// Plan assumes a valid scenario. For an invalid one it still returns a
// plan (and does not panic), but the plan means nothing.
func (s Scenario) Plan() Plan {
	return Plan{
		Optimize:   s.arrival(optimizeRate, s.HeatOptimizationRequestsPerMinute),
		Coordinate: s.arrival(coordinateRate, s.AgentCoordinationEventsPerSecond),
	}
}

func (s Scenario) arrival(k rateKind, rate float64) ArrivalScenario {
	if !(rate > 0) {
		return ArrivalScenario{}
	}
	units, target, ok := k.unit(rate)
	if !ok { // invalid scenario: the nearest whole number per the longest unit
		units = k.maxUnits
		target = max(1, int64(math.Round(min(rate, k.max)*float64(units))))
	}
	timeUnit := time.Duration(units) * k.base
	unitSeconds := int64(timeUnit / time.Second)

	d := s.Duration()
	ramp := min(s.RampUp(), d)
	var stages []Stage
	start := target
	if ramp > 0 {
		start = 0
		stages = append(stages, Stage{Duration: formatDuration(ramp), Target: target})
	}
	if hold := d - ramp; hold > 0 {
		stages = append(stages, Stage{Duration: formatDuration(hold), Target: target})
	}
	if len(stages) == 0 {
		return ArrivalScenario{}
	}
	return ArrivalScenario{
		Executor:        Executor,
		StartRate:       start,
		TimeUnit:        formatDuration(timeUnit),
		PreAllocatedVUs: max(MinPreAllocatedVUs, vus(target, unitSeconds, HealthyLatency)),
		MaxVUs:          max(MinMaxVUs, vus(target, unitSeconds, StalledLatency)),
		Stages:          stages,
		GracefulStop:    formatDuration(gracefulStop(d)),
		Exec:            k.exec,
	}
}

// vus is ceil(target per unitSeconds × latency), the iterations in flight
// at that rate and latency, in exact integer arithmetic.
func vus(target, unitSeconds int64, latency time.Duration) int64 {
	n := target * int64(latency/time.Second)
	return (n + unitSeconds - 1) / unitSeconds
}

func gracefulStop(d time.Duration) time.Duration {
	if d >= 4*MaxGracefulStop {
		return MaxGracefulStop
	}
	q := (d/4 + time.Second - 1).Truncate(time.Second)
	return min(MaxGracefulStop, max(time.Second, q))
}

// rateKind describes one of the two rates of a scenario.
type rateKind struct {
	field      string
	what       string        // what one iteration is, plural
	max        float64       // largest rate, per base
	base       time.Duration // the rate's own unit: 1m or 1s
	maxUnits   int           // longest timeUnit, in bases (one hour)
	unitName   string
	unitSymbol string
	exec       string
}

var (
	optimizeRate = rateKind{
		field: "heat_optimization_requests_per_minute", what: "requests", max: MaxRequestsPerMinute,
		base: time.Minute, maxUnits: 60, unitName: "minutes", unitSymbol: "m", exec: ExecOptimize,
	}
	coordinateRate = rateKind{
		field: "agent_coordination_events_per_second", what: "events", max: MaxEventsPerSecond,
		base: time.Second, maxUnits: 3600, unitName: "seconds", unitSymbol: "s", exec: ExecCoordinate,
	}
)

// unit finds the shortest timeUnit, in whole bases from 1 to maxUnits, in
// which rate (per base) is a whole number of iterations, and that number.
// A relative error of 1e-9 is allowed so that binary fractions such as
// 0.1 × 30 still count as whole.
func (k rateKind) unit(rate float64) (units int, target int64, ok bool) {
	if !(rate > 0) || rate > k.max {
		return 0, 0, false
	}
	for u := 1; u <= k.maxUnits; u++ {
		x := rate * float64(u)
		n := math.Round(x)
		if n >= 1 && math.Abs(x-n) <= 1e-9*x {
			return u, int64(n), true
		}
	}
	return 0, 0, false
}

// formatDuration writes d, rounded to the millisecond, the way k6 scripts
// do: "500ms", "30s", "4m30s", "25m", "1h30m", "2m0.5s"; "0s" for zero or
// less. time.ParseDuration reads every result back.
func formatDuration(d time.Duration) string {
	d = d.Round(time.Millisecond)
	switch {
	case d <= 0:
		return "0s"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	}
	var b strings.Builder
	if h := d / time.Hour; h > 0 {
		b.WriteString(strconv.FormatInt(int64(h), 10) + "h")
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		b.WriteString(strconv.FormatInt(int64(m), 10) + "m")
		d -= m * time.Minute
	}
	if d > 0 { // whole seconds and milliseconds: float seconds would print 1.118 as 1.1179999999999999
		b.WriteString(strconv.FormatInt(int64(d/time.Second), 10))
		if ms := (d % time.Second).Milliseconds(); ms > 0 {
			b.WriteString(strings.TrimRight(fmt.Sprintf(".%03d", ms), "0"))
		}
		b.WriteString("s")
	}
	return b.String()
}
