package selftest_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/selftest"
	"github.com/greenlang/gl001/xk6-gl001/testbin"
)

// gl001 is the binary a load test runs, built for this test binary.
var gl001 string

// TestMain lets this binary serve as a stand-in replica, and builds the
// gl001 binary the load tests run.
func TestMain(m *testing.M) {
	simulator.MaybeRunReplica()
	dir, err := os.MkdirTemp("", "selftest")
	if err != nil {
		panic(err)
	}
	if gl001, err = testbin.Build(dir); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func do(t *testing.T, method, url, token string, body []byte) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestLoadTestEndpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("starts replica processes")
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	si, err := simulator.Start(t.Context(), simulator.Options{Plants: 2, Agents: 6, Replicas: 1, Listen: "127.0.0.1:0",
		Partitions: 2, APIToken: "s3cret", LoadTester: &selftest.Runner{Dir: t.TempDir(), Executable: gl001, Logger: quiet}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer si.Stop()
	base := si.API()
	scenario := []byte(`{"test_name": "self", "duration_minutes": 0.05, "plants": 2, "sub_agents": 6,
	  "heat_optimization_requests_per_minute": 60, "agent_coordination_events_per_second": 5, "ramp_up_minutes": 0}`)

	if code, _ := do(t, "GET", base+api.PathLoadTestReport, "", nil); code != http.StatusNotFound {
		t.Errorf("report before any test: %d, want 404", code)
	}
	if code, _ := do(t, "POST", base+api.PathLoadTest, "", scenario); code != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", code)
	}
	if code, _ := do(t, "POST", base+api.PathLoadTest, "wrong", scenario); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", code)
	}
	if code, b := do(t, "POST", base+api.PathLoadTest, "s3cret", []byte(`{"test_name": "x", "plants": -1}`)); code != http.StatusBadRequest || !bytes.Contains(b, []byte("plants")) {
		t.Errorf("bad scenario: %d %s, want 400 naming plants", code, b)
	}
	code, b := do(t, "POST", base+api.PathLoadTest, "s3cret", scenario)
	if code != http.StatusAccepted {
		t.Fatalf("start: %d %s", code, b)
	}
	if code, _ := do(t, "POST", base+api.PathLoadTest, "s3cret", scenario); code != http.StatusConflict {
		t.Errorf("second start while running: %d, want 409", code)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		code, b = do(t, "GET", base+api.PathLoadTestReport, "", nil)
		if code == http.StatusOK || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	var rep struct {
		ExitCode int  `json:"exit_code"`
		Complete bool `json:"complete"`
		Report   struct {
			Verdict  string `json:"verdict"`
			Schedule []struct {
				Scenario string `json:"scenario"`
				Started  int64  `json:"started"`
			} `json:"schedule"`
		} `json:"report"`
	}
	err = json.Unmarshal(b, &rep)
	started := map[string]int64{}
	for _, s := range rep.Report.Schedule {
		started[s.Scenario] = s.Started
	}
	if code != http.StatusOK || err != nil || !rep.Complete || rep.Report.Verdict == "" || started["coordinate"] != 15 {
		t.Errorf("report: %d %v %s", code, err, b)
	}
}

func TestLoadTestEndpointOffWithoutToken(t *testing.T) {
	if testing.Short() {
		t.Skip("starts replica processes")
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	si, err := simulator.Start(t.Context(), simulator.Options{Plants: 1, Agents: 1, Replicas: 1, Listen: "127.0.0.1:0", Partitions: 1,
		LoadTester: &selftest.Runner{Dir: t.TempDir(), Logger: quiet}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer si.Stop()
	if code, b := do(t, "POST", si.API()+api.PathLoadTest, "anything", []byte(`{}`)); code != http.StatusForbidden || !bytes.Contains(b, []byte("--api-token")) {
		t.Errorf("no token configured: %d %s, want 403 naming --api-token", code, b)
	}
}
