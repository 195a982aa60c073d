package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// calRun writes a small synthetic run folder: plants and agents in the
// header's scenario, 20 one-second intervals of 3 replicas each reading
// cpu and mem (no readings at all when cpu is negative).
func calRun(t *testing.T, dir string, plants, agents int, cpu, mem float64) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sc := scenarios.NewScenario()
	sc.TestName, sc.Plants, sc.SubAgents, sc.DurationMinutes = filepath.Base(dir), plants, agents, 20.0/60
	meta, _ := json.Marshal(record.Meta{Scenario: sc, IntervalSeconds: 1, ReplicasRunning: 3})
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	iw, err := metrics.CreateIntervalFile(filepath.Join(dir, runlog.IntervalsFile), metrics.Header{Start: t0, Meta: meta})
	if err != nil {
		t.Fatal(err)
	}
	for s := range 20 {
		at := t0.Add(time.Duration(s+1) * time.Second)
		iv := metrics.Interval{Seq: int64(s + 1), Start: at.Add(-time.Second), End: at, Metrics: map[string]*metrics.IntervalMetric{}}
		if cpu >= 0 {
			sm := record.Sample{At: at}
			for r := range 3 {
				sm.Replicas = append(sm.Replicas, record.ReplicaUsage{ID: fmt.Sprintf("replica-%d", r), CPUMillicores: cpu - float64(r*10), MemoryMiB: mem - float64(r*10)})
			}
			b, _ := json.Marshal(sm)
			iv.Extra = map[string]json.RawMessage{record.SamplesKey: b}
		}
		if err := iw.Write(iv); err != nil {
			t.Fatal(err)
		}
	}
	if err := iw.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// calRuns are four runs at fleets that vary plants and agents-per-plant,
// their worst replica at 800 + 120·plants + 40·agents millicores and
// 1500 + 150·plants + 60·agents MiB, give or take a few.
func calRuns(t *testing.T, root string) []string {
	var dirs []string
	for i, f := range [][2]int{{5, 25}, {10, 30}, {15, 75}, {20, 60}} {
		p, a := float64(f[0]), float64(f[1])
		noise := []float64{3, -2, -4, 3}[i]
		dirs = append(dirs, calRun(t, filepath.Join(root, fmt.Sprintf("fleet-%dx%d", f[0], f[1])), f[0], f[1],
			800+120*p+40*a+noise, 1500+150*p+60*a-noise))
	}
	return dirs
}

