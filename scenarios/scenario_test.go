package scenarios_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/scenarios"
)

// guide is the scaling guide's scenario.json ("Performance Testing"), with
// gl001's defaults for the fields the guide does not have.
var guide = scenarios.Scenario{
	TestName:                          "multi_plant_load_test",
	DurationMinutes:                   30,
	Plants:                            15,
	SubAgents:                         75,
	HeatOptimizationRequestsPerMinute: 100,
	AgentCoordinationEventsPerSecond:  50,
	RampUpMinutes:                     5,
	Partitions:                        12,
	Seed:                              1,
}

func TestShippedFilesLoadAndValidate(t *testing.T) {
	names := scenarios.Shipped()
	want := []string{"multi_plant_load_test.json", "short_load_test.json", "smoke_test.json"}
	if !slices.Equal(names, want) {
		t.Fatalf("Shipped() = %v, want %v", names, want)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			s, err := scenarios.LoadShipped(name)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			if s.TestName+".json" != name {
				t.Errorf("test_name %q does not match the file name %q", s.TestName, name)
			}
			// The shipped files are also in the source tree, and Load reads
			// them from disk the same way.
			fromDisk, err := scenarios.Load(name)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(fromDisk, s) {
				t.Errorf("Load(%q) = %+v, LoadShipped = %+v", name, fromDisk, s)
			}
			p := s.Plan()
			if p.Optimize.Skip() || p.Coordinate.Skip() {
				t.Errorf("shipped scenario skips a scenario: %+v", p)
			}
		})
	}
}

func TestGuideScenarioIsTheGuides(t *testing.T) {
	s, err := scenarios.LoadShipped("multi_plant_load_test.json")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, guide) {
		t.Errorf("got %+v\nwant %+v", s, guide)
	}
	// Nothing but the guide's seven fields is in the file.
	data, err := os.ReadFile("multi_plant_load_test.json")
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"test_name": "multi_plant_load_test", "duration_minutes": 30.0, "plants": 15.0, "sub_agents": 75.0,
		"heat_optimization_requests_per_minute": 100.0, "agent_coordination_events_per_second": 50.0,
		"ramp_up_minutes": 5.0,
	}
	if !reflect.DeepEqual(raw, want) {
		t.Errorf("file holds %v, want exactly %v", raw, want)
	}
	if s.Duration() != 30*time.Minute || s.RampUp() != 5*time.Minute {
		t.Errorf("Duration, RampUp = %v, %v; want 30m, 5m", s.Duration(), s.RampUp())
	}
	if s.ReplicasOrPredicted() != 11 {
		t.Errorf("ReplicasOrPredicted = %d, want the calculator's 11 for 15 plants, 75 agents", s.ReplicasOrPredicted())
	}
}

func TestShortLoadTest(t *testing.T) {
	s, err := scenarios.LoadShipped("short_load_test.json")
	if err != nil {
		t.Fatal(err)
	}
	want := guide
	want.TestName = "short_load_test"
	want.DurationMinutes = 2
	want.RampUpMinutes = 0.5
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got %+v\nwant %+v", s, want)
	}
}

func TestNewScenarioDefaults(t *testing.T) {
	s := scenarios.NewScenario()
	if s.Partitions != 12 || s.Seed != 1 || s.Replicas != 0 || s.Thresholds != nil {
		t.Errorf("NewScenario() = %+v", s)
	}
}

func TestFractionalMinutes(t *testing.T) {
	tests := []struct {
		minutes float64
		want    time.Duration
	}{
		{0.5, 30 * time.Second},
		{0.25, 15 * time.Second},
		{1.5, 90 * time.Second},
		{2.0 / 3, 40 * time.Second},
		{0.1, 6 * time.Second},
		{1.0 / 60, time.Second},
		{0.00001, 1 * time.Millisecond}, // 0.6 ms rounds to 1 ms
		{0.000001, 0},                   // 0.06 ms rounds to 0
		{10080, 7 * 24 * time.Hour},
		{0, 0},
		{-1, 0},
	}
	for _, tt := range tests {
		s := scenarios.Scenario{DurationMinutes: tt.minutes, RampUpMinutes: tt.minutes}
		if s.Duration() != tt.want || s.RampUp() != tt.want {
			t.Errorf("%v minutes: Duration %v, RampUp %v; want %v", tt.minutes, s.Duration(), s.RampUp(), tt.want)
		}
	}
}

