package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// run --expand-to on the stand-in: the current fleet, then the expanded
// one prescaled, each a run's folder with its report, and expansion.md
// answering the guide's question with the headroom and crossings.
func TestRunExpandTo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two load tests against replica processes")
	}
	dir := t.TempDir()
	sc := writeScenario(t, dir, `{"test_name": "expand_test", "duration_minutes": 0.05, "plants": 2, "sub_agents": 6,
	  "heat_optimization_requests_per_minute": 120, "agent_coordination_events_per_second": 10, "ramp_up_minutes": 0, "replicas": 1, "partitions": 2}`)
	out := filepath.Join(dir, "exp")
	r := gl001(t, "", false, "run", sc, "--expand-to", "4", "--out", out)
	if r.code != 0 && r.code != exitFailed {
		t.Fatalf("exit %d: %s", r.code, r.stder)
	}
	r.expect(t, r.code, []string{"Adding new plants (+2)?", "expansion: " + out + "/expansion.md"}, nil)
	var c struct {
		Before, After struct {
			Plants, Agents, Replicas int
			Dir                      string
		}
		PlantsAdded int  `json:"plants_added"`
		Holds       bool `json:"holds"`
		Headroom    []struct {
			Resource    string
			LeftPercent *float64 `json:"left_percent"`
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "expansion.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	if c.Before.Plants != 2 || c.After.Plants != 4 || c.After.Agents != 12 || c.PlantsAdded != 2 || c.Before.Replicas != 1 || c.After.Replicas != 1 {
		t.Errorf("comparison %+v", c)
	}
	if c.Holds != (r.code == 0) {
		t.Errorf("holds %v, exit %d", c.Holds, r.code)
	}
	for _, d := range []string{c.Before.Dir, c.After.Dir} {
		if _, err := os.Stat(filepath.Join(d, "report.md")); err != nil {
			t.Error(err)
		}
	}
	md, _ := os.ReadFile(filepath.Join(out, "expansion.md"))
	for _, want := range []string{"# Expansion: 2 → 4 plants (+2), 6 → 12 sub-agents", "Headroom left after the expansion", "The guide's HPA, replayed"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("expansion.md lacks %q:\n%s", want, md)
		}
	}
}

func TestRunExpandToBadInput(t *testing.T) {
	dir := t.TempDir()
	sc := writeScenario(t, dir, strings.Replace(tiny, "%s", "", 1))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--expand-to", "1"}, "--expand-to 1: want more plants than the scenario's 2"},
		{[]string{"--expand-to", "x"}, `"x" for "--expand-to"`},
		{[]string{"--expand-to", "4", "--prescale", "--target", "http://127.0.0.1:1"}, "--prescale sizes the stand-in"},
		{[]string{"--prescale"}, "--prescale applies to --expand-to"},
		{[]string{"--expand-to", "4", "--segment", "0/2"}, "--segment does not go with --expand-to"},
	} {
		r := gl001(t, "", false, append([]string{"run", sc}, tc.args...)...)
		if r.code != exitBadInput || !strings.Contains(r.stder, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, r.code, r.stder, tc.want)
		}
	}
}
