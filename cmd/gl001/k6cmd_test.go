package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestK6Init(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "k6")
	gl001(t, "", false, "k6", "init", "smoke_test.json", out).
		expect(t, 0, []string{"Wrote " + out, "gl001 simulate --plants 2 --agents 10", "k6 run ", "gl001 report --k6 "}, nil)
	for _, name := range []string{"gl001.js", "script.js", "fleet.json", "options.json"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{name: "non-empty folder", args: []string{"k6", "init", "smoke_test.json", out}, code: exitBadInput,
			stderr: []string{`"` + out + `"`, "--force"}},
		{name: "non-empty folder with --force", args: []string{"k6", "init", "smoke_test.json", out, "--force"}, code: exitOK},
		{name: "no such scenario", args: []string{"k6", "init", "nope.json", filepath.Join(dir, "x")}, code: exitBadInput,
			stderr: []string{"nope.json", "shipped scenarios"}},
		{name: "invalid scenario", args: []string{"k6", "init", writeScenario(t, dir, `{"test_name": "x", "plants": 0}`), filepath.Join(dir, "y")},
			code: exitBadInput, stderr: []string{"scenario.json"}},
		{name: "one argument", args: []string{"k6", "init", "smoke_test.json"}, code: exitBadInput,
			stderr: []string{"takes exactly 2 argument"}},
		{name: "serve a folder init did not write", args: []string{"k6", "serve", filepath.Join(dir, "empty")}, code: exitBadInput,
			stderr: []string{`"` + filepath.Join(dir, "empty") + `"`, "not a gl001 k6 init folder", "gl001 k6 init SCENARIO"}},
		{name: "serve a real target with stand-in limits", args: []string{"k6", "serve", out, "--target", "http://127.0.0.1:1", "--brokers", "127.0.0.1:1", "--replica-cpu-limit", "500m"},
			code: exitBadInput, stderr: []string{"--replica-cpu-limit applies to the stand-in only"}},
		{name: "serve with no folder", args: []string{"k6", "serve"}, code: exitBadInput, stderr: []string{"takes exactly 1 argument"}},
		{name: "k6 alone", args: []string{"k6"}, code: exitBadInput, stderr: []string{"needs a subcommand: init or serve"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gl001(t, "", false, tt.args...).expect(t, tt.code, nil, tt.stderr)
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "y")); err == nil {
		t.Error("an invalid scenario wrote its folder")
	}
}

// syncBuffer is a bytes.Buffer a test may read while the command writes.
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

// TestK6ServeInterrupt: serve starts the stand-in (this test binary as
// gl001 simulate), prints the k6 line, and on Ctrl-C stops and reports
// from the k6 files in DIR (here the recorded real run).
func TestK6ServeInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the stand-in's replica processes")
	}
	dir := filepath.Join(t.TempDir(), "k6")
	gl001(t, "", false, "k6", "init", "smoke_test.json", dir).expect(t, exitOK, nil, nil)
	for from, to := range map[string]string{"k6-out.json": "k6-out.json", "k6-summary-export.json": "summary-export.json"} {
		b, err := os.ReadFile(filepath.Join("../../reports/k6ingest/testdata", from))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, to), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sigs := make(chan os.Signal, 1)
	var out, errb syncBuffer
	codec := make(chan int, 1)
	go func() {
		codec <- run([]string{"k6", "serve", dir, "--bridge-listen", "127.0.0.1:0", "--k6-out", "k6-out.json", "--interval", "200ms"},
			streams{in: strings.NewReader(""), out: &out, err: &errb, isTerminal: func() bool { return false }, signals: sigs})
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), "In another terminal: k6 run -e GL001_TARGET=http://127.0.0.1:") {
		if time.Now().After(deadline) {
			t.Fatalf("no k6 line within 30s; stdout %q stderr %q", out.String(), errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	sigs <- os.Interrupt
	var code int
	select {
	case code = <-codec:
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop within 30s of Ctrl-C")
	}
	if code != exitOK {
		t.Errorf("exit %d, want 0; stderr %s", code, errb.String())
	}
	for _, want := range []string{"stopped (interrupted)", "verdict: ", filepath.Join(dir, "report", "report.md")} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
}