func TestCalibrate(t *testing.T) {
	root := t.TempDir()
	dirs := calRuns(t, root)
	cal := filepath.Join(root, "calibration.json")

	r := gl001(t, "", false, append(append([]string{"calibrate"}, dirs...), "--out", cal)...)
	r.expect(t, 0, []string{
		"Calibration of the guide's capacity formulas: 4 runs, 0 breakpoint results, 0 skipped",
		"CPU per replica (millicores) = base + per_plant*plants + per_agent*agents, fitted over 4 runs (1 degree of freedom)",
		"coefficient  guide  fitted", "95% CI", "error",
		"per_plant    100", "memory per replica (MiB) = base",
		"replicas: not fitted, no breakpoint results (gl001 breakpoint -o json) given; capacity --calibration keeps the guide's formula",
		"fleet-15x75", "wrote " + cal,
	}, nil)
	t.Log("\n" + r.stdout)

	r = gl001(t, "", false, append([]string{"calibrate", "-o", "json"}, dirs...)...)
	r.expect(t, 0, nil, nil)
	var c struct {
		Kind string `json:"kind"`
		CPU  struct {
			Coefficients []struct {
				Name     string
				Estimate float64
				CILow    *float64 `json:"ci95_low"`
				CIHigh   *float64 `json:"ci95_high"`
			} `json:"coefficients"`
			RSquared *float64  `json:"r_squared"`
			Error    []float64 `json:"error"`
		} `json:"cpu_millicores"`
		Replicas *json.RawMessage `json:"replicas"`
		Runs     []struct {
			Dir              string
			Plants, Agents   int
			CPUP95Millicores float64 `json:"cpu_p95_millicores"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &c); err != nil {
		t.Fatal(err)
	}
	if c.Kind != "gl001-calibration" || len(c.Runs) != 4 || c.Runs[2].Plants != 15 || c.Runs[2].CPUP95Millicores != 800+1800+3000-4 ||
		c.CPU.RSquared == nil || *c.CPU.RSquared < 0.999 || c.Replicas != nil {
		t.Fatalf("json %s", r.stdout)
	}
	for j, want := range []float64{800, 120, 40} {
		co := c.CPU.Coefficients[j]
		if *co.CILow > want || *co.CIHigh < want {
			t.Errorf("%s %v: CI [%v, %v] misses %v", co.Name, co.Estimate, *co.CILow, *co.CIHigh, want)
		}
	}

	// capacity --calibration: the fitted CPU and memory, the guide's replicas, said in every format.
	r = gl001(t, "", false, "capacity", "--plants", "15", "--agents", "75", "--calibration", cal)
	r.expect(t, 0, []string{"Formulas calibrated from " + cal + " (4 runs):",
		"  - replicas: the guide's ceil(plants/5) + ceil(agents/10), clamped to [3, 20] (" + cal + " has no replicas fit: no breakpoint results were given)",
		"  - CPU per replica: ceil(", "(fitted over 4 runs)", "  - Replicas: 11"}, nil)
	t.Log("\n" + r.stdout)
	r = gl001(t, "", false, "capacity", "--plants", "15", "--agents", "75", "--calibration", cal, "-o", "json")
	var pl struct {
		Replicas      int `json:"replicas"`
		CPUMillicores int `json:"cpu_millicores"`
		Calibration   *struct {
			File  string `json:"file"`
			Runs  int    `json:"runs"`
			Forms []struct {
				Form   string `json:"form"`
				Fitted bool   `json:"fitted"`
			} `json:"forms"`
		} `json:"calibration"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &pl); err != nil || pl.Calibration == nil || pl.Calibration.File != cal || pl.Calibration.Runs != 4 ||
		pl.Replicas != 11 || pl.CPUMillicores < 5590 || pl.CPUMillicores > 5610 || pl.Calibration.Forms[0].Fitted || !pl.Calibration.Forms[1].Fitted {
		t.Errorf("json %v: %s", err, r.stdout)
	}
	gl001(t, "", false, "capacity", "--plants", "15", "--agents", "75", "--calibration", cal, "-o", "yaml").
		expect(t, 0, []string{"calibration:", "file: " + cal, "runs: 4"}, nil)
	gl001(t, "", false, "capacity", "--plants", "15", "--agents", "75", "--calibration", cal, "-o", "kustomize").
		expect(t, 0, []string{"# Formulas calibrated from " + cal + " (4 runs):", "the calibration's CPU and memory formulas"}, nil)
	// Without the flag nothing changes.
	r = gl001(t, "", false, "capacity", "--plants", "15", "--agents", "75", "-o", "json")
	if strings.Contains(r.stdout, "calibration") || !strings.Contains(r.stdout, `"cpu_millicores": 6250`) {
		t.Errorf("guide plan changed: %s", r.stdout)
	}
}

func TestCalibrateWithBreakpoints(t *testing.T) {
	root := t.TempDir()
	dirs := calRuns(t, root)
	bp := filepath.Join(root, "breakpoints.json")
	_ = os.WriteFile(bp, []byte(`{"results": [
	  {"replicas": 2, "max_plants": 10, "max_agents": 40, "broke_on": "Master CPU critical"},
	  {"replicas": 3, "max_plants": 12, "max_agents": 80, "broke_on": "Orchestration Latency critical"},
	  {"replicas": 5, "max_plants": 25, "max_agents": 100, "broke_on": "Master CPU critical"},
	  {"replicas": 8, "max_plants": 30, "max_agents": 200, "broke_on": "Master Memory critical"}]}`), 0o644)
	cal := filepath.Join(root, "cal.json")
	r := gl001(t, "", false, append(append([]string{"calibrate", bp}, dirs...), "--out", cal)...)
	r.expect(t, 0, []string{"4 runs, 4 breakpoint results", "replicas = base + per_plant*plants + per_agent*agents, fitted over 4 breakpoint results",
		"the guide's replicas are ceil(plants/5) + ceil(agents/10)", "Master Memory critical"}, nil)
	gl001(t, "", false, "capacity", "--plants", "15", "--agents", "75", "--calibration", cal).
		expect(t, 0, []string{"  - replicas: ceil(", "(fitted over 4 breakpoint results)"}, nil)
}

func TestCalibrateBadInput(t *testing.T) {
	root := t.TempDir()
	dirs := calRuns(t, root)
	var ratio []string
	for _, f := range [][2]int{{5, 25}, {10, 50}, {15, 75}} {
		ratio = append(ratio, calRun(t, filepath.Join(root, fmt.Sprintf("ratio-%d", f[0])), f[0], f[1], 1000+float64(f[0]*150), 2000+float64(f[1]*80)))
	}
	empty := calRun(t, filepath.Join(root, "no-samples"), 8, 40, -1, 0)
	notRun := filepath.Join(root, "not-a-run")
	_ = os.MkdirAll(notRun, 0o755)
	badCal := filepath.Join(root, "bad-cal.json")
	_ = os.WriteFile(badCal, []byte(`{"kind": "gl001-calibration", "version": 1, "cpu_millicores": null, "memory_mib": null, "replicas": null}`), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"no arguments", []string{"calibrate"}, []string{"takes runs' results folders"}},
		{"two runs", []string{"calibrate", dirs[0], dirs[1]}, []string{"2 runs, the fit has 3 coefficients (base, per plant, per agent): add at least 1 more run at different fleets"}},
		{"a run skipped leaves two", []string{"calibrate", dirs[0], dirs[1], empty}, []string{"add at least 1 more run", "no-samples: no replica CPU or memory readings"}},
		{"agents always 5×plants", append([]string{"calibrate"}, ratio...), []string{"agents is 5×plants", "add a run with a different agents-per-plant ratio"}},
		{"not a run", []string{"calibrate", dirs[0], notRun}, []string{"not a gl001 results folder: " + notRun + " has no intervals.ndjson"}},
		{"capacity: a calibration that fits nothing", []string{"capacity", "--plants", "5", "--agents", "25", "--calibration", badCal}, []string{"--calibration: ", "fits no form"}},
		{"capacity: no such calibration", []string{"capacity", "--plants", "5", "--agents", "25", "--calibration", filepath.Join(root, "nope.json")}, []string{"--calibration: ", "nope.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gl001(t, "", false, tc.args...).expect(t, exitBadInput, nil, tc.want)
		})
	}

	// A skipped run beside enough others is named in the output, not counted.
	gl001(t, "", false, append(append([]string{"calibrate"}, dirs...), empty)...).
		expect(t, 0, []string{"4 runs, 0 breakpoint results, 1 skipped", "skipped " + empty + ": no replica CPU or memory readings"}, nil)
}
