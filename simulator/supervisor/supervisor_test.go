package supervisor_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/supervisor"
)

// helperEnv tells the re-executed test binary to act as a replica, and how.
const helperEnv = "GL001_SUPERVISOR_HELPER"

// TestHelperProcess is not a test: it is the replica child the other tests
// start by re-executing the test binary. Modes:
//
//	serve          serve HTTP, answering every request with the replica id
//	exit-after=N   serve, then exit with status 4 after N requests
//	ignore-term    serve, and ignore SIGTERM
//	silent         start but never announce
//	exit           print to stderr and exit with status 3 at once
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperEnv)
	if mode == "" {
		t.Skip("replica child for the supervisor tests; runs only when re-executed")
	}
	id := os.Getenv(supervisor.EnvReplicaID)
	switch {
	case mode == "exit":
		fmt.Fprintln(os.Stderr, "helper: told to exit at once")
		os.Exit(3)
	case mode == "silent":
		fmt.Fprintln(os.Stdout, "helper: starting but never announcing")
		for {
			time.Sleep(time.Hour)
		}
	}
	limit := 0
	if n, ok := strings.CutPrefix(mode, "exit-after="); ok {
		limit, _ = strconv.Atoi(n)
	}
	if mode == "ignore-term" {
		signal.Ignore(syscall.SIGTERM)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	var served atomic.Int64
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Body", string(body))
		fmt.Fprint(w, id)
		if n := served.Add(1); limit > 0 && n >= int64(limit) {
			w.(http.Flusher).Flush()
			go func() { time.Sleep(50 * time.Millisecond); os.Exit(4) }()
		}
	}))
	fmt.Fprintln(os.Stdout, "helper: listening before announce")
	if err := supervisor.Announce(os.Stdout, supervisor.Ready{ID: id, URL: "http://" + ln.Addr().String()}); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(2)
	}
	fmt.Fprintln(os.Stdout, "helper: stdout after announce")
	fmt.Fprintln(os.Stderr, "helper: stderr after announce")
	for {
		time.Sleep(time.Hour)
	}
}

