package plots

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/plot/plotter"

	"github.com/greenlang/gl001/xk6-gl001/record"
)

func TestSegments(t *testing.T) {
	nan := math.NaN()
	xy := func(ys ...float64) plotter.XYs {
		pts := make(plotter.XYs, len(ys))
		for i, y := range ys {
			pts[i] = plotter.XY{X: float64(i), Y: y}
		}
		return pts
	}
	tests := []struct {
		name string
		in   plotter.XYs
		want [][]float64 // the x values of each segment
	}{
		{"empty", nil, nil},
		{"all missing", xy(nan, nan), nil},
		{"one run", xy(1, 2, 3), [][]float64{{0, 1, 2}}},
		{"gap in the middle", xy(1, 2, nan, nan, 5, 6), [][]float64{{0, 1}, {4, 5}}},
		{"zero is data", xy(0, 0, nan, 0), [][]float64{{0, 1}, {3}}},
		{"leading and trailing gaps", xy(nan, 1, 2, nan), [][]float64{{1, 2}}},
		{"lone points", xy(1, nan, 2, nan, 3), [][]float64{{0}, {2}, {4}}},
		{"infinity is missing", xy(1, math.Inf(1), 2), [][]float64{{0}, {2}}},
		{"missing x", plotter.XYs{{X: 0, Y: 1}, {X: nan, Y: 1}, {X: 2, Y: 1}}, [][]float64{{0}, {2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := segments(tt.in)
			var xs [][]float64
			for _, seg := range got {
				var s []float64
				for _, p := range seg {
					s = append(s, p.X)
				}
				xs = append(xs, s)
			}
			if !slices.EqualFunc(xs, tt.want, slices.Equal) {
				t.Errorf("segments = %v, want %v", xs, tt.want)
			}
		})
	}
}

func TestSegmentsDoNotAlias(t *testing.T) {
	pts := plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: math.NaN()}, {X: 2, Y: 3}}
	segs := segments(pts)
	segs[0] = append(segs[0], plotter.XY{X: 9, Y: 9})
	if !math.IsNaN(pts[1].Y) {
		t.Fatalf("appending to a segment overwrote the input: %v", pts)
	}
}

func TestNaturalCompare(t *testing.T) {
	got := []string{"replica-10", "replica-2", "replica-1", "b", "a10", "a9", "replica-02", "a", "pod-x9z", "pod-x10a"}
	slices.SortFunc(got, naturalCompare)
	want := []string{"a", "a9", "a10", "b", "pod-x9z", "pod-x10a", "replica-1", "replica-02", "replica-2", "replica-10"}
	if !slices.Equal(got, want) {
		t.Errorf("sorted = %q\nwant     %q", got, want)
	}
	if naturalCompare("r01", "r1") == 0 || naturalCompare("r01", "r1") != -naturalCompare("r1", "r01") {
		t.Error(`"r01" and "r1" must order one way, consistently`)
	}
}

func TestArrivalRates(t *testing.T) {
	st := func(target float64, started int64, elapsed float64) *record.Executor {
		return &record.Executor{TargetPerSecond: target, Started: started, ElapsedSeconds: elapsed}
	}
	states := []*record.Executor{
		st(10, 8, 1),     // from the executor's start: 8/s
		st(10, 18, 2),    // 10/s
		nil,              // no state: no reading
		st(10, 40, 4),    // after a gap: not measured, target still known
		st(10, 50, 5),    // 10/s
		st(10, 51, 5.01), // cut short: 0.01 s is no window
		st(0, 51, 5.01),  // finished: elapsed stopped
	}
	achieved, target := arrivalRates(states, 0.5)
	wantAchieved := []float64{8, 10, math.NaN(), math.NaN(), 10, math.NaN(), math.NaN()}
	wantTarget := []float64{10, 10, math.NaN(), 10, 10, 10, 0}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	if !slices.EqualFunc(achieved, wantAchieved, same) {
		t.Errorf("achieved = %v, want %v", achieved, wantAchieved)
	}
	if !slices.EqualFunc(target, wantTarget, same) {
		t.Errorf("target = %v, want %v", target, wantTarget)
	}
}
