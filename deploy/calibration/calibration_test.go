package calibration_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/deploy/calibration"
	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// fleets vary plants and agents-per-plant independently.
var fleets = [][2]int{{1, 5}, {3, 10}, {5, 25}, {5, 60}, {8, 20}, {10, 50}, {12, 100}, {15, 75}}

// points are fleets' values of base + a·plants + b·agents, plus normal
// noise of sd (seeded: the same every run).
func points(base, a, b, sd float64) []calibration.Point {
	rng := rand.New(rand.NewPCG(1, 2))
	var pts []calibration.Point
	for _, f := range fleets {
		v := base + a*float64(f[0]) + b*float64(f[1]) + sd*rng.NormFloat64()
		pts = append(pts, calibration.Point{Plants: f[0], Agents: f[1], Value: v})
	}
	return pts
}

func TestFitRecoversCoefficientsWithinTheCI(t *testing.T) {
	want := [3]float64{1200, 90, 55}
	fit, err := calibration.FitLinear(points(want[0], want[1], want[2], 20), calibration.Runs)
	if err != nil {
		t.Fatal(err)
	}
	if fit.N != 8 || fit.DegreesOfFreedom != 5 || fit.RSquared == nil || *fit.RSquared < 0.99 || fit.ResidualStandardError == nil {
		t.Fatalf("fit %+v", fit)
	}
	if se := *fit.ResidualStandardError; se < 5 || se > 60 {
		t.Errorf("residual standard error %v, the noise's sd is 20", se)
	}
	for j, c := range fit.Coefficients {
		if c.CILow == nil || *c.CILow > want[j] || *c.CIHigh < want[j] {
			t.Errorf("%s: %v, CI [%v, %v] misses %v", c.Name, c.Estimate, *c.CILow, *c.CIHigh, want[j])
		}
		if *c.CIHigh-*c.CILow <= 0 {
			t.Errorf("%s: empty CI", c.Name)
		}
	}
}

// The interval uses the t quantile for n − 3 degrees of freedom: with 5,
// t(0.975) = 2.5706.
func TestCIIsTQuantileTimesStdError(t *testing.T) {
	fit, err := calibration.FitLinear(points(1000, 100, 50, 30), calibration.Runs)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range fit.Coefficients {
		half := (*c.CIHigh - *c.CILow) / 2
		if got := half / *c.StdError; math.Abs(got-2.5706) > 1e-3 {
			t.Errorf("%s: half-width / std error = %v, want t(0.975, 5) = 2.5706", c.Name, got)
		}
	}
}

func TestExactDataHasRSquaredOne(t *testing.T) {
	fit, err := calibration.FitLinear(points(2048, 200, 100, 0), calibration.Runs)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(*fit.RSquared-1) > 1e-9 || *fit.ResidualStandardError > 1e-6 {
		t.Errorf("R² %v, residual standard error %v; want 1 and 0", *fit.RSquared, *fit.ResidualStandardError)
	}
	for j, want := range []float64{2048, 200, 100} {
		if c := fit.Coefficients[j]; math.Abs(c.Estimate-want) > 1e-6 {
			t.Errorf("%s = %v, want %v", c.Name, c.Estimate, want)
		}
	}
}

// Three points fit exactly, with no interval to give.
func TestThreePointsNoCI(t *testing.T) {
	fit, err := calibration.FitLinear(points(1000, 100, 50, 0)[:3], calibration.Runs)
	if err != nil {
		t.Fatal(err)
	}
	if fit.DegreesOfFreedom != 0 || fit.Coefficients[0].CILow != nil || fit.ResidualStandardError != nil {
		t.Errorf("fit %+v", fit)
	}
}

