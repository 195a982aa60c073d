package sampler

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/greenlang/gl001/simulator/api"
)

// maxMetricsBytes bounds a /metrics body; a real orchestrator's is tens of
// kilobytes.
const maxMetricsBytes = 32 << 20

// maxDatabaseBytes bounds a /api/v1/metrics/database body.
const maxDatabaseBytes = 1 << 20

// withDefaults fills empty names from the guide's profile.
func withDefaults(n api.MetricNames) api.MetricNames {
	d := api.GuideProfile().Metrics
	n.OrchestrationLatencyP95Seconds = or(n.OrchestrationLatencyP95Seconds, d.OrchestrationLatencyP95Seconds)
	n.HeatOptimizationTimeP95Seconds = or(n.HeatOptimizationTimeP95Seconds, d.HeatOptimizationTimeP95Seconds)
	n.AgentCoordinationPerSecond = or(n.AgentCoordinationPerSecond, d.AgentCoordinationPerSecond)
	n.BoilerCalculationQueueDepth = or(n.BoilerCalculationQueueDepth, d.BoilerCalculationQueueDepth)
	n.RequestsTotal = or(n.RequestsTotal, d.RequestsTotal)
	n.CoordinationFailuresTotal = or(n.CoordinationFailuresTotal, d.CoordinationFailuresTotal)
	return n
}

// Target scrapes the orchestrator's Prometheus endpoint, BaseURL +
// "/metrics" (the stand-in's front door merges its replicas there, each
// series labelled replica; a Service address gives one pod per scrape).
//
// The p95 gauges are the worst series (percentiles do not add up), the
// rate, queue depth and counters are summed over series. Gauges, counters
// and untyped samples are read; a NaN or infinite sample is skipped. A
// metric that is not exposed leaves its field 0; Series counts every
// series parsed, so a scrape that found nothing shows. Safe for
// concurrent use.
type Target struct {
	BaseURL string
	// Client makes the request; http.DefaultClient when nil. The Set's
	// context bounds it.
	Client *http.Client
	// Path is the exposition's path; the guide's /metrics when empty.
	Path string
	// Names of the metrics read (the profile's); empty ones are the
	// guide's.
	Names api.MetricNames
}

// Name is "target".
func (t *Target) Name() string { return "target" }

