package observer_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/observer"
	"github.com/greenlang/gl001/xk6-gl001/record"
	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// orchestrator serves the two endpoints the HTTP samplers read, as the
// guide names them.
func orchestrator(t *testing.T) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc(api.PathPrometheus, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		io.WriteString(w, "# TYPE orchestration_latency_p95_seconds gauge\norchestration_latency_p95_seconds 0.25\n"+
			"# TYPE boiler_calculation_queue_depth gauge\nboiler_calculation_queue_depth 7\n")
	})
	mux.HandleFunc(api.PathDatabase, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"connection_pool":{"size":20,"in_use":3,"available":17,"wait_count":0}}`)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func read(t *testing.T, dir string) (metrics.Header, []metrics.Interval) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, observer.IntervalsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, ivs, err := metrics.ReadIntervals(f)
	if err != nil {
		t.Fatal(err)
	}
	return h, ivs
}

func TestRunForDuration(t *testing.T) {
	srv := orchestrator(t)
	dir := filepath.Join(t.TempDir(), "observed")
	out, err := observer.Run(context.Background(), observer.Options{OutDir: dir, Interval: 50 * time.Millisecond, Duration: 320 * time.Millisecond,
		Samplers: sampler.Config{Target: srv.URL, Profile: api.GuideProfile()}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Stopped != "duration" || out.Intervals < 4 {
		t.Errorf("stopped %q after %d intervals, want duration after about 7", out.Stopped, out.Intervals)
	}
	h, ivs := read(t, dir)
	if len(ivs) != out.Intervals || len(h.Metrics) != 0 {
		t.Errorf("%d intervals in the file (outcome %d), %d metrics declared (want none: no load)", len(ivs), out.Intervals, len(h.Metrics))
	}
	for _, iv := range ivs {
		if len(iv.Metrics) != 0 || iv.Extra[record.SamplesKey] == nil {
			t.Fatalf("interval %d: metrics %v, samples %s", iv.Seq, iv.Metrics, iv.Extra[record.SamplesKey])
		}
	}
	last := string(ivs[len(ivs)-1].Extra[record.SamplesKey])
	for _, want := range []string{`"size":20`, `"in_use":3`} {
		if !strings.Contains(last, want) {
			t.Errorf("last sample lacks %s: %s", want, last)
		}
	}
}

func TestRunUntilCancelled(t *testing.T) {
	srv := orchestrator(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	out, err := observer.Run(ctx, observer.Options{OutDir: dir, Interval: 40 * time.Millisecond,
		Samplers: sampler.Config{Target: srv.URL, Profile: api.GuideProfile()}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ivs := read(t, dir); out.Stopped != "interrupted" || len(ivs) == 0 {
		t.Errorf("stopped %q, %d intervals", out.Stopped, len(ivs))
	}
	// A second observation must not overwrite the first.
	if _, err := observer.Run(context.Background(), observer.Options{OutDir: dir, Samplers: sampler.Config{Target: srv.URL}}); !errors.Is(err, observer.ErrInput) {
		t.Errorf("into a folder with intervals.ndjson: %v, want ErrInput", err)
	}
}
