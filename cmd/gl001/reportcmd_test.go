package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// report --profile names the target in the report's commands as the
// profile does; a bad one is exit 2 naming the flag.
func TestReportProfile(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("..", "..", "reports", "runlog", "testdata", "short_load_test", "intervals.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, profile, want, not string
	}{
		{"the run's own (guide)", "", "kubectl scale deployment gl-001-process-heat-orchestrator ", "gl-001-process-heat "},
		{"greenlang", "greenlang", "kubectl scale deployment gl-001-process-heat ", "gl-001-process-heat-orchestrator "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "intervals.ndjson"), src, 0o644); err != nil {
				t.Fatal(err)
			}
			args := []string{"report", dir}
			if tc.profile != "" {
				args = append(args, "--profile", tc.profile)
			}
			r := gl001(t, "", false, args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stder)
			}
			md, err := os.ReadFile(filepath.Join(dir, "report.md"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(md), tc.want) || strings.Contains(string(md), tc.not) {
				t.Errorf("report.md: want %q and not %q", tc.want, tc.not)
			}
		})
	}
	gl001(t, "", false, "report", t.TempDir(), "--profile", "nonesuch.json").
		expect(t, 2, nil, []string{"--profile", "nonesuch.json", `want "guide", "greenlang" or a JSON profile file`})
}
