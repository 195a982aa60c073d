package main

import (
	"bytes"
	"encoding/json"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/greenlang/gl001/simulator/api"
)

type result struct {
	code          int
	stdout, stder string
}

// gl001 runs the CLI in-process with stdin in, as if not on a terminal
// unless tty is set.
func gl001(t *testing.T, in string, tty bool, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, streams{in: strings.NewReader(in), out: &out, err: &errb, isTerminal: func() bool { return tty }})
	return result{code, out.String(), errb.String()}
}

// expect checks the exit code and that each string appears in its stream.
func (r result) expect(t *testing.T, code int, stdout, stderr []string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d (stderr %q)", r.code, code, r.stder)
	}
	for _, w := range stdout {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
		}
	}
	for _, w := range stderr {
		if !strings.Contains(r.stder, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stder)
		}
	}
}

func TestCapacity(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		in       string
		tty      bool
		code     int
		stdout   []string
		stderr   []string
		noStdout bool
	}{
		{name: "text", args: []string{"capacity", "--plants", "15", "--agents", "75"},
			stdout: []string{"=== GL-001 Capacity Planning Results ===", "  - Replicas: 11", "--replicas=11 -n greenlang"}},
		{name: "yaml", args: []string{"capacity", "--plants=15", "--agents=75", "-o", "yaml"},
			stdout: []string{"replicas: 11", "db_pool_size: 205", "kubectl:"}},
		{name: "names are settings", args: []string{"capacity", "--plants=5", "--agents=25", "--namespace", "staging", "--deployment", "gl-001-process-heat"},
			stdout: []string{"kubectl scale deployment gl-001-process-heat --replicas=4 -n staging"}},
		{name: "kustomize patch", args: []string{"capacity", "--plants=15", "--agents=75", "-o", "kustomize"},
			stdout: []string{"kind: Deployment\nmetadata:\n  name: gl-001-process-heat-orchestrator\n  namespace: greenlang\n", "replicas: 11",
				"- name: orchestrator", "cpu: 6250m", "memory: 12548Mi", "cpu: 3750m", "memory: 8783Mi",
				"kind: ConfigMap\nmetadata:\n  name: gl-001-config\n", `DB_POOL_SIZE: "205"`, `KAFKA_CONSUMER_THREADS: "4"`, `MAX_PLANTS: "15"`}},
		{name: "kustomize patch, names are settings", args: []string{"capacity", "--plants=15", "--agents=75", "-o", "kustomize",
			"--namespace", "staging", "--deployment", "gl-001-process-heat", "--configmap", "gl-001-process-heat-config", "--container", "gl-001"},
			stdout: []string{"  name: gl-001-process-heat\n  namespace: staging\n", "- name: gl-001\n", "  name: gl-001-process-heat-config\n  namespace: staging\n"}},
		{name: "kustomize patch, bad container name", args: []string{"capacity", "--plants=15", "--agents=75", "-o", "kustomize", "--container", "Orchestrator"},
			code: 2, noStdout: true, stderr: []string{`container "Orchestrator": a lowercase RFC 1123 label`}},
		{name: "prompted on a terminal", args: []string{"capacity"}, in: "10\n50\n", tty: true,
			stdout: []string{"Enter number of plants: ", "Enter number of active sub-agents: ", "  - Replicas: 7"}},
		{name: "negative plants", args: []string{"capacity", "--plants", "-1", "--agents", "75"}, code: 2, noStdout: true,
			stderr: []string{`invalid argument "-1" for "--plants" flag: must be a whole number from 1 to 10000`}},
		{name: "fractional agents", args: []string{"capacity", "--plants", "15", "--agents", "7.5"}, code: 2, noStdout: true,
			stderr: []string{`invalid argument "7.5" for "--agents" flag: must be a whole number from 0 to 100000`}},
		{name: "plants above ceiling", args: []string{"capacity", "--plants", "10001", "--agents", "75"}, code: 2, noStdout: true,
			stderr: []string{`"10001" for "--plants"`, "from 1 to 10000"}},
		{name: "not a number", args: []string{"capacity", "--plants", "many", "--agents", "75"}, code: 2, noStdout: true,
			stderr: []string{`"many" for "--plants"`}},
		{name: "bad output format", args: []string{"capacity", "--plants", "15", "--agents", "75", "-o", "xml"}, code: 2, noStdout: true,
			stderr: []string{`invalid argument "xml" for "-o, --output" flag: must be one of text, json, yaml`}},
		{name: "one flag only", args: []string{"capacity", "--plants", "15"}, code: 2, noStdout: true,
			stderr: []string{"--agents is required with --plants", "Run 'gl001 capacity --help'"}},
		{name: "no flags, no terminal", args: []string{"capacity"}, code: 2, noStdout: true,
			stderr: []string{"--plants and --agents are required"}},
		{name: "bad prompt answer", args: []string{"capacity"}, in: "fifteen\n", tty: true, code: 2,
			stderr: []string{`plants "fifteen" must be a whole number from 1 to 10000`}},
		{name: "stray argument", args: []string{"capacity", "--plants", "1", "--agents", "1", "extra"}, code: 2, noStdout: true,
			stderr: []string{`unknown command "extra"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := gl001(t, tt.in, tt.tty, tt.args...)
			r.expect(t, tt.code, tt.stdout, tt.stderr)
			if tt.noStdout && r.stdout != "" {
				t.Errorf("stdout should be empty on bad input, got %q", r.stdout)
			}
		})
	}
}

func TestCapacityJSON(t *testing.T) {
	r := gl001(t, "", false, "capacity", "--plants", "20", "--agents", "99", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stder)
	}
	var got struct {
		Plants, Agents, Replicas, CPUMillicores, MemoryMiB int
		DBPoolSize                                         int `json:"db_pool_size"`
		Kubectl                                            []string
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v in %s", err, r.stdout)
	}
	if got.Plants != 20 || got.Agents != 99 || got.Replicas != 14 || got.DBPoolSize != 260 || len(got.Kubectl) != 2 {
		t.Errorf("got %+v", got)
	}
}

func TestAssess(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	healthy := write("healthy.json", `{"master_cpu_percent": 45, "plant_count": 5, "subagent_count": 25}`)
	critical := write("critical.json", `{"master_cpu_percent": 86, "cpu_trend": "gradual", "plant_count": 5}`)
	unknown := write("unknown.json", `{"master_cpu": 45}`)
	wrongType := write("wrongtype.json", `{"plant_count": "15"}`)

	tests := []struct {
		name   string
		args   []string
		in     string
		code   int
		stdout []string
		stderr []string
	}{
		{name: "nothing critical", args: []string{"assess", healthy}, code: 0,
			stdout: []string{"Master CPU Usage", "not observed"}},
		{name: "critical exits 1", args: []string{"assess", critical}, code: 1,
			stdout: []string{"Horizontal or Vertical Scale", "Proactive horizontal scale"}},
		{name: "json", args: []string{"assess", "-o", "json", critical}, code: 1,
			stdout: []string{`"findings"`, `"worst": "critical"`, `"diagnosis"`}},
		{name: "stdin", args: []string{"assess", "-"}, in: `{"plant_count": 15, "subagent_count": 75}`, code: 1,
			stdout: []string{"Proactive Horizontal Scale"}},
		{name: "unknown field", args: []string{"assess", unknown}, code: 2,
			stderr: []string{unknown, `"master_cpu"`}},
		{name: "wrong type", args: []string{"assess", wrongType}, code: 2,
			stderr: []string{wrongType, "plant_count"}},
		{name: "missing file", args: []string{"assess", filepath.Join(dir, "nope.json")}, code: 2,
			stderr: []string{"nope.json", "no such file"}},
		{name: "no argument", args: []string{"assess"}, code: 2,
			stderr: []string{"exactly 1 argument (FILE|-)"}},
		{name: "bad output format", args: []string{"assess", "-o", "yaml", healthy}, code: 2,
			stderr: []string{`"yaml" for "-o, --output"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gl001(t, tt.in, false, tt.args...).expect(t, tt.code, tt.stdout, tt.stderr)
		})
	}
}

