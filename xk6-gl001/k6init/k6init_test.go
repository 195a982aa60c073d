package k6init_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/xk6-gl001/js"
	"github.com/greenlang/gl001/xk6-gl001/k6init"
)

func shipped(t *testing.T, name string) scenarios.Scenario {
	t.Helper()
	s, err := scenarios.LoadShipped(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func write(t *testing.T, o k6init.Options) k6init.Result {
	t.Helper()
	r, err := k6init.Write(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func TestWriteFiles(t *testing.T) {
	s := shipped(t, "smoke_test.json")
	dir := filepath.Join(t.TempDir(), "k6")
	r := write(t, k6init.Options{Scenario: s, ScenarioFile: "smoke_test.json", Dir: dir})

	for name, want := range map[string][]byte{k6init.ModuleFile: js.Module, k6init.ScriptFile: js.Script} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not the embedded file", name)
		}
	}
	if r.Plants != s.Plants || r.Agents != s.SubAgents || r.Requests != k6init.DefaultRequests {
		t.Errorf("result %d plants, %d agents, %d requests; want %d, %d, %d", r.Plants, r.Agents, r.Requests, s.Plants, s.SubAgents, k6init.DefaultRequests)
	}
	if want := []string{"optimize", "coordinate"}; !slices.Equal(r.Scenarios, want) {
		t.Errorf("scenarios %v, want %v", r.Scenarios, want)
	}
}

// The fleet in fleet.json is the one gl001 run builds for the scenario:
// the same agents in the same order, and its request bodies.
func TestFleetIsTheNativeFleet(t *testing.T) {
	s := shipped(t, "short_load_test.json")
	dir := t.TempDir()
	write(t, k6init.Options{Scenario: s, ScenarioFile: "short_load_test.json", Dir: dir})

	var got struct {
		Seed     uint64
		Paths    k6init.Paths
		Plants   []string
		Agents   []k6init.Agent
		Requests []json.RawMessage
	}
	readJSON(t, filepath.Join(dir, k6init.FleetFile), &got)

	// As engine.Run builds it.
	native, err := fleet.New(fleet.Config{Plants: s.Plants, Agents: s.SubAgents, Seed: s.Seed})
	if err != nil {
		t.Fatal(err)
	}
	var ids, wantIDs []string
	for _, a := range got.Agents {
		ids = append(ids, a.ID)
	}
	for _, a := range native.Agents() {
		wantIDs = append(wantIDs, a.ID())
	}
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("agent ids\n got %v\nwant %v", ids, wantIDs)
	}
	if a := got.Agents[0]; a.Type != "GL-002" || a.Plant != "plant-01" || a.Group == "" {
		t.Errorf("first agent %+v, want a GL-002 of plant-01 with its group", a)
	}
	if !slices.Equal(got.Plants, native.PlantIDs()) {
		t.Errorf("plants %v, want %v", got.Plants, native.PlantIDs())
	}
	if want := (k6init.Paths{Optimize: api.PathOptimize, Coordinate: k6init.BridgeCoordinatePath}); got.Paths != want {
		t.Errorf("paths %+v, want %+v", got.Paths, want)
	}
	if len(got.Requests) != k6init.DefaultRequests {
		t.Fatalf("%d requests, want %d", len(got.Requests), k6init.DefaultRequests)
	}
	for _, i := range []int{0, 1, k6init.DefaultRequests - 1} {
		var body, want any
		if err := json.Unmarshal(got.Requests[i], &body); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(native.NextRequest(fleet.DefaultStart.Add(time.Duration(i) * k6init.RequestStep)))
		_ = json.Unmarshal(b, &want)
		if !reflect.DeepEqual(body, want) {
			t.Errorf("requests[%d] is not the native request at +%ds", i, i)
		}
	}
	if bytes.Equal(got.Requests[0], got.Requests[1]) {
		t.Error("requests[0] and [1] are equal; want successive simulated seconds")
	}
}

// options.json's scenarios are the Plan gl001 run runs, and its
// thresholds the defaults with the scenario's over them.
func TestOptionsArePlanAndThresholds(t *testing.T) {
	s := shipped(t, "short_load_test.json")
	s.Thresholds = json.RawMessage(`{
		"gl001_optimize_duration": ["p(99)<3000"],
		"gl001_coordination_failed": [{"threshold": "rate<0.05", "abortOnFail": true, "delayAbortEval": "10s"}],
		"gl001_optimize_failed": [],
		"gl001_schedule_lag{scenario:optimize}": ["p(95)<100"]
	}`)
	dir := t.TempDir()
	r := write(t, k6init.Options{Scenario: s, ScenarioFile: "custom.json", Dir: dir})

	var got struct {
		Scenarios  scenarios.Plan
		Thresholds map[string][]any
	}
	readJSON(t, filepath.Join(dir, k6init.OptionsFile), &got)
	if !reflect.DeepEqual(got.Scenarios, s.Plan()) {
		t.Errorf("scenarios\n got %+v\nwant %+v", got.Scenarios, s.Plan())
	}
	want := map[string][]any{
		"gl001_optimize_duration":          {"p(99)<3000"},
		"gl001_coordination_failed":        {map[string]any{"threshold": "rate<0.05", "abortOnFail": true, "delayAbortEval": "10s"}},
		"gl001_heat_optimization_duration": {"p(95)<2000"},
	}
	if !reflect.DeepEqual(got.Thresholds, want) {
		t.Errorf("thresholds\n got %v\nwant %v", got.Thresholds, want)
	}
	if want := []string{"gl001_schedule_lag{scenario:optimize}"}; !slices.Equal(r.Dropped, want) {
		t.Errorf("dropped %v, want %v", r.Dropped, want)
	}
	data, _ := os.ReadFile(filepath.Join(dir, k6init.OptionsFile))
	if !bytes.Contains(data, []byte(`"p(99)<3000"`)) {
		t.Errorf("options.json escapes its expressions:\n%s", data)
	}
}

func TestHTTPOnlyScenario(t *testing.T) {
	s := shipped(t, "smoke_test.json")
	s.AgentCoordinationEventsPerSecond = 0
	dir := t.TempDir()
	o := k6init.Options{Scenario: s, ScenarioFile: "http.json", Dir: dir}
	r := write(t, o)
	var got struct{ Scenarios, Thresholds map[string]any }
	readJSON(t, filepath.Join(dir, k6init.OptionsFile), &got)
	if _, ok := got.Scenarios["coordinate"]; ok {
		t.Error("options.json has a coordinate scenario for a scenario that sends no events")
	}
	if _, ok := got.Thresholds["gl001_coordination_failed"]; ok {
		t.Error("options.json has the coordination default threshold for a scenario that sends no events")
	}
	if steps := k6init.NextSteps(o, r); strings.Contains(steps, "gl001 bridge") || strings.Contains(steps, "GL001_BRIDGE") {
		t.Errorf("next steps start a bridge for a scenario that sends no events:\n%s", steps)
	}
}

func TestDir(t *testing.T) {
	s := shipped(t, "smoke_test.json")
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		force   bool
		wantErr error
	}{
		{name: "new folder"},
		{name: "empty folder", prepare: func(t *testing.T, dir string) { mkdir(t, dir) }},
		{name: "non-empty folder refused", prepare: func(t *testing.T, dir string) { mkdir(t, dir); touch(t, dir, "notes.txt") }, wantErr: k6init.ErrNotEmpty},
		{name: "non-empty folder with force", prepare: func(t *testing.T, dir string) { mkdir(t, dir); touch(t, dir, "notes.txt"); touch(t, dir, "gl001.js") }, force: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "out")
			if tt.prepare != nil {
				tt.prepare(t, dir)
			}
			_, err := k6init.Write(k6init.Options{Scenario: s, ScenarioFile: "smoke_test.json", Dir: dir, Force: tt.force})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				for _, want := range []string{dir, "--force"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not name %q", err, want)
					}
				}
				if _, serr := os.Stat(filepath.Join(dir, k6init.ModuleFile)); serr == nil {
					t.Error("a refused folder was written to")
				}
				return
			}
			for _, name := range k6init.Files() {
				if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
					t.Error(err)
				}
			}
			if got, _ := os.ReadFile(filepath.Join(dir, k6init.ModuleFile)); !bytes.Equal(got, js.Module) {
				t.Error("gl001.js not replaced")
			}
			if tt.force {
				if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
					t.Error("--force removed a file of the user's:", err)
				}
			}
		})
	}
}