func TestRefused(t *testing.T) {
	pts := func(fs ...[2]int) []calibration.Point {
		var p []calibration.Point
		for _, f := range fs {
			p = append(p, calibration.Point{Plants: f[0], Agents: f[1], Value: float64(1000 + f[0] + f[1])})
		}
		return p
	}
	for _, tc := range []struct {
		name string
		pts  []calibration.Point
		err  error
		want string
	}{
		{"none", nil, calibration.ErrTooFew, "0 runs, the fit has 3 coefficients (base, per plant, per agent): add at least 3 more runs"},
		{"two", pts([2]int{5, 25}, [2]int{10, 50}), calibration.ErrTooFew, "2 runs, the fit has 3 coefficients (base, per plant, per agent): add at least 1 more run at different fleets"},
		{"agents always 5×plants", pts([2]int{5, 25}, [2]int{10, 50}, [2]int{15, 75}, [2]int{20, 100}), calibration.ErrRankDeficient,
			"in every one of the 4 runs agents is 5×plants, so per plant and per agent cannot be told apart: add a run with a different agents-per-plant ratio (e.g. 5 plants with 50 agents)"},
		{"agents on a line", pts([2]int{1, 12}, [2]int{2, 14}, [2]int{3, 16}), calibration.ErrRankDeficient, "agents is 10 + 2×plants"},
		{"same plants", pts([2]int{5, 25}, [2]int{5, 50}, [2]int{5, 75}), calibration.ErrRankDeficient, "plants is 5 in every one of the 3 runs, so base and per plant cannot be told apart: add a run with a different plant count"},
		{"same agents", pts([2]int{5, 50}, [2]int{10, 50}, [2]int{15, 50}), calibration.ErrRankDeficient, "agents is 50 in every one of the 3 runs"},
		{"one fleet", pts([2]int{5, 25}, [2]int{5, 25}, [2]int{5, 25}), calibration.ErrRankDeficient, "every one of the 3 runs is at 5 plants and 25 agents"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := calibration.FitLinear(tc.pts, calibration.Runs)
			if !errors.Is(err, tc.err) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v\nwant %v and %q", err, tc.err, tc.want)
			}
		})
	}
}

func run(dir string, plants, agents int, cpu, mem float64) calibration.Run {
	return calibration.Run{Dir: dir, Plants: plants, Agents: agents, CPUP95Millicores: &cpu, MemoryP95MiB: &mem}
}

// A calibration from runs alone fits CPU and memory; its prediction keeps
// the guide's replicas and says so, rounds the limits up and derives the
// requests from them.
func TestCalibrateAndPredict(t *testing.T) {
	var in calibration.Inputs
	for i, f := range fleets[:5] {
		p, a := float64(f[0]), float64(f[1])
		in.Runs = append(in.Runs, run(string(rune('a'+i)), f[0], f[1], 500+50*p+20*a, 1024+100*p+30*a))
	}
	c, err := calibration.Calibrate(in, time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if c.Replicas != nil || c.CPU == nil || c.Memory == nil || math.Abs(c.CPU.Error[1]-(50-100)) > 1e-6 {
		t.Fatalf("calibration %+v", c)
	}
	p, note, err := c.Predict("cal.json", 15, 75)
	if err != nil {
		t.Fatal(err)
	}
	// 500 + 750 + 1500 = 2750m; 1024 + 1500 + 2250 = 4774Mi; replicas the guide's 3 + 8 = 11.
	if p.CPUMillicores != 2750 || p.MemoryMiB != 4774 || p.Replicas != 11 || p.CPURequestMillicores != 1650 || p.MemoryRequestMiB != 3341 {
		t.Errorf("prediction %+v", p)
	}
	if note.Runs != 5 || len(note.Forms) != 3 || note.Forms[0].Fitted || !strings.Contains(note.Forms[0].Formula, "cal.json has no replicas fit") ||
		!note.Forms[1].Fitted || !strings.Contains(note.Forms[1].Formula, "= 2750m (fitted over 5 runs)") {
		t.Errorf("note %+v", note)
	}
}

func TestReplicasFromBreakpoints(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "bp.json")
	body := `{"results": [
	  {"replicas": 2, "max_plants": 10, "max_agents": 50, "broke_on": "latency"},
	  {"replicas": 4, "max_plants": 15, "max_agents": 130, "broke_on": "cpu"},
	  {"replicas": 6, "max_plants": 30, "max_agents": 150, "broke_on": "cpu"},
	  {"replicas": 8, "max_plants": 35, "max_agents": 230}], "extra": true}`
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := calibration.Load([]string{file})
	if err != nil || len(in.Breakpoints) != 4 {
		t.Fatalf("%v, %+v", err, in)
	}
	c, err := calibration.Calibrate(in, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// replicas = 2·(plants/10 + agents/40) − 1.5 fits the four exactly... or near.
	if c.CPU != nil || c.Replicas == nil || c.Replicas.N != 4 {
		t.Fatalf("%+v", c)
	}
	p, note, err := c.Predict("cal.json", 50, 300)
	if err != nil || p.Replicas < 3 || p.Replicas > 20 || !note.Forms[0].Fitted || note.Forms[1].Fitted {
		t.Errorf("%+v %+v %v", p, note, err)
	}

	out := filepath.Join(dir, "cal.json")
	if err := c.Write(out); err != nil {
		t.Fatal(err)
	}
	back, err := calibration.Read(out)
	if err != nil || back.Replicas == nil || back.Replicas.At(50, 300) != c.Replicas.At(50, 300) {
		t.Errorf("read back: %v", err)
	}
}

func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		_ = os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	for _, tc := range []struct {
		arg, want string
	}{
		{dir, "not a gl001 results folder: " + dir + " has no intervals.ndjson"},
		{write("x.json", `{"runs": []}`), `has no top-level "results": not a breakpoint results file`},
		{write("y.json", `{"results": [{"replicas": 0, "max_plants": 1, "max_agents": 1}]}`), "results[0]: replicas (0) must be at least 1"},
		{write("z.json", `{"results": [{"max_plants": 1}]}`), "results[0] needs replicas, max_plants and max_agents"},
		{filepath.Join(dir, "missing"), "missing"},
	} {
		if _, err := calibration.Load([]string{tc.arg}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.arg, err, tc.want)
		}
	}
	if _, err := calibration.Read(write("c.json", `{"kind": "other"}`)); !errors.Is(err, calibration.ErrInput) {
		t.Errorf("read a non-calibration: %v", err)
	}
}

