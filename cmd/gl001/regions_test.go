package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunWithRegions runs the guide's multi-region layout against the
// stand-in: each region's requests and events carry its name, the
// stand-in adds its round trip at the front door and before the ack, every
// sample is tagged, a threshold per region is judged on its region's
// samples alone, and the report breaks latency and coordination down by
// region.
func TestRunWithRegions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a load test against replica processes")
	}
	dir := t.TempDir()
	sc := writeScenario(t, dir, strings.Replace(strings.Replace(tiny, `"plants": 2`, `"plants": 3`, 1), "%s",
		`, "thresholds": {"gl001_optimize_duration{region:far}": ["min>300"], "gl001_coordination_duration{region:near}": ["max<300"]}`, 1))
	out := filepath.Join(dir, "r")
	gl001(t, "", false, "run", sc, "--out", out, "--regions", "near=0,mid=20ms,far=0.3s").
		expect(t, 0, []string{"✓ gl001_optimize_duration{region:far} min>300", "✓ gl001_coordination_duration{region:near} max<300"}, nil)

	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var summary struct {
		GL001 struct {
			Report struct {
				Regions []struct {
					Name              string   `json:"name"`
					Plants            string   `json:"plants"`
					RoundTripMS       float64  `json:"round_trip_ms"`
					Added             bool     `json:"round_trip_added"`
					OptimizeRequests  int64    `json:"optimize_requests"`
					OptimizeP95       *float64 `json:"optimize_p95_seconds"`
					Coordinations     int64    `json:"coordinations"`
					CoordinationP95MS *float64 `json:"coordination_p95_ms"`
				} `json:"regions"`
			} `json:"report"`
		} `json:"gl001"`
	}
	if err := json.Unmarshal(b, &summary); err != nil {
		t.Fatal(err)
	}
	rows := summary.GL001.Report.Regions
	if len(rows) != 3 {
		t.Fatalf("report regions %+v, want near, mid, far", rows)
	}
	var requests, events int64
	for i, want := range []struct {
		name, plants string
		rttMS        float64
	}{{"near", "1", 0}, {"mid", "2", 20}, {"far", "3", 300}} {
		r := rows[i]
		if r.Name != want.name || r.Plants != want.plants || r.RoundTripMS != want.rttMS || !r.Added {
			t.Errorf("region %d: %+v, want %+v added by the stand-in", i, r, want)
		}
		if r.OptimizeRequests == 0 || r.Coordinations == 0 || r.OptimizeP95 == nil || r.CoordinationP95MS == nil {
			t.Errorf("region %s: %+v, want requests, events and their latency", r.Name, r)
			continue
		}
		requests, events = requests+r.OptimizeRequests, events+r.Coordinations
		// The round trip is in every figure of the region: a floor.
		if *r.OptimizeP95*1000 < want.rttMS || *r.CoordinationP95MS < want.rttMS {
			t.Errorf("region %s: optimize p95 %.3f s, coordination p95 %.0f ms, below its %.0f ms round trip", r.Name, *r.OptimizeP95, *r.CoordinationP95MS, want.rttMS)
		}
	}
	// 120/min and 10/s for 3 s: every request and event is in one region.
	if requests != 6 || events != 30 {
		t.Errorf("regions hold %d requests and %d events, want the run's 6 and 30", requests, events)
	}
	md, _ := os.ReadFile(filepath.Join(out, "report.md"))
	if !strings.Contains(string(md), "## By region") || !strings.Contains(string(md), "| far | 3 | 300 ms |") {
		t.Errorf("report.md has no region table:\n%s", md)
	}
}

// TestRegionsInput: a bad layout, or a threshold on a region the run does
// not have, is bad input (exit 2) naming the flag and the value.
func TestRegionsInput(t *testing.T) {
	dir := t.TempDir()
	sc := writeScenario(t, dir, strings.Replace(tiny, "%s", `, "thresholds": {"gl001_optimize_duration{region:apac}": ["p(95)<2000"]}`, 1))
	gl001(t, "", false, "run", sc, "--out", filepath.Join(dir, "a"), "--regions", "us-east,mars").
		expect(t, 2, nil, []string{`--regions: region "mars" has no default round trip`, "mars=120ms"})
	gl001(t, "", false, "run", sc, "--out", filepath.Join(dir, "b"), "--regions", "us-east,eu-west").
		expect(t, 2, nil, []string{`thresholds.gl001_optimize_duration{region:apac}: region "apac", want us-east or eu-west`})
	gl001(t, "", false, "run", sc, "--out", filepath.Join(dir, "c")).
		expect(t, 2, nil, []string{"the region tag is set only when the run has regions"})
	gl001(t, "", false, "simulate", "--plants", "2", "--regions", "a=1,b=2,c=3").
		expect(t, 2, nil, []string{"--regions: 3 regions for 2 plants"})
}
