package cgroup

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/deploy/procfs"
)

// These tests use the kernel's own hierarchy: only it throttles and
// OOM-kills. They skip, saying why, only on a host that cannot enforce
// limits at all (not Linux, not root, no usable controllers).

const helperEnv = "GL001_CGROUP_HELPER" // burn | eat
const helperWaitEnv = "GL001_CGROUP_HELPER_WAIT_FOR"

// TestHelperProcess is not a test: it is the child the other tests start
// by re-executing the test binary. It first waits until it has been moved
// into its cgroup (its /proc/self/cgroup names the directory), so what it
// then does is measured inside the limit. Modes: burn spins on 4
// goroutines for 20 s; eat allocates and touches 512 MiB.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("child of the enforcement tests; runs only when re-executed")
	}
	want := os.Getenv(helperWaitEnv)
	for deadline := time.Now().Add(10 * time.Second); ; {
		b, _ := os.ReadFile("/proc/self/cgroup")
		if strings.Contains(string(b), want) {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "helper: never moved into", want)
			os.Exit(3)
		}
		time.Sleep(5 * time.Millisecond)
	}
	switch mode {
	case "burn":
		for range 4 {
			go func() {
				for x := 0; ; x++ {
					_ = x * x
				}
			}()
		}
		time.Sleep(20 * time.Second)
	case "eat":
		var keep [][]byte
		for range 512 {
			b := make([]byte, 1<<20)
			for i := range b {
				b[i] = 1
			}
			keep = append(keep, b)
		}
		fmt.Println(len(keep))
	}
	os.Exit(0)
}

// realGroup returns a group on this host's hierarchy, or skips.
func realGroup(t *testing.T, l Limits) *Group {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("not root: cannot make cgroups on this host")
	}
	h := Detect("")
	if h.Version == 0 {
		t.Skip("this host cannot enforce limits: " + h.Reason)
	}
	g, err := h.NewGroup(l, nil)
	if err != nil {
		t.Fatalf("the host offers %s but NewGroup failed: %v", h.Source(), err)
	}
	t.Cleanup(func() {
		if err := g.Close(); err != nil {
			t.Error(err)
		}
		for _, base := range h.bases() {
			if _, err := os.Stat(filepath.Join(base, g.name)); !os.IsNotExist(err) {
				t.Errorf("%s left after Close", filepath.Join(base, g.name))
			}
		}
	})
	return g
}

// startConfined starts the helper in mode inside replica id's cgroup.
func startConfined(t *testing.T, g *Group, id, mode string) *exec.Cmd {
	t.Helper()
	if err := g.Prepare(id); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperWaitEnv+"="+g.name+"/"+id)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := g.Confine(id, cmd.Process.Pid); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal(err)
	}
	return cmd
}

func TestCPULimitThrottlesOnThisHost(t *testing.T) {
	g := realGroup(t, Limits{CPUMillicores: 100, MemoryMiB: 256})
	cmd := startConfined(t, g, "replica-0", "burn")
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	// Four spinning goroutines would take every core of this host; held
	// to 100m, the process gets at most a tenth of one. The bound is
	// generous (CPU time is counted in 10 ms ticks, and the test binary's
	// start-up runs before the move), and there is no lower bound: a busy
	// machine may give it less.
	time.Sleep(500 * time.Millisecond)
	u0, err := procfs.Read(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	time.Sleep(2 * time.Second)
	u1, err := procfs.Read(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	millicores := (u1.CPUSeconds - u0.CPUSeconds) / time.Since(t0).Seconds() * 1000
	st, err := g.Stats("replica-0")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %.0fm used under a 100m limit; throttled in %d of %d periods (%.2f s)", g.Source(), millicores, st.Throttled, st.Periods, st.ThrottledSeconds)
	if st.Throttled == 0 {
		t.Errorf("never throttled: %+v", st)
	}
	if millicores > 160 {
		t.Errorf("used %.0fm under a 100m limit", millicores)
	}
}

func TestMemoryLimitOOMKillsOnThisHost(t *testing.T) {
	g := realGroup(t, Limits{CPUMillicores: 1000, MemoryMiB: 48})
	cmd := startConfined(t, g, "replica-0", "eat")
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("allocated 512 MiB under a 48Mi limit and exited 0")
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		t.Fatal("not killed within 30 s")
	}
	why := g.Exited("replica-0", cmd.ProcessState)
	t.Logf("exit %v: %s", cmd.ProcessState, why)
	if !strings.HasPrefix(why, "OOMKilled") {
		t.Errorf("Exited = %q after %v, want OOMKilled", why, cmd.ProcessState)
	}
}

func TestStaleRunIsRemovedOnThisHost(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("not root: cannot make cgroups on this host")
	}
	h := Detect("")
	if h.Version == 0 {
		t.Skip("this host cannot enforce limits: " + h.Reason)
	}
	// A run of a process that has exited: a child we started and reaped.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	stale := fmt.Sprintf("gl001-run-%d-%d-1-1", pidNamespace(), cmd.Process.Pid)
	var dirs []string
	for _, base := range h.bases() {
		d := filepath.Join(base, stale, "replica-0")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("the host offers %s but: %v", h.Source(), err)
		}
		dirs = append(dirs, filepath.Dir(d))
	}
	realGroup(t, Limits{CPUMillicores: 100, MemoryMiB: 64}) // NewGroup sweeps stale runs
	for _, d := range dirs {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("stale %s not removed: %v", d, err)
			_ = os.Remove(filepath.Join(d, "replica-0"))
			_ = os.Remove(d)
		}
	}
}