// helper returns a Spec.Command that re-executes the test binary as a
// replica in mode, or in modes[id] for the ids listed there. Every command
// it makes is recorded in *cmds so a test can check the processes are gone.
func helper(mode string, modes map[string]string, cmds *[]*exec.Cmd, mu *sync.Mutex) func(string) *exec.Cmd {
	return func(id string) *exec.Cmd {
		m := mode
		if mm, ok := modes[id]; ok {
			m = mm
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), helperEnv+"="+m)
		if cmds != nil {
			mu.Lock()
			*cmds = append(*cmds, cmd)
			mu.Unlock()
		}
		return cmd
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func start(t *testing.T, spec supervisor.Spec) (*supervisor.Supervisor, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	if spec.Logger == nil {
		spec.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if spec.ReadyTimeout == 0 {
		spec.ReadyTimeout = 15 * time.Second // generous: the machine is shared
	}
	s, err := supervisor.Start(t.Context(), spec)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Stop)
	return s, logs
}

// eventually polls cond every 10 ms until it holds or within passes.
func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func gone(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

func get(t *testing.T, client *http.Client, url string) (id, servedBy string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	return string(b), resp.Header.Get(supervisor.HeaderReplica)
}

func TestStartAnnounceStop(t *testing.T) {
	s, logs := start(t, supervisor.Spec{Replicas: 3, Command: helper("serve", nil, nil, nil)})

	reps := s.Replicas()
	if len(reps) != 3 {
		t.Fatalf("Replicas() has %d entries, want 3", len(reps))
	}
	pids := map[int]bool{}
	for i, r := range reps {
		if want := fmt.Sprintf("replica-%d", i); r.ID != want {
			t.Errorf("replica %d id = %q, want %q", i, r.ID, want)
		}
		if !r.Up || r.PID <= 0 || !strings.HasPrefix(r.URL, "http://127.0.0.1:") || r.Restarts != 0 || r.StartedAt.IsZero() {
			t.Errorf("replica %d = %+v, want up with pid, loopback url, no restarts, start time", i, r)
		}
		pids[r.PID] = true
		// Each replica answers directly with its own id.
		if id, _ := get(t, http.DefaultClient, r.URL); id != r.ID {
			t.Errorf("%s at %s answered %q", r.ID, r.URL, id)
		}
	}
	if len(pids) != 3 {
		t.Errorf("pids %v are not distinct", pids)
	}
	if live := s.Live(); len(live) != 3 {
		t.Errorf("Live() = %d replicas, want 3", len(live))
	}
	// Output after the announcement is drained into the log, tagged.
	eventually(t, 10*time.Second, "child output in the log", func() bool {
		l := logs.String()
		return strings.Contains(l, "replica=replica-2") &&
			strings.Contains(l, "helper: stderr after announce") &&
			strings.Contains(l, "helper: stdout after announce") &&
			strings.Contains(l, "helper: listening before announce")
	})

	s.Stop()
	s.Stop() // safe twice
	select {
	case <-s.Done():
	default:
		t.Error("Done not closed after Stop")
	}
	for pid := range pids {
		eventually(t, 10*time.Second, fmt.Sprintf("pid %d gone after Stop", pid), func() bool { return gone(pid) })
	}
	for _, r := range s.Replicas() {
		if r.Up {
			t.Errorf("%s still up after Stop", r.ID)
		}
	}
}

func TestFrontDoorRoundRobin(t *testing.T) {
	s, _ := start(t, supervisor.Spec{Replicas: 3, Command: helper("serve", nil, nil, nil)})
	srv := httptest.NewServer(s.FrontDoor())
	defer srv.Close()

	counts := map[string]int{}
	for range 30 {
		id, servedBy := get(t, srv.Client(), srv.URL+"/api/v1/health")
		if id != servedBy {
			t.Errorf("body says %q, %s says %q", id, supervisor.HeaderReplica, servedBy)
		}
		counts[id]++
	}
	for _, r := range s.Replicas() {
		if counts[r.ID] != 10 {
			t.Errorf("counts = %v, want 10 for each of 3 replicas", counts)
			break
		}
	}
}

func TestKilledReplicaIsRestarted(t *testing.T) {
	s, logs := start(t, supervisor.Spec{
		Replicas: 3,
		Command:  helper("serve", nil, nil, nil),
		// Long enough to see the replica down, short enough for the test.
		Backoff: supervisor.Backoff{Initial: 1500 * time.Millisecond},
	})
	srv := httptest.NewServer(s.FrontDoor())
	defer srv.Close()

	victim := s.Replicas()[1]
	if err := syscall.Kill(victim.PID, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %d: %v", victim.PID, err)
	}
	eventually(t, 10*time.Second, "replica-1 marked down", func() bool { return !s.Replicas()[1].Up })
	live := s.Live()

	// Requests keep succeeding on the others while it is down.
	servedBy := map[string]int{}
	for range 12 {
		id, _ := get(t, srv.Client(), srv.URL)
		servedBy[id]++
	}
	// Only if the restart has not begun yet (no timing assumption) must
	// everything have gone to the survivors.
	if s.Replicas()[1].Restarts == 0 {
		if len(live) != 2 || servedBy["replica-1"] != 0 {
			t.Errorf("while replica-1 was down: Live() = %+v, served by %v; want 2 survivors serving all", live, servedBy)
		}
	}

	var back supervisor.Replica
	eventually(t, 15*time.Second, "replica-1 restarted", func() bool {
		back = s.Replicas()[1]
		return back.Up
	})
	if back.Restarts != 1 || back.PID == victim.PID || !back.StartedAt.After(victim.StartedAt) {
		t.Errorf("after restart %+v, want restarts 1, a new pid (was %d), a later start", back, victim.PID)
	}
	if l := logs.String(); !strings.Contains(l, "replica exited") || !strings.Contains(l, "signal: killed") {
		t.Errorf("log does not record the exit with its status:\n%s", l)
	}
	// And it takes traffic again.
	seen := map[string]bool{}
	for range 6 {
		id, _ := get(t, srv.Client(), srv.URL)
		seen[id] = true
	}
	if !seen["replica-1"] {
		t.Errorf("restarted replica-1 took no traffic; served by %v", seen)
	}
}

func TestReplicaExitingAfterRequestsIsRestarted(t *testing.T) {
	s, _ := start(t, supervisor.Spec{
		Replicas: 2,
		Command:  helper("serve", map[string]string{"replica-0": "exit-after=1"}, nil, nil),
		Backoff:  supervisor.Backoff{Initial: 50 * time.Millisecond},
	})
	if id, _ := get(t, http.DefaultClient, s.Replicas()[0].URL); id != "replica-0" {
		t.Fatalf("replica-0 answered %q", id)
	}
	eventually(t, 15*time.Second, "replica-0 restarted after exiting", func() bool {
		r := s.Replicas()[0]
		return r.Up && r.Restarts == 1
	})
}

func TestStartFailsWhenReplicaNeverAnnounces(t *testing.T) {
	var (
		cmds []*exec.Cmd
		mu   sync.Mutex
	)
	_, err := supervisor.Start(t.Context(), supervisor.Spec{
		Replicas:     3,
		Command:      helper("serve", map[string]string{"replica-1": "silent"}, &cmds, &mu),
		ReadyTimeout: 3 * time.Second,
	})
	if err == nil {
		t.Fatal("Start succeeded with a replica that never announces")
	}
	if msg := err.Error(); !strings.Contains(msg, "replica-1: no announcement on stdout within 3s") ||
		strings.Contains(msg, "replica-0") || strings.Contains(msg, "replica-2") {
		t.Errorf("Start error = %q, want it to name replica-1 (only) and say why", msg)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(cmds) != 3 {
		t.Fatalf("%d commands made, want 3", len(cmds))
	}
	for _, c := range cmds {
		if c.Process == nil {
			t.Fatalf("command %v never started", c.Args)
		}
		pid := c.Process.Pid
		eventually(t, 10*time.Second, fmt.Sprintf("pid %d gone after failed Start", pid), func() bool { return gone(pid) })
	}
}

func TestStartFailsWhenReplicaExits(t *testing.T) {
	_, err := supervisor.Start(t.Context(), supervisor.Spec{
		Replicas:     2,
		Command:      helper("serve", map[string]string{"replica-0": "exit"}, nil, nil),
		ReadyTimeout: 15 * time.Second,
	})
	if err == nil {
		t.Fatal("Start succeeded with a replica that exits at once")
	}
	for _, want := range []string{"replica-0: exited before announcing (exit status 3)", "helper: told to exit at once"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Start error = %q, want it to contain %q", err, want)
		}
	}
}

func TestStopKillsReplicaIgnoringSIGTERM(t *testing.T) {
	s, logs := start(t, supervisor.Spec{
		Replicas:  1,
		Command:   helper("ignore-term", nil, nil, nil),
		StopGrace: 300 * time.Millisecond,
	})
	pid := s.Replicas()[0].PID
	s.Stop()
	eventually(t, 10*time.Second, "stubborn replica gone", func() bool { return gone(pid) })
	if !strings.Contains(logs.String(), "ignored SIGTERM") {
		t.Errorf("log does not say the replica was killed:\n%s", logs)
	}
}

func TestContextEndsSupervisor(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s, err := supervisor.Start(ctx, supervisor.Spec{Replicas: 1, Command: helper("serve", nil, nil, nil), ReadyTimeout: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	pid := s.Replicas()[0].PID
	cancel()
	select {
	case <-s.Done():
	case <-time.After(15 * time.Second):
		t.Fatal("supervisor still running 15s after its context was canceled")
	}
	if !gone(pid) {
		t.Errorf("pid %d still exists after Done", pid)
	}
	s.Stop() // still fine
}

func TestFrontDoorNoLiveReplica(t *testing.T) {
	s, _ := start(t, supervisor.Spec{Replicas: 1, Command: helper("serve", nil, nil, nil)})
	h := s.FrontDoor()
	s.Stop()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/health", nil))
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Content-Type") != "application/json" ||
		!strings.Contains(rec.Body.String(), `"error":"no live replica"`) {
		t.Errorf("got %d %q %s, want 503 JSON error", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
}

func TestSpecValidate(t *testing.T) {
	cmd := func(string) *exec.Cmd { return nil }
	tests := []struct {
		name string
		spec supervisor.Spec
		want []string
	}{
		{"ok", supervisor.Spec{Replicas: 1, Command: cmd}, nil},
		{"empty", supervisor.Spec{}, []string{"replicas is 0", "command is nil"}},
		{"negative durations", supervisor.Spec{Replicas: 1, Command: cmd, ReadyTimeout: -1, StopGrace: -1, Backoff: supervisor.Backoff{Initial: -1}},
			[]string{"ready timeout is -1ns", "stop grace is -1ns", "backoff initial is -1ns"}},
		{"initial above max", supervisor.Spec{Replicas: 1, Command: cmd, Backoff: supervisor.Backoff{Initial: 2 * time.Second, Max: time.Second}},
			[]string{"backoff initial (2s) exceeds backoff max (1s)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.spec.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate() = %q, want it to mention %q", err, w)
				}
			}
		})
	}
}

func TestBackoffDelay(t *testing.T) {
	tests := []struct {
		name string
		b    supervisor.Backoff
		n    int
		want time.Duration
	}{
		{"default first", supervisor.Backoff{}, 1, 200 * time.Millisecond},
		{"default second", supervisor.Backoff{}, 2, 400 * time.Millisecond},
		{"default sixth", supervisor.Backoff{}, 6, 6400 * time.Millisecond},
		{"default capped", supervisor.Backoff{}, 7, 10 * time.Second},
		{"default far", supervisor.Backoff{}, 1000, 10 * time.Second},
		{"custom", supervisor.Backoff{Initial: time.Second, Max: 3 * time.Second}, 2, 2 * time.Second},
		{"custom capped", supervisor.Backoff{Initial: time.Second, Max: 3 * time.Second}, 3, 3 * time.Second},
		{"initial above default max", supervisor.Backoff{Initial: 20 * time.Second}, 1, 20 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.b.Delay(tt.n); got != tt.want {
				t.Errorf("%+v.Delay(%d) = %v, want %v", tt.b, tt.n, got, tt.want)
			}
		})
	}
}

func TestAnnounce(t *testing.T) {
	var b bytes.Buffer
	if err := supervisor.Announce(&b, supervisor.Ready{ID: "replica-4", URL: "http://127.0.0.1:8000", PID: 42}); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), `{"id":"replica-4","url":"http://127.0.0.1:8000","pid":42}`+"\n"; got != want {
		t.Errorf("Announce wrote %q, want %q", got, want)
	}
	b.Reset()
	if err := supervisor.Announce(&b, supervisor.Ready{ID: "replica-0", URL: "http://127.0.0.1:1"}); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(`"pid":%d}`, os.Getpid()); !strings.Contains(b.String(), want) {
		t.Errorf("Announce with zero pid wrote %q, want own pid", b.String())
	}
	for _, bad := range []supervisor.Ready{{URL: "http://127.0.0.1:1"}, {ID: "replica-0"}, {ID: "replica-0", URL: "127.0.0.1:80"}} {
		if err := supervisor.Announce(io.Discard, bad); err == nil {
			t.Errorf("Announce(%+v) = nil, want an error", bad)
		}
	}
}

// fakeConfiner records what the supervisor asks of a Confiner.
type fakeConfiner struct {
	mu        sync.Mutex
	prepared  []string
	confined  []int // pids
	failWith  error
	killedPID int // Exited blames the limit for this pid's end
}

func (f *fakeConfiner) Prepare(id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prepared = append(f.prepared, id)
	return nil
}

func (f *fakeConfiner) Confine(id string, pid int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failWith != nil {
		return f.failWith
	}
	f.confined = append(f.confined, pid)
	return nil
}

func (f *fakeConfiner) Exited(id string, state *os.ProcessState) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if state != nil && state.Pid() == f.killedPID {
		return "OOMKilled: the fake limit killed it"
	}
	return ""
}

