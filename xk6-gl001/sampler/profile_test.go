package sampler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/simulator"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// Each built-in profile against the stand-in serving that profile's
// names: the samplers a run builds (NewSet) read every figure of the
// orchestrator's /metrics, the pool and the lag under those names, the
// probes answer at the profile's paths, and the guide's gauges are not
// what a greenlang scrape reads (its p95s come from histograms).
func TestProfilesAgainstStandIn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts replica processes and a Kafka broker")
	}
	for _, name := range api.BuiltinProfiles() {
		t.Run(name, func(t *testing.T) {
			prof, err := api.LoadProfile(name)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			const plants, agents = 3, 15
			si, err := simulator.Start(ctx, simulator.Options{
				Plants: plants, Agents: agents, Replicas: 1, Listen: "127.0.0.1:0", Partitions: 2, Workers: 2,
				Profile: prof, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			})
			if err != nil {
				t.Fatal(err)
			}
			defer si.Stop()
			for _, path := range []string{prof.Paths.Health, prof.Paths.Ready} {
				resp, err := http.Get(si.API() + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s: %s", path, resp.Status)
				}
			}
			exposition := get(t, si.API()+prof.Paths.Prometheus)
			for _, m := range []string{prof.Metrics.OrchestrationLatencyP95Seconds, prof.Metrics.HeatOptimizationTimeP95Seconds,
				prof.Metrics.AgentCoordinationPerSecond, prof.Metrics.BoilerCalculationQueueDepth, prof.Metrics.RequestsTotal, prof.Metrics.CoordinationFailuresTotal} {
				if !strings.Contains(exposition, "\n# TYPE "+m+" ") {
					t.Errorf("%s is not exposed", m)
				}
			}

			set, err := sampler.NewSet(sampler.Config{Target: si.API(), Profile: prof, Bus: kafkabus.Options{Brokers: si.Brokers()}})
			if err != nil {
				t.Fatal(err)
			}
			defer set.Close()
			set.Timeout = 3 * time.Second
			set.Sample(ctx, time.Now()) // the first scrape, so the next has a window

			// Between two scrapes: requests (observed latencies) and events.
			f, err := fleet.New(fleet.Config{Plants: plants, Agents: agents, Seed: 3})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 3 {
				body, _ := json.Marshal(f.NextRequest(fleet.DefaultStart.Add(time.Duration(i) * time.Minute)))
				resp, err := http.Post(si.API()+prof.Paths.Optimize, "application/json", bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("optimize: %s", resp.Status)
				}
			}
			s := set.Sample(ctx, time.Now())
			var gaps []sampler.Gap
			for _, g := range s.Gaps {
				if g != maxInUseGap { // the front door does not make up a deployment's peak
					gaps = append(gaps, g)
				}
			}
			if len(gaps) > 0 {
				t.Errorf("%s: figures not read: %+v", name, gaps)
			}
			tg := s.Target
			if tg == nil || !positive(tg.OrchestrationLatencyP95Seconds) || !positive(tg.HeatOptimizationTimeP95Seconds) ||
				tg.AgentCoordinationPerSecond == nil || !is(tg.BoilerCalculationQueueDepth, 0) || !is(tg.RequestsTotal, 3) || !is(tg.CoordinationFailuresTotal, 0) {
				t.Errorf("%s: target %s", name, mustJSON(tg))
			}
			if s.Lag == nil || s.Lag.Group != prof.Group || s.Lag.Topic != prof.Topic {
				t.Errorf("%s: lag %+v", name, s.Lag)
			}
			gauges := []string{"orchestration_latency_p95_seconds", "heat_optimization_time_p95"}
			for _, g := range gauges {
				has := strings.Contains(exposition, "\n# TYPE "+g+" gauge")
				if want := name == "guide"; has != want {
					t.Errorf("%s: gauge %s exposed %v, want %v", name, g, has, want)
				}
			}
		})
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
