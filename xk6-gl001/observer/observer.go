// Package observer runs a load test's samplers alone, with no load, beside
// a load someone else drives (stock k6): every interval it takes the
// samplers' readings and appends them to intervals.ndjson in the format a
// gl001 run writes, header first and one line per interval, with no load
// metrics. `gl001 report --k6 ... --observed DIR` merges them with k6's
// points by time.
package observer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// IntervalsFile is the file Run writes in its folder, as a run does.
const IntervalsFile = "intervals.ndjson"

// ErrInput marks an Options problem the user must fix.
var ErrInput = errors.New("invalid observe options")

// Options are one observation's settings.
type Options struct {
	Samplers sampler.Config
	OutDir   string        // created; must not hold intervals.ndjson already
	Interval time.Duration // one line each; 1 s when 0
	Duration time.Duration // stop after it; 0 = until ctx is done
	Version  string
	// ProfileName is recorded in the header: "guide" or the profile file.
	ProfileName string
	// StandIn is the ready line of the stand-in the caller started as the
	// target, nil for another target: the header then records the stand-in,
	// its replicas, workers and limits as a run's does, so the report reads
	// the replicas' percentages against them.
	StandIn *api.ReadyLine
}

// Outcome is what an observation wrote.
type Outcome struct {
	Dir       string
	Start     time.Time
	Intervals int
	// Stopped is "duration" or "interrupted".
	Stopped string
}

// Run samples every Interval until ctx is done or Duration has passed,
// writing each interval as it closes (so a killed observer leaves every
// interval but the one in progress). The last, partial interval is
// written too, its readings taken after ctx was cancelled.
func Run(ctx context.Context, o Options) (Outcome, error) {
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	out := Outcome{Dir: o.OutDir}
	if o.Samplers.Target == "" {
		return out, fmt.Errorf("%w: --target is required: the orchestrator to observe", ErrInput)
	}
	path := filepath.Join(o.OutDir, IntervalsFile)
	if _, err := os.Stat(path); err == nil {
		return out, fmt.Errorf("%w: %s already exists: give an empty --out folder", ErrInput, path)
	}
	set, err := sampler.NewSet(o.Samplers)
	if err != nil {
		return out, fmt.Errorf("%w: %w", ErrInput, err)
	}
	defer set.Close()
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return out, err
	}
	out.Start = time.Now()
	m := record.Meta{Target: o.Samplers.Target, Brokers: o.Samplers.Bus.Brokers,
		IntervalSeconds: o.Interval.Seconds(), Version: o.Version, Profile: o.ProfileName}
	if si := o.StandIn; si != nil {
		m.StandIn, m.ReplicasRunning, m.Workers, m.ReplicaLimits = true, len(si.Replicas), si.Workers, &si.Limits
	}
	meta, err := json.Marshal(m)
	if err != nil {
		return out, err
	}
	iw, err := metrics.CreateIntervalFile(path, metrics.Header{Start: out.Start, Meta: meta})
	if err != nil {
		return out, err
	}
	defer iw.Close()

	var stop <-chan time.Time
	if o.Duration > 0 {
		t := time.NewTimer(o.Duration)
		defer t.Stop()
		stop = t.C
	}
	ticker := time.NewTicker(o.Interval)
	defer ticker.Stop()
	from := out.Start
	for done := false; !done; {
		sctx := ctx
		select {
		case <-ticker.C:
		case <-stop:
			done, out.Stopped = true, "duration"
		case <-ctx.Done():
			done, out.Stopped = true, "interrupted"
			sctx = context.WithoutCancel(ctx)
		}
		now := time.Now()
		b, err := json.Marshal(set.Sample(sctx, now))
		if err != nil {
			return out, err
		}
		out.Intervals++
		iv := metrics.Interval{Seq: int64(out.Intervals), Start: from, End: now,
			Metrics: map[string]*metrics.IntervalMetric{}, Extra: map[string]json.RawMessage{record.SamplesKey: b}}
		if err := iw.Write(iv); err != nil {
			return out, err
		}
		from = now
	}
	return out, iw.Close()
}
