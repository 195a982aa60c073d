package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/layout"
)

func TestRunWritesALayout(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "gl001")
	if err := os.WriteFile(bin, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "image")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-binary", bin, "-o", out, "-tag", "gl001:t", "-ca-certs", ""}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "gl001:t sha256:") {
		t.Errorf("stdout %q", stdout.String())
	}
	if _, err := layout.ImageIndexFromPath(out); err != nil {
		t.Errorf("no layout at %s: %v", out, err)
	}
}

func TestRunBadInput(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no binary", nil, "-binary FILE is required"},
		{"missing binary", []string{"-binary", filepath.Join(dir, "nope")}, "-binary: open"},
		{"missing CA bundle", []string{"-binary", os.Args[0], "-ca-certs", filepath.Join(dir, "ca.pem")}, "-ca-certs: open"},
		{"unknown flag", []string{"-bianry", "x"}, "flag provided but not defined: -bianry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr.String(), tc.want)
			}
		})
	}
}
