package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gl001 hpa replay --series: the guide's HPA at 140 % CPU goes 3 → 5 → 6,
// as JSON and as a table, and draws the plot.
func TestHPAReplaySeries(t *testing.T) {
	dir := t.TempDir()
	var pts []string
	for range 12 {
		pts = append(pts, `{"cpu_millicores": 4200, "memory_mib": 1500, "orchestration_latency_p95_seconds": 0.5, "agent_coordination_per_second": 50}`)
	}
	series := filepath.Join(dir, "series.json")
	body := `{"start_replicas": 3, "cpu_request_millicores": 1000, "memory_request_mib": 1024, "interval_seconds": 15, "points": [` + strings.Join(pts, ",") + `]}`
	if err := os.WriteFile(series, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	r := gl001(t, "", false, "hpa", "replay", "--series", series, "-o", "json", "--plot", filepath.Join(dir, "hpa.svg"))
	r.expect(t, 0, []string{`"t_seconds": 45`, `"limited_by": "ScaleUpLimit (Percent 50 per 60 s, selectPolicy Max)"`}, nil)
	var out struct {
		Trajectory []struct {
			TSeconds  int64  `json:"t_seconds"`
			Replicas  int32  `json:"replicas"`
			Desired   int32  `json:"desired"`
			Metric    string `json:"metric"`
			LimitedBy string `json:"limited_by"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	var path []int32
	for _, row := range out.Trajectory {
		if len(path) == 0 || path[len(path)-1] != row.Replicas {
			path = append(path, row.Replicas)
		}
	}
	if len(path) != 3 || path[0] != 3 || path[1] != 5 || path[2] != 6 || out.Trajectory[0].Metric != "cpu" {
		t.Errorf("replicas %v, trajectory %+v", path, out.Trajectory)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "hpa.svg")); err != nil || !strings.Contains(string(b), "<svg") {
		t.Errorf("plot: %v", err)
	}
	gl001(t, "", false, "hpa", "replay", "--series", series).
		expect(t, 0, []string{"HPA gl-001-process-heat-orchestrator-hpa (minReplicas 3, maxReplicas 20): 12 syncs of 15 s from 3 replicas",
			"t_seconds  replicas  desired", "taken as observed, not modelled"}, nil)
}

func TestHPAReplayBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte(`{"start_replicas": 3, "points": []}`), 0o644)
	hpaV1 := filepath.Join(dir, "hpa.yaml")
	_ = os.WriteFile(hpaV1, []byte("apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nspec: {maxReplicas: 3}\n"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"hpa", "replay"}, "takes a run's folder (DIR) or --series FILE"},
		{[]string{"hpa", "replay", "--series", bad}, "cpu_request_millicores 0"},
		{[]string{"hpa", "replay", "--series", bad, "--hpa", hpaV1}, "--hpa: " + hpaV1 + ": invalid HPA: apiVersion \"autoscaling/v1\""},
		{[]string{"hpa", "replay", dir}, "not a gl001 results folder"},
		{[]string{"hpa", "replay", "--series", bad, "-o", "yaml"}, `"yaml" for "-o, --output"`},
		{[]string{"hpa", "replay", "--series", bad, "--plot", "x.gif"}, `"x.gif" for "--plot"`},
	} {
		r := gl001(t, "", false, tc.args...)
		if r.code != exitBadInput || !strings.Contains(r.stder, tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, r.code, r.stder, tc.want)
		}
	}
}
