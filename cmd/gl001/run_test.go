package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator"
)

// TestMain lets this binary serve as what gl001 run starts as children:
// the stand-in (gl001 simulate, which this test binary runs as the CLI
// does) and its replicas, and as the shards' pods of --kube-shards (gl001
// run --segment i/n).
func TestMain(m *testing.M) {
	simulator.MaybeRunReplica()
	if len(os.Args) > 1 && (os.Args[1] == "simulate" || os.Args[1] == "run") { // a stand-in, or a shard's pod
		os.Exit(run(os.Args[1:], processStreams()))
	}
	os.Exit(m.Run())
}

func writeScenario(t *testing.T, dir, body string) string {
	t.Helper()
	p := filepath.Join(dir, "scenario.json")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const tiny = `{"test_name": "cli_test", "duration_minutes": 0.05, "plants": 2, "sub_agents": 6,
  "heat_optimization_requests_per_minute": 120, "agent_coordination_events_per_second": 10,
  "ramp_up_minutes": 0, "replicas": 1, "partitions": 2%s}`

func TestRunExitCodes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs load tests against replica processes")
	}
	dir := t.TempDir()
	ok := writeScenario(t, dir, strings.Replace(tiny, "%s", "", 1))
	r := gl001(t, "", false, "run", ok, "--out", filepath.Join(dir, "ok"))
	r.expect(t, 0, []string{"run complete", "optimize", "✓ gl001_optimize_duration p(95)<2000", "results: " + filepath.Join(dir, "ok")}, nil)
	if _, err := os.Stat(filepath.Join(dir, "ok", "summary.json")); err != nil {
		t.Error(err)
	}

	failing := filepath.Join(t.TempDir(), "fail.json")
	_ = os.WriteFile(failing, []byte(strings.Replace(tiny, "%s", `, "thresholds": {"gl001_optimize_duration": ["max<0.001"]}`, 1)), 0o644)
	gl001(t, "", false, "run", failing, "--out", filepath.Join(dir, "fail")).
		expect(t, exitThresholds, []string{"✗ gl001_optimize_duration max<0.001"}, []string{"thresholds failed"})
}

// TestRunAbortOnFailExits99: a run an abortOnFail threshold stopped exits
// 99, as k6 does (it used to exit 1), and --summary-export writes k6's
// legacy file, where a threshold that did not pass is true.
func TestRunAbortOnFailExits99(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a load test against replica processes")
	}
	dir := t.TempDir()
	long := strings.Replace(strings.Replace(tiny, "%s", `, "thresholds": {"gl001_optimize_duration": [{"threshold": "max<0.001", "abortOnFail": true}]}`, 1),
		`"duration_minutes": 0.05`, `"duration_minutes": 1`, 1)
	p := writeScenario(t, dir, long)
	export := filepath.Join(dir, "export.json")
	start := time.Now()
	gl001(t, "", false, "run", p, "--out", filepath.Join(dir, "r"), "--summary-export", export).
		expect(t, exitThresholds, []string{"stopped early: abortOnFail threshold crossed", "✗ gl001_optimize_duration max<0.001"}, []string{"run aborted by a threshold"})
	if took := time.Since(start); took > 45*time.Second {
		t.Errorf("the abort took %s of a 1m schedule", took)
	}
	b, err := os.ReadFile(export)
	if err != nil || !bytes.Contains(b, []byte(`"max<0.001": true`)) || !bytes.Contains(b, []byte(`"root_group"`)) {
		t.Errorf("summary export: %v\n%s", err, b)
	}
}

