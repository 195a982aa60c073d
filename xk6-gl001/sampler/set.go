package sampler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// DefaultTimeout bounds one Set.Sample when Set.Timeout is 0. It is under
// the run's 1 s sampling interval, so a slow sampler costs its own part of
// one interval and never delays the next one.
const DefaultTimeout = 800 * time.Millisecond

// Set runs several samplers at once, each interval, into one Sample.
//
// Every sampler reads into its own scratch Sample, so one that overruns
// the timeout cannot touch the Sample already handed back: its reading is
// dropped and recorded as a Gap, and it is not started again until it has
// returned (those intervals get a Gap too). Errors and panics become Gaps
// named after the sampler; Sample never fails.
//
// Set the fields, then call Sample from one goroutine at a time; do not
// change Samplers after the first call. Close when the run is over.
type Set struct {
	Samplers []Sampler
	// Timeout bounds each Sample call; DefaultTimeout when 0.
	Timeout time.Duration

	mu      sync.Mutex
	running map[int]bool   // samplers whose goroutine has not returned
	wg      sync.WaitGroup // one per sampler goroutine, stragglers included
}

// result is one sampler's reading, handed from its goroutine to Sample.
type result struct {
	i      int
	sample Sample
	err    error
	late   bool // returned after ctx was done: dropped
}

// Sample reads every sampler concurrently and returns what they read
// within Timeout (or before ctx ends), stamped at. Replicas are in ID
// order and Gaps in sampler, then field order, so equal readings give
// equal Samples.
func (s *Set) Sample(ctx context.Context, at time.Time) Sample {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	out := Sample{At: at}
	// Buffered for every sampler, so a straggler's send never blocks
	// after Sample has returned.
	results := make(chan result, len(s.Samplers))
	waiting := map[int]bool{}
	for i, sm := range s.Samplers {
		if !s.begin(i) {
			out.Gaps = append(out.Gaps, Gap{Sampler: nameOf(sm), Reason: "previous reading still running; skipped"})
			continue
		}
		waiting[i] = true
		s.wg.Go(func() {
			r := run(ctx, i, sm, at)
			s.end(i) // before the send, so the next interval may start it again
			results <- r
		})
	}

	take := func(r result) {
		delete(waiting, r.i)
		if r.late {
			out.Gaps = append(out.Gaps, Gap{Sampler: nameOf(s.Samplers[r.i]), Reason: timeoutReason(ctx, timeout)})
			return
		}
		merge(&out, nameOf(s.Samplers[r.i]), r)
	}
	for len(waiting) > 0 {
		select {
		case r := <-results:
			take(r)
			continue
		case <-ctx.Done():
		}
		// Take what arrived in time together with the deadline, then give
		// up on the rest.
		for drained := false; !drained; {
			select {
			case r := <-results:
				take(r)
			default:
				drained = true
			}
		}
		for i := range waiting {
			out.Gaps = append(out.Gaps, Gap{Sampler: nameOf(s.Samplers[i]), Reason: timeoutReason(ctx, timeout)})
		}
		break
	}

	slices.SortStableFunc(out.Replicas, func(a, b ReplicaUsage) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortStableFunc(out.Gaps, func(a, b Gap) int {
		return cmp.Or(cmp.Compare(a.Sampler, b.Sampler), cmp.Compare(a.Field, b.Field), cmp.Compare(a.Reason, b.Reason))
	})
	return out
}

// Close waits for samplers still running past their timeout, then closes
// every sampler that is an io.Closer (KafkaLag holds connections). It
// returns their errors joined. Call it once, after the last Sample.
func (s *Set) Close() error {
	s.wg.Wait()
	var errs []error
	for _, sm := range s.Samplers {
		if c, ok := sm.(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", nameOf(sm), err))
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Set) begin(i int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[i] {
		return false
	}
	if s.running == nil {
		s.running = map[int]bool{}
	}
	s.running[i] = true
	return true
}

func (s *Set) end(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.running, i)
}

// run calls one sampler on a scratch Sample, turning a panic into an error.
func run(ctx context.Context, i int, sm Sampler, at time.Time) (r result) {
	r = result{i: i, sample: Sample{At: at}}
	defer func() {
		if p := recover(); p != nil {
			r = result{i: i, err: fmt.Errorf("panic: %v", p)}
		}
		r.late = ctx.Err() != nil
	}()
	if sm == nil {
		r.err = errors.New("nil sampler")
		return r
	}
	r.err = sm.Sample(ctx, &r.sample)
	return r
}

// merge adds one sampler's reading to out: its parts, its own Gaps, and
// its error as a Gap. Parts a sampler did fill are kept even when it also
// reports an error, so a partial reading (say, one replica of three gone)
// still counts.
func merge(out *Sample, name string, r result) {
	p := r.sample
	out.Replicas = append(out.Replicas, p.Replicas...)
	if p.Lag != nil {
		out.Lag = p.Lag
	}
	if p.Target != nil {
		out.Target = p.Target
	}
	if p.Database != nil {
		out.Database = p.Database
	}
	if p.HPA != nil {
		out.HPA = p.HPA
	}
	if p.Harness != nil {
		out.Harness = p.Harness
	}
	out.Gaps = append(out.Gaps, p.Gaps...)
	if r.err != nil {
		out.Gaps = append(out.Gaps, Gap{Sampler: name, Reason: r.err.Error()})
	}
}

func timeoutReason(ctx context.Context, timeout time.Duration) string {
	if errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
		return fmt.Sprintf("no reading within %s", timeout)
	}
	return fmt.Sprintf("no reading: %v", context.Cause(ctx))
}

// nameOf is a sampler's name, safe for a nil or panicking Name.
func nameOf(sm Sampler) (name string) {
	if sm == nil {
		return "unknown"
	}
	defer func() {
		if recover() != nil {
			name = "unknown"
		}
	}()
	return sm.Name()
}
