package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// k6Fixtures are real k6 outputs, kept with the package that reads them.
const k6Fixtures = "../../reports/k6ingest/testdata/"

func TestReportK6(t *testing.T) {
	dir := t.TempDir()
	notK6 := filepath.Join(dir, "optimize.js")
	if err := os.WriteFile(notK6, []byte("import http from 'k6/http';\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	failing := filepath.Join(dir, "failing.json")
	raw, err := os.ReadFile(k6Fixtures + "k6-out.json")
	if err != nil {
		t.Fatal(err)
	}
	// The same run, its latency threshold tightened below what it measured.
	os.WriteFile(failing, []byte(strings.ReplaceAll(string(raw), `"thresholds":["p(95)<2000"],"submetrics":[`, `"thresholds":["p(95)<5"],"submetrics":[`)), 0o644)
	tests := []struct {
		name           string
		args           []string
		code           int
		stdout, stderr []string
	}{
		{"json with summary", []string{"--k6", k6Fixtures + "k6-out.json", "--k6-summary", k6Fixtures + "k6-handle-summary.json"}, 0,
			[]string{"6030 points (k6 --out json)", "verdict: warning"}, nil},
		{"csv", []string{"--k6", k6Fixtures + "k6-out.csv"}, 0, []string{"k6 --out csv"}, nil},
		{"summary export alone", []string{"--k6", k6Fixtures + "k6-summary-export.json"}, 0, []string{"totals only"}, nil},
		{"threshold failed", []string{"--k6", failing}, exitThresholds, nil, []string{"thresholds failed: http_req_duration p(95)<5"}},
		{"not k6", []string{"--k6", notK6}, exitBadInput, nil, []string{notK6, "not k6 output", "want k6's --out json"}},
		{"summary not a summary", []string{"--k6", k6Fixtures + "k6-out.json", "--k6-summary", k6Fixtures + "k6-out.csv"}, exitBadInput, nil, []string{"--k6-summary", "want handleSummary JSON or --summary-export"}},
		{"bad map row", []string{"--k6", k6Fixtures + "k6-out.json", "--map", "latency=http_req_duration"}, exitBadInput, nil,
			[]string{`"--map"`, `"latency=http_req_duration"`, "orchestration_latency (Orchestration Latency)"}},
		{"map to a missing metric", []string{"--k6", k6Fixtures + "k6-out.json", "--map", "orchestration_latency=nosuch"}, exitBadInput, nil, []string{`no metric "nosuch"`}},
		{"no out", []string{"--k6", k6Fixtures + "k6-out.json"}, exitBadInput, nil, []string{"--out"}},
		{"dir and k6", []string{"somedir", "--k6", k6Fixtures + "k6-out.json"}, exitBadInput, nil, []string{"none with --k6"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"report"}, tt.args...)
			if tt.name != "no out" {
				args = append(args, "--out", filepath.Join(dir, "out", string(rune('a'+i))))
			}
			gl001(t, "", false, args...).expect(t, tt.code, tt.stdout, tt.stderr)
		})
	}
	// k6 does not say when an iteration was scheduled: the latency row
	// must not claim it runs from the scheduled start.
	md, err := os.ReadFile(filepath.Join(dir, "out", "a", "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "from the iteration's start") || strings.Contains(string(md), "from the scheduled start") {
		t.Errorf("report.md does not say k6's latencies run from the iteration's start")
	}
	if !strings.Contains(string(md), "The load generator's own CPU and memory were not sampled.") {
		t.Errorf("report.md reads the observer's own process as k6's")
	}
}