func TestUsageAndVersion(t *testing.T) {
	if r := gl001(t, "", false, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "gl001 ") {
		t.Errorf("version: exit %d, stdout %q", r.code, r.stdout)
	}
	if r := gl001(t, "", false, "frobnicate"); r.code != 2 || !strings.Contains(r.stder, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, stderr %q", r.code, r.stder)
	}
	if r := gl001(t, "", false, "capacity", "--plantz", "3"); r.code != 2 || !strings.Contains(r.stder, "unknown flag: --plantz") {
		t.Errorf("unknown flag: exit %d, stderr %q", r.code, r.stder)
	}
	r := gl001(t, "", false, "capacity", "--help")
	if r.code != 0 {
		t.Fatalf("help: exit %d", r.code)
	}
	for _, w := range []string{"number of plants, 1 to 10000", `(default "greenlang")`, "clamped to [3, 20]"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("capacity --help lacks %q:\n%s", w, r.stdout)
		}
	}
}

func TestSimulateInput(t *testing.T) {
	r := gl001(t, "", false, "simulate", "--example-request", "--plants", "3", "--agents", "9")
	if r.code != 0 {
		t.Fatalf("--example-request: exit %d, %s", r.code, r.stder)
	}
	req, err := api.DecodeOptimizeRequest(strings.NewReader(r.stdout))
	if err != nil {
		t.Fatalf("--example-request printed a request the API rejects: %v", err)
	}
	if len(req.SourceDetails) == 0 || !strings.HasPrefix(api.PlantOf(slices.Sorted(maps.Keys(req.SensorFeeds.HeatDemands))[0]), "plant-") {
		t.Errorf("example request lacks the multi-plant fields: %s", r.stdout[:200])
	}

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	tests := []struct {
		name   string
		args   []string
		stderr []string
	}{
		{"too many replicas", []string{"simulate", "--replicas", "65"}, []string{`"65" for "--replicas"`, "from 0 to 64"}},
		{"bad plants", []string{"simulate", "--plants", "0"}, []string{`"0" for "--plants"`}},
		{"bad listen", []string{"simulate", "--listen", "localhost"}, []string{`listen "localhost": want host:port`}},
		{"busy port", []string{"simulate", "--listen", busy.Addr().String()}, []string{"front door cannot listen on " + strconv.Quote(busy.Addr().String())}},
		{"bad SASL", []string{"simulate", "--brokers", "127.0.0.1:1", "--kafka-sasl-mechanism", "gssapi"}, []string{"gssapi"}},
		{"missing CA file", []string{"simulate", "--brokers", "127.0.0.1:1", "--kafka-tls-ca", "/nonexistent/ca.pem"}, []string{"/nonexistent/ca.pem"}},
		{"stray argument", []string{"simulate", "now"}, []string{`unknown command "now"`}},
		{"CPU limit not a quantity", []string{"simulate", "--replica-cpu-limit", "fast"}, []string{`invalid argument "fast" for "--replica-cpu-limit" flag: must be a CPU quantity from 10m to 256, e.g. 200m, 0.5 or 1`}},
		{"CPU limit too small", []string{"simulate", "--replica-cpu-limit", "5m"}, []string{`"5m" for "--replica-cpu-limit"`, "from 10m"}},
		{"memory limit in bytes too small", []string{"simulate", "--replica-memory-limit", "256"}, []string{`"256" for "--replica-memory-limit"`, "from 64Mi to 1Ti", "a bare number is bytes"}},
		{"memory limit negative", []string{"simulate", "--replica-memory-limit", "-1Gi"}, []string{`"-1Gi" for "--replica-memory-limit"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gl001(t, "", false, tt.args...).expect(t, 2, nil, tt.stderr)
		})
	}
}
