package executor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"regexp"
	"time"
)

// Executor names, as k6 spells them in options.scenarios.<name>.executor.
const (
	// ConstantArrivalRate starts Rate iterations per TimeUnit for Duration.
	ConstantArrivalRate = "constant-arrival-rate"
	// RampingArrivalRate starts iterations at a rate that follows Stages.
	RampingArrivalRate = "ramping-arrival-rate"
)

// Defaults k6 applies when a scenario leaves the option out.
const (
	// DefaultTimeUnit is the period rates are per when timeUnit is unset.
	DefaultTimeUnit = time.Second
	// DefaultGracefulStop is gracefulStop when it is unset.
	DefaultGracefulStop = 30 * time.Second
)

// MinDuration is the shortest duration k6 accepts for constant-arrival-rate.
// Stages have no minimum: a 0s stage is an instant jump of the rate.
const MinDuration = time.Second

// Stage is one leg of a ramping-arrival-rate scenario: over Duration the
// rate moves linearly from where the previous stage ended (startRate for
// the first) to Target iterations per timeUnit. A zero Duration is an
// instant jump to Target, as in k6.
type Stage struct {
	Duration Duration `json:"duration"`
	Target   int64    `json:"target"`
}

// Markers that Stage.UnmarshalJSON leaves when a key is missing, so that
// Validate can say "stage 2 doesn't have a duration" as k6 does, while a
// Go literal's zero Duration stays a legal instant jump. No real value is
// this small: a duration of -292 years or a target of -2^63.
const (
	missingDuration = Duration(math.MinInt64)
	missingTarget   = int64(math.MinInt64)
)

// UnmarshalJSON decodes a stage strictly: unknown keys are rejected by
// name, and a missing "duration" or "target" is remembered for Validate.
func (s *Stage) UnmarshalJSON(data []byte) error {
	var raw struct {
		Duration *Duration `json:"duration"`
		Target   *int64    `json:"target"`
	}
	if err := strictUnmarshal(data, &raw); err != nil {
		return fmt.Errorf("stage: %w", err)
	}
	*s = Stage{Duration: missingDuration, Target: missingTarget}
	if raw.Duration != nil {
		s.Duration = *raw.Duration
	}
	if raw.Target != nil {
		s.Target = *raw.Target
	}
	return nil
}

// Config is one k6 scenario of an arrival-rate executor, with k6's JSON
// names, so a k6 options.scenarios.<name> object decodes into it (see
// DecodeConfig). It is plain data: NewConstantArrivalRateConfig and
// NewRampingArrivalRateConfig set k6's defaults, Validate checks it, and
// nothing here runs. Rates are iterations per TimeUnit; durations are
// relative to the scenario start (after StartTime).
type Config struct {
	// Executor is ConstantArrivalRate or RampingArrivalRate.
	Executor string `json:"executor"`
	// Rate is iterations per TimeUnit (constant-arrival-rate only).
	Rate int64 `json:"rate,omitempty"`
	// StartRate is the rate the first stage ramps from (ramping only).
	StartRate int64 `json:"startRate,omitempty"`
	// TimeUnit is the period Rate, StartRate and Target are per; default 1s.
	TimeUnit Duration `json:"timeUnit,omitempty"`
	// Duration is how long iterations start (constant only; ≥ 1s).
	Duration Duration `json:"duration,omitempty"`
	// Stages are the legs of the rate profile (ramping only).
	Stages []Stage `json:"stages,omitempty"`
	// PreAllocatedVUs is k6's count of VUs made before the first arrival.
	// Here a VU is a goroutine, made when an arrival first needs it; up to
	// PreAllocatedVUs it takes that arrival (k6 would have had it ready),
	// beyond, the arrival is dropped as in k6 (see Executor.Run).
	PreAllocatedVUs int64 `json:"preAllocatedVUs"`
	// MaxVUs caps the VUs; 0 means the same as PreAllocatedVUs.
	MaxVUs int64 `json:"maxVUs,omitempty"`
	// GracefulStop is how long in-flight iterations may run on after the
	// scenario's end before they are interrupted; default 30s. It is always
	// written, because an omitted gracefulStop decodes as 30s, not 0s.
	GracefulStop Duration `json:"gracefulStop"`
	// StartTime delays the scenario's start from the test's start.
	StartTime Duration `json:"startTime,omitempty"`
	// Exec names the iteration function the runner calls; empty is
	// k6's "default".
	Exec string `json:"exec,omitempty"`
	// Env and Tags are k6's per-scenario environment and metric tags,
	// carried for the runner so k6 scenarios that set them still decode.
	Env  map[string]string `json:"env,omitempty"`
	Tags map[string]string `json:"tags,omitempty"`
}

// NewConstantArrivalRateConfig returns a constant-arrival-rate config with
// k6's defaults: timeUnit 1s, gracefulStop 30s. Rate, Duration and
// PreAllocatedVUs are still to be set.
func NewConstantArrivalRateConfig() Config {
	return Config{
		Executor:     ConstantArrivalRate,
		TimeUnit:     Duration(DefaultTimeUnit),
		GracefulStop: Duration(DefaultGracefulStop),
	}
}

