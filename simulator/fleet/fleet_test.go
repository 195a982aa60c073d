package fleet_test

import (
	"errors"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/fleet"
)

// monday is a weekday morning in simulated time.
var monday = fleet.DefaultStart

func mustNew(t testing.TB, plants, agents int, seed uint64) *fleet.Fleet {
	t.Helper()
	f, err := fleet.New(fleet.Config{Plants: plants, Agents: agents, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  fleet.Config
		want []string // substrings of the error; none: valid
	}{
		{name: "default", cfg: fleet.DefaultConfig()},
		{name: "smallest", cfg: fleet.Config{Plants: 1}},
		{name: "largest", cfg: fleet.Config{Plants: 10_000, Agents: 100_000}},
		{name: "no plants", cfg: fleet.Config{Plants: 0, Agents: 5}, want: []string{"plants (0) must be from 1 to 10000"}},
		{name: "too many plants", cfg: fleet.Config{Plants: 10_001}, want: []string{"plants (10001) must be from 1 to 10000"}},
		{name: "negative agents", cfg: fleet.Config{Plants: 3, Agents: -1}, want: []string{"agents (-1) must be from 0 to 100000"}},
		{name: "too many agents", cfg: fleet.Config{Plants: 3, Agents: 100_001}, want: []string{"agents (100001) must be from 0 to 100000"}},
		{name: "negative carbon cost", cfg: fleet.Config{Plants: 3, CarbonCostPerTonne: -1}, want: []string{"carbon_cost_per_tonne (-1)"}},
		{name: "NaN carbon cost", cfg: fleet.Config{Plants: 3, CarbonCostPerTonne: math.NaN()}, want: []string{"carbon_cost_per_tonne (NaN)"}},
		{name: "every problem at once", cfg: fleet.Config{Plants: -2, Agents: -3, CarbonCostPerTonne: math.Inf(1)},
			want: []string{"plants (-2)", "agents (-3)", "carbon_cost_per_tonne (+Inf)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := fleet.New(tt.cfg)
			if len(tt.want) == 0 {
				if err != nil || f == nil {
					t.Fatalf("New(%+v) = %v, want a fleet", tt.cfg, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("New(%+v) succeeded, want an error", tt.cfg)
			}
			if !errors.Is(err, fleet.ErrConfig) {
				t.Errorf("error %v does not wrap ErrConfig", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	f := mustNew(t, 3, 4, 9)
	cfg := f.Config()
	if cfg.CarbonCostPerTonne != fleet.DefaultCarbonCostPerTonne || !cfg.Start.Equal(fleet.DefaultStart) {
		t.Errorf("Config() = %+v, want the default carbon cost and start", cfg)
	}
	if got := f.NextRequest(monday).CarbonCostPerTonne; got != fleet.DefaultCarbonCostPerTonne {
		t.Errorf("carbon_cost_per_tonne = %v, want %v", got, fleet.DefaultCarbonCostPerTonne)
	}
	g, err := fleet.New(fleet.Config{Plants: 3, CarbonCostPerTonne: 120, Start: monday.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if got := g.NextRequest(monday).CarbonCostPerTonne; got != 120 {
		t.Errorf("carbon_cost_per_tonne = %v, want 120", got)
	}
	if got := g.SimTime(30 * time.Minute); !got.Equal(monday.Add(90 * time.Minute)) {
		t.Errorf("SimTime(30m) = %v, want Start + 30m", got)
	}
}

func TestPlantIDs(t *testing.T) {
	tests := []struct {
		plants      int
		first, last string
	}{
		{1, "plant-01", "plant-01"},
		{9, "plant-01", "plant-09"},
		{15, "plant-01", "plant-15"},
		{100, "plant-001", "plant-100"},
		{1000, "plant-0001", "plant-1000"},
		{10_000, "plant-00001", "plant-10000"},
	}
	for _, tt := range tests {
		ids := mustNew(t, tt.plants, 0, 1).PlantIDs()
		if len(ids) != tt.plants || ids[0] != tt.first || ids[len(ids)-1] != tt.last {
			t.Errorf("%d plants: ids %q … %q (%d), want %q … %q", tt.plants, ids[0], ids[len(ids)-1], len(ids), tt.first, tt.last)
		}
	}
}

// A plant is drawn from its own stream, so it does not change when the
// fleet around it grows.
func TestPlantIndependentOfFleetSize(t *testing.T) {
	small, big := mustNew(t, 15, 0, 4), mustNew(t, 1000, 0, 4)
	a, err := small.RequestFor(monday, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	b, err := big.RequestFor(monday, []int{2})
	if err != nil {
		t.Fatal(err)
	}
	values := func(m map[string]float64) []float64 {
		var v []float64
		for _, k := range slices.Sorted(maps.Keys(m)) {
			v = append(v, m[k])
		}
		return v
	}
	if !slices.Equal(values(a.SensorFeeds.HeatSources), values(b.SensorFeeds.HeatSources)) ||
		!slices.Equal(values(a.SensorFeeds.HeatDemands), values(b.SensorFeeds.HeatDemands)) {
		t.Errorf("plant-03 differs between a 15- and a 1000-plant fleet:\n%v %v\n%v %v",
			a.SensorFeeds.HeatSources, a.SensorFeeds.HeatDemands, b.SensorFeeds.HeatSources, b.SensorFeeds.HeatDemands)
	}
}

func TestDeterminism(t *testing.T) {
	times := []time.Time{monday, monday.Add(7*time.Hour + 13*time.Second), monday.Add(5 * 24 * time.Hour)}
	a, b, other := mustNew(t, 15, 75, 42), mustNew(t, 15, 75, 42), mustNew(t, 15, 75, 43)
	if a.String() != b.String() {
		t.Errorf("same seed, different fleets:\n%s\n%s", a, b)
	}
	for _, now := range times {
		ra, rb := a.NextRequest(now), b.NextRequest(now)
		if !reflect.DeepEqual(ra, rb) {
			t.Errorf("same seed, different requests at %v", now)
		}
		if reflect.DeepEqual(ra.SensorFeeds, other.NextRequest(now).SensorFeeds) {
			t.Errorf("seeds 42 and 43 give the same sensor feeds at %v", now)
		}
	}
	for i := range 300 {
		now := times[i%len(times)]
		ea, eb := a.NextEvent(now), b.NextEvent(now)
		if ea.EventID == eb.EventID {
			t.Fatalf("event ids of two fleets collide: %q", ea.EventID)
		}
		ea.EventID = strings.TrimPrefix(ea.EventID, a.RunToken())
		eb.EventID = strings.TrimPrefix(eb.EventID, b.RunToken())
		if !reflect.DeepEqual(ea, eb) {
			t.Fatalf("event %d differs apart from the run token:\n%+v\n%+v", i, ea, eb)
		}
	}
	aAgents, oAgents := a.Agents(), other.Agents()
	same := 0
	for i := range aAgents {
		if reflect.DeepEqual(aAgents[i].NextEvent(monday).Payload, oAgents[i].NextEvent(monday).Payload) {
			same++
		}
	}
	if same > 0 {
		t.Errorf("seeds 42 and 43 give %d agents the same payload", same)
	}
}
