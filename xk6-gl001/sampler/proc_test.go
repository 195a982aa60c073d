package sampler_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// burn spends about d of CPU time on this goroutine.
func burn(d time.Duration) {
	x := 1.0
	for start := time.Now(); time.Since(start) < d; {
		for range 1000 {
			x = x*1.0000001 + 1e-9
		}
	}
	_ = x
}

// zombie starts a process that exits at once and is not reaped until the
// test ends, and waits until /proc shows it as a zombie.
func zombie(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", "exit 0")
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start /bin/sh: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Wait() })
	pid := cmd.Process.Pid
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err == nil && strings.Contains(string(b), ") Z ") {
			return pid
		}
	}
	t.Fatalf("pid %d did not become a zombie", pid)
	return 0
}

func TestProcReplicas(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	dead := zombie(t)
	p := &sampler.ProcReplicas{
		List: func(context.Context) ([]sampler.Proc, error) {
			return []sampler.Proc{{ID: "replica-1", PID: dead}, {ID: "replica-0", PID: os.Getpid()}}, nil
		},
		Limits: api.ReplicaLimits{CPULimitMillicores: 500, MemoryLimitMiB: 1024, LimitSource: "cgroup-v1"},
	}
	ctx := context.Background()

	var first sampler.Sample
	if err := p.Sample(ctx, &first); err != nil {
		t.Fatal(err)
	}
	wantGaps := []sampler.Gap{
		{Sampler: "replicas", Reason: fmt.Sprintf("replica-1 (pid %d): process gone", dead)},
		{Sampler: "replicas", Reason: fmt.Sprintf("replica-0 (pid %d): first reading, CPU from the next interval", os.Getpid())},
	}
	if len(first.Replicas) != 0 || fmt.Sprint(first.Gaps) != fmt.Sprint(wantGaps) {
		t.Fatalf("first sample: replicas %+v gaps %+v, want none and %+v", first.Replicas, first.Gaps, wantGaps)
	}

	burn(150 * time.Millisecond)
	var second sampler.Sample
	if err := p.Sample(ctx, &second); err != nil {
		t.Fatal(err)
	}
	if len(second.Replicas) != 1 || len(second.Gaps) != 1 {
		t.Fatalf("second sample: %+v", second)
	}
	r := second.Replicas[0]
	// Most of the time between readings was spent burning CPU, but the
	// machine is shared and the clock tick is 10 ms: allow a wide band.
	if r.ID != "replica-0" || r.PID != os.Getpid() || r.CPUMillicores < 50 || r.CPUMillicores > 2100 ||
		r.MemoryMiB <= 1 || !near(r.CPUPercent, r.CPUMillicores/5) || !near(r.MemoryPercent, r.MemoryMiB/1024*100) ||
		r.CPULimitMillicores != 500 || r.MemoryLimitMiB != 1024 || r.LimitSource != "cgroup-v1" {
		t.Errorf("replica %+v", r)
	}
}

func TestProcReplicasPrime(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	p := &sampler.ProcReplicas{List: func(context.Context) ([]sampler.Proc, error) {
		return []sampler.Proc{{ID: "self", PID: os.Getpid()}}, nil
	}}
	p.Prime(context.Background())
	burn(20 * time.Millisecond)
	var s sampler.Sample
	if err := p.Sample(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	if len(s.Gaps) != 0 || len(s.Replicas) != 1 || s.Replicas[0].CPUPercent != 0 || s.Replicas[0].MemoryPercent != 0 {
		t.Errorf("primed sample without limits: %+v", s)
	}
	if err := (&sampler.ProcReplicas{}).Sample(context.Background(), &s); err == nil {
		t.Error("no List: no error")
	}
}

// near reports whether a and b agree to 1e-9 relative.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }
