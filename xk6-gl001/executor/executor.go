package executor

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Iteration is one iteration of a scenario, run on a VU. scheduled is when
// the schedule wanted it to start: measure latency from it, not from the
// moment the function runs, so a late start is charged to the target (no
// coordinated omission). ctx carries the values of Run's context but is
// cancelled only when the iteration is interrupted (gracefulStop ran out,
// or Stop); an iteration should return promptly then. It must be safe to
// call concurrently, once per VU, and must not panic.
type Iteration func(ctx context.Context, scheduled time.Time)

// Sentinel errors returned by Run.
var (
	// ErrAlreadyRun is returned by a second call to Run.
	ErrAlreadyRun = errors.New("executor: Run was already called")
	// ErrStopped is returned by Run when Stop ended the scenario early.
	ErrStopped = errors.New("executor: stopped")
)

// Stats is a live snapshot of an Executor. Each field is read atomically,
// but not all together: at the same instant Started may already count an
// iteration that ActiveVUs does not yet. After Run returns, the counts
// are final and Started + Dropped == Scheduled, Started == Completed +
// Interrupted.
type Stats struct {
	// Started counts iterations handed to a VU.
	Started int64
	// Completed counts iterations that returned before being interrupted.
	Completed int64
	// Dropped counts arrivals the schedule called for that never started:
	// DroppedNoVU + DroppedBehind. They are never queued.
	Dropped int64
	// DroppedNoVU counts arrivals that found no free VU and no VU left to
	// allocate (k6's dropped_iterations): the target answered too slowly
	// for the VUs the scenario allows.
	DroppedNoVU int64
	// DroppedBehind counts arrivals the scheduler itself could not issue
	// in time: the generator fell behind its schedule (a rate beyond this
	// machine, or a starved process), and when the schedule ended they
	// were more than lateTolerance late, or it was cut short with them
	// still due.
	DroppedBehind int64
	// Interrupted counts iterations whose context was cancelled by the
	// time they returned (gracefulStop ran out, or Stop).
	Interrupted int64
	// ActiveVUs is how many VUs are running an iteration now.
	ActiveVUs int64
	// AllocatedVUs is how many VUs exist: none at the start, one more each
	// time an arrival finds none free, up to max(maxVUs,
	// preAllocatedVUs), never shrinking during the run. Beyond
	// preAllocatedVUs the arrival that made a VU is dropped (as in k6).
	AllocatedVUs int64
	// Elapsed is the time since the scenario start (after startTime), 0
	// before it; it stops when Run returns.
	Elapsed time.Duration
	// TargetRate is the schedule's rate now, in iterations per second; 0
	// once no more iterations will start.
	TargetRate float64
	// Scheduled is how many arrivals the schedule has called for by
	// Elapsed (offset ≤ Elapsed). While Run goes, Started + Dropped ≤
	// Scheduled: the difference is the backlog the scheduler has still to
	// issue. After Run it is Config.Arrivals() for a schedule run to its
	// end, and the arrivals due by the moment it stopped for one cut short.
	Scheduled int64
}

// Executor runs one arrival-rate scenario: an open model, where iterations
// start on the schedule whether or not the target keeps up, and an arrival
// that finds no free VU is dropped and counted, never queued. Create it
// with New, run it once with Run; Stats and Stop are safe to call from any
// goroutine at any time.
type Executor struct {
	name   string
	cfg    Config
	sched  Schedule
	it     Iteration
	maxVUs int64

	ran      atomic.Bool
	stopOnce sync.Once
	stopCh   chan struct{}

	start      atomic.Pointer[time.Time]
	endElapsed atomic.Int64 // Elapsed frozen when Run returns; -1 before
	scheduling atomic.Bool

	arrivals int64   // the schedule's whole count, Config.Arrivals() (the segment's share)
	preVUs   int64   // preAllocatedVUs (the segment's share)
	share    float64 // the segment's length: its share of rates and expected counts
	// scheduledFinal is Stats.Scheduled frozen when Run returns; -1 before.
	scheduledFinal atomic.Int64

	issued, started, completed, interrupted atomic.Int64
	droppedNoVU, droppedBehind              atomic.Int64
	activeVUs, allocatedVUs                 atomic.Int64
}

// New checks the scenario name (k6's rule: letters, digits, "_" and "-"),
// the config (Validate) and it, and returns an Executor ready to Run.
// Every problem is reported at once.
func New(name string, c Config, it Iteration) (*Executor, error) {
	return NewInSegment(name, c, Segment{}, it)
}

