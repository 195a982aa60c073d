package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

func TestServesUntilSignalled(t *testing.T) {
	pr, pw := io.Pipe()
	sig := make(chan os.Signal, 1)
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run([]string{"--listen", "127.0.0.1:0"}, pw, &stderr, sig); pw.Close() }()

	line, err := bufio.NewReader(pr).ReadBytes('\n')
	if err != nil {
		t.Fatalf("ready line: %v (stderr %q)", err, stderr.String())
	}
	var ready struct{ URL string }
	if err := json.Unmarshal(line, &ready); err != nil || !strings.HasPrefix(ready.URL, "http://127.0.0.1:") {
		t.Fatalf("ready line %q: %v", line, err)
	}
	resp, err := http.Post(ready.URL+"/api/v1/optimize", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("optimize: status %d", resp.StatusCode)
	}
	sig <- os.Interrupt
	if code := <-done; code != 0 {
		t.Errorf("exit code %d after SIGINT, want 0 (stderr %q)", code, stderr.String())
	}
}

func TestBadFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"non-loopback", []string{"--listen", "0.0.0.0:0"}, `"--listen" flag`},
		{"unknown flag", []string{"--port", "1"}, "flag provided but not defined"},
		{"argument", []string{"extra"}, `unexpected argument "extra"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			if code := run(tc.args, io.Discard, &stderr, nil); code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr %q, want it to mention %q", stderr.String(), tc.want)
			}
		})
	}
}
