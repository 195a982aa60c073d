package orchestrator

import (
	"math"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	dto "github.com/prometheus/client_model/go"

	"github.com/greenlang/gl001/simulator/api"
)

// metrics are one replica's measurements. Every figure the replica reports,
// in /metrics and in /api/v1/metrics alike, is read from these collectors,
// so the two can never disagree.
type metrics struct {
	reg *prometheus.Registry

	// The guide's names.
	orchestrationLatency prometheus.Summary // sliding window, for the p95 gauges
	heatOptimization     prometheus.Summary
	coordinationRate     *rateWindow

	// The public implementation's gl_001_ families.
	orchestrationDuration prometheus.Histogram
	orchestrationRequests *prometheus.CounterVec // status: ok|invalid|error
	coordinationFailures  prometheus.Counter
	coordinationEvents    *prometheus.CounterVec // status: ok|error
	messageBusLatency     prometheus.Histogram
	dbQueryDuration       prometheus.Histogram
	calculationDuration   prometheus.Observer // the LP dispatch, calculation_type heat_dispatch
	messageBusMessages    prometheus.Counter  // acks sent on the bus
}

// The public implementation's families the replica exposes under fixed
// names. A profile that names one of them for a figure the guide reads
// from a gauge (the greenlang profile's p95s and coordination rate) is
// served by the family itself, and the gauge is not registered: the
// target sampler reads a histogram's p95 and a counter's rate over the
// time between two scrapes.
const (
	familyOrchestrationDuration = "gl_001_orchestration_duration_seconds"
	familyCalculationDuration   = "gl_001_calculation_duration_seconds"
	familyMessageBusMessages    = "gl_001_message_bus_messages_total"
)

// The status label values of gl_001_orchestration_requests_total.
const (
	outcomeOK      = "ok"
	outcomeInvalid = "invalid"
	outcomeError   = "error"
)

// window is how far back the p95 gauges and the coordination rate look.
const window = 60 * time.Second

func newMetrics(replica string, names api.MetricNames, poolSize func() float64, queueDepth func() float64, cpuPercent, memPercent func() float64) *metrics {
	reg := prometheus.NewRegistry()
	f := prometheus.WrapRegistererWith(prometheus.Labels{"replica": replica}, reg)
	m := &metrics{
		reg: reg,
		orchestrationLatency: prometheus.NewSummary(prometheus.SummaryOpts{
			Name:       "gl001_standin_orchestration_latency_seconds",
			Help:       "Time to answer one heat-optimization request (decode, database, dispatch), sliding window.",
			Objectives: map[float64]float64{0.5: 0.01, 0.95: 0.005, 0.99: 0.001},
			MaxAge:     window, AgeBuckets: 6,
		}),
		heatOptimization: prometheus.NewSummary(prometheus.SummaryOpts{
			Name:       "gl001_standin_heat_optimization_seconds",
			Help:       "Time spent in the LP dispatch of one request, sliding window.",
			Objectives: map[float64]float64{0.5: 0.01, 0.95: 0.005, 0.99: 0.001},
			MaxAge:     window, AgeBuckets: 6,
		}),
		coordinationRate: newRateWindow(10 * time.Second),
		orchestrationDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    familyOrchestrationDuration,
			Help:    "Duration of heat-optimization orchestrations.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
		orchestrationRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: names.RequestsTotal,
			Help: "Heat-optimization requests by outcome.",
		}, []string{"status"}),
		coordinationFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: names.CoordinationFailuresTotal,
			Help: "Coordination events acknowledged with status error.",
		}),
		coordinationEvents: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "gl001_standin_coordination_events_total",
			Help: "Coordination events processed, by ack status.",
		}, []string{"status"}),
		messageBusLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "gl_001_message_bus_latency_seconds",
			Help:    "Time from an event's sent_at to the start of its processing.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 18),
		}),
		dbQueryDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "gl_001_db_query_duration_seconds",
			Help:    "Database work per call: waiting for a pooled connection plus the queries.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}),
	}
	calc := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    familyCalculationDuration,
		Help:    "Calculation execution time: the LP heat dispatch of one request.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
	}, []string{"calculation_type"})
	m.calculationDuration = calc.WithLabelValues("heat_dispatch")
	busMessages := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: familyMessageBusMessages,
		Help: "Messages sent via the message bus: one acknowledgement per coordination event processed.",
	}, []string{"message_type"})
	m.messageBusMessages = busMessages.WithLabelValues("coordination_ack")
	f.MustRegister(m.orchestrationLatency, m.heatOptimization, m.orchestrationDuration, m.orchestrationRequests,
		m.coordinationFailures, m.coordinationEvents, m.messageBusLatency, m.dbQueryDuration, calc, busMessages)
	families := map[string]bool{familyOrchestrationDuration: true, familyCalculationDuration: true, familyMessageBusMessages: true}
	for _, g := range []struct {
		name, help string
		fn         func() float64
	}{
		{names.OrchestrationLatencyP95Seconds, "95th percentile orchestration latency over the last minute (the guide's HPA metric); NaN with no request in that minute.",
			func() float64 { return quantileOrNaN(m.orchestrationLatency, 0.95) }},
		{names.HeatOptimizationTimeP95Seconds, "95th percentile heat-optimization (LP dispatch) time over the last minute, seconds; NaN with no solve in that minute.",
			func() float64 { return quantileOrNaN(m.heatOptimization, 0.95) }},
		{names.AgentCoordinationPerSecond, "Coordination events processed per second over the last 10 s (the guide's HPA metric).",
			m.coordinationRate.PerSecond},
	} {
		if !families[g.name] {
			f.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: g.name, Help: g.help}, g.fn))
		}
	}
	f.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: names.BoilerCalculationQueueDepth,
			Help: "Coordination events fetched from Kafka and waiting for a worker.",
		}, queueDepth),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "gl_001_db_connection_pool_size",
			Help: "Configured database connection pool size (DB_POOL_SIZE).",
		}, poolSize),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "gl001_standin_cpu_percent",
			Help: "CPU use over the last sampling interval, percent of the replica's CPU limit; NaN before the second reading or without a limit.",
		}, cpuPercent),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "gl001_standin_memory_percent",
			Help: "Resident memory, percent of the replica's memory limit; NaN before the first reading or without a limit.",
		}, memPercent),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
	)
	// Every outcome's series exists from the start at 0, a reading: a
	// counter vector shows no series until its first increment, and a
	// scrape could not tell "none yet" from "not exposed".
	for _, o := range []string{outcomeOK, outcomeInvalid, outcomeError} {
		m.orchestrationRequests.WithLabelValues(o)
	}
	for _, s := range []string{api.AckOK, api.AckError} {
		m.coordinationEvents.WithLabelValues(s)
	}
	return m
}

// quantile reads quantile q of a summary's current window; ok is false
// when the window is empty (the summary reports NaN then).
func quantile(s prometheus.Summary, q float64) (v float64, ok bool) {
	var d dto.Metric
	if err := s.Write(&d); err != nil {
		return 0, false
	}
	for _, qv := range d.GetSummary().GetQuantile() {
		if qv.GetQuantile() == q {
			if v := qv.GetValue(); !math.IsNaN(v) {
				return v, true
			}
		}
	}
	return 0, false
}

// quantileOrNaN is quantile q of s's window, NaN when it is empty: what a
// gauge exposes when there is no data behind it.
func quantileOrNaN(s prometheus.Summary, q float64) float64 {
	if v, ok := quantile(s, q); ok {
		return v
	}
	return math.NaN()
}

// counterValue reads a counter's value.
func counterValue(c prometheus.Counter) float64 {
	var d dto.Metric
	if err := c.Write(&d); err != nil {
		return 0
	}
	return d.GetCounter().GetValue()
}

// rateWindow counts events in one-second buckets over a sliding span and
// answers the mean rate. Safe for concurrent use.
type rateWindow struct {
	mu      sync.Mutex
	span    int // seconds
	buckets []int64
	last    int64 // unix second of the newest bucket
	now     func() time.Time
}

func newRateWindow(span time.Duration) *rateWindow {
	n := int(span / time.Second)
	return &rateWindow{span: n, buckets: make([]int64, n), now: time.Now}
}

// advance rotates the buckets up to second sec, zeroing the ones skipped.
func (w *rateWindow) advance(sec int64) {
	if w.last == 0 || sec-w.last >= int64(w.span) {
		clear(w.buckets)
		w.last = sec
		return
	}
	for ; w.last < sec; w.last++ {
		w.buckets[(w.last+1)%int64(w.span)] = 0
	}
}

// Add counts n events now.
func (w *rateWindow) Add(n int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	sec := w.now().Unix()
	w.advance(sec)
	w.buckets[sec%int64(w.span)] += n
}

// PerSecond is the mean rate over the span's completed seconds plus the
// current one, events per second.
func (w *rateWindow) PerSecond() float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.advance(w.now().Unix())
	var sum int64
	for _, b := range w.buckets {
		sum += b
	}
	return float64(sum) / float64(w.span)
}
