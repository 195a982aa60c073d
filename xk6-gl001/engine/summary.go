package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// ScenarioOutcome is how one executor's schedule was kept. Every arrival
// the schedule called for either started or was dropped:
// Started + Dropped == Expected.
type ScenarioOutcome struct {
	Exec string `json:"exec"`
	// Expected is how many arrivals the schedule called for: all of them
	// for a run to its end, those due by the stop for one cut short.
	Expected  int64 `json:"expected_iterations"`
	Started   int64 `json:"started"`
	Completed int64 `json:"completed"`
	// Dropped is DroppedNoVU + DroppedBehind: arrivals that never started
	// because no VU was free (the target was slow) or because the
	// generator fell behind its schedule.
	Dropped       int64 `json:"dropped"`
	DroppedNoVU   int64 `json:"dropped_no_vu"`
	DroppedBehind int64 `json:"dropped_behind"`
	Interrupted   int64 `json:"interrupted"`
	Failed        int64 `json:"failed"`
	// AchievedPercent is Started over Expected, percent: 100 when the open
	// model kept its pace; 0 when nothing was expected.
	AchievedPercent float64 `json:"achieved_percent"`
	VUsMax          int64   `json:"vus_max"`
}

// outcomes fills each executor's final ScenarioOutcome.
func (r *run) outcomes(out *Outcome) {
	for _, e := range r.execs {
		st := e.Stats()
		so := ScenarioOutcome{Exec: e.Config().Exec, Expected: st.Scheduled, Started: st.Started, Completed: st.Completed,
			Dropped: st.Dropped, DroppedNoVU: st.DroppedNoVU, DroppedBehind: st.DroppedBehind,
			Interrupted: st.Interrupted, Failed: r.fails[e.Name()].Load(), VUsMax: st.AllocatedVUs}
		if st.Scheduled > 0 {
			so.AchievedPercent = float64(st.Started) / float64(st.Scheduled) * 100
		}
		out.Scenarios[e.Name()] = so
	}
}

// summary is the data both summary files are written from: every metric's
// totals (a thresholded metric that never got a sample reported empty, as
// k6 does) and the thresholds' verdicts.
func (r *run) summary(out Outcome) (metrics.Summary, error) {
	gl, err := json.Marshal(map[string]any{
		"scenario": r.o.Scenario, "scenario_file": r.o.ScenarioFile, "prediction": out.Prediction,
		"target": out.Target, "brokers": out.Brokers, "stand_in": out.StandIn, "replicas_running": out.Replicas,
		"start": out.Start, "end": out.End, "complete": out.Complete, "stopped": out.Stopped, "aborted": out.Aborted,
		"scenarios": out.Scenarios, "thresholds_passed": out.Passed, "version": r.o.Version,
	})
	if err != nil {
		return metrics.Summary{}, err
	}
	sinks := r.reg.Totals()
	for name := range r.th {
		if sinks[name] != nil {
			continue
		}
		m := r.reg.Lookup(name)
		if m == nil {
			base, _ := thresholds.ParseMetricKey(name)
			m = r.m[base.Name]
		}
		if m != nil {
			sinks[name] = metrics.NewSink(m.Type, m.Contains)
		}
	}
	return metrics.Summary{
		Metrics: sinks, Thresholds: verdicts(out.Thresholds),
		TrendStats:      []string{"avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"},
		TestRunDuration: out.End.Sub(out.Start), GL001: gl,
	}, nil
}

// writeSummaries writes summary.json (k6's handleSummary data) and, with
// SummaryExport, k6's legacy --summary-export file.
func (r *run) writeSummaries(out Outcome) error {
	s, err := r.summary(out)
	if err != nil {
		return err
	}
	if err := writeFile(filepath.Join(r.o.OutDir, summaryFile), func(f *os.File) error { return metrics.WriteSummary(f, s) }); err != nil {
		return err
	}
	if r.o.SummaryExport == "" {
		return nil
	}
	if err := writeFile(r.o.SummaryExport, func(f *os.File) error { return metrics.WriteSummaryExport(f, s) }); err != nil {
		return fmt.Errorf("--summary-export %s: %w", r.o.SummaryExport, err)
	}
	return nil
}

// writeFile creates path and writes it with write.
func writeFile(path string, write func(*os.File) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	return errors.Join(write(f), f.Close())
}

// verdicts is the summary's metric → expression → verdict map.
func verdicts(r thresholds.Results) map[string]map[string]metrics.ThresholdVerdict {
	out := map[string]map[string]metrics.ThresholdVerdict{}
	for metric, vs := range r.ByMetric() {
		out[metric] = map[string]metrics.ThresholdVerdict{}
		for expr, v := range vs {
			out[metric][expr] = metrics.ThresholdVerdict{OK: v.OK, NoData: v.NoData}
		}
	}
	return out
}

// expressions lists each metric's threshold expressions as written, for
// the k6 JSON output's Metric lines.
func expressions(s thresholds.Set) map[string][]string {
	out := map[string][]string{}
	for name, ts := range s {
		for _, t := range ts {
			out[name] = append(out[name], t.Source)
		}
	}
	return out
}
