package plots

import (
	"fmt"
	"strings"

	"github.com/greenlang/gl001/reports/runlog"
)

// latencyMetrics are the trends the latency figure shows, one panel each.
var latencyMetrics = []struct{ metric, scenario string }{
	{"gl001_optimize_duration", "optimize"},
	{"gl001_coordination_duration", "coordinate"},
}

// latencyPercentiles are the lines of each latency panel.
var latencyPercentiles = []struct {
	p     float64
	name  string
	color int
}{
	{50, "p50", blue},
	{95, "p95", orange},
	{99, "p99", red},
}

// latencySpec draws each interval's percentiles, from that interval's
// histogram alone. An interval in which no request of the kind completed has
// no percentile, so its lines break there.
func latencySpec(run *runlog.Run, t timeline) (spec, error) {
	ps := make([]float64, len(latencyPercentiles))
	for i, pc := range latencyPercentiles {
		ps[i] = pc.p
	}
	// ys[metric][percentile][interval]
	ys := make([][][]float64, len(latencyMetrics))
	for m := range ys {
		ys[m] = make([][]float64, len(latencyPercentiles))
		for p := range ys[m] {
			ys[m][p] = missing(len(run.Intervals))
		}
	}
	for i, iv := range run.Intervals {
		for m, lm := range latencyMetrics {
			vs, ok, err := iv.Metrics[lm.metric].Percentiles(ps)
			if err != nil {
				return spec{}, fmt.Errorf("plots: interval %d: metric %q: %w", iv.Seq, lm.metric, err)
			}
			if !ok {
				continue
			}
			for p, v := range vs {
				ys[m][p][i] = v
			}
		}
	}

	s := spec{name: NameLatency, title: "Latency per interval: p50, p95 and p99 (ms)", span: t.spanSeconds}
	var absent []string
	for m, lm := range latencyMetrics {
		pn := panel{title: fmt.Sprintf("%s: %s", lm.scenario, lm.metric), yLabel: "ms"}
		for p, pc := range latencyPercentiles {
			pn.series = append(pn.series, newSeries(pc.name, solid(pc.color), t.xs, ys[m][p]))
		}
		if !pn.hasData() {
			absent = append(absent, lm.metric)
		}
		pn.series = append(pn.series, refLine(fmt.Sprintf("%d ms", LatencyThresholdMS), LatencyThresholdMS, t.spanSeconds))
		s.panels = append(s.panels, pn)
	}
	if len(absent) > 0 {
		s.note = "no " + strings.Join(absent, " or ") + " samples in any interval"
	}
	return s, nil
}
