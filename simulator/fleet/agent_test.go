package fleet_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/fleet"
)

func TestAgentTypes(t *testing.T) {
	wantGroups := map[string][]string{
		api.GroupBoilerSteam:         {"GL-002", "GL-012", "GL-016", "GL-017", "GL-022"},
		api.GroupCombustionEmissions: {"GL-003", "GL-004", "GL-005"},
		api.GroupHeatRecovery:        {"GL-006", "GL-014", "GL-020"},
	}
	guide := map[string]string{ // the guide's deployment names
		"GL-002": "gl-002-boiler-efficiency", "GL-012": "gl-012-steam-system",
		"GL-003": "gl-003-combustion-optimizer", "GL-004": "gl-004-emissions-control",
		"GL-006": "gl-006-waste-heat",
	}
	code := regexp.MustCompile(`^GL-\d{3}$`)
	got := map[string][]string{}
	deployments := map[string]bool{}
	for _, at := range fleet.AgentTypes() {
		got[at.Group] = append(got[at.Group], at.Code)
		if !code.MatchString(at.Code) || !strings.HasPrefix(at.Deployment, strings.ToLower(at.Code)+"-") || at.Role == "" {
			t.Errorf("malformed row %+v", at)
		}
		if deployments[at.Deployment] {
			t.Errorf("deployment %q twice", at.Deployment)
		}
		deployments[at.Deployment] = true
		if want, ok := guide[at.Code]; ok != at.FromGuide || (ok && want != at.Deployment) {
			t.Errorf("%s: deployment %q, from guide %v; the guide names it %q", at.Code, at.Deployment, at.FromGuide, want)
		}
		if at.PerBoiler != (at.Code == "GL-002") {
			t.Errorf("%s: PerBoiler = %v, want only GL-002 per boiler", at.Code, at.PerBoiler)
		}
	}
	for g, want := range wantGroups {
		if !slices.Equal(slices.Sorted(slices.Values(got[g])), want) {
			t.Errorf("group %s has %v, want %v", g, got[g], want)
		}
	}
}

// expectedSplit is the fill rule of the package documentation, counted
// tier by tier rather than slot by slot.
func expectedSplit(plants, boilers, agents int) map[string]int {
	tiers := []struct {
		code string
		n    int
	}{
		{"GL-002", plants}, {"GL-012", plants}, {"GL-003", plants}, {"GL-004", plants}, {"GL-006", plants},
		{"GL-002", boilers - plants},
		{"GL-005", plants}, {"GL-014", plants}, {"GL-016", plants}, {"GL-020", plants}, {"GL-017", plants}, {"GL-022", plants},
	}
	slots := boilers + 10*plants
	full, rest := agents/slots, agents%slots
	counts := map[string]int{}
	for _, tier := range tiers {
		take := min(rest, tier.n)
		counts[tier.code] += full*tier.n + take
		rest -= take
	}
	return counts
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name           string
		plants, agents int
	}{
		{"no agents", 15, 0},
		{"fewer agents than plants", 15, 10},
		{"fewer agents than boilers", 15, 40},
		{"default: one of each core type per plant", 15, 75},
		{"every boiler and some extra types", 15, 200},
		{"several instances of every slot", 15, 1000},
		{"one plant", 1, 3},
		{"one plant, the most agents", 1, 100_000},
		{"1000 plants, 10000 agents", 1000, 10_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustNew(t, tt.plants, tt.agents, 1)
			want := expectedSplit(tt.plants, f.Boilers(), tt.agents)
			slots := f.Boilers() + 10*tt.plants
			total := 0
			for gi, g := range f.Split() {
				if g.Group != api.Groups[gi] {
					t.Errorf("group %d is %q, want %q", gi, g.Group, api.Groups[gi])
				}
				sum := 0
				for _, ts := range g.Types {
					sum += ts.Agents
					if ts.Group != g.Group {
						t.Errorf("%s listed under %s", ts.Code, g.Group)
					}
					if ts.Agents != want[ts.Code] {
						t.Errorf("%s: %d agents, want %d", ts.Code, ts.Agents, want[ts.Code])
					}
					if wantPlants := min(ts.Agents, tt.plants); ts.Plants != wantPlants {
						t.Errorf("%s: on %d plants, want %d", ts.Code, ts.Plants, wantPlants)
					}
				}
				if sum != g.Agents {
					t.Errorf("%s: %d agents, its types sum to %d", g.Group, g.Agents, sum)
				}
				total += g.Agents
			}
			if total != tt.agents {
				t.Errorf("split sums to %d agents, want %d", total, tt.agents)
			}

			agents := f.Agents()
			if len(agents) != tt.agents {
				t.Fatalf("%d agents, want %d", len(agents), tt.agents)
			}
			ids := map[string]bool{}
			boilers := map[string]bool{}
			for _, a := range agents {
				if ids[a.ID()] {
					t.Fatalf("agent id %q twice", a.ID())
				}
				ids[a.ID()] = true
				at := a.Type()
				if prefix := strings.ToLower(at.Code) + "-" + a.PlantID() + "-"; !strings.HasPrefix(a.ID(), prefix) {
					t.Errorf("agent id %q, want prefix %q", a.ID(), prefix)
				}
				if at.PerBoiler != (a.BoilerID() != "") || (at.PerBoiler && api.PlantOf(a.BoilerID()) != a.PlantID()) {
					t.Errorf("agent %s watches boiler %q", a.ID(), a.BoilerID())
				}
				if at.PerBoiler && a.Instance() == 1 {
					if boilers[a.BoilerID()] {
						t.Errorf("boiler %s has two first-instance GL-002s", a.BoilerID())
					}
					boilers[a.BoilerID()] = true
				}
				if tt.agents <= slots && a.Instance() != 1 {
					t.Errorf("agent %s is instance %d with %d agents for %d slots", a.ID(), a.Instance(), tt.agents, slots)
				}
			}
		})
	}
}

func TestAgentIDs(t *testing.T) {
	f := mustNew(t, 3, 3*5+200, 1)
	want := map[string]bool{
		"gl-002-plant-01-boiler-1": true, "gl-012-plant-02-1": true, "gl-006-plant-03-1": true,
		"gl-002-plant-01-boiler-2": true, "gl-022-plant-03-1": true,
		"gl-002-plant-01-boiler-1-2": true, "gl-003-plant-02-2": true,
	}
	for _, a := range f.Agents() {
		delete(want, a.ID())
	}
	if len(want) > 0 {
		t.Errorf("no agents %v", want)
	}
}

func TestSplitText(t *testing.T) {
	f := mustNew(t, 15, 75, 1)
	text := f.SplitText()
	for _, want := range []string{
		"boiler_steam               30\n",
		"  GL-002 gl-002-boiler-efficiency          15 on 15 plants\n",
		"  GL-016 gl-016-water-treatment             0\n",
		"heat_recovery              15\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("SplitText() lacks %q:\n%s", want, text)
		}
	}
	if s := f.String(); !strings.HasPrefix(s, "15 plants, ") || !strings.HasSuffix(s, text) {
		t.Errorf("String() = %q", s)
	}
}
