package plots

import (
	"bytes"
	"fmt"
	"image/color"
	"image/png"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// noData is the text a panel or figure without data shows.
const noData = "no data"

// maxLegendLines is how many data lines a legend names; the rest are
// counted in one "+N more" entry, so that a legend of many replicas still
// fits beside its panel.
const maxLegendLines = 10

// logRatio is the max/min ratio of a panel's values from which its y axis
// is logarithmic: below it a linear axis from zero reads better.
const logRatio = 100

// pngEncoder favours speed: a plot is flat colour, which deflates well at
// any level, and encoding at the default level took half of Draw's time.
var pngEncoder = png.Encoder{CompressionLevel: png.BestSpeed}

var (
	pad        = vg.Points(6)
	lightGrey  = color.Gray{Y: 0xe0}
	figureSize = struct{ w, h vg.Length }{WidthInches * vg.Inch, HeightInches * vg.Inch}
)

// render draws s as PNG and SVG. The plots are built once and drawn on
// both canvases; neither encoder writes anything but the drawing (no time,
// no random ids), so the bytes depend on s alone.
func (s spec) render() (Figure, error) {
	f := Figure{Name: s.name, Title: s.title, Note: s.note}
	plots, legends := s.plots()
	if f.Note == "" && !s.hasData() {
		f.Note = noData
	}

	img := vgimg.NewWith(vgimg.UseWH(figureSize.w, figureSize.h), vgimg.UseDPI(DPI))
	layout(draw.New(img), plots, legends)
	var pngOut bytes.Buffer
	if err := pngEncoder.Encode(&pngOut, img.Image()); err != nil {
		return Figure{}, fmt.Errorf("plots: %s: encode png: %w", s.name, err)
	}

	svg := vgsvg.New(figureSize.w, figureSize.h)
	layout(draw.New(svg), plots, legends)
	var out bytes.Buffer
	if _, err := svg.WriteTo(&out); err != nil {
		return Figure{}, fmt.Errorf("plots: %s: encode svg: %w", s.name, err)
	}
	f.PNG, f.SVG = pngOut.Bytes(), out.Bytes()
	return f, nil
}

// hasData reports whether any panel of s has a reading.
func (s spec) hasData() bool {
	for _, p := range s.panels {
		if p.hasData() {
			return true
		}
	}
	return false
}

// plots builds one plot and one legend per panel; a figure without any data
// is one plot, titled with the figure's title, saying "no data" and why.
func (s spec) plots() ([]*plot.Plot, []*plot.Legend) {
	if !s.hasData() {
		p := newPlot(s.title)
		p.HideAxes()
		p.Add(message{text: noData, detail: s.note})
		return []*plot.Plot{p}, []*plot.Legend{newLegend()}
	}
	plots := make([]*plot.Plot, len(s.panels))
	legends := make([]*plot.Legend, len(s.panels))
	for i, pn := range s.panels {
		plots[i], legends[i] = pn.plot(s.span, i == len(s.panels)-1)
	}
	return plots, legends
}

// plot builds pn's plot over [0, span] seconds, the x axis labelled when it
// is the bottom panel, and its legend, drawn beside it.
func (pn panel) plot(span float64, bottom bool) (*plot.Plot, *plot.Legend) {
	p := newPlot(pn.title)
	p.Y.Label.Text = pn.yLabel
	if bottom {
		p.X.Label.Text = "seconds since start"
		if pn.xLabel != "" {
			p.X.Label.Text = pn.xLabel
		}
	}
	p.X.Min, p.X.Max = 0, max(span, 1)
	lg := newLegend()
	if !pn.hasData() {
		p.Add(message{text: noData})
		p.Y.Min, p.Y.Max = 0, 1
		p.Y.Tick.Marker = plot.ConstantTicks{}
		return p, lg
	}

	grid := plotter.NewGrid()
	grid.Vertical.Color, grid.Horizontal.Color = lightGrey, lightGrey
	p.Add(grid)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range pn.series {
		for _, seg := range segments(s.pts) {
			for _, pt := range seg {
				lo, hi = min(lo, pt.Y), max(hi, pt.Y)
			}
			if len(seg) == 1 {
				// A lone reading between gaps is no line: mark it.
				p.Add(&plotter.Scatter{XYs: seg, GlyphStyle: draw.GlyphStyle{
					Color: s.style.Color, Radius: vg.Points(1.5), Shape: draw.CircleGlyph{}}})
				continue
			}
			p.Add(&plotter.Line{XYs: seg, LineStyle: s.style})
		}
	}
	pn.legend(lg)

	if lo > 0 && hi/lo >= logRatio {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		p.Y.Min, p.Y.Max = lo/1.5, hi*1.5
		return p, lg
	}
	p.Y.Min = min(0, lo)
	p.Y.Max = hi + 0.05*(hi-p.Y.Min)
	if p.Y.Max <= p.Y.Min {
		p.Y.Max = p.Y.Min + 1
	}
	return p, lg
}

// legend lists pn's data lines, at most maxLegendLines of them and then
// "+N more", then its reference lines.
func (pn panel) legend(lg *plot.Legend) {
	var lines int
	for _, s := range pn.series {
		if !s.ref {
			if lines++; lines <= maxLegendLines {
				lg.Add(s.name, &plotter.Line{LineStyle: s.style})
			}
		}
	}
	if lines > maxLegendLines {
		lg.Add(fmt.Sprintf("+%d more", lines-maxLegendLines))
	}
	for _, s := range pn.series {
		if s.ref {
			lg.Add(s.name, &plotter.Line{LineStyle: s.style})
		}
	}
}

// newPlot returns a plot with this package's fonts and the given title.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(10)
	p.Title.Padding = vg.Points(4)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font.Size = vg.Points(9)
		a.Tick.Label.Font.Size = vg.Points(8)
	}
	return p
}

