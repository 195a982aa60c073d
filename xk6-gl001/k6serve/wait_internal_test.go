package k6serve

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/synctest"
	"time"
)

// TestWaitForK6 runs wait in simulated time against the files k6 leaves.
func TestWaitForK6(t *testing.T) {
	tests := []struct {
		name    string
		summary string // "" = not written
		points  string
		want    string
	}{
		{name: "k6 done", summary: `{"metrics":{}}`, points: `{"type":"Point"}` + "\n", want: "k6 finished"},
		{name: "summary half written", summary: `{"metrics":`, points: "x", want: "interrupted"},
		{name: "no points file", summary: `{}`, want: "interrupted"},
		{name: "k6 still running", points: "x", want: "interrupted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			summary, points := filepath.Join(dir, "summary.json"), filepath.Join(dir, "points.json")
			for p, body := range map[string]string{summary: tt.summary, points: tt.points} {
				if body != "" {
					if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				if got := wait(ctx, make(chan struct{}), true, summary, points); got != tt.want {
					t.Errorf("wait = %q, want %q", got, tt.want)
				}
			})
		})
	}
}

// TestWaitWithoutUntilK6 ignores k6's files and ends with ctx or the
// observer.
func TestWaitWithoutUntilK6(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := make(chan struct{})
		close(obs)
		if got := wait(t.Context(), obs, false, "", ""); got != "observer stopped" {
			t.Errorf("wait = %q, want observer stopped", got)
		}
	})
}
