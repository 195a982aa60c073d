// Package k6init scaffolds a stock-k6 load test of a gl001 scenario, what
// `gl001 k6 init` writes: the module gl001.js, a script.js that imports
// it, fleet.json (the scenario's fleet and request bodies from the same
// seeded model `gl001 run` drives) and options.json (the k6 scenarios and
// thresholds `gl001 run` would apply). The k6 run then reads as a native
// one: same metrics, same tags, same plan, same thresholds.
package k6init

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/xk6-gl001/js"
	"github.com/greenlang/gl001/xk6-gl001/record"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// The files Write writes into its folder, in the order it writes them.
const (
	ModuleFile  = "gl001.js"
	ScriptFile  = "script.js"
	FleetFile   = "fleet.json"
	OptionsFile = "options.json"
)

// Files lists the files Write writes.
func Files() []string { return []string{ModuleFile, ScriptFile, FleetFile, OptionsFile} }

// BridgeCoordinatePath is the path of gl001 bridge's coordinate endpoint,
// carried in fleet.json beside the target's optimize path.
const BridgeCoordinatePath = "/v1/coordinate"

// Request bodies in fleet.json. The native engine encodes the whole-fleet
// request once per simulated second (client.DefaultRefresh); fleet.json
// holds DefaultRequests of them at successive seconds from
// fleet.DefaultStart, which the module cycles through by iteration. A
// 15-plant body is about 14 KB, so the default is about 0.9 MB; for a
// large fleet the count is cut so the bodies stay within MaxRequestBytes
// (at least one body is always written).
const (
	DefaultRequests = 60
	RequestStep     = time.Second
	MaxRequestBytes = 8 << 20
)

// ErrNotEmpty is returned, wrapped, when the folder holds files and Force
// is not set.
var ErrNotEmpty = errors.New("folder is not empty")

// Options say what to scaffold where.
type Options struct {
	Scenario scenarios.Scenario
	// ScenarioFile is the scenario as the user named it (a shipped name or
	// a path): in errors and in the commands NextSteps prints.
	ScenarioFile string
	// Profile gives the target's optimize path; the zero Profile is the
	// guide's. ProfileFile, when set, is passed on to simulate and bridge.
	Profile     api.Profile
	ProfileFile string
	Dir         string
	// Force writes into a folder that holds files, replacing Files().
	Force bool
	// Requests is how many optimize bodies fleet.json holds; 0 means
	// DefaultRequests.
	Requests int
}

// Result is what Write wrote.
type Result struct {
	Dir      string
	Plants   int
	Agents   int
	Requests int // optimize bodies in fleet.json
	// FleetBytes is the size of fleet.json.
	FleetBytes int
	// Scenarios are the k6 scenarios of options.json, by name.
	Scenarios []string
	// Thresholds are the threshold keys of options.json.
	Thresholds []string
	// Dropped are threshold keys of the scenario that options.json leaves
	// out: metrics the k6 module does not record, which k6 would refuse.
	Dropped []string
}

// Fleet is fleet.json: the scenario's fleet as the module reads it.
type Fleet struct {
	Scenario string `json:"scenario"` // the scenario's test_name
	Seed     uint64 `json:"seed"`
	// Start is the simulated time of requests[0]; each next one is
	// RequestStepSeconds later.
	Start              time.Time `json:"start"`
	RequestStepSeconds float64   `json:"request_step_seconds"`
	Paths              Paths     `json:"paths"`
	Plants             []string  `json:"plants"`
	Agents             []Agent   `json:"agents"`
	// Requests are the optimize request bodies (api.OptimizeRequest).
	Requests []json.RawMessage `json:"requests"`
}

// Paths are the endpoints the module posts to, relative to GL001_TARGET
// and GL001_BRIDGE.
type Paths struct {
	Optimize   string `json:"optimize"`
	Coordinate string `json:"coordinate"`
}

// Agent is one sub-agent, in the fleet's round-robin order (the order of
// the native engine's coordination events).
type Agent struct {
	ID     string `json:"id"`
	Type   string `json:"type"`  // agent_type, "GL-002"
	Group  string `json:"group"` // the guide's agent group
	Plant  string `json:"plant"`
	Boiler string `json:"boiler,omitempty"` // the heat source a GL-002 watches
}

// K6Options is options.json: k6's options.scenarios and thresholds.
type K6Options struct {
	Scenarios scenarios.Plan `json:"scenarios"`
	// Thresholds map a metric key to k6 threshold items: an expression
	// string, or {"threshold", "abortOnFail", "delayAbortEval"}.
	Thresholds map[string][]any `json:"thresholds"`
}

// NewFleet builds fleet.json's content for the scenario: the fleet
// gl001 run builds (plants, sub-agents and seed from the scenario) and
// requests bodies at successive simulated seconds (0: DefaultRequests),
// fewer when they would pass MaxRequestBytes.
func NewFleet(s scenarios.Scenario, p api.Profile, requests int) (Fleet, error) {
	if requests <= 0 {
		requests = DefaultRequests
	}
	if p.Paths.Optimize == "" {
		p = api.GuideProfile()
	}
	f, err := fleet.New(fleet.Config{Plants: s.Plants, Agents: s.SubAgents, Seed: s.Seed})
	if err != nil {
		return Fleet{}, err
	}
	out := Fleet{
		Scenario: s.TestName, Seed: s.Seed, Start: fleet.DefaultStart, RequestStepSeconds: RequestStep.Seconds(),
		Paths:  Paths{Optimize: p.Paths.Optimize, Coordinate: BridgeCoordinatePath},
		Plants: f.PlantIDs(), Agents: []Agent{},
	}
	for _, a := range f.Agents() {
		t := a.Type()
		out.Agents = append(out.Agents, Agent{ID: a.ID(), Type: t.Code, Group: t.Group, Plant: a.PlantID(), Boiler: a.BoilerID()})
	}
	size := 0
	for i := range requests {
		b, err := marshal(f.NextRequest(fleet.DefaultStart.Add(time.Duration(i)*RequestStep)), "")
		if err != nil {
			return Fleet{}, fmt.Errorf("encode request %d: %w", i, err)
		}
		b = bytes.TrimSuffix(b, []byte("\n"))
		if i > 0 && size+len(b) > MaxRequestBytes {
			break
		}
		size += len(b)
		out.Requests = append(out.Requests, b)
	}
	return out, nil
}