// newLegend returns a legend for the strip right of the panels.
func newLegend() *plot.Legend {
	lg := plot.NewLegend()
	lg.TextStyle.Font.Size = vg.Points(8)
	lg.Top, lg.Left = true, true
	lg.ThumbnailWidth = vg.Points(16)
	lg.Padding = vg.Points(1)
	return &lg
}

// layout draws plots stacked top to bottom on dc, their data areas aligned,
// each plot's legend to the right of it in a strip as wide as the widest
// legend.
func layout(dc draw.Canvas, plots []*plot.Plot, legends []*plot.Legend) {
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	var legendW vg.Length
	for _, lg := range legends {
		legendW = max(legendW, lg.Rectangle(dc).Size().X)
	}
	if legendW > 0 {
		legendW += 2 * pad
	}
	rows := make([][]*plot.Plot, len(plots))
	for i, p := range plots {
		rows[i] = []*plot.Plot{p}
	}
	tiles := draw.Tiles{Rows: len(plots), Cols: 1, PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad, PadY: 2 * pad}
	cs := plot.Align(rows, tiles, draw.Crop(dc, 0, -legendW, 0, 0))
	for i, p := range plots {
		p.Draw(cs[i][0])
		da := p.DataCanvas(cs[i][0])
		legends[i].Draw(draw.Canvas{Canvas: dc.Canvas, Rectangle: vg.Rectangle{
			Min: vg.Point{X: dc.Max.X - legendW + pad, Y: da.Min.Y},
			Max: vg.Point{X: dc.Max.X - pad, Y: da.Max.Y},
		}})
	}
}

// message is a plotter that writes its text in the middle of the data area,
// and its detail, if any, in small type below.
type message struct{ text, detail string }

// Plot implements plot.Plotter.
func (m message) Plot(c draw.Canvas, _ *plot.Plot) {
	sty := text.Style{
		Color:   palette[grey],
		Font:    font.From(plot.DefaultFont, 14),
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}
	at := c.Center()
	c.FillText(sty, at, m.text)
	if m.detail != "" {
		at.Y -= sty.Height(m.text)
		sty.Font.Size = vg.Points(9)
		sty.YAlign = draw.YTop
		c.FillText(sty, at, m.detail)
	}
}