// NewInSegment is New for one segment of a distributed run: it runs the
// arrivals of c's schedule that seg owns, at their own offsets, with
// seg's share of preAllocatedVUs and maxVUs, and reports seg's share of
// the target rate and of the expected iterations (see Segment). The zero
// Segment is the whole run.
func NewInSegment(name string, c Config, seg Segment, it Iteration) (*Executor, error) {
	var errs []error
	if err := validateName(name); err != nil {
		errs = append(errs, err)
	}
	if it == nil {
		errs = append(errs, errors.New("the iteration function is nil"))
	}
	sched, err := NewSchedule(c)
	if err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("scenario %q: %w", name, errors.Join(errs...))
	}
	c.Stages = slices.Clone(c.Stages)
	e := &Executor{
		name:     name,
		cfg:      c,
		sched:    sched,
		it:       it,
		maxVUs:   max(c.MaxVUs, c.PreAllocatedVUs),
		preVUs:   c.PreAllocatedVUs,
		stopCh:   make(chan struct{}),
		arrivals: c.Arrivals(),
		share:    1,
	}
	if seg.seq != nil && !seg.Full() {
		e.sched = SegmentSchedule(sched, e.arrivals, seg)
		e.arrivals = seg.Scale(e.arrivals)
		e.maxVUs = seg.Scale(e.maxVUs)
		e.preVUs = seg.Scale(c.PreAllocatedVUs)
		e.share = seg.Fraction()
	}
	e.endElapsed.Store(-1)
	e.scheduledFinal.Store(-1)
	return e, nil
}

// Name returns the scenario name given to New.
func (e *Executor) Name() string { return e.name }

// Config returns the scenario's config.
func (e *Executor) Config() Config { return e.cfg }

// Run runs the scenario and returns when every goroutine it started has
// exited. It waits startTime, then issues each arrival at its scheduled
// time: to a free VU, else to a new VU while fewer than preAllocatedVUs
// exist; else it is dropped, and while fewer than max(maxVUs,
// preAllocatedVUs) exist a new VU starts for later arrivals (k6's
// unplanned VU). At the end of the schedule
// (TotalDuration) no new iteration starts; in-flight ones get gracefulStop
// to finish, then their context is cancelled and they count as
// interrupted.
//
// Cancelling ctx (a first Ctrl-C) stops scheduling at once and is then
// handled like the end: gracefulStop applies, counted from the
// cancellation. This differs from k6, which interrupts in-flight
// iterations at once on abort; here that hard path is Stop (a second
// Ctrl-C). Run returns nil when the schedule ran to its end,
// context.Cause(ctx) when ctx ended it early, ErrStopped when Stop did,
// and ErrAlreadyRun on a second call.
func (e *Executor) Run(ctx context.Context) error {
	if !e.ran.CompareAndSwap(false, true) {
		return ErrAlreadyRun
	}
	// Whatever way Run ends, every arrival it issued or counted behind is
	// the schedule's count.
	defer func() { e.scheduledFinal.Store(e.issued.Load() + e.droppedBehind.Load()) }()
	if err := e.sleep(ctx, time.Duration(e.cfg.StartTime)); err != nil {
		return err
	}
	start := time.Now()
	e.start.Store(&start)
	defer func() { e.endElapsed.Store(int64(time.Since(start))) }()

	// Iterations keep ctx's values but not its cancellation: a cancelled
	// ctx must still leave them gracefulStop to finish.
	iterCtx, interrupt := context.WithCancel(context.WithoutCancel(ctx))
	defer interrupt()
	// VUs are made when an arrival first finds none free: a VU here is a
	// goroutine, ready the moment it exists, so making it on demand costs
	// microseconds (a k6 JS VU costs milliseconds, hence k6's
	// pre-allocation), while thousands made up front, idle, cost every GC
	// a scan of their stacks and the harness their memory. Drop counts
	// still match k6's: see vuPool.dispatch.
	vus := newVUPool(iterCtx, e, e.preVUs, e.maxVUs)

	// The one ordered shutdown: stop scheduling, give in-flight
	// iterations gracefulStop, interrupt the rest, wait for every VU.
	e.scheduling.Store(true)
	stoppedAt, err := e.schedule(ctx, start, vus)
	e.scheduling.Store(false)
	vus.close()
	vusDone := make(chan struct{})
	go func() { vus.wg.Wait(); close(vusDone) }()
	grace := time.NewTimer(time.Until(stoppedAt.Add(time.Duration(e.cfg.GracefulStop))))
	defer grace.Stop()
	select {
	case <-vusDone:
	case <-grace.C:
	case <-e.stopCh:
	}
	interrupt()
	<-vusDone
	return err
}

