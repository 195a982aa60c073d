package cgroup

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/greenlang/gl001/deploy/procfs"
)

// A temporary directory stands in for the kernel's hierarchies here: it
// shows what is written where, not what the kernel does with it (see
// enforce_test.go for that).

func mkfiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func fakeV1(t *testing.T) string {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{
		"cpu/cpu.cfs_quota_us":         "-1",
		"cpu/cpu.cfs_period_us":        "100000",
		"memory/memory.limit_in_bytes": "9223372036854771712",
	})
	return root
}

func fakeV2(t *testing.T, controllers string) string {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{"cgroup.controllers": controllers, "cgroup.subtree_control": ""})
	return root
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name    string
		root    func(t *testing.T) string
		version int
		source  string
		reason  string
	}{
		{"v1", fakeV1, 1, "cgroup-v1", ""},
		{"v2", func(t *testing.T) string { return fakeV2(t, "cpuset cpu io memory pids") }, 2, "cgroup-v2", ""},
		{"v2 without memory", func(t *testing.T) string { return fakeV2(t, "cpu io pids") }, 0, "not enforced (cgroup v2 at ", "controller memory not available"},
		{"v1 without memory", func(t *testing.T) string {
			root := t.TempDir()
			mkfiles(t, root, map[string]string{"cpu/cpu.cfs_quota_us": "-1"})
			return root
		}, 0, "not enforced (no cgroup v2 at ", "no cgroup v1 memory controller"},
		{"nothing", func(t *testing.T) string { return t.TempDir() }, 0, "not enforced (no cgroup v2 at ", "no cgroup v1 cpu or memory controller"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := Detect(tc.root(t))
			if h.Version != tc.version || !strings.HasPrefix(h.Source(), tc.source) || !strings.Contains(h.Reason, tc.reason) {
				t.Errorf("Detect: version %d, source %q, reason %q; want %d, %q…, a reason with %q", h.Version, h.Source(), h.Reason, tc.version, tc.source, tc.reason)
			}
			if h.Version == 0 {
				if _, err := h.NewGroup(Limits{CPUMillicores: 100, MemoryMiB: 64}, nil); err == nil || err.Error() != h.Reason {
					t.Errorf("NewGroup on a hierarchy that cannot enforce: %v, want the reason", err)
				}
			}
		})
	}
}