// Sample scrapes /metrics once.
func (t *Target) Sample(ctx context.Context, s *Sample) error {
	path := or(t.Path, api.PathPrometheus)
	body, err := get(ctx, t.Client, t.BaseURL, path, "text/plain;version=0.0.4", maxMetricsBytes)
	if err != nil {
		return err
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	s.Target = targetMetrics(fams, withDefaults(t.Names))
	return nil
}

// targetMetrics reads names' metrics from parsed families.
func targetMetrics(fams map[string]*dto.MetricFamily, names api.MetricNames) *TargetMetrics {
	out := &TargetMetrics{}
	for _, f := range fams {
		out.Series += len(f.GetMetric())
	}
	maxOf := func(name string) float64 {
		v := 0.0
		for _, x := range values(fams[name]) {
			v = math.Max(v, x)
		}
		return v
	}
	sumOf := func(name string) float64 {
		v := 0.0
		for _, x := range values(fams[name]) {
			v += x
		}
		return finite(v)
	}
	out.OrchestrationLatencyP95Seconds = maxOf(names.OrchestrationLatencyP95Seconds)
	out.HeatOptimizationTimeP95Seconds = maxOf(names.HeatOptimizationTimeP95Seconds)
	out.AgentCoordinationPerSecond = sumOf(names.AgentCoordinationPerSecond)
	out.BoilerCalculationQueueDepth = sumOf(names.BoilerCalculationQueueDepth)
	out.RequestsTotal = sumOf(names.RequestsTotal)
	out.CoordinationFailuresTotal = sumOf(names.CoordinationFailuresTotal)
	return out
}

// values are the finite gauge, counter or untyped values of f's series.
func values(f *dto.MetricFamily) []float64 {
	var out []float64
	for _, m := range f.GetMetric() {
		var v float64
		switch {
		case m.Gauge != nil:
			v = m.GetGauge().GetValue()
		case m.Counter != nil:
			v = m.GetCounter().GetValue()
		case m.Untyped != nil:
			v = m.GetUntyped().GetValue()
		default:
			continue
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		out = append(out, v)
	}
	return out
}

// DatabasePool reads the orchestrator's connection pool from BaseURL +
// "/api/v1/metrics/database": the guide's
// `.connection_pool | {size, in_use, available, wait_count}`, plus
// timeouts and max_in_use where the orchestrator reports them (0
// otherwise). Numbers may be integers or floats in the JSON; floats are
// rounded. A body without connection_pool, or without size or in_use, is a
// Gap: the guide's figures are not there. Safe for concurrent use.
type DatabasePool struct {
	BaseURL string
	// Path is the endpoint's path; the guide's /api/v1/metrics/database
	// when empty.
	Path string
	// Client makes the request; http.DefaultClient when nil.
	Client *http.Client
}

// Name is "database".
func (d *DatabasePool) Name() string { return "database" }

// Sample reads the pool once.
func (d *DatabasePool) Sample(ctx context.Context, s *Sample) error {
	path := or(d.Path, api.PathDatabase)
	body, err := get(ctx, d.Client, d.BaseURL, path, "application/json", maxDatabaseBytes)
	if err != nil {
		return err
	}
	db, err := decodeDatabase(body)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	s.Database = db
	return nil
}

// decodeDatabase reads the guide's database metrics object.
func decodeDatabase(body []byte) (*Database, error) {
	var v struct {
		ConnectionPool *struct {
			Size      *float64 `json:"size"`
			InUse     *float64 `json:"in_use"`
			Available *float64 `json:"available"`
			WaitCount *float64 `json:"wait_count"`
			Timeouts  *float64 `json:"timeouts"`
			MaxInUse  *float64 `json:"max_in_use"`
		} `json:"connection_pool"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("not the database metrics JSON: %w", err)
	}
	p := v.ConnectionPool
	if p == nil {
		return nil, errors.New("no connection_pool object in the answer")
	}
	if p.Size == nil || p.InUse == nil {
		return nil, errors.New("connection_pool lacks size or in_use")
	}
	n := func(f *float64) int64 {
		if f == nil || math.IsNaN(*f) || *f < math.MinInt64 || *f >= math.MaxInt64 {
			return 0
		}
		return int64(math.Round(*f))
	}
	db := &Database{
		Size: n(p.Size), InUse: n(p.InUse), WaitCount: n(p.WaitCount),
		Timeouts: n(p.Timeouts), MaxInUse: n(p.MaxInUse),
	}
	if p.Available != nil {
		db.Available = n(p.Available)
	} else {
		db.Available = max(0, db.Size-db.InUse)
	}
	db.InUsePercent = percentOf(float64(db.InUse), float64(db.Size))
	return db, nil
}

// get GETs base+path and returns the body of a 200 answer, at most
// maxBytes long. Any other answer is an error quoting the start of its
// body.
func get(ctx context.Context, c *http.Client, base, path, accept string, maxBytes int64) ([]byte, error) {
	if base == "" {
		return nil, errors.New("no base URL configured")
	}
	if c == nil {
		c = http.DefaultClient
	}
	url := strings.TrimRight(base, "/") + path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	req.Header.Set("Accept", accept)
	resp, err := c.Do(req)
	if err != nil {
		return nil, err // a *url.Error names the method and URL
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		msg := strings.TrimSpace(string(b))
		if msg != "" {
			msg = ": " + msg
		}
		return nil, fmt.Errorf("GET %s: %s%s", url, resp.Status, msg)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading the body: %w", url, err)
	}
	if int64(len(b)) > maxBytes {
		return nil, fmt.Errorf("GET %s: body longer than %d bytes", url, maxBytes)
	}
	return b, nil
}

// finite is v with an overflow to ±Inf turned into ±math.MaxFloat64:
// encoding/json refuses infinities, and a whole Sample must not be lost
// to one absurd figure.
func finite(v float64) float64 {
	switch {
	case math.IsInf(v, 1):
		return math.MaxFloat64
	case math.IsInf(v, -1):
		return -math.MaxFloat64
	}
	return v
}