// Stop ends the scenario at once: no new iteration starts and in-flight
// ones are interrupted without waiting for gracefulStop. It may be called
// before, during or after Run, any number of times; it reports whether
// this call was the one that stopped the executor, which is how a second
// Ctrl-C becomes a hard stop.
func (e *Executor) Stop() bool {
	stopped := false
	e.stopOnce.Do(func() {
		close(e.stopCh)
		stopped = true
	})
	return stopped
}

// Expected is the iterations the executor's schedule calls for over
// elapsed, ∫rate (Config.ExpectedIterations), its segment's share.
func (e *Executor) Expected(elapsed time.Duration) float64 {
	return e.cfg.ExpectedIterations(elapsed) * e.share
}

// RateAt is the target rate at elapsed, per second: Config.RateAt, its
// segment's share.
func (e *Executor) RateAt(elapsed time.Duration) float64 { return e.cfg.RateAt(elapsed) * e.share }

// Arrivals is the exact number of arrivals the executor runs: the
// schedule's, or its segment's share.
func (e *Executor) Arrivals() int64 { return e.arrivals }

// Stats returns the live counters; see Stats for their meaning.
func (e *Executor) Stats() Stats {
	s := Stats{
		Started:       e.started.Load(),
		Completed:     e.completed.Load(),
		DroppedNoVU:   e.droppedNoVU.Load(),
		DroppedBehind: e.droppedBehind.Load(),
		Interrupted:   e.interrupted.Load(),
		ActiveVUs:     e.activeVUs.Load(),
		AllocatedVUs:  e.allocatedVUs.Load(),
	}
	s.Dropped = s.DroppedNoVU + s.DroppedBehind
	if start := e.start.Load(); start != nil {
		if end := e.endElapsed.Load(); end >= 0 {
			s.Elapsed = time.Duration(end)
		} else {
			s.Elapsed = time.Since(*start)
		}
	}
	if e.scheduling.Load() {
		s.TargetRate = e.cfg.RateAt(s.Elapsed) * e.share
	}
	if final := e.scheduledFinal.Load(); final >= 0 {
		s.Scheduled = final
	} else if e.start.Load() != nil {
		// Never below what was already issued or counted, should the
		// clock read here lag the scheduler's.
		s.Scheduled = max(Due(e.sched, e.arrivals, s.Elapsed), e.issued.Load()+s.DroppedBehind)
	}
	return s
}

// schedule issues every arrival at its time and returns when the schedule
// is over (at start+TotalDuration) or was cut short, with the moment from
// which gracefulStop counts. It never waits for a VU: the only blocking
// is the timer to the next arrival. Behind schedule it issues late
// arrivals at once to catch up; arrivals more than lateTolerance late once
// the end has passed, and those due but not yet issued when the schedule
// is cut short, are counted DroppedBehind, so that every arrival is either
// started or dropped.
func (e *Executor) schedule(ctx context.Context, start time.Time, vus *vuPool) (time.Time, error) {
	end := start.Add(e.cfg.TotalDuration())
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for i := int64(0); ; i++ {
		offset, ok := e.sched.Next(i)
		if !ok {
			break
		}
		at := start.Add(offset)
		now := time.Now()
		late := !at.After(now)
		if !late {
			timer.Reset(at.Sub(now))
			select {
			case <-timer.C:
			case <-ctx.Done():
				return e.cut(start, i), context.Cause(ctx)
			case <-e.stopCh:
				return e.cut(start, i), ErrStopped
			}
		} else {
			// Behind schedule: catch up without sleeping. Once the end has
			// passed, an arrival due before it still starts if it is late
			// by at most lateTolerance (every generator is a little behind
			// at any moment, the end's included); the backlog later than
			// that can no longer start on time and is dropped as behind,
			// in one step.
			if now.After(end) && at.Before(end) && now.Sub(at) > lateTolerance {
				if tooLate := Due(e.sched, e.arrivals, now.Sub(start)-lateTolerance); tooLate > i {
					e.droppedBehind.Add(tooLate - i)
					i = tooLate - 1 // the loop's i++ makes it the first in time
					continue
				}
			}
			select {
			case <-ctx.Done():
				return e.cut(start, i), context.Cause(ctx)
			case <-e.stopCh:
				return e.cut(start, i), ErrStopped
			default:
			}
		}
		e.issued.Add(1)
		if vus.dispatch(at) && late {
			// Catching up, the scheduler never parks, and the VU it just
			// woke waits in this P's run queue: let it run now, or it
			// starves and later arrivals find no free VU.
			runtime.Gosched()
		}
	}
	if err := e.sleep(ctx, time.Until(end)); err != nil {
		return time.Now(), err
	}
	return end, nil
}

