package executor

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// k6Scenario is a scenario as a k6 script would declare it.
const k6Scenario = `{
	"executor": "ramping-arrival-rate",
	"startRate": 10,
	"timeUnit": "1m",
	"preAllocatedVUs": 50,
	"maxVUs": 100,
	"stages": [
		{ "target": 200, "duration": "30s" },
		{ "target": 200, "duration": 60000 },
		{ "target": 0, "duration": "1m30s" }
	],
	"gracefulStop": "10s",
	"startTime": "5s",
	"exec": "optimize",
	"env": { "PLANT": "7" },
	"tags": { "kind": "optimization" }
}`

func TestDecodeConfig(t *testing.T) {
	got, err := DecodeConfig([]byte(k6Scenario))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Executor:        RampingArrivalRate,
		StartRate:       10,
		TimeUnit:        Duration(time.Minute),
		PreAllocatedVUs: 50,
		MaxVUs:          100,
		Stages:          []Stage{stage(30*time.Second, 200), stage(time.Minute, 200), stage(90*time.Second, 0)},
		GracefulStop:    Duration(10 * time.Second),
		StartTime:       Duration(5 * time.Second),
		Exec:            "optimize",
		Env:             map[string]string{"PLANT": "7"},
		Tags:            map[string]string{"kind": "optimization"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeConfig =\n%+v\nwant\n%+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	if d := got.TotalDuration(); d != 3*time.Minute {
		t.Errorf("TotalDuration = %v, want 3m", d)
	}

	// Defaults come from the executor the object names.
	c, err := DecodeConfig([]byte(`{"executor":"constant-arrival-rate","rate":5,"duration":"1m","preAllocatedVUs":2}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.TimeUnit != Duration(time.Second) || c.GracefulStop != Duration(30*time.Second) || c.MaxVUs != 0 {
		t.Errorf("defaults: timeUnit %v gracefulStop %v maxVUs %d; want 1s, 30s, 0 (= preAllocatedVUs)", c.TimeUnit, c.GracefulStop, c.MaxVUs)
	}
	// An explicit 0s gracefulStop survives a round trip.
	c.GracefulStop = 0
	b, _ := json.Marshal(c)
	if c2, err := DecodeConfig(b); err != nil || c2.GracefulStop != 0 {
		t.Errorf("round trip of gracefulStop 0s: %s → %v, %v", b, c2.GracefulStop, err)
	}
}

func TestDecodeConfigRejects(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"unknown field", `{"executor":"constant-arrival-rate","rampUp":"1m"}`, `unknown field "rampUp"`},
		{"unknown stage field", `{"executor":"ramping-arrival-rate","stages":[{"duration":"1s","target":1,"rate":3}]}`, `unknown field "rate"`},
		{"bad duration", `{"executor":"constant-arrival-rate","duration":"1 minute"}`, `invalid duration "1 minute"`},
		{"wrong type", `{"executor":"constant-arrival-rate","rate":"10"}`, `rate`},
		{"trailing data", `{"executor":"constant-arrival-rate"} {}`, `after top-level value`},
		{"not an object", `[1,2]`, `cannot unmarshal array`},
		{"bad JSON", `{"executor":`, `unexpected end of JSON input`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeConfig([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DecodeConfig(%s) error = %v, want it to contain %q", tc.in, err, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	must := func(c Config, err error) Config {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want []string // every message, in order
	}{
		{"valid constant", constant(10, time.Second, time.Minute), nil},
		{"valid ramping", ramping(0, time.Second, stage(time.Minute, 10)), nil},
		{"valid with maxVUs", func() Config {
			c := constant(1, time.Second, time.Second)
			c.PreAllocatedVUs, c.MaxVUs = 0, 3
			return c
		}(), nil},
		{"zero value", Config{}, []string{
			`executor is required: want "constant-arrival-rate" or "ramping-arrival-rate"`,
			"timeUnit must be more than 0, but is 0s",
			"preAllocatedVUs or maxVUs must be more than 0: with no VU every iteration would be dropped",
		}},
		{"unknown executor", func() Config { c := constant(1, time.Second, time.Second); c.Executor = "constant-vus"; return c }(), []string{
			`executor "constant-vus" is not supported: want "constant-arrival-rate" or "ramping-arrival-rate"`,
		}},
		{"constant: every rule", Config{
			Executor: ConstantArrivalRate, Rate: 0, TimeUnit: -1, Duration: Duration(500 * time.Millisecond),
			StartRate: 3, Stages: []Stage{stage(time.Second, 1)},
			PreAllocatedVUs: 10, MaxVUs: 5, GracefulStop: -1, StartTime: -1,
		}, []string{
			"rate must be more than 0, but is 0",
			"duration must be at least 1s, but is 500ms",
			"startRate is not an option of constant-arrival-rate (it belongs to ramping-arrival-rate)",
			"stages is not an option of constant-arrival-rate (it belongs to ramping-arrival-rate)",
			"timeUnit must be more than 0, but is -1ns",
			"gracefulStop can't be negative, but is -1ns",
			"startTime can't be negative, but is -1ns",
			"maxVUs (5) must be ≥ preAllocatedVUs (10)",
		}},
		{"constant: no duration, negative VUs", func() Config {
			c := constant(1, time.Second, 0)
			c.PreAllocatedVUs, c.MaxVUs = -1, -2
			return c
		}(), []string{
			`duration is required for constant-arrival-rate (e.g. "30s")`,
			"preAllocatedVUs can't be negative, but is -1",
			"maxVUs can't be negative, but is -2",
		}},
		{"ramping: no stages", ramping(-1, time.Second), []string{
			"startRate can't be negative, but is -1",
			"stages: at least one stage has to be specified",
		}},
		{"ramping: constant's options", func() Config {
			c := ramping(0, time.Second, stage(time.Second, 1))
			c.Rate, c.Duration = 5, Duration(time.Minute)
			return c
		}(), []string{
			"rate is not an option of ramping-arrival-rate (use startRate and stages)",
			"duration is not an option of ramping-arrival-rate (the stages' durations add up to it)",
		}},
		{"ramping: bad stages from JSON", must(DecodeConfig([]byte(`{"executor":"ramping-arrival-rate","preAllocatedVUs":1,
			"stages":[{"duration":"1s","target":1},{"target":5},{"duration":"-1s","target":-3},{"duration":"1s"}]}`))), []string{
			"stage 2 doesn't have a duration",
			"the duration of stage 3 can't be negative, but is -1s",
			"the target of stage 3 can't be negative, but is -3",
			"stage 4 doesn't have a target",
		}},
		{"ramping: stages overflow", ramping(0, time.Second, stage(1<<62, 1), stage(1<<62, 1), stage(1<<62, 1)), []string{
			"stages add up to more than 2562047h47m16.854775807s",
		}},
		{"too many iterations", constant(1<<62, time.Nanosecond, time.Hour), []string{
			"the scenario schedules 16602069666338596454400000000000 iterations, more than 9223372036854775807",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Validate() =\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

func TestValidateDoesNotMutate(t *testing.T) {
	c := constant(10, time.Second, time.Minute)
	c.PreAllocatedVUs, c.MaxVUs = 4, 0
	before := c
	_ = c.Validate()
	if !reflect.DeepEqual(c, before) {
		t.Errorf("Validate changed the config: %+v → %+v", before, c)
	}
}

func FuzzDecodeConfig(f *testing.F) {
	f.Add([]byte(k6Scenario))
	f.Add([]byte(`{"executor":"constant-arrival-rate","rate":5,"duration":"1m","preAllocatedVUs":2,"maxVUs":4}`))
	f.Add([]byte(`{"executor":"ramping-arrival-rate","startRate":1,"timeUnit":"1m","stages":[{"duration":"0s","target":10},{"duration":1000,"target":0}],"preAllocatedVUs":1}`))
	f.Add([]byte(`{"executor":"ramping-arrival-rate","stages":[{"target":1}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := DecodeConfig(data)
		if err != nil {
			return
		}
		if c.Validate() != nil {
			return
		}
		s, err := NewSchedule(c)
		if err != nil {
			t.Fatalf("valid config, NewSchedule: %v", err)
		}
		n := c.Arrivals()
		end := c.TotalDuration()
		prev := time.Duration(0)
		for _, i := range []int64{0, 1, n / 2, n - 2, n - 1} {
			if i < 0 || i >= n {
				continue
			}
			off, ok := s.Next(i)
			if !ok || off < prev || off > end {
				t.Fatalf("Next(%d) of %d = %v, %v; want an offset in [%v, %v]", i, n, off, ok, prev, end)
			}
			prev = off
		}
		if _, ok := s.Next(n); ok {
			t.Fatalf("Next(%d) past the last arrival is ok", n)
		}
		_ = c.RateAt(end / 2)
		_ = c.ExpectedIterations(end)
		// Encoding and decoding again changes nothing.
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		c2, err := DecodeConfig(b)
		if err != nil {
			t.Fatalf("DecodeConfig(Marshal(c)) = %v\n%s", err, b)
		}
		b2, _ := json.Marshal(c2)
		if !bytes.Equal(b, b2) {
			t.Fatalf("round trip changed the config:\n%s\n%s", b, b2)
		}
	})
}

// TestValidateErrorsUnwrap checks that Validate's error unwraps into its
// parts for callers that want them one by one.
func TestValidateErrorsUnwrap(t *testing.T) {
	err := Config{}.Validate()
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 3 {
		t.Fatalf("Validate's error %v does not unwrap into 3 errors", err)
	}
}