// TestRunWithAProfile renames everything the guide names (topics, group,
// the optimize path, the metrics the target sampler reads) in a profile
// file: the stand-in answers to the new names and the run reaches it, and
// its samplers read it, through them alone.
func TestRunWithAProfile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a load test against replica processes")
	}
	dir := t.TempDir()
	prof := filepath.Join(dir, "profile.json")
	if err := os.WriteFile(prof, []byte(`{"topic": "plant.events", "ack_topic": "plant.events.done", "group": "orchestrators",
	  "paths": {"optimize": "/v2/optimize", "metrics": "/v2/metrics", "prometheus": "/prom", "capacity": "/v2/capacity"},
	  "metrics": {"orchestration_latency_p95_seconds": "orch_latency_p95_seconds", "requests_total": "orch_requests_total"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	sc := writeScenario(t, dir, strings.Replace(tiny, "%s", "", 1))
	out := filepath.Join(dir, "r")
	gl001(t, "", false, "run", sc, "--out", out, "--profile", prof).expect(t, 0, []string{"run complete"}, nil)
	b, err := os.ReadFile(filepath.Join(out, "intervals.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"group":"orchestrators"`, `"topic":"plant.events"`, `"profile":"` + prof + `"`, `"requests_total":`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("intervals.ndjson lacks %s", want)
		}
	}
}

func TestRunInterruptedBySignal(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a load test against replica processes")
	}
	dir := t.TempDir()
	long := writeScenario(t, dir, strings.Replace(strings.Replace(tiny, "%s", "", 1), `"duration_minutes": 0.05`, `"duration_minutes": 2`, 1))
	sigs := make(chan os.Signal, 1)
	time.AfterFunc(4*time.Second, func() { sigs <- os.Interrupt })
	var out, errb bytes.Buffer
	start := time.Now()
	code := run([]string{"run", long, "--out", filepath.Join(dir, "r")}, streams{in: strings.NewReader(""), out: &out, err: &errb,
		isTerminal: func() bool { return false }, signals: sigs})
	if code != exitFailed || time.Since(start) > 40*time.Second {
		t.Fatalf("exit %d after %s, want 1 soon after the signal; stderr %s", code, time.Since(start), errb.String())
	}
	if !strings.Contains(out.String(), "stopped early: interrupted") || !strings.Contains(errb.String(), "partial results in") {
		t.Errorf("stdout %q stderr %q", out.String(), errb.String())
	}
	if b, err := os.ReadFile(filepath.Join(dir, "r", "summary.json")); err != nil || !bytes.Contains(b, []byte(`"complete": false`)) {
		t.Errorf("partial summary: %v", err)
	}
}

func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := writeScenario(t, dir, `{"test_name": "x", "duration_minutes": 1, "ramp_up_minutes": 5, "plants": 15, "sub_agents": 75,
	  "heat_optimization_requests_per_minute": -1, "agent_coordination_events_per_second": 50, "colour": "red"}`)
	tests := []struct {
		name   string
		args   []string
		stderr []string
	}{
		{"missing file", []string{"run", filepath.Join(dir, "nope.json")}, []string{"nope.json", "short_load_test.json"}},
		{"every problem named", []string{"run", bad}, []string{`unknown field "colour"`}},
		{"no scenario", []string{"run"}, []string{"exactly 1 argument (SCENARIO)"}},
		{"two folders", []string{"run", "smoke_test.json", "--out", "a", "--out", "b"}, []string{`the results folder is already "a"`}},
		{"unknown output", []string{"run", "smoke_test.json", "--out", "csv=x.csv"}, []string{`unknown output "csv"`}},
		{"interval", []string{"run", "smoke_test.json", "--interval", "1ms"}, []string{`"--interval"`, "from 100ms to 1m"}},
		{"negative timeout", []string{"run", "smoke_test.json", "--ack-timeout", "-1s"}, []string{`"--ack-timeout"`, "must not be negative"}},
		{"limits with a target", []string{"run", "smoke_test.json", "--target", "http://127.0.0.1:1", "--brokers", "127.0.0.1:1", "--replica-memory-limit", "1Gi"},
			[]string{"--replica-memory-limit applies to the stand-in only"}},
		{"bad CPU limit", []string{"run", "smoke_test.json", "--replica-cpu-limit", "1.5cores"}, []string{`"1.5cores" for "--replica-cpu-limit"`}},
		{"target without brokers", []string{"run", "smoke_test.json", "--target", "http://127.0.0.1:1", "--out", filepath.Join(dir, "t")}, []string{"--brokers is required with --target"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gl001(t, "", false, tt.args...).expect(t, exitBadInput, nil, tt.stderr)
		})
	}
}