func (f *fakeConfiner) snapshot() ([]string, []int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.prepared), slices.Clone(f.confined)
}

func TestEveryStartIsConfinedAndALimitKillIsLogged(t *testing.T) {
	fc := &fakeConfiner{}
	s, logs := start(t, supervisor.Spec{Replicas: 1, Command: helper("serve", nil, nil, nil), Confine: fc,
		Backoff: supervisor.Backoff{Initial: 10 * time.Millisecond}})
	first := s.Replicas()[0]
	if prepared, confined := fc.snapshot(); !slices.Equal(prepared, []string{"replica-0"}) || !slices.Equal(confined, []int{first.PID}) {
		t.Fatalf("first start: prepared %v, confined %v; want replica-0 and pid %d", prepared, confined, first.PID)
	}
	fc.mu.Lock()
	fc.killedPID = first.PID
	fc.mu.Unlock()
	if err := syscall.Kill(first.PID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var back supervisor.Replica
	eventually(t, 15*time.Second, "replica-0 restarted", func() bool {
		back = s.Replicas()[0]
		return back.Up && back.PID != first.PID
	})
	if prepared, confined := fc.snapshot(); len(prepared) != 2 || !slices.Equal(confined, []int{first.PID, back.PID}) {
		t.Errorf("after a restart: prepared %v, confined %v; want both starts", prepared, confined)
	}
	if !strings.Contains(back.LastExit, "signal: killed; OOMKilled: the fake limit killed it") {
		t.Errorf("last exit %q", back.LastExit)
	}
	if l := logs.String(); !strings.Contains(l, "replica killed by its limit") {
		t.Errorf("log does not say the limit killed it:\n%s", l)
	}
}

func TestReplicaThatCannotBeConfinedDoesNotStart(t *testing.T) {
	var cmds []*exec.Cmd
	var mu sync.Mutex
	_, err := supervisor.Start(t.Context(), supervisor.Spec{Replicas: 1, Command: helper("serve", nil, &cmds, &mu),
		Confine: &fakeConfiner{failWith: errors.New("cgroup.procs: permission denied")}})
	if err == nil || !strings.Contains(err.Error(), "replica-0: stopped at start: cannot hold it to its limits: cgroup.procs: permission denied") {
		t.Fatalf("Start: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, c := range cmds {
		if c.Process != nil && !gone(c.Process.Pid) && c.ProcessState == nil {
			t.Errorf("pid %d still running", c.Process.Pid)
		}
	}
}
