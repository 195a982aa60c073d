package main

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/api"
)

func dbServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == api.PathDatabase {
			io.WriteString(w, `{"connection_pool":{"size":20,"in_use":3,"available":17,"wait_count":0}}`)
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestObserveFlags(t *testing.T) {
	srv := dbServer(t)
	dir := t.TempDir()
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{"no target", []string{"--out", dir}, exitBadInput, []string{`"--target"`}},
		{"no out", []string{"--target", srv.URL}, exitBadInput, []string{`"--out"`}},
		{"bad interval", []string{"--target", srv.URL, "--out", dir, "--interval", "1ms"}, exitBadInput, []string{`"--interval"`}},
		{"bad duration", []string{"--target", srv.URL, "--out", dir, "--duration", "soon"}, exitBadInput, []string{`"--duration"`}},
		{"bad sasl", []string{"--target", srv.URL, "--out", dir, "--brokers", "127.0.0.1:1", "--kafka-sasl-mechanism", "rot13"}, exitBadInput, []string{"rot13"}},
		{"bad profile", []string{"--target", srv.URL, "--out", dir, "--profile", filepath.Join(dir, "nosuch.json")}, exitBadInput, []string{"--profile"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gl001(t, "", false, append([]string{"observe"}, tt.args...)...).expect(t, tt.code, nil, tt.stderr)
		})
	}
}

func TestObserveDuration(t *testing.T) {
	srv := dbServer(t)
	dir := filepath.Join(t.TempDir(), "observed")
	r := gl001(t, "", false, "observe", "--target", srv.URL, "--out", dir, "--duration", "350ms", "--interval", "100ms")
	r.expect(t, exitOK, []string{"stopped (duration)", "intervals.ndjson"}, nil)
	b, err := os.ReadFile(filepath.Join(dir, "intervals.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) < 3 || !strings.Contains(lines[0], `"kind":"header"`) || !strings.Contains(lines[len(lines)-1], `"size":20`) {
		t.Errorf("intervals.ndjson:\n%s", b)
	}
}

// TestObserveInterrupt: Ctrl-C ends an observation without --duration,
// as a written one (exit 0).
func TestObserveInterrupt(t *testing.T) {
	srv := dbServer(t)
	dir := filepath.Join(t.TempDir(), "observed")
	sigs := make(chan os.Signal, 1)
	var out, errb bytes.Buffer
	go func() { time.Sleep(300 * time.Millisecond); sigs <- os.Interrupt }()
	code := run([]string{"observe", "--target", srv.URL, "--out", dir, "--interval", "100ms"},
		streams{in: strings.NewReader(""), out: &out, err: &errb, isTerminal: func() bool { return false }, signals: sigs})
	if code != exitOK || !strings.Contains(out.String(), "stopped (interrupted)") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}
