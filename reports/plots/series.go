package plots

import (
	"cmp"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// panel is one plot of a figure: its lines share the y axis.
type panel struct {
	title  string
	yLabel string
	xLabel string // "" for seconds since start
	series []series
}

// series is one line of a panel, with one point per interval. A missing
// reading is a NaN y: it breaks the line (see segments).
type series struct {
	name  string // legend text
	style draw.LineStyle
	pts   plotter.XYs
	// ref marks a reference line (a threshold or limit): it is drawn and
	// listed, but a panel with nothing else has no data.
	ref bool
}

// hasData reports whether s has at least one reading.
func (s series) hasData() bool {
	for _, p := range s.pts {
		if valid(p) {
			return true
		}
	}
	return false
}

// hasData reports whether any non-reference line of p has a reading.
func (p panel) hasData() bool {
	for _, s := range p.series {
		if !s.ref && s.hasData() {
			return true
		}
	}
	return false
}

// valid reports whether a point is a reading: finite x and y.
func valid(p plotter.XY) bool {
	return !math.IsNaN(p.X) && !math.IsInf(p.X, 0) && !math.IsNaN(p.Y) && !math.IsInf(p.Y, 0)
}

// segments splits pts into its runs of consecutive readings, in order,
// dropping the missing points (NaN or infinite x or y) between them. Drawn
// one line per segment, a gap shows as a break: never as a zero, and never
// bridged by a straight line. A segment may hold a single point.
func segments(pts plotter.XYs) []plotter.XYs {
	var segs []plotter.XYs
	start := -1
	for i, p := range pts {
		switch {
		case valid(p) && start < 0:
			start = i
		case !valid(p) && start >= 0:
			segs = append(segs, pts[start:i:i])
			start = -1
		}
	}
	if start >= 0 {
		segs = append(segs, pts[start:len(pts):len(pts)])
	}
	return segs
}

// newSeries pairs the timeline's x values with ys (NaN where missing).
func newSeries(name string, style draw.LineStyle, xs, ys []float64) series {
	pts := make(plotter.XYs, len(xs))
	for i := range xs {
		pts[i] = plotter.XY{X: xs[i], Y: ys[i]}
	}
	return series{name: name, style: style, pts: pts}
}

// refLine is a horizontal reference line at y across [0, span] seconds.
func refLine(name string, y, span float64) series {
	return series{name: name, style: refStyle, pts: plotter.XYs{{X: 0, Y: y}, {X: span, Y: y}}, ref: true}
}

// missing returns n NaNs: a series with no readings yet.
func missing(n int) []float64 {
	ys := make([]float64, n)
	for i := range ys {
		ys[i] = math.NaN()
	}
	return ys
}

// palette is matplotlib's tab10: fixed colours, so that a series keeps its
// colour from run to run.
var palette = [...]color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, // blue
	{0xff, 0x7f, 0x0e, 0xff}, // orange
	{0x2c, 0xa0, 0x2c, 0xff}, // green
	{0xd6, 0x27, 0x28, 0xff}, // red
	{0x94, 0x67, 0xbd, 0xff}, // purple
	{0x8c, 0x56, 0x4b, 0xff}, // brown
	{0xe3, 0x77, 0xc2, 0xff}, // pink
	{0x7f, 0x7f, 0x7f, 0xff}, // grey
	{0xbc, 0xbd, 0x22, 0xff}, // olive
	{0x17, 0xbe, 0xcf, 0xff}, // cyan
}

const (
	blue = iota
	orange
	green
	red
	purple
	_
	_
	grey
)

var (
	lineWidth = vg.Points(1)
	dashed    = []vg.Length{vg.Points(4), vg.Points(2)}
	dotted    = []vg.Length{vg.Points(1), vg.Points(2)}
	// refStyle draws thresholds and limits: black, dashed.
	refStyle = draw.LineStyle{Color: color.Black, Width: lineWidth, Dashes: dashed}
)

// solid is a plain line in palette colour i.
func solid(i int) draw.LineStyle {
	return draw.LineStyle{Color: palette[i%len(palette)], Width: lineWidth}
}

// dashedStyle is a dashed line in palette colour i.
func dashedStyle(i int) draw.LineStyle {
	s := solid(i)
	s.Dashes = dashed
	return s
}

// nthStyle is the style of the n-th line of a set of like lines (the
// replicas): the palette's colours, then the same colours dashed, then
// dotted, then over again.
func nthStyle(n int) draw.LineStyle {
	s := solid(n)
	switch (n / len(palette)) % 3 {
	case 1:
		s.Dashes = dashed
	case 2:
		s.Dashes = dotted
	}
	return s
}

// naturalCompare orders ids as people count: "replica-2" before
// "replica-10". Runs of digits compare by numeric value, other bytes as
// bytes; ids equal that way ("r01", "r1") fall back to byte order, so the
// order is total.
func naturalCompare(a, b string) int {
	x, y := a, b
	for x != "" && y != "" {
		if isDigit(x[0]) && isDigit(y[0]) {
			dx, dy := digitRun(x), digitRun(y)
			nx, ny := strings.TrimLeft(x[:dx], "0"), strings.TrimLeft(y[:dy], "0")
			if c := cmp.Compare(len(nx), len(ny)); c != 0 {
				return c
			}
			if c := strings.Compare(nx, ny); c != 0 {
				return c
			}
			x, y = x[dx:], y[dy:]
			continue
		}
		if c := cmp.Compare(x[0], y[0]); c != 0 {
			return c
		}
		x, y = x[1:], y[1:]
	}
	if c := cmp.Compare(len(x), len(y)); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// digitRun returns the length of the run of digits s starts with.
func digitRun(s string) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}
