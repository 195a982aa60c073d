package sampler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// TestMain lets this test binary serve as a stand-in replica when the
// stand-in re-executes it.
func TestMain(m *testing.M) {
	simulator.MaybeRunReplica()
	os.Exit(m.Run())
}

// TestStandIn samples the real stand-in (two replica processes, the
// embedded broker, the front door) the way a run does, then kills a
// replica.
func TestStandIn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts replica processes and a Kafka broker")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	const plants, agents = 5, 25
	si, err := simulator.Start(ctx, simulator.Options{
		Plants: plants, Agents: agents, Replicas: 2, Listen: "127.0.0.1:0", Partitions: 4, Workers: 2,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer si.Stop()

	procs := &sampler.ProcReplicas{
		List:   sampler.StandInReplicas(nil, si.API(), api.PathCapacity),
		Limits: si.Limits(),
	}
	set := &sampler.Set{
		Samplers: []sampler.Sampler{
			procs,
			&sampler.Target{BaseURL: si.API()},
			&sampler.DatabasePool{BaseURL: si.API()},
			&sampler.KafkaLag{Config: kafkabus.Config{Brokers: si.Brokers()}},
		},
		// Generous: the race detector and a shared 2-core machine slow
		// the front door's fan-out; a run keeps DefaultTimeout.
		Timeout: 3 * time.Second,
	}
	defer func() {
		if err := set.Close(); err != nil {
			t.Error(err)
		}
	}()
	procs.Prime(ctx)

	// One optimization, so the request counter moves.
	f, err := fleet.New(fleet.Config{Plants: plants, Agents: agents, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(f.NextRequest(fleet.DefaultStart))
	resp, err := http.Post(si.API()+api.PathOptimize, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("optimize: %s", resp.Status)
	}

	// The answer has come back, so the request is counted: the replica
	// counts it before it answers. The only figure not read is the
	// deployment's max_in_use, which the front door does not make up out
	// of the replicas' own peaks.
	s := set.Sample(ctx, time.Now())
	logSample(t, "first", s)
	if want := []sampler.Gap{maxInUseGap}; !slices.Equal(s.Gaps, want) {
		t.Fatalf("gaps: %+v, want %+v", s.Gaps, want)
	}
	if len(s.Replicas) != 2 || s.Replicas[0].ID != "replica-0" || s.Replicas[1].ID != "replica-1" {
		t.Fatalf("replicas %+v", s.Replicas)
	}
	for _, r := range s.Replicas {
		if r.PID <= 0 || r.MemoryMiB <= 0 || r.MemoryPercent <= 0 || r.CPUMillicores < 0 {
			t.Errorf("replica %+v", r)
		}
		if lim := si.Limits(); r.CPULimitMillicores != lim.CPULimitMillicores || r.MemoryLimitMiB != lim.MemoryLimitMiB || r.LimitSource != lim.LimitSource {
			t.Errorf("replica %+v records other limits than the stand-in's %+v", r, lim)
		}
	}
	if tg := s.Target; tg == nil || tg.Series == 0 || !is(tg.RequestsTotal, 1) || !positive(tg.OrchestrationLatencyP95Seconds) ||
		!positive(tg.HeatOptimizationTimeP95Seconds) || !is(tg.AgentCoordinationPerSecond, 0) || !is(tg.BoilerCalculationQueueDepth, 0) ||
		!is(tg.CoordinationFailuresTotal, 0) {
		t.Errorf("target %+v", s.Target)
	}
	if db := s.Database; db == nil || db.Size <= 0 || db.Available+db.InUse != db.Size || db.WaitCount == nil || db.Timeouts == nil ||
		db.MaxInUse != nil || db.InUsePercent == nil {
		t.Errorf("database %+v", s.Database)
	}
	if s.Lag == nil || s.Lag.Group != api.ConsumerGroup || s.Lag.Topic != api.TopicCoordination ||
		len(s.Lag.PerPartition) != 4 || s.Lag.Messages != 0 {
		t.Errorf("lag %+v", s.Lag)
	}

	// Kill replica-1 as the OOM killer would. The next sample still comes
	// back: the dead replica is a Gap (gone, or restarted under a new pid
	// that has only had its first reading), the rest is read.
	//
	// A kill takes effect when the kernel next runs the process, which on
	// a loaded machine can be long after kill(2) returns: sample once the
	// supervisor has seen it die, as a user sees the replica down.
	victim := s.Replicas[1]
	if err := syscall.Kill(victim.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "replica-1 seen dead by the supervisor", func() bool {
		r := si.Replicas()[1]
		return !r.Up || r.PID != victim.PID
	})
	s = set.Sample(ctx, time.Now())
	logSample(t, "after kill", s)
	if len(s.Replicas) != 1 || s.Replicas[0].ID != "replica-0" {
		t.Errorf("replicas after the kill: %+v", s.Replicas)
	}
	found := false
	for _, g := range s.Gaps {
		found = found || (g.Sampler == "replicas" && strings.HasPrefix(g.Reason, "replica-1 (pid "))
	}
	if !found {
		t.Errorf("no replicas gap for replica-1: %+v", s.Gaps)
	}
	if s.Target == nil || s.Database == nil || s.Lag == nil {
		t.Errorf("after the kill, other parts missing: target %v database %v lag %v", s.Target, s.Database, s.Lag)
	}

	// The supervisor restarts it under a new pid: one interval with a
	// first-reading Gap, then both replicas again. The after-kill sample
	// may already have caught the new process starting and had its first
	// reading.
	newPID := 0
	waitFor(t, 10*time.Second, "replica-1 back under a new pid", func() bool {
		if r := si.Replicas()[1]; r.Up && r.PID != victim.PID {
			newPID = r.PID
		}
		return newPID != 0
	})
	firstReading := fmt.Sprintf("replica-1 (pid %d): first reading, CPU from the next interval", newPID)
	if !slices.ContainsFunc(s.Gaps, func(g sampler.Gap) bool { return g.Reason == firstReading }) {
		s = set.Sample(ctx, time.Now())
		logSample(t, "restarted", s)
		if g := wholeGaps(s); len(s.Replicas) != 1 || len(g) != 1 || g[0].Reason != firstReading {
			t.Errorf("first sample of the new process: replicas %+v gaps %+v", s.Replicas, s.Gaps)
		}
		time.Sleep(100 * time.Millisecond)
	}
	s = set.Sample(ctx, time.Now())
	if len(wholeGaps(s)) != 0 || len(s.Replicas) != 2 || s.Replicas[1].PID != newPID {
		t.Errorf("second sample of the new process: replicas %+v gaps %+v", s.Replicas, s.Gaps)
	}
}

// waitFor polls cond every 10 ms until it holds, failing the test after
// within.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(within); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
	}
}

func logSample(t *testing.T, what string, s sampler.Sample) {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("%s sample does not encode: %v", what, err)
	}
	t.Logf("%s: %s", what, b)
}

// maxInUseGap is the figure the stand-in's front door does not report.
var maxInUseGap = sampler.Gap{Sampler: "database", Field: "max_in_use", Reason: "connection_pool max_in_use is null"}

// wholeGaps are s's gaps for whole readings, not single figures.
func wholeGaps(s sampler.Sample) []sampler.Gap {
	var out []sampler.Gap
	for _, g := range s.Gaps {
		if g.Whole() {
			out = append(out, g)
		}
	}
	return out
}

func is(p *float64, v float64) bool { return p != nil && *p == v }

func positive(p *float64) bool { return p != nil && *p > 0 }