// Observe reads the run's per-replica p95 and its fleet; a run with no
// replica readings is skipped with the reason, never counted as 0.
func TestObserve(t *testing.T) {
	sc := scenarios.NewScenario()
	sc.Plants, sc.SubAgents, sc.DurationMinutes = 5, 25, 0.5
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	r := &runlog.Run{Dir: "r1", Meta: record.Meta{Scenario: sc}}
	for s := range 30 {
		sm := &record.Sample{At: t0.Add(time.Duration(s+1) * time.Second)}
		for i := range 2 {
			sm.Replicas = append(sm.Replicas, record.ReplicaUsage{ID: string(rune('a' + i)), CPUMillicores: 1000 + float64(i*100+s), MemoryMiB: 3000})
		}
		r.Intervals = append(r.Intervals, runlog.Interval{Interval: metrics.Interval{Seq: int64(s + 1),
			Start: t0.Add(time.Duration(s) * time.Second), End: t0.Add(time.Duration(s+1) * time.Second)}, Sample: sm})
	}
	o, why := calibration.Observe(r)
	if why != "" || o.Plants != 5 || o.Agents != 25 || *o.CPUP95Millicores != 1128 || *o.MemoryP95MiB != 3000 {
		t.Errorf("%+v %q", o, why)
	}
	for i := range r.Intervals {
		r.Intervals[i].Sample = nil
	}
	if _, why := calibration.Observe(r); !strings.Contains(why, "no replica CPU or memory readings") {
		t.Errorf("why %q", why)
	}
}

// Too few usable runs is refused, counting the skipped ones out and naming
// them.
func TestCalibrateCountsSkippedOut(t *testing.T) {
	in := calibration.Inputs{Runs: []calibration.Run{run("a", 5, 25, 1, 1), run("b", 10, 20, 2, 2)},
		Skipped: []calibration.Skipped{{Dir: "c", Reason: "CPU not observed"}}}
	_, err := calibration.Calibrate(in, time.Now())
	if !errors.Is(err, calibration.ErrTooFew) || !strings.Contains(err.Error(), "add at least 1 more run") || !strings.Contains(err.Error(), "c: CPU not observed") {
		t.Errorf("%v", err)
	}
}
