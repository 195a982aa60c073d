package sampler_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// funcSampler is a Sampler made of a name and a function.
type funcSampler struct {
	name string
	fn   func(ctx context.Context, s *sampler.Sample) error
}

func (f *funcSampler) Name() string                                        { return f.name }
func (f *funcSampler) Sample(ctx context.Context, s *sampler.Sample) error { return f.fn(ctx, s) }

func TestSetMergesInOrder(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	set := &sampler.Set{Samplers: []sampler.Sampler{
		&funcSampler{"replicas", func(_ context.Context, s *sampler.Sample) error {
			s.Replicas = append(s.Replicas, sampler.ReplicaUsage{ID: "replica-2"}, sampler.ReplicaUsage{ID: "replica-0"})
			s.Gaps = append(s.Gaps, sampler.Gap{Sampler: "replicas", Reason: "replica-1 (pid 9): process gone"})
			return nil
		}},
		&funcSampler{"target", func(_ context.Context, s *sampler.Sample) error {
			s.Target = &sampler.TargetMetrics{Series: 3}
			return nil
		}},
		&funcSampler{"lag", func(context.Context, *sampler.Sample) error { return errors.New("broker down") }},
		&funcSampler{"database", func(context.Context, *sampler.Sample) error { panic("boom") }},
		nil,
	}}
	got := set.Sample(context.Background(), at)
	if err := set.Close(); err != nil {
		t.Fatal(err)
	}
	want := sampler.Sample{
		At:       at,
		Replicas: []sampler.ReplicaUsage{{ID: "replica-0"}, {ID: "replica-2"}},
		Target:   &sampler.TargetMetrics{Series: 3},
		Gaps: []sampler.Gap{
			{Sampler: "database", Reason: "panic: boom"},
			{Sampler: "lag", Reason: "broker down"},
			{Sampler: "replicas", Reason: "replica-1 (pid 9): process gone"},
			{Sampler: "unknown", Reason: "nil sampler"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if _, err := json.Marshal(got); err != nil {
		t.Errorf("sample does not encode: %v", err)
	}
}

func TestSetEmpty(t *testing.T) {
	at := time.Unix(1, 0)
	got := (&sampler.Set{}).Sample(context.Background(), at)
	if !reflect.DeepEqual(got, sampler.Sample{At: at}) {
		t.Errorf("got %+v", got)
	}
}

// A sampler that ignores its context must not hold up the run: its
// interval gets a Gap at the timeout, and the next interval does not start
// it a second time.
func TestSetTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		stuck := &funcSampler{"lag", func(context.Context, *sampler.Sample) error {
			calls.Add(1)
			time.Sleep(1500 * time.Millisecond) // ignores ctx
			return nil
		}}
		polite := &funcSampler{"target", func(ctx context.Context, s *sampler.Sample) error {
			<-ctx.Done()
			s.Target = &sampler.TargetMetrics{} // read after the deadline: dropped
			return ctx.Err()
		}}
		quick := &funcSampler{"database", func(_ context.Context, s *sampler.Sample) error {
			s.Database = &sampler.Database{Size: 10}
			return nil
		}}
		set := &sampler.Set{Samplers: []sampler.Sampler{stuck, polite, quick}}

		start := time.Now()
		first := set.Sample(context.Background(), start)
		if took := time.Since(start); took != sampler.DefaultTimeout {
			t.Errorf("first sample took %v, want the %v timeout", took, sampler.DefaultTimeout)
		}
		if first.Database == nil || first.Database.Size != 10 || first.Target != nil {
			t.Errorf("first sample %+v", first)
		}
		wantGaps := []sampler.Gap{
			{Sampler: "lag", Reason: "no reading within 800ms"},
			{Sampler: "target", Reason: "no reading within 800ms"},
		}
		if !reflect.DeepEqual(first.Gaps, wantGaps) {
			t.Errorf("first gaps %+v, want %+v", first.Gaps, wantGaps)
		}

		time.Sleep(200 * time.Millisecond) // the interval's rest
		second := set.Sample(context.Background(), time.Now())
		if len(second.Gaps) != 2 || second.Gaps[0] != (sampler.Gap{Sampler: "lag", Reason: "previous reading still running; skipped"}) {
			t.Errorf("second gaps %+v", second.Gaps)
		}

		time.Sleep(time.Second) // the stuck reading has returned by now
		third := set.Sample(context.Background(), time.Now())
		if calls.Load() != 2 || third.Gaps[0].Sampler != "lag" || third.Gaps[0].Reason != "no reading within 800ms" {
			t.Errorf("calls %d, third gaps %+v", calls.Load(), third.Gaps)
		}
		if err := set.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

func TestSetCustomTimeoutAndCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := &funcSampler{"hpa", func(ctx context.Context, _ *sampler.Sample) error {
			<-ctx.Done()
			return ctx.Err()
		}}
		set := &sampler.Set{Samplers: []sampler.Sampler{slow}, Timeout: 300 * time.Millisecond}
		start := time.Now()
		got := set.Sample(context.Background(), start)
		if time.Since(start) != 300*time.Millisecond || len(got.Gaps) != 1 || got.Gaps[0].Reason != "no reading within 300ms" {
			t.Errorf("after %v: %+v", time.Since(start), got.Gaps)
		}
		synctest.Wait() // the first reading returns, late
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		got = set.Sample(ctx, start)
		if len(got.Gaps) != 1 || got.Gaps[0].Reason != "no reading: context canceled" {
			t.Errorf("cancelled: %+v", got.Gaps)
		}
		set.Close()
	})
}