func TestRequestBudget(t *testing.T) {
	s := shipped(t, "smoke_test.json")
	s.Plants, s.SubAgents = 600, 100
	f, err := k6init.NewFleet(s, api.Profile{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	size := 0
	for _, r := range f.Requests {
		size += len(r)
	}
	if len(f.Requests) == 0 || len(f.Requests) >= k6init.DefaultRequests || size > k6init.MaxRequestBytes {
		t.Errorf("%d requests of %d bytes; want fewer than %d within %d bytes", len(f.Requests), size, k6init.DefaultRequests, k6init.MaxRequestBytes)
	}
}

func TestProfilePath(t *testing.T) {
	p := api.GuideProfile()
	p.Paths.Optimize = "/api/v2/heat/optimize"
	f, err := k6init.NewFleet(shipped(t, "smoke_test.json"), p, 2)
	if err != nil {
		t.Fatal(err)
	}
	if f.Paths.Optimize != p.Paths.Optimize || len(f.Requests) != 2 {
		t.Errorf("paths %+v, %d requests; want the profile's optimize path and 2", f.Paths, len(f.Requests))
	}
}

func TestNextSteps(t *testing.T) {
	s := shipped(t, "short_load_test.json")
	dir := filepath.Join(t.TempDir(), "my run")
	o := k6init.Options{Scenario: s, ScenarioFile: "short_load_test.json", Dir: dir}
	steps := k6init.NextSteps(o, write(t, o))
	q := func(name string) string { return "'" + filepath.Join(dir, name) + "'" }
	if !strings.HasPrefix(steps, "Next, in two terminals:\n") {
		t.Errorf("next steps do not lead with gl001 k6 serve:\n%s", steps)
	}
	for _, want := range []string{
		"gl001 k6 serve " + "'" + dir + "'" + " --scenario short_load_test.json\n",
		"gl001 simulate --plants 15 --agents 75 --seed 1 --replicas 11",
		"gl001 bridge --brokers BROKERS --scenario short_load_test.json",
		"gl001 observe --target http://127.0.0.1:8000 --out " + q("observed"),
		"k6 run -e GL001_TARGET=http://127.0.0.1:8000 -e GL001_BRIDGE=http://127.0.0.1:8686 --out json=" + q("k6-out.json.gz") +
			" --summary-export " + q("summary-export.json") + " " + q("script.js"),
		"gl001 report --k6 " + q("k6-out.json.gz") + " --k6-summary " + q("summary-export.json") + " --observed " + q("observed") +
			" --scenario short_load_test.json --out " + q("report"),
	} {
		if !strings.Contains(steps, want) {
			t.Errorf("next steps lack %q:\n%s", want, steps)
		}
	}
}

// The files written parse and link as ES modules under node, with k6's
// modules stood in for by the module's own test stand-ins.
func TestScriptLinksUnderNode(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not on PATH")
	}
	dir := t.TempDir()
	write(t, k6init.Options{Scenario: shipped(t, "smoke_test.json"), ScenarioFile: "smoke_test.json", Dir: dir})
	// The folder as k6 sees it, plus package.json so node reads the files as modules.
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"type":"module"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	hooks, err := filepath.Abs("../js/testdata/k6hooks.mjs")
	if err != nil {
		t.Fatal(err)
	}
	prog := `
import { register } from 'node:module';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
register(pathToFileURL(process.argv[1]).href);
globalThis.__k6 = { samples: [], declared: [], shared: [] };
globalThis.__ENV = {};
globalThis.open = (p) => readFileSync(p, 'utf8');
const s = await import(pathToFileURL(process.cwd() + '/script.js').href);
console.log(JSON.stringify({ scenarios: Object.keys(s.options.scenarios), optimize: typeof s.optimize, coordinate: typeof s.coordinate }));
`
	cmd := exec.Command(node, "--input-type=module", "-e", prog, hooks)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	if want := `{"scenarios":["optimize","coordinate"],"optimize":"function","coordinate":"function"}`; strings.TrimSpace(string(out)) != want {
		t.Errorf("node printed %s, want %s", out, want)
	}
}

func mkdir(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func touch(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}
