package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestPlainWritesAtMostEveryAndOnClose(t *testing.T) {
	var out bytes.Buffer
	d := New(&out, false, time.Hour)
	l := Line{Name: "optimize", Elapsed: 65 * time.Second, Total: 2 * time.Minute, RatePerSecond: 1.66, RateWindow: 12 * time.Second, TargetPerSecond: 1.67, Started: 107, Scheduled: 108, Iterations: 100, Failed: 2, Dropped: 1, VUs: 3}
	d.Update([]Line{l})
	d.Update([]Line{l}) // within the hour: not written
	l.Started = 109
	d.Update([]Line{l})
	d.Close()
	got := out.String()
	if n := strings.Count(got, "\n"); n != 2 {
		t.Fatalf("%d lines, want 2 (first update and close):\n%s", n, got)
	}
	want := "optimize    1m5s/2m0s  started 109 of 108 due  rate 1.66/s over 12s (target 1.67/s)  failed 2  dropped 1  vus 3\n"
	if !strings.HasSuffix(got, want) {
		t.Errorf("last line %q, want %q", got, want)
	}
}

func TestBarsRender(t *testing.T) {
	var out bytes.Buffer
	d := New(&out, true, time.Second)
	d.Update([]Line{{Name: "coordinate", Elapsed: time.Minute, Total: 2 * time.Minute, RatePerSecond: 50, RateWindow: 5 * time.Second, TargetPerSecond: 50, Started: 3000, Scheduled: 3000}})
	d.Close()
	if !strings.Contains(out.String(), "coordinate") || !strings.Contains(out.String(), "3000/3000 due  50.00/50.00/s  fail 0 drop 0 vus 0") {
		t.Errorf("bar output lacks the scenario: %q", out.String())
	}
}
