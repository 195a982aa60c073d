package plots

import (
	"errors"

	"github.com/greenlang/gl001/reports/runlog"
)

// The figures Draw returns, in this order. The names are file stems and are
// stable: the report links Name+".png" and Name+".svg".
const (
	// NameLatency: p50, p95 and p99 per interval of gl001_optimize_duration
	// and gl001_coordination_duration, in ms, one panel each, against the
	// guide's 2,000 ms threshold.
	NameLatency = "latency"
	// NameRates: achieved against target arrival rate per second, one panel
	// per scenario ("optimize", "coordinate").
	NameRates = "rates"
	// NameResources: CPU (millicores) and memory (MiB) per replica, two
	// panels, against the per-replica limits the replicas ran under.
	NameResources = "resources"
	// NameLag: consumer lag of gl-001-orchestrator, in messages and in
	// seconds, two panels.
	NameLag = "lag"
	// NamePool: database pool connections in use and pool size, and waits
	// per second, two panels.
	NamePool = "pool"
)

// Every figure has the same size: WidthInches × HeightInches at DPI, which
// makes the PNGs 768 × 576 pixels. The SVGs are the same size in points
// (576 × 432 pt).
const (
	WidthInches  = 8
	HeightInches = 6
	DPI          = 96
)

// LatencyThresholdMS is the guide's latency objective (p95 below 2,000 ms),
// drawn as a horizontal line on the latency panels.
const LatencyThresholdMS = 2000

// Draw draws a run's figures: NameLatency, NameRates, NameResources,
// NameLag and NamePool, in that order, each as PNG and SVG. The x axis of
// every panel is seconds since the run's start (run.Start()), each interval
// plotted at its end.
//
// Missing data is never drawn as zero: an interval without a reading (no
// sample, a sampler Gap, no completed request) breaks the line. A figure
// with no data at all is still returned, showing "no data", with Note
// saying why; Note also reports partial gaps.
//
// The output depends on run alone: same run, same bytes. Draw returns an
// error only when an interval's histogram does not decode or a figure
// cannot be encoded. It does not modify run and may be called concurrently.
func Draw(run *runlog.Run) ([]Figure, error) {
	if run == nil {
		return nil, errors.New("plots: nil run")
	}
	t := newTimeline(run)
	builders := []func(*runlog.Run, timeline) (spec, error){
		latencySpec, ratesSpec, resourcesSpec, lagSpec, poolSpec,
	}
	figs := make([]Figure, 0, len(builders))
	for _, build := range builders {
		s, err := build(run, t)
		if err != nil {
			return nil, err
		}
		f, err := s.render()
		if err != nil {
			return nil, err
		}
		figs = append(figs, f)
	}
	return figs, nil
}

// timeline places a run's intervals on the x axis.
type timeline struct {
	xs          []float64 // per interval: its end, seconds since the run start
	spanSeconds float64   // run start to the last interval's end
}

func newTimeline(run *runlog.Run) timeline {
	start := run.Start()
	t := timeline{xs: make([]float64, len(run.Intervals)), spanSeconds: run.End().Sub(start).Seconds()}
	for i, iv := range run.Intervals {
		t.xs[i] = iv.End.Sub(start).Seconds()
	}
	return t
}

// spec is a figure before drawing: what Draw's builders produce and render
// turns into a Figure.
type spec struct {
	name, title string
	note        string
	span        float64 // x axis range [0, span], seconds
	panels      []panel // stacked top to bottom, x axes aligned
}