// cut ends the schedule early, now, with arrival i the next to issue: the
// arrivals already due but not issued are counted DroppedBehind. It
// returns now.
func (e *Executor) cut(start time.Time, i int64) time.Time {
	now := time.Now()
	if due := Due(e.sched, e.arrivals, now.Sub(start)); due > i {
		e.droppedBehind.Add(due - i)
	}
	return now
}

// sleep waits d (nothing if d ≤ 0), or until ctx is cancelled or Stop.
func (e *Executor) sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-e.stopCh:
		return ErrStopped
	default:
	}
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-e.stopCh:
		return ErrStopped
	}
}

// lateTolerance is how late an arrival may start once its schedule has
// ended: a scheduler a few milliseconds behind at the end would otherwise
// drop the last milliseconds' arrivals, which no generator can avoid; one
// further behind than this has fallen behind, and its backlog is dropped.
const lateTolerance = 100 * time.Millisecond

// maxHandoff bounds the hand-off buffer, so that a huge maxVUs does not
// allocate a huge channel up front.
const maxHandoff = 1 << 16

// vuPool is the scenario's VUs: goroutines that each run one iteration at
// a time. A VU counts itself idle before it waits on work, so it is free
// from the instant its iteration returns. dispatch sends only after
// claiming an idle VU, so work never holds more arrivals than there are
// VUs committed to take them at once: it is a hand-off, never a queue.
// work has a slot per VU up to maxHandoff VUs; past that, a burst of more
// than maxHandoff claims may make a send wait for one of the claimed,
// runnable VUs to take its arrival (never for a busy one). Only Run's
// goroutine claims idle VUs, spawns VUs and sends, so claiming needs no
// compare-and-swap and allocated no lock.
type vuPool struct {
	e         *Executor
	ctx       context.Context
	work      chan time.Time
	idle      atomic.Int64
	wg        sync.WaitGroup
	allocated int64
	// preAllocated VUs are made for the arrival that finds none free;
	// beyond them, up to maxVUs, a new VU takes only later arrivals.
	preAllocated, maxVUs int64
}

// newVUPool returns a pool of up to maxVUs VUs, preAllocated of them
// standing in for k6's pre-allocated ones, whose iterations run with ctx.
func newVUPool(ctx context.Context, e *Executor, preAllocated, maxVUs int64) *vuPool {
	return &vuPool{e: e, ctx: ctx, work: make(chan time.Time, min(maxVUs, maxHandoff)), preAllocated: preAllocated, maxVUs: maxVUs}
}

// dispatch hands the arrival scheduled at at to an idle VU; failing that,
// while fewer than preAllocatedVUs exist, to a new VU (k6 made those
// before the start, so one would have been there to take it); failing
// that, while fewer than maxVUs exist, it starts a new, idle VU and drops
// the arrival, as k6 does: k6 starts an unplanned VU in the background
// when an arrival finds none free, and that arrival is dropped (counted in
// dropped_iterations), the new VU taking later ones. Failing all, the
// arrival is dropped. It never blocks.
func (p *vuPool) dispatch(at time.Time) (started bool) {
	switch {
	case p.idle.Load() > 0:
		p.idle.Add(-1)
		p.work <- at // a claimed VU takes it
		return true
	case p.allocated < p.preAllocated:
		p.spawn(&at)
		return true
	case p.allocated < p.maxVUs:
		p.spawn(nil)
	}
	p.e.droppedNoVU.Add(1)
	return false
}

// spawn starts one VU: for the arrival at *first, or idle when first is
// nil. An idle VU counts itself idle here, before its goroutine runs, so
// the very next arrival can claim it.
func (p *vuPool) spawn(first *time.Time) {
	p.allocated++
	p.e.allocatedVUs.Add(1)
	p.wg.Add(1)
	if first == nil {
		p.idle.Add(1)
		go p.loop(nil)
		return
	}
	go p.loop(first)
}

// close tells the VUs no more arrivals come: idle ones exit now, busy ones
// after their iteration.
func (p *vuPool) close() { close(p.work) }

// loop is a VU: it runs its first iteration, if it has one, then the
// arrivals handed to it, until work is closed.
func (p *vuPool) loop(first *time.Time) {
	defer p.wg.Done()
	if first != nil {
		p.iterate(*first)
		p.idle.Add(1)
	}
	for at := range p.work {
		p.iterate(at)
		p.idle.Add(1)
	}
}

// iterate runs one iteration and counts how it ended.
func (p *vuPool) iterate(scheduled time.Time) {
	e := p.e
	e.started.Add(1)
	e.activeVUs.Add(1)
	e.it(p.ctx, scheduled)
	e.activeVUs.Add(-1)
	if p.ctx.Err() != nil {
		e.interrupted.Add(1)
	} else {
		e.completed.Add(1)
	}
}