// Encode writes the fleet as JSON with one request body per line, so the
// file stays compact (bodies are most of it) and its head readable.
func (f Fleet) Encode() ([]byte, error) {
	head := f
	head.Requests = nil
	b, err := marshal(struct {
		Fleet
		Requests *struct{} `json:"requests,omitempty"` // shadows Fleet.Requests, written below
	}{Fleet: head}, "  ")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(bytes.TrimSuffix(b, []byte("\n}\n")))
	buf.WriteString(",\n  \"requests\": [")
	for i, r := range f.Requests {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		buf.Write(r)
	}
	buf.WriteString("\n  ]\n}\n")
	return buf.Bytes(), nil
}

// NewK6Options builds options.json's content: the scenario's Plan as k6
// scenarios and the thresholds gl001 run applies (record.Thresholds: the
// guide's defaults for the traffic the scenario sends, the scenario's own
// over them), less those on metrics the module does not record (returned
// as dropped). file names the scenario in errors.
func NewK6Options(s scenarios.Scenario, file string) (o K6Options, dropped []string, err error) {
	set, err := record.Thresholds(s, file)
	if err != nil {
		return K6Options{}, nil, err
	}
	o = K6Options{Scenarios: s.Plan(), Thresholds: map[string][]any{}}
	for _, key := range set.Names() {
		k, err := thresholds.ParseMetricKey(key)
		if err != nil || !moduleRecords(k.Name) {
			dropped = append(dropped, key)
			continue
		}
		if len(set[key]) == 0 {
			continue // a default the scenario switched off
		}
		items := make([]any, 0, len(set[key]))
		for _, t := range set[key] {
			items = append(items, thresholdItem(t))
		}
		o.Thresholds[key] = items
	}
	return o, dropped, nil
}

// moduleRecords reports whether a k6 run of the module has metric name:
// k6's own, or one gl001.js declares. Only gl001_schedule_lag is native
// alone (k6 does not tell an iteration when it was scheduled).
func moduleRecords(name string) bool {
	return name != record.MetricScheduleLag
}

func thresholdItem(t thresholds.Threshold) any {
	if !t.AbortOnFail {
		return t.Source
	}
	item := map[string]any{"threshold": t.Source, "abortOnFail": true}
	if t.DelayAbortEval > 0 {
		item["delayAbortEval"] = t.DelayAbortEval.String()
	}
	return item
}

// Write scaffolds o.Scenario into o.Dir, creating it. It refuses, with an
// error wrapping ErrNotEmpty, a folder that holds anything unless o.Force;
// with o.Force it replaces Files() and leaves other files alone. Nothing
// is written when the scenario's fleet or thresholds are invalid; those
// errors name o.ScenarioFile.
func Write(o Options) (Result, error) {
	if err := checkDir(o.Dir, o.Force); err != nil {
		return Result{}, err
	}
	f, err := NewFleet(o.Scenario, o.Profile, o.Requests)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", o.ScenarioFile, err)
	}
	fleetJSON, err := f.Encode()
	if err != nil {
		return Result{}, fmt.Errorf("encode %s: %w", FleetFile, err)
	}
	opts, dropped, err := NewK6Options(o.Scenario, o.ScenarioFile)
	if err != nil {
		return Result{}, err
	}
	optionsJSON, err := marshal(opts, "  ")
	if err != nil {
		return Result{}, fmt.Errorf("encode %s: %w", OptionsFile, err)
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return Result{}, err
	}
	contents := map[string][]byte{ModuleFile: js.Module, ScriptFile: js.Script, FleetFile: fleetJSON, OptionsFile: optionsJSON}
	for _, name := range Files() {
		if err := os.WriteFile(filepath.Join(o.Dir, name), contents[name], 0o644); err != nil {
			return Result{}, err
		}
	}
	r := Result{Dir: o.Dir, Plants: len(f.Plants), Agents: len(f.Agents), Requests: len(f.Requests),
		FleetBytes: len(fleetJSON), Dropped: dropped}
	for _, a := range []scenarios.ArrivalScenario{opts.Scenarios.Optimize, opts.Scenarios.Coordinate} {
		if !a.Skip() {
			r.Scenarios = append(r.Scenarios, a.Exec)
		}
	}
	for key := range opts.Thresholds {
		r.Thresholds = append(r.Thresholds, key)
	}
	slices.Sort(r.Thresholds)
	return r, nil
}

// marshal encodes v as JSON with a newline at the end, indented by indent
// when it is not empty, and without encoding/json's HTML escapes: k6
// users read "p(95)<2000" in options.json, not "p(95)\u003c2000".
func marshal(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// checkDir accepts a folder that does not exist or is empty, and with
// force any folder.
func checkDir(dir string, force bool) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case len(entries) > 0 && !force:
		return fmt.Errorf("%w: %q holds %d files; choose a new or empty folder, or pass --force to replace %s there",
			ErrNotEmpty, dir, len(entries), strings.Join(Files(), ", "))
	}
	return nil
}
