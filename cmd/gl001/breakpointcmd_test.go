package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gl001 breakpoint on the stand-in: one replica held to a small CPU limit,
// steps of 3 s with the rate doubled each step; each step is a run's
// folder with its report, and breakpoint.json says what held and what
// broke.
func TestBreakpointSearch(t *testing.T) {
	if testing.Short() {
		t.Skip("runs load steps against replica processes")
	}
	dir := t.TempDir()
	sc := writeScenario(t, dir, `{"test_name": "bp_test", "duration_minutes": 1, "plants": 2, "sub_agents": 6,
	  "heat_optimization_requests_per_minute": 240, "agent_coordination_events_per_second": 10, "ramp_up_minutes": 0, "partitions": 2}`)
	out := filepath.Join(dir, "bp")
	r := gl001(t, "", false, "breakpoint", sc, "--replicas", "1", "--replica-cpu-limit", "100m", "--by", "rate",
		"--step-duration", "3s", "--max-steps", "2", "--out", out, "-o", "json")
	r.expect(t, 0, []string{`"replicas": 1`, `"broke_on"`, "results: " + out}, []string{"breakpoint: replicas 1, step 1: 2 plants"})
	b, err := os.ReadFile(filepath.Join(out, "breakpoint.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rs struct {
		Results []struct {
			Replicas  int
			MaxPlants int    `json:"max_plants"`
			BrokeOn   string `json:"broke_on"`
			Steps     []struct {
				Step   int
				Held   bool
				Dir    string
				Plants int
			}
		}
	}
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatal(err)
	}
	if len(rs.Results) != 1 || len(rs.Results[0].Steps) == 0 || rs.Results[0].BrokeOn == "" {
		t.Fatalf("results %+v", rs)
	}
	for _, st := range rs.Results[0].Steps {
		if _, err := os.Stat(filepath.Join(st.Dir, "report.md")); err != nil {
			t.Errorf("step %d: %v", st.Step, err)
		}
	}
	if res := rs.Results[0]; res.Steps[0].Held != (res.MaxPlants == 2) {
		t.Errorf("step 1 held %v, max_plants %d", res.Steps[0].Held, res.MaxPlants)
	}
	for _, f := range []string{"breakpoint.md", "breakpoint.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestBreakpointBadInput(t *testing.T) {
	dir := t.TempDir()
	sc := writeScenario(t, dir, strings.Replace(tiny, "%s", "", 1))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--replicas", "1,x"}, `"1,x" for "--replicas"`},
		{[]string{"--by", "agents"}, `--by "agents": want plants or rate`},
		{[]string{"--max-steps", "0"}, "--max-steps 0"},
		{[]string{"--target", "http://127.0.0.1:1", "--replicas", "2"}, "with --target the deployment's own count"},
		{[]string{"-o", "yaml"}, `"yaml" for "-o, --output"`},
	} {
		r := gl001(t, "", false, append([]string{"breakpoint", sc}, tc.args...)...)
		if r.code != exitBadInput || !strings.Contains(r.stder, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, r.code, r.stder, tc.want)
		}
	}
}
