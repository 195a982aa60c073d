package kubeconfig

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// With no credentials anywhere, the error lists every place looked at.
func TestLoadSaysWhereItLooked(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("KUBECONFIG", "")
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")
	_, err := Load("", "")
	var ke *Error
	if !errors.As(err, &ke) {
		t.Fatalf("Load: %v, want *Error", err)
	}
	for _, want := range []string{"--kubeconfig: not given", "$KUBECONFIG: unset", "config: no such file", "in-cluster service account: not in a pod"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nlacks %q", err, want)
		}
	}
	_, err = Load(filepath.Join(home, "missing"), "")
	if !errors.As(err, &ke) || !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), `kubeconfig "`+filepath.Join(home, "missing")+`"`) {
		t.Errorf("missing file: %v", err)
	}
}

// A kubeconfig file that names a server loads.
func TestLoadFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config")
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: abc}}]
contexts: [{name: x, context: {cluster: c, user: u}}]
current-context: x
`
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(p, "")
	if err != nil || c.Host != "https://127.0.0.1:6443" || c.BearerToken != "abc" {
		t.Fatalf("Load: %+v, %v", c, err)
	}
	if _, err := Load(p, "other"); err == nil || !strings.Contains(err.Error(), `context "other"`) {
		t.Errorf("unknown context: %v", err)
	}
}
