package simulator_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/simulator"
	"github.com/greenlang/gl001/simulator/cgroup"
	"github.com/greenlang/gl001/simulator/orchestrator"
)

func TestDefaultLimits(t *testing.T) {
	calc := capacity.Prediction{CPUMillicores: 6250, MemoryMiB: 12548}
	for _, tc := range []struct {
		name               string
		replicas, cpu, mem int
		wantCPU, wantMem   int
	}{
		{"11 replicas on 2 cores, 24 GiB", 11, 2000, 24105, 181, 1095},
		{"one replica takes the machine, not more than the calculator's", 1, 2000, 24105, 2000, 12052},
		{"a big machine is capped by the calculator", 3, 64000, 262144, 6250, 12548},
		{"many replicas meet the floors", 64, 2000, 4096, 100, 128},
		{"memory unknown: the calculator's", 2, 2000, 0, 1000, 12548},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cpu, mem := simulator.DefaultLimits(tc.replicas, calc, tc.cpu, tc.mem)
			if cpu != tc.wantCPU || mem != tc.wantMem {
				t.Errorf("DefaultLimits(%d, %dm, %dMi) = %dm, %dMi; want %dm, %dMi", tc.replicas, tc.cpu, tc.mem, cpu, mem, tc.wantCPU, tc.wantMem)
			}
		})
	}
}

func TestLimitOptionsValidate(t *testing.T) {
	o := simulator.Options{Plants: 15, Agents: 75, Listen: "127.0.0.1:0", Partitions: 1, Workers: 1,
		CPULimitMillicores: 5, MemoryLimitMiB: 16}
	err := o.Validate()
	for _, want := range []string{"replica CPU limit (5m) must be from 10m to 256000m", "replica memory limit (16Mi) must be from 64Mi"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v; want %q", err, want)
		}
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// cgroupOf returns process pid's cgroup path for controller ("" for v2).
func cgroupOf(t *testing.T, pid int, controller string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == controller {
				return parts[2]
			}
		}
	}
	t.Fatalf("pid %d: no %q cgroup in %s", pid, controller, b)
	return ""
}

func TestStandInHoldsEveryReplicaToItsLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("starts replica processes and a Kafka broker")
	}
	h := cgroup.Detect("")
	if h.Version == 0 || os.Geteuid() != 0 {
		t.Skipf("this host cannot enforce limits (version %d, euid %d): %s", h.Version, os.Geteuid(), h.Reason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	si, err := simulator.Start(ctx, simulator.Options{
		Plants: 2, Agents: 5, Replicas: 2, Listen: "127.0.0.1:0", Partitions: 2, Workers: 1,
		CPULimitMillicores: 300, MemoryLimitMiB: 200, Logger: quietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer si.Stop()
	lim := si.Ready().Limits
	if lim.CPULimitMillicores != 300 || lim.MemoryLimitMiB != 200 || lim.LimitSource != h.Source() || !lim.Enforced() {
		t.Fatalf("limits %+v, want 300m, 200Mi, %s", lim, h.Source())
	}

	// Every replica process, its restart too, is in a cgroup of this run
	// that holds it to 300m.
	cpuController := "cpu"
	quotaFile, quota := "cpu.cfs_quota_us", "30000"
	if h.Version == 2 {
		cpuController, quotaFile, quota = "", "cpu.max", "30000 100000"
	}
	check := func(pid int, id string) string {
		path := cgroupOf(t, pid, cpuController)
		if !strings.Contains(path, "/gl001-run-") || !strings.HasSuffix(path, "/"+id) {
			t.Fatalf("%s (pid %d) is in cgroup %q, not in this run's", id, pid, path)
		}
		return path
	}
	var cpuRoot string
	for _, r := range si.Replicas() {
		path := check(r.PID, r.ID)
		if cpuRoot == "" {
			// The mount point: /proc/PID/cgroup paths are relative to it.
			cpuRoot = filepath.Join(cgroup.DefaultRoot, cpuController)
			if h.Version == 2 {
				cpuRoot = cgroup.DefaultRoot
			}
		}
		if b, err := os.ReadFile(filepath.Join(cpuRoot, path, quotaFile)); err != nil || strings.TrimSpace(string(b)) != quota {
			t.Errorf("%s: %s = %q (%v), want %q", r.ID, quotaFile, b, err, quota)
		}
	}
	victim := si.Replicas()[0]
	if err := syscall.Kill(victim.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := si.Replicas()[0]
		if r.Up && r.PID != victim.PID {
			check(r.PID, r.ID)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica-0 not restarted: %+v", r)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// Each replica reports its own percentages of these limits.
	var m struct {
		PerReplica map[string]orchestrator.Snapshot `json:"per_replica"`
	}
	getJSON(t, si.API()+"/api/v1/metrics", &m)
	for id, snap := range m.PerReplica {
		if snap.CPULimitMillicores != 300 || snap.MemoryLimitMiB != 200 || snap.LimitSource != h.Source() {
			t.Errorf("%s reports limits %dm %dMi %q", id, snap.CPULimitMillicores, snap.MemoryLimitMiB, snap.LimitSource)
		}
	}

	var capView simulator.CapacityView
	getJSON(t, si.API()+"/api/v1/capacity", &capView)
	if capView.ReplicaLimits != lim {
		t.Errorf("/api/v1/capacity replica_limits %+v, want %+v", capView.ReplicaLimits, lim)
	}

	path := check(si.Replicas()[1].PID, "replica-1")
	runDir := filepath.Dir(filepath.Join(cpuRoot, path))
	if err := si.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(runDir); !os.IsNotExist(err) {
		t.Errorf("%s left after Stop: %v", runDir, err)
	}
}

func TestStandInWithoutCgroupsSaysNotEnforced(t *testing.T) {
	if testing.Short() {
		t.Skip("starts replica processes and a Kafka broker")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	si, err := simulator.Start(ctx, simulator.Options{
		Plants: 2, Agents: 5, Replicas: 1, Listen: "127.0.0.1:0", Partitions: 1, Workers: 1,
		CgroupRoot: t.TempDir(), Logger: quietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer si.Stop()
	lim := si.Limits()
	if lim.Enforced() || !strings.HasPrefix(lim.LimitSource, "not enforced (no cgroup v2 at ") || lim.CPULimitMillicores == 0 {
		t.Errorf("limits %+v, want the default figures, not enforced, with the reason", lim)
	}
	if r := si.Replicas()[0]; !r.Up {
		t.Errorf("the replica does not run without limits: %+v", r)
	}
}
