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
	"slices"
	"strings"
	"sync"
	"time"

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
// metric that is not exposed, is of another type, or has no finite sample
// leaves its field null and adds a Gap naming the field and why, never a
// 0; Series counts every series parsed. Safe for concurrent use.
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

	mu   sync.Mutex
	last *scrapes // the previous scrape's histograms and counters
}

// Name is "target".
func (t *Target) Name() string { return samplerTarget }

// The samplers' names, as their Gaps record them.
const (
	samplerTarget   = "target"
	samplerDatabase = "database"
)

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
	t.mu.Lock()
	defer t.mu.Unlock()
	prev := t.last
	if prev == nil {
		prev = newScrapes(time.Time{})
	}
	next := newScrapes(time.Now())
	s.Target, s.Gaps = targetMetrics(fams, withDefaults(t.Names), s.Gaps, prev, next)
	t.last = next
	return nil
}

// targetMetrics reads names' metrics from parsed families, appending a Gap
// to gaps for each figure it could not read. A p95 figure may be a gauge
// or a histogram, and the coordination rate a gauge or a counter; those
// histograms and counters are read against prev, the previous scrape, and
// recorded in next (see scrapes).
func targetMetrics(fams map[string]*dto.MetricFamily, names api.MetricNames, gaps []Gap, prev, next *scrapes) (*TargetMetrics, []Gap) {
	out := &TargetMetrics{}
	for _, f := range fams {
		out.Series += len(f.GetMetric())
	}
	read := func(field, metric string, combine func([]float64) float64) *float64 {
		f := fams[metric]
		var windowed func(*dto.MetricFamily, string, *scrapes, *scrapes) (float64, string)
		switch {
		case f == nil: // not exposed: values says so
		case f.GetType() == dto.MetricType_HISTOGRAM && strings.Contains(field, "p95"):
			windowed = histogramP95
		case f.GetType() == dto.MetricType_COUNTER && strings.HasSuffix(field, "_per_second"):
			windowed = counterRate
		}
		if windowed != nil {
			v, why := windowed(f, metric, prev, next)
			if why != "" {
				gaps = append(gaps, Gap{Sampler: samplerTarget, Field: field, Reason: why})
				return nil
			}
			v = finite(v)
			return &v
		}
		vs, why := values(f, metric)
		if why != "" {
			gaps = append(gaps, Gap{Sampler: samplerTarget, Field: field, Reason: why})
			return nil
		}
		v := finite(combine(vs))
		return &v
	}
	maxOf := func(vs []float64) float64 { return slices.Max(vs) }
	sumOf := func(vs []float64) float64 {
		v := 0.0
		for _, x := range vs {
			v += x
		}
		return v
	}
	out.OrchestrationLatencyP95Seconds = read("orchestration_latency_p95_seconds", names.OrchestrationLatencyP95Seconds, maxOf)
	out.HeatOptimizationTimeP95Seconds = read("heat_optimization_time_p95_seconds", names.HeatOptimizationTimeP95Seconds, maxOf)
	out.AgentCoordinationPerSecond = read("agent_coordination_per_second", names.AgentCoordinationPerSecond, sumOf)
	out.BoilerCalculationQueueDepth = read("boiler_calculation_queue_depth", names.BoilerCalculationQueueDepth, sumOf)
	out.RequestsTotal = read("requests_total", names.RequestsTotal, sumOf)
	out.CoordinationFailuresTotal = read("coordination_failures_total", names.CoordinationFailuresTotal, sumOf)
	return out, gaps
}

// values are the finite gauge, counter or untyped values of f's series,
// or, when there are none, why not (f is the family named name, nil when
// it is not exposed).
func values(f *dto.MetricFamily, name string) ([]float64, string) {
	if f == nil {
		return nil, name + " not exposed"
	}
	switch f.GetType() {
	case dto.MetricType_HISTOGRAM, dto.MetricType_GAUGE_HISTOGRAM, dto.MetricType_SUMMARY:
		kind := strings.ToLower(strings.ReplaceAll(f.GetType().String(), "_", " "))
		return nil, fmt.Sprintf("%s is a %s; only gauges, counters and untyped metrics are read here (a histogram only for a p95)", name, kind)
	}
	var out []float64
	nan, series := 0, 0
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
		series++
		switch {
		case math.IsNaN(v):
			nan++
		case math.IsInf(v, 0):
		default:
			out = append(out, v)
		}
	}
	switch {
	case len(out) > 0:
		return out, ""
	case series == 0:
		return nil, name + " exposes no series"
	case nan == series:
		return nil, name + " has no finite value (NaN in every series: no data behind it)"
	}
	return nil, name + " has no finite value (NaN or ±Inf in every series)"
}

// DatabasePool reads the orchestrator's connection pool from BaseURL +
// "/api/v1/metrics/database": the guide's
// `.connection_pool | {size, in_use, available, wait_count}`, plus
// timeouts and max_in_use where the orchestrator reports them. Numbers may
// be integers or floats in the JSON; floats are rounded. A body without
// connection_pool, or without a usable size or in_use, is an error (a Gap
// for the whole reading); wait_count, timeouts or max_in_use missing, null
// or unusable is null in the record with a Gap naming it, never 0. Safe
// for concurrent use.
type DatabasePool struct {
	BaseURL string
	// Path is the endpoint's path; the guide's /api/v1/metrics/database
	// when empty.
	Path string
	// Client makes the request; http.DefaultClient when nil.
	Client *http.Client
}

// Name is "database".
func (d *DatabasePool) Name() string { return samplerDatabase }

// Sample reads the pool once.
func (d *DatabasePool) Sample(ctx context.Context, s *Sample) error {
	path := or(d.Path, api.PathDatabase)
	body, err := get(ctx, d.Client, d.BaseURL, path, "application/json", maxDatabaseBytes)
	if err != nil {
		return err
	}
	db, gaps, err := decodeDatabase(body)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	s.Database = db
	s.Gaps = append(s.Gaps, gaps...)
	return nil
}

// decodeDatabase reads the guide's database metrics object, and a Gap for
// each optional figure it could not read.
func decodeDatabase(body []byte) (*Database, []Gap, error) {
	var v struct {
		ConnectionPool map[string]json.RawMessage `json:"connection_pool"`
	}
	if err := json.Unmarshal(body, &v); err != nil {
		return nil, nil, fmt.Errorf("not the database metrics JSON: %w", err)
	}
	p := v.ConnectionPool
	if p == nil {
		return nil, nil, errors.New("no connection_pool object in the answer")
	}
	size, whySize := count(p, "size")
	inUse, whyInUse := count(p, "in_use")
	if size == nil || inUse == nil {
		return nil, nil, fmt.Errorf("connection_pool lacks size or in_use: %s", strings.Join(nonEmpty(whySize, whyInUse), "; "))
	}
	db := &Database{Size: *size, InUse: *inUse}
	var gaps []Gap
	optional := func(field string) *int64 {
		n, why := count(p, field)
		if why != "" {
			gaps = append(gaps, Gap{Sampler: samplerDatabase, Field: field, Reason: why})
		}
		return n
	}
	if a, why := count(p, "available"); why == "" {
		db.Available = *a
	} else {
		db.Available = max(0, db.Size-db.InUse) // of the same reading
	}
	db.WaitCount = optional("wait_count")
	db.Timeouts = optional("timeouts")
	db.MaxInUse = optional("max_in_use")
	if db.Size > 0 {
		db.InUsePercent = ptr(finite(float64(db.InUse) / float64(db.Size) * 100))
	} else {
		gaps = append(gaps, Gap{Sampler: samplerDatabase, Field: "in_use_percent", Reason: fmt.Sprintf("connection_pool size is %d", db.Size)})
	}
	return db, gaps, nil
}

// count reads connection_pool field as a count of connections or events,
// rounded; nil with the reason when it is missing, null, not a number or
// beyond int64.
func count(pool map[string]json.RawMessage, field string) (*int64, string) {
	raw, ok := pool[field]
	if !ok {
		return nil, "connection_pool has no " + field
	}
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, "connection_pool " + field + " is null"
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Sprintf("connection_pool %s is not a number: %.40s", field, raw)
	}
	if f < math.MinInt64 || f >= math.MaxInt64 {
		return nil, fmt.Sprintf("connection_pool %s (%g) is beyond a count", field, f)
	}
	return ptr(int64(math.Round(f))), ""
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

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
