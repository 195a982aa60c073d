package api_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/greenlang/gl001/simulator/api"
)

func TestLoadProfile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	g, err := api.LoadProfile("guide")
	if err != nil || g != api.GuideProfile() || g.Topic != "agent.coordination" || g.Group != "gl-001-orchestrator" || g.Namespace != "greenlang" {
		t.Fatalf("guide: %+v, %v", g, err)
	}

	gl, err := api.LoadProfile("greenlang")
	if err != nil || gl != api.GreenlangProfile() || gl.Deployment != "gl-001-process-heat" || gl.Selector != "app=gl-001-process-heat" ||
		gl.Metrics.OrchestrationLatencyP95Seconds != "gl_001_orchestration_duration_seconds" || gl.Topic != g.Topic || gl.Paths != g.Paths || gl.Validate() != nil {
		t.Fatalf("greenlang: %+v, %v", gl, err)
	}

	p, err := api.LoadProfile(write("ours.json", `{"topic": "plant.events", "paths": {"optimize": "/v2/optimize"}, "metrics": {"requests_total": "orch_requests_total"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Topic != "plant.events" || p.Paths.Optimize != "/v2/optimize" || p.Metrics.RequestsTotal != "orch_requests_total" ||
		p.AckTopic != "agent.coordination.ack" || p.Paths.Health != "/api/v1/health" || p.Metrics.AgentCoordinationPerSecond != "agent_coordination_per_second" {
		t.Errorf("a partial profile keeps the guide's other names: %+v", p)
	}

	for _, tc := range []struct{ name, body, want string }{
		{"unknown field", `{"topik": "x"}`, `unknown field "topik"`},
		{"empty name", `{"group": ""}`, "group is empty"},
		{"path without slash", `{"paths": {"metrics": "metrics"}}`, `paths.metrics "metrics", want a path starting with /`},
		{"trailing data", `{} {}`, "data after the profile object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := write(strings.ReplaceAll(tc.name, " ", "_")+".json", tc.body)
			_, err := api.LoadProfile(f)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), f) {
				t.Errorf("err %v, want one naming %s and %q", err, f, tc.want)
			}
		})
	}
	if _, err := api.LoadProfile(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), `want "guide", "greenlang" or a JSON profile file`) {
		t.Errorf("missing file: %v", err)
	}
}
