package sampler

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/greenlang/gl001/simulator/api"
)

// Whatever an orchestrator answers, a decoded pool encodes as JSON (no
// NaN or infinity reaches intervals.ndjson).
func FuzzDecodeDatabase(f *testing.F) {
	f.Add([]byte(`{"connection_pool": {"size": 100, "in_use": 92, "available": 8, "wait_count": 450}}`))
	f.Add([]byte(`{"connection_pool": {"size": 0, "in_use": 3}}`))
	f.Add([]byte(`{"connection_pool": {"size": 1e300, "in_use": -1e300, "timeouts": 9.5}}`))
	f.Add([]byte(`{"connection_pool": null}`))
	f.Add([]byte(`{"connection_pool": {"size": 4, "in_use": 1, "wait_count": null, "timeouts": "x", "max_in_use": 1e30}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		db, gaps, err := decodeDatabase(body)
		if err != nil {
			return
		}
		if p := db.InUsePercent; p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0)) {
			t.Fatalf("in_use_percent %v from %q", *p, body)
		}
		if (db.InUsePercent == nil) != (db.Size == 0) {
			t.Fatalf("in_use_percent %v with size %d from %q", db.InUsePercent, db.Size, body)
		}
		// Every optional figure is read or has a Gap naming it.
		named := map[string]bool{}
		for _, g := range gaps {
			if g.Sampler != "database" || g.Field == "" || g.Reason == "" {
				t.Fatalf("gap %+v from %q", g, body)
			}
			named[g.Field] = true
		}
		for field, p := range map[string]*int64{"wait_count": db.WaitCount, "timeouts": db.Timeouts, "max_in_use": db.MaxInUse} {
			if (p == nil) != named[field] {
				t.Fatalf("%s = %v, gap %v, from %q", field, p, named[field], body)
			}
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
		tm, gaps := targetMetrics(fams, api.GuideProfile().Metrics, nil, newScrapes(time.Time{}), newScrapes(time.Now()))
		if _, err := json.Marshal(tm); err != nil {
			t.Fatalf("%q gives %+v: %v", text, tm, err)
		}
		// Six figures: each read, or a Gap.
		read := 0
		for _, p := range []*float64{tm.OrchestrationLatencyP95Seconds, tm.HeatOptimizationTimeP95Seconds, tm.AgentCoordinationPerSecond,
			tm.BoilerCalculationQueueDepth, tm.RequestsTotal, tm.CoordinationFailuresTotal} {
			if p != nil {
				read++
			}
		}
		if read+len(gaps) != 6 {
			t.Fatalf("%q: %d figures read and %d gaps, want 6 in all: %+v", text, read, len(gaps), gaps)
		}
	})
}