// NewRampingArrivalRateConfig returns a ramping-arrival-rate config with
// k6's defaults: startRate 0, timeUnit 1s, gracefulStop 30s. Stages and
// PreAllocatedVUs are still to be set.
func NewRampingArrivalRateConfig() Config {
	return Config{
		Executor:     RampingArrivalRate,
		TimeUnit:     Duration(DefaultTimeUnit),
		GracefulStop: Duration(DefaultGracefulStop),
	}
}

// DecodeConfig decodes one k6 scenario object strictly: it starts from the
// defaults of the executor the object names, rejects unknown fields by
// name (`json: unknown field "rampUp"`) and trailing data. It does not
// validate: call Validate (New does).
func DecodeConfig(data []byte) (Config, error) {
	var head struct {
		Executor string `json:"executor"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return Config{}, fmt.Errorf("scenario: %w", err)
	}
	var c Config
	switch head.Executor {
	case RampingArrivalRate:
		c = NewRampingArrivalRateConfig()
	default:
		// Unknown executors get the shared defaults; Validate names them.
		c = NewConstantArrivalRateConfig()
		c.Executor = head.Executor
	}
	if err := strictUnmarshal(data, &c); err != nil {
		return Config{}, fmt.Errorf("scenario: %w", err)
	}
	return c, nil
}

// strictUnmarshal decodes one JSON value into v, rejecting unknown fields
// and anything after the value.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON object")
	}
	return nil
}

// nameRule is k6's rule for scenario names.
var nameRule = regexp.MustCompile(`^[0-9a-zA-Z_-]+$`)

// validateName reports a scenario name k6 would refuse.
func validateName(name string) error {
	if !nameRule.MatchString(name) {
		return fmt.Errorf("scenario name %q must contain only numbers, latin letters, underscores and dashes", name)
	}
	return nil
}

// Validate reports every problem at once (joined with errors.Join), each
// naming the field and the rule, in k6's words where k6 has them:
// "rate must be more than 0", "stage 2 doesn't have a duration",
// "maxVUs (5) must be ≥ preAllocatedVUs (10)". It does not change c.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	switch c.Executor {
	case ConstantArrivalRate:
		c.validateConstant(add)
	case RampingArrivalRate:
		c.validateRamping(add)
	case "":
		add("executor is required: want %q or %q", ConstantArrivalRate, RampingArrivalRate)
	default:
		add("executor %q is not supported: want %q or %q", c.Executor, ConstantArrivalRate, RampingArrivalRate)
	}
	if c.TimeUnit <= 0 {
		add("timeUnit must be more than 0, but is %s", c.TimeUnit)
	}
	if c.GracefulStop < 0 {
		add("gracefulStop can't be negative, but is %s", c.GracefulStop)
	}
	if c.StartTime < 0 {
		add("startTime can't be negative, but is %s", c.StartTime)
	}
	if c.PreAllocatedVUs < 0 {
		add("preAllocatedVUs can't be negative, but is %d", c.PreAllocatedVUs)
	}
	switch {
	case c.MaxVUs < 0:
		add("maxVUs can't be negative, but is %d", c.MaxVUs)
	case c.MaxVUs > 0 && c.MaxVUs < c.PreAllocatedVUs:
		add("maxVUs (%d) must be ≥ preAllocatedVUs (%d)", c.MaxVUs, c.PreAllocatedVUs)
	case c.MaxVUs == 0 && c.PreAllocatedVUs == 0:
		add("preAllocatedVUs or maxVUs must be more than 0: with no VU every iteration would be dropped")
	}
	if len(errs) == 0 {
		// Only a config that is otherwise valid has a meaningful count.
		if _, err := c.arrivals(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// validateConstant checks the options of constant-arrival-rate.
func (c Config) validateConstant(add func(string, ...any)) {
	if c.Rate <= 0 {
		add("rate must be more than 0, but is %d", c.Rate)
	}
	switch {
	case c.Duration == 0:
		add("duration is required for %s (e.g. \"30s\")", ConstantArrivalRate)
	case c.Duration < Duration(MinDuration):
		add("duration must be at least %s, but is %s", MinDuration, c.Duration)
	}
	if c.StartRate != 0 {
		add("startRate is not an option of %s (it belongs to %s)", ConstantArrivalRate, RampingArrivalRate)
	}
	if len(c.Stages) > 0 {
		add("stages is not an option of %s (it belongs to %s)", ConstantArrivalRate, RampingArrivalRate)
	}
}

// validateRamping checks the options of ramping-arrival-rate.
func (c Config) validateRamping(add func(string, ...any)) {
	if c.StartRate < 0 {
		add("startRate can't be negative, but is %d", c.StartRate)
	}
	if c.Rate != 0 {
		add("rate is not an option of %s (use startRate and stages)", RampingArrivalRate)
	}
	if c.Duration != 0 {
		add("duration is not an option of %s (the stages' durations add up to it)", RampingArrivalRate)
	}
	if len(c.Stages) == 0 {
		add("stages: at least one stage has to be specified")
		return
	}
	var total time.Duration
	overflow := false
	for i, s := range c.Stages {
		n := i + 1
		switch {
		case s.Duration == missingDuration:
			add("stage %d doesn't have a duration", n)
		case s.Duration < 0:
			add("the duration of stage %d can't be negative, but is %s", n, s.Duration)
		default:
			if time.Duration(s.Duration) > math.MaxInt64-total {
				overflow = true
			} else {
				total += time.Duration(s.Duration)
			}
		}
		switch {
		case s.Target == missingTarget:
			add("stage %d doesn't have a target", n)
		case s.Target < 0:
			add("the target of stage %d can't be negative, but is %d", n, s.Target)
		}
	}
	if overflow {
		add("stages add up to more than %s", time.Duration(math.MaxInt64))
	}
}

// TotalDuration is how long iterations start for: Duration for
// constant-arrival-rate, the sum of the stages for ramping-arrival-rate.
// It excludes StartTime and GracefulStop, and is 0 for an unknown executor.
func (c Config) TotalDuration() time.Duration {
	switch c.Executor {
	case ConstantArrivalRate:
		return time.Duration(c.Duration)
	case RampingArrivalRate:
		var total time.Duration
		for _, s := range c.Stages {
			if s.Duration > 0 {
				total += time.Duration(s.Duration)
			}
		}
		return total
	}
	return 0
}

// perSecond converts a rate per TimeUnit into iterations per second.
func (c Config) perSecond(rate float64) float64 {
	if c.TimeUnit <= 0 {
		return 0
	}
	return rate * float64(time.Second) / float64(c.TimeUnit)
}

// RateAt is the target rate in iterations per second at elapsed from the
// scenario start: 0 before the start and from TotalDuration on; along a
// ramping stage, linear between its ends.
func (c Config) RateAt(elapsed time.Duration) float64 {
	if elapsed < 0 || elapsed >= c.TotalDuration() {
		return 0
	}
	if c.Executor == ConstantArrivalRate {
		return c.perSecond(float64(c.Rate))
	}
	from := float64(c.StartRate)
	var start time.Duration
	for _, s := range c.Stages {
		to := float64(s.Target)
		if s.Duration > 0 {
			if elapsed < start+time.Duration(s.Duration) {
				frac := float64(elapsed-start) / float64(s.Duration)
				return c.perSecond(from + (to-from)*frac)
			}
			start += time.Duration(s.Duration)
		}
		from = to
	}
	return 0
}

// ExpectedIterations is the integral of the target rate from the scenario
// start to elapsed (clamped to [0, TotalDuration]): how many iterations
// the profile asks for by then, for "achieved vs target". At
// TotalDuration it is the scenario's iteration count for
// ramping-arrival-rate, and Rate×Duration/TimeUnit for
// constant-arrival-rate (the arrival count rounded up, see Schedule).
func (c Config) ExpectedIterations(elapsed time.Duration) float64 {
	elapsed = min(max(elapsed, 0), c.TotalDuration())
	if c.TimeUnit <= 0 {
		return 0
	}
	tu := float64(c.TimeUnit)
	if c.Executor == ConstantArrivalRate {
		return float64(c.Rate) * float64(elapsed) / tu
	}
	from := float64(c.StartRate)
	var start time.Duration
	var sum float64
	for _, s := range c.Stages {
		to := float64(s.Target)
		if s.Duration > 0 {
			d := time.Duration(s.Duration)
			if elapsed <= start {
				break
			}
			t := min(elapsed-start, d)
			// Area of the trapezoid from the stage start to t.
			rateAtT := from + (to-from)*float64(t)/float64(d)
			sum += (from + rateAtT) / 2 * float64(t) / tu
			start += d
		}
		from = to
	}
	return sum
}

// arrivals counts the scenario's arrivals exactly (see Schedule for the
// rule), failing when the count does not fit in an int64.
func (c Config) arrivals() (int64, error) {
	tu := big.NewInt(int64(c.TimeUnit))
	var n *big.Int
	switch c.Executor {
	case ConstantArrivalRate:
		n = constantCount(c.Rate, int64(c.Duration), int64(c.TimeUnit))
	case RampingArrivalRate:
		area := new(big.Int)
		from := c.StartRate
		for _, s := range c.Stages {
			if s.Duration > 0 {
				sum := new(big.Int).Add(big.NewInt(from), big.NewInt(s.Target))
				area.Add(area, sum.Mul(sum, big.NewInt(int64(s.Duration))))
			}
			from = s.Target
		}
		n = area.Quo(area, tu.Mul(tu, big.NewInt(2)))
	default:
		return 0, nil
	}
	if !n.IsInt64() {
		return 0, fmt.Errorf("the scenario schedules %s iterations, more than %d", n, int64(math.MaxInt64))
	}
	return n.Int64(), nil
}
