package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/executor"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/progress"
	"github.com/greenlang/gl001/xk6-gl001/record"
	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// errAborted is the cause of a run an abortOnFail threshold stopped.
type errAborted struct{ which []string }

func (e errAborted) Error() string { return fmt.Sprintf("abortOnFail threshold crossed: %v", e.which) }

// loop runs the executors and closes an interval every Interval until
// they are done: it flushes the metrics, takes the samplers' readings,
// appends the interval to iw, updates the progress display and, when a
// threshold can abort the run, checks it. It returns the cause that ended
// the run early (nil for a complete run) and the first write error.
func (r *run) loop(ctx context.Context, iw *metrics.IntervalWriter, samplers *sampler.Set, start time.Time) (stopped, writeErr error) {
	// Executors run until their schedule ends or ctx is cancelled; an
	// abortOnFail threshold stops them through abort.
	runCtx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	var wg sync.WaitGroup
	for _, e := range r.execs {
		wg.Go(func() { _ = e.Run(runCtx) })
	}
	execsDone := make(chan struct{})
	go func() { wg.Wait(); close(execsDone) }()

	// Evaluating thresholds copies every metric's totals, so only do it
	// each interval when a threshold can abort the run.
	canAbort := false
	for _, ts := range r.th {
		for _, t := range ts {
			canAbort = canAbort || t.AbortOnFail
		}
	}
	ticker := time.NewTicker(r.o.Interval)
	defer ticker.Stop()
	last := map[string]executor.Stats{}
	for done := false; !done; {
		select {
		case <-ticker.C:
		case <-execsDone:
			done = true
		}
		iv := r.flush(last)
		if samplers != nil {
			if b, err := json.Marshal(samplers.Sample(ctx, iv.End)); err == nil {
				iv.Extra[record.SamplesKey] = b
			}
		}
		if r.out != nil {
			if err := r.out.Flush(); err != nil && writeErr == nil {
				writeErr = err
				r.o.Logger.Error("cannot write the k6 JSON output; the run goes on", "file", r.o.JSONOut, "err", err)
			}
		}
		if err := iw.Write(iv); err != nil && writeErr == nil {
			writeErr = err
			r.o.Logger.Error("cannot write intervals; the run goes on", "file", filepath.Join(r.o.OutDir, intervalFile), "err", err)
		}
		r.showProgress()
		if !canAbort || context.Cause(runCtx) != nil {
			continue
		}
		if stop, which := r.th.ShouldAbort(r.sources(), time.Since(start)); stop {
			abort(errAborted{which})
			r.o.Logger.Warn("aborting: a threshold with abortOnFail failed", "thresholds", which)
			// As k6: an abort interrupts in-flight iterations at once,
			// without their gracefulStop.
			for _, e := range r.execs {
				e.Stop()
			}
		}
	}
	return context.Cause(runCtx), writeErr
}

// flush closes the interval: executor counters become the k6 metrics
// dropped_iterations (tagged with their cause), vus and vus_max, then
// every metric is flushed. last holds each executor's Stats at the
// previous flush and is updated.
func (r *run) flush(last map[string]executor.Stats) metrics.Interval {
	now := time.Now()
	var active, allocated int64
	extra := map[string]record.Executor{}
	for _, e := range r.execs {
		st := e.Stats()
		prev := last[e.Name()]
		for _, d := range []struct {
			cause string
			n     int64
		}{{record.CauseNoVU, st.DroppedNoVU - prev.DroppedNoVU}, {record.CauseBehind, st.DroppedBehind - prev.DroppedBehind}} {
			if d.n > 0 {
				r.sample(record.MetricDroppedIterations, now, float64(d.n), tags{scenario: e.Name(), cause: d.cause, extra: r.extra[e.Name()]})
			}
		}
		last[e.Name()] = st
		active += st.ActiveVUs
		allocated += st.AllocatedVUs
		extra[e.Name()] = record.Executor{TargetPerSecond: st.TargetRate, Scheduled: st.Scheduled, Started: st.Started,
			Dropped: st.Dropped, DroppedNoVU: st.DroppedNoVU, DroppedBehind: st.DroppedBehind,
			Failed: r.fails[e.Name()].Load(), ActiveVUs: st.ActiveVUs, AllocatedVUs: st.AllocatedVUs,
			ElapsedSeconds: st.Elapsed.Seconds(), Expected: e.Expected(st.Elapsed)}
		r.rates[e.Name()].add(st.Elapsed, st.Started)
	}
	r.sample(record.MetricVUs, now, float64(active), tags{})
	r.sample(record.MetricVUsMax, now, float64(allocated), tags{})
	iv := r.reg.Flush(now)
	if b, err := json.Marshal(extra); err == nil {
		if iv.Extra == nil {
			iv.Extra = map[string]json.RawMessage{}
		}
		iv.Extra[record.ExecutorsKey] = b
	}
	return iv
}

// showProgress hands the display each scenario's state: the rate over a
// window long enough to hold enough arrivals to be a reading (see
// rateWindow), and the count started against the count the schedule has
// called for.
func (r *run) showProgress() {
	if r.o.Progress == nil {
		return
	}
	var lines []progress.Line
	for _, e := range r.execs {
		st := e.Stats()
		rate, window := r.rates[e.Name()].rate(e.RateAt(st.Elapsed))
		lines = append(lines, progress.Line{Name: e.Name(), Elapsed: st.Elapsed, Total: e.Config().TotalDuration(),
			RatePerSecond: rate, RateWindow: window, TargetPerSecond: st.TargetRate,
			Started: st.Started, Scheduled: st.Scheduled, Iterations: st.Completed,
			Failed: r.fails[e.Name()].Load(), Dropped: st.Dropped, VUs: st.ActiveVUs})
	}
	r.o.Progress.Update(lines)
}

// rateWindow keeps an executor's started count at each interval's end, for
// the achieved rate over a trailing window. A window holds at least
// minRateWindow and stretches, up to maxRateWindow, until the target rate
// puts minRateArrivals in it: at 100 requests/min (1.67/s) one second holds
// one or two arrivals, so a 1 s rate reads 1 or 2/s although the schedule
// is kept, while 12 s hold 20.
type rateWindow struct {
	points []ratePoint // oldest first, spanning at most maxRateWindow
}

type ratePoint struct {
	at      time.Duration
	started int64
}

const (
	minRateWindow   = 5 * time.Second
	maxRateWindow   = time.Minute
	minRateArrivals = 20
)

func (w *rateWindow) add(at time.Duration, started int64) {
	w.points = append(w.points, ratePoint{at, started})
	for len(w.points) > 2 && at-w.points[1].at >= maxRateWindow {
		w.points = w.points[1:]
	}
}

// rate is the achieved rate per second over the trailing window suited to
// target (per second), and the window it was taken over; 0, 0 before two
// points exist.
func (w *rateWindow) rate(target float64) (float64, time.Duration) {
	if len(w.points) < 2 {
		return 0, 0
	}
	want := minRateWindow
	if target > 0 {
		want = min(max(want, time.Duration(minRateArrivals/target*float64(time.Second))), maxRateWindow)
	}
	end := w.points[len(w.points)-1]
	from := w.points[0]
	for _, p := range w.points {
		if end.at-p.at < want {
			break
		}
		from = p
	}
	span := end.at - from.at
	if span <= 0 {
		return 0, 0
	}
	return float64(end.started-from.started) / span.Seconds(), span
}
