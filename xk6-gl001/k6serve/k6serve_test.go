package k6serve_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/reports/k6ingest"
	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/engine"
	"github.com/greenlang/gl001/xk6-gl001/k6init"
	"github.com/greenlang/gl001/xk6-gl001/k6serve"
	"github.com/greenlang/gl001/xk6-gl001/testbin"
)

var gl001 string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "k6serve-test")
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

// fixture is the recorded real k6 run the report step reads.
const fixture = "../../reports/k6ingest/testdata"

func TestServeAgainstStandIn(t *testing.T) {
	sc, err := scenarios.Load("smoke_test.json")
	if err != nil {
		t.Fatal(err)
	}
	sc.Replicas, sc.Partitions = 1, 2
	dir := t.TempDir()
	if _, err := k6init.Write(k6init.Options{Scenario: sc, ScenarioFile: "smoke_test.json", Dir: dir, Requests: 4}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	ready := make(chan k6serve.Serving, 1)
	type result struct {
		out k6serve.Outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := k6serve.Run(ctx, k6serve.Options{Dir: dir, Scenario: sc, ScenarioFile: "smoke_test.json",
			StandIn: engine.StandInOptions{Executable: gl001}, BridgeListen: "127.0.0.1:0",
			Profile: api.GuideProfile(), ProfileName: "guide", Interval: 200 * time.Millisecond,
			K6Out: "k6-out.json", Summary: "k6-summary-export.json", UntilK6: true,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Ready: func(s k6serve.Serving) { ready <- s }})
		done <- result{out, err}
	}()
	var sv k6serve.Serving
	select {
	case sv = <-ready:
	case r := <-done:
		t.Fatalf("serve ended before it was ready: %v", r.err)
	}
	for _, want := range []string{"-e GL001_TARGET=" + sv.Target, "-e GL001_BRIDGE=" + sv.Bridge, filepath.Join(dir, "script.js")} {
		if !strings.Contains(sv.K6Command, want) {
			t.Errorf("k6 command %q lacks %q", sv.K6Command, want)
		}
	}
	if !sv.StandIn || !strings.HasPrefix(sv.Target, "http://127.0.0.1:") || !strings.HasPrefix(sv.Bridge, "http://127.0.0.1:") {
		t.Fatalf("serving %+v, want the stand-in and the bridge on loopback", sv)
	}

	// What k6 would do, briefly: optimize on the target, coordinate on the bridge.
	body := optimizeBody(t, dir)
	c := &http.Client{Timeout: 10 * time.Second}
	for i := range 5 {
		status(t, c, sv.Target+api.GuideProfile().Paths.Optimize, body, fmt.Sprint("optimize ", i))
		status(t, c, sv.Bridge+"/v1/coordinate", []byte(`{"timeout_ms": 5000}`), fmt.Sprint("coordinate ", i))
	}
	time.Sleep(600 * time.Millisecond) // a few intervals with the replicas busy

	// k6 "finishes": its files appear, the summary export last. The
	// recorded points are moved to start with serve, so the observed
	// samples fall within k6's time span and are merged.
	shiftK6(t, filepath.Join(fixture, "k6-out.json"), filepath.Join(dir, "k6-out.json"), start)
	copyFile(t, filepath.Join(fixture, "k6-summary-export.json"), filepath.Join(dir, "k6-summary-export.json"))
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		t.Fatal("serve did not stop after k6's summary export appeared")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.out.Stopped != "k6 finished" {
		t.Errorf("stopped %q, want k6 finished", r.out.Stopped)
	}
	if r.out.Bridge.Acked != 5 {
		t.Errorf("bridge stats %+v, want 5 acked", r.out.Bridge)
	}
	b, err := os.ReadFile(filepath.Join(dir, "observed", "intervals.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"replicas":[{"id":"replica-0"`)) || !bytes.Contains(b, []byte(`"cpu_millicores"`)) {
		t.Errorf("intervals.ndjson has no replica CPU samples:\n%.2000s", b)
	}
	if !bytes.Contains(b, []byte(`"stand_in":true`)) {
		t.Error("intervals.ndjson's header does not record the stand-in")
	}

	// The report step, as gl001 k6 serve runs it (gl001 report --k6).
	out := filepath.Join(dir, "report")
	res, err := k6ingest.Convert(k6ingest.Options{K6File: filepath.Join(dir, "k6-out.json"), SummaryFile: filepath.Join(dir, "k6-summary-export.json"),
		ObservedDir: filepath.Join(dir, "observed"), ScenarioFile: "smoke_test.json", OutDir: out})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := report.Generate(out, report.Options{Thresholds: res.Thresholds, K6Verdicts: res.K6Verdicts, SourceNotes: res.Notes, SourceWarnings: res.Warnings})
	if err != nil && rep.Verdict == "" {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(out, report.MarkdownFile))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, line := range strings.Split(string(md), "\n") {
		if strings.HasPrefix(line, "| Master CPU Usage |") {
			found = true
			t.Log(line)
			if strings.Contains(line, "not observed") {
				t.Errorf("the report did not read the stand-in's replica CPU:\n%s", line)
			}
		}
	}
	if !found {
		t.Errorf("%s has no Master CPU Usage row", report.MarkdownFile)
	}
}

// shiftK6 copies a k6 --out json file, moving every point so the first
// is at start.
func shiftK6(t *testing.T, from, to string, start time.Time) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var delta time.Duration
	for i, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
		var l map[string]any
		if err := json.Unmarshal(line, &l); err != nil {
			t.Fatalf("%s:%d: %v", from, i+1, err)
		}
		if d, ok := l["data"].(map[string]any); ok && l["type"] == "Point" {
			at, err := time.Parse(time.RFC3339Nano, d["time"].(string))
			if err != nil {
				t.Fatalf("%s:%d: %v", from, i+1, err)
			}
			if delta == 0 {
				delta = start.Sub(at)
			}
			d["time"] = at.Add(delta).Format(time.RFC3339Nano)
		}
		nb, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(append(nb, '\n'))
	}
	if err := os.WriteFile(to, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestNotAnInitFolder(t *testing.T) {
	dir := t.TempDir()
	_, err := k6serve.Run(context.Background(), k6serve.Options{Dir: dir})
	if !errors.Is(err, k6serve.ErrInput) || !errors.Is(err, k6serve.ErrNotInit) || !strings.Contains(err.Error(), "gl001 k6 init") {
		t.Errorf("err = %v, want ErrInput and ErrNotInit suggesting gl001 k6 init", err)
	}
}

func optimizeBody(t *testing.T, dir string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "fleet.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f k6init.Fleet
	if err := json.Unmarshal(b, &f); err != nil || len(f.Requests) == 0 {
		t.Fatalf("fleet.json: %v, %d requests", err, len(f.Requests))
	}
	return f.Requests[0]
}

func status(t *testing.T, c *http.Client, url string, body []byte, what string) {
	t.Helper()
	resp, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %s %s", what, resp.Status, b)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