func TestReplicasOrPredicted(t *testing.T) {
	tests := []struct {
		name     string
		plants   int
		agents   int
		replicas int
		want     int
	}{
		{"guide fleet, calculator", 15, 75, 0, 11},
		{"small fleet, calculator minimum", 2, 10, 0, 3},
		{"set replicas win", 15, 75, 4, 4},
		{"set replicas above the calculator's 20", 100, 1000, 64, 64},
		{"outside the calculator's domain", 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scenarios.Scenario{Plants: tt.plants, SubAgents: tt.agents, Replicas: tt.replicas}
			if got := s.ReplicasOrPredicted(); got != tt.want {
				t.Errorf("ReplicasOrPredicted() = %d, want %d", got, tt.want)
			}
		})
	}
	p := guide.Prediction()
	if p.Plants != 15 || p.Agents != 75 || p.Replicas != 11 || p.CPUMillicores != 6250 {
		t.Errorf("Prediction() = %+v", p)
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}

	t.Run("file on disk", func(t *testing.T) {
		path := write("mine.json", `{"test_name": "mine", "duration_minutes": 1, "plants": 3, "sub_agents": 9,
			"heat_optimization_requests_per_minute": 10, "agent_coordination_events_per_second": 0, "ramp_up_minutes": 0}`)
		s, err := scenarios.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if s.TestName != "mine" || s.Plants != 3 {
			t.Errorf("Load = %+v", s)
		}
	})

	t.Run("errors start with the path", func(t *testing.T) {
		path := write("bad.json", `{"test_name": "bad", "duration_minutes": 30, "plants": 15, "sub_agents": 75,
			"heat_optimization_requests_per_minute": 100, "agent_coordination_events_per_second": 50, "ramp_up_minutes": 40}`)
		_, err := scenarios.Load(path)
		want := path + ": ramp_up_minutes (40) exceeds duration_minutes (30)"
		if err == nil || err.Error() != want {
			t.Errorf("Load error = %v, want %q", err, want)
		}
		if !errors.Is(err, scenarios.ErrInvalid) {
			t.Errorf("error does not wrap ErrInvalid")
		}
	})

	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(dir, "nope.json")
		_, err := scenarios.Load(path)
		if !errors.Is(err, scenarios.ErrInvalid) || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("Load error = %v, want ErrInvalid and fs.ErrNotExist", err)
		}
		for _, w := range []string{path, "no such file", "multi_plant_load_test.json"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not mention %q", err, w)
			}
		}
	})

	t.Run("a directory", func(t *testing.T) {
		_, err := scenarios.Load(dir)
		if err == nil || errors.Is(err, scenarios.ErrInvalid) || !strings.Contains(err.Error(), dir) {
			t.Errorf("Load(dir) error = %v, want an os error naming the path", err)
		}
	})

	t.Run("bare shipped name falls back from any directory", func(t *testing.T) {
		t.Chdir(dir)
		s, err := scenarios.Load("multi_plant_load_test.json")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s, guide) {
			t.Errorf("Load = %+v, want the guide's", s)
		}
	})

	t.Run("a path to a shipped name does not fall back", func(t *testing.T) {
		t.Chdir(dir)
		_, err := scenarios.Load(filepath.Join("sub", "multi_plant_load_test.json"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Load error = %v, want not found", err)
		}
	})

	t.Run("a file on disk wins over a shipped one", func(t *testing.T) {
		t.Chdir(dir)
		write("smoke_test.json", `{"test_name": "local", "duration_minutes": 1, "plants": 1, "sub_agents": 0,
			"heat_optimization_requests_per_minute": 1, "agent_coordination_events_per_second": 1, "ramp_up_minutes": 0}`)
		s, err := scenarios.Load("smoke_test.json")
		if err != nil {
			t.Fatal(err)
		}
		if s.TestName != "local" {
			t.Errorf("Load read %q, want the file on disk", s.TestName)
		}
	})
}

func TestLoadShippedUnknown(t *testing.T) {
	_, err := scenarios.LoadShipped("nope.json")
	if !errors.Is(err, scenarios.ErrInvalid) || !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("error = %v, want ErrInvalid and fs.ErrNotExist", err)
	}
	want := `scenario "nope.json" is not shipped; shipped: multi_plant_load_test.json, short_load_test.json, smoke_test.json`
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
}

func TestScenarioJSONRoundTrip(t *testing.T) {
	s := guide
	s.Thresholds = json.RawMessage(`{"http_req_duration":["p(95)<2000"]}`)
	s.Replicas = 7
	s.Seed = 0
	// json.Marshal would write "<" in the thresholds as \u003c: the same
	// JSON, other bytes.
	var data bytes.Buffer
	enc := json.NewEncoder(&data)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	back, err := scenarios.Decode(&data, "round trip")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, s)
	}
}