func TestGroupV1WritesLimitsAndPids(t *testing.T) {
	root := fakeV1(t)
	h := Detect(root)
	g, err := h.NewGroup(Limits{CPUMillicores: 250, MemoryMiB: 256}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Prepare("replica-0"); err != nil {
		t.Fatal(err)
	}
	if err := g.Confine("replica-0", 4242); err != nil {
		t.Fatal(err)
	}
	if err := g.Prepare("replica-1"); err != nil {
		t.Fatal(err)
	}
	cpu := filepath.Join(root, "cpu", g.name, "replica-0")
	mem := filepath.Join(root, "memory", g.name, "replica-0")
	for path, want := range map[string]string{
		filepath.Join(cpu, "cpu.cfs_period_us"):     "100000",
		filepath.Join(cpu, "cpu.cfs_quota_us"):      "25000",
		filepath.Join(cpu, "cgroup.procs"):          "4242",
		filepath.Join(mem, "memory.limit_in_bytes"): strconv.Itoa(256 << 20),
		filepath.Join(mem, "cgroup.procs"):          "4242",
		// Two replicas weigh as two processes on a busy machine.
		filepath.Join(root, "cpu", g.name, "cpu.shares"): "2048",
	} {
		if got := read(t, path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if err := g.Confine("replica-9", 1); err == nil {
		t.Error("Confine of a replica never prepared did not fail")
	}
	if err := g.Prepare("../escape"); err == nil {
		t.Error(`Prepare("../escape") did not fail`)
	}
	if err := g.Close(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(root, "cpu", g.name), filepath.Join(root, "memory", g.name)} {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s left after Close: %v", d, err)
		}
	}
	if err := g.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestGroupV2DelegatesControllers(t *testing.T) {
	root := fakeV2(t, "cpu memory")
	g, err := Detect(root).NewGroup(Limits{CPUMillicores: 100, MemoryMiB: 64}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if err := g.Prepare("replica-1"); err != nil {
		t.Fatal(err)
	}
	if err := g.Confine("replica-1", 77); err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(root, g.name)
	for path, want := range map[string]string{
		filepath.Join(root, "cgroup.subtree_control"):   "+cpu +memory",
		filepath.Join(run, "cgroup.subtree_control"):    "+cpu +memory",
		filepath.Join(run, "cpu.weight"):                "100",
		filepath.Join(run, "replica-1", "cpu.max"):      "10000 100000",
		filepath.Join(run, "replica-1", "memory.max"):   strconv.Itoa(64 << 20),
		filepath.Join(run, "replica-1", "cgroup.procs"): "77",
	} {
		if got := read(t, path); got != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if g.Source() != "cgroup-v2" {
		t.Errorf("source %q", g.Source())
	}
}

func TestGroupFailsWhereControllersCannotBeDelegated(t *testing.T) {
	root := t.TempDir()
	mkfiles(t, root, map[string]string{"cgroup.controllers": "cpu memory"})
	// A control file the kernel would refuse to write.
	if err := os.Mkdir(filepath.Join(root, "cgroup.subtree_control"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Detect(root).NewGroup(Limits{CPUMillicores: 100, MemoryMiB: 64}, nil)
	if err == nil || !strings.Contains(err.Error(), "cannot pass the cpu and memory controllers to the children of "+root) {
		t.Errorf("NewGroup: %v, want it to say it cannot delegate the controllers", err)
	}
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "gl001-run-") {
			t.Errorf("a failed NewGroup left %s", e.Name())
		}
	}
}

func TestExitedTellsOOMKill(t *testing.T) {
	root := fakeV1(t)
	g, err := Detect(root).NewGroup(Limits{CPUMillicores: 100, MemoryMiB: 32}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	mem := filepath.Join(root, "memory", g.name, "replica-0")
	mkfiles(t, mem, map[string]string{"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", "memory.failcnt": "5"})
	if err := g.Prepare("replica-0"); err != nil {
		t.Fatal(err)
	}
	if why := g.Exited("replica-0", nil); why != "" {
		t.Errorf("no new OOM kill, but Exited says %q", why)
	}
	mkfiles(t, mem, map[string]string{"memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "memory.failcnt": "9"})
	if why := g.Exited("replica-0", nil); !strings.HasPrefix(why, "OOMKilled: the 32Mi memory limit killed it") {
		t.Errorf("Exited after an OOM kill = %q", why)
	}
	if why := g.Exited("replica-7", nil); why != "" {
		t.Errorf("Exited for an unknown replica = %q", why)
	}
}

func TestNewGroupRemovesOnlyStaleRunsOfItsNamespace(t *testing.T) {
	root := fakeV1(t)
	// A pid that has certainly exited: a child we started and reaped.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	dead := cmd.Process.Pid
	self, err := procfs.ReadIdentity(0)
	if err != nil {
		t.Skip(err)
	}
	ns := pidNamespace()
	names := map[string]bool{ // name → should survive
		"gl001-run-" + u(ns) + "-" + strconv.Itoa(dead) + "-12345-1":                               false, // owner gone
		"gl001-run-" + u(ns) + "-" + strconv.Itoa(os.Getpid()) + "-1-1":                            false, // pid reused: another start time
		"gl001-run-" + u(ns) + "-" + strconv.Itoa(os.Getpid()) + "-" + u(self.StartTicks) + "-999": true,  // a live run of this process
		"gl001-run-" + u(ns+1) + "-" + strconv.Itoa(dead) + "-12345-1":                             true,  // another pid namespace: cannot tell
		"kubepods":          true, // not ours
		"gl001-run-x-1-2-3": true, // not our pattern
		"run-" + u(ns) + "-" + strconv.Itoa(dead) + "-12345-1": true, // not our prefix
	}
	for name := range names {
		for _, ctl := range []string{"cpu", "memory"} {
			mkfiles(t, filepath.Join(root, ctl, name, "replica-0"), map[string]string{"cgroup.procs": ""})
		}
	}
	g, err := Detect(root).NewGroup(Limits{CPUMillicores: 100, MemoryMiB: 64}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for name, survive := range names {
		for _, ctl := range []string{"cpu", "memory"} {
			_, err := os.Stat(filepath.Join(root, ctl, name))
			if survive != (err == nil) {
				t.Errorf("%s/%s: exists %v, want %v", ctl, name, err == nil, survive)
			}
		}
	}
}

func TestCapacityHonoursTheBaseCgroup(t *testing.T) {
	root := fakeV1(t)
	mkfiles(t, root, map[string]string{
		"cpu/cpu.cfs_quota_us":         "50000",
		"memory/memory.limit_in_bytes": strconv.Itoa(1 << 30),
	})
	cpu, mem := Detect(root).Capacity()
	if cpu != 500 || mem != 1024 {
		t.Errorf("capacity %dm, %dMi; want the base cgroup's 500m and 1024Mi", cpu, mem)
	}
	if cpu, _ := (Hierarchy{}).Capacity(); cpu < 1000 {
		t.Errorf("capacity without a hierarchy %dm, want at least one CPU", cpu)
	}
}

func TestLimitsValidate(t *testing.T) {
	if err := (Limits{CPUMillicores: 9, MemoryMiB: 0}).Validate(); err == nil ||
		!strings.Contains(err.Error(), "9m is below the 10m") || !strings.Contains(err.Error(), "0Mi must be at least 1Mi") {
		t.Errorf("Validate: %v", err)
	}
	if err := (Limits{CPUMillicores: 10, MemoryMiB: 1}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestKeyed(t *testing.T) {
	text := "nr_periods 21\nnr_throttled 20\nthrottled_time 1776102674\n"
	if v, ok := keyed(text, "nr_throttled"); !ok || v != 20 {
		t.Errorf("nr_throttled = %d, %v", v, ok)
	}
	if _, ok := keyed(text, "nr_bursts"); ok {
		t.Error("found a key that is not there")
	}
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }
