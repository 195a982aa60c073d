package sampler

import (
	"bytes"
	"encoding/json"
	"github.com/greenlang/gl001/simulator/api"
	"math"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Whatever an orchestrator answers, a decoded pool encodes as JSON (no
// NaN or infinity reaches intervals.ndjson).
func FuzzDecodeDatabase(f *testing.F) {
	f.Add([]byte(`{"connection_pool": {"size": 100, "in_use": 92, "available": 8, "wait_count": 450}}`))
	f.Add([]byte(`{"connection_pool": {"size": 0, "in_use": 3}}`))
	f.Add([]byte(`{"connection_pool": {"size": 1e300, "in_use": -1e300, "timeouts": 9.5}}`))
	f.Add([]byte(`{"connection_pool": null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		db, err := decodeDatabase(body)
		if err != nil {
			return
		}
		if math.IsNaN(db.InUsePercent) || math.IsInf(db.InUsePercent, 0) {
			t.Fatalf("in_use_percent %v from %q", db.InUsePercent, body)
		}
		if _, err := json.Marshal(db); err != nil {
			t.Fatalf("%q: %v", body, err)
		}
	})
}

// Whatever a /metrics endpoint serves, parsed figures encode as JSON.
func FuzzTargetMetrics(f *testing.F) {
	f.Add([]byte("# TYPE orchestration_latency_p95_seconds gauge\norchestration_latency_p95_seconds{replica=\"replica-0\"} 0.8\n"))
	f.Add([]byte("agent_coordination_per_second NaN\nagent_coordination_per_second{a=\"b\"} +Inf\nboiler_calculation_queue_depth -Inf\n"))
	f.Add([]byte("# TYPE gl_001_orchestration_requests_total counter\ngl_001_orchestration_requests_total{status=\"ok\"} 1e308\ngl_001_orchestration_requests_total{status=\"error\"} 1e308\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(bytes.NewReader(text))
		if err != nil {
			return
		}
		tm := targetMetrics(fams, api.GuideProfile().Metrics)
		if _, err := json.Marshal(tm); err != nil {
			t.Fatalf("%q gives %+v: %v", text, tm, err)
		}
	})
}
