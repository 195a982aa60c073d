package k6ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/greenlang/gl001/reports/runlog"
	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/xk6-gl001/executor"
	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
	"github.com/greenlang/gl001/xk6-gl001/thresholds"
)

// DefaultInterval is the width of the intervals k6's points are bucketed
// into, as `gl001 run` flushes them.
const DefaultInterval = time.Second

// ErrInput wraps every error caused by the files or settings given (as
// opposed to failing to write the output).
var ErrInput = errors.New("k6 input")

// Options say what to convert and where.
type Options struct {
	K6File      string // --out json (or .gz), --out csv, or a summary
	SummaryFile string // handleSummary JSON or --summary-export; "" for none
	// ObservedDir is a `gl001 observe` folder whose samples are merged in
	// by time; "" for none.
	ObservedDir  string
	ScenarioFile string // the scenario the k6 script plays; "" for none
	Maps         []Mapping
	Interval     time.Duration // 0 = DefaultInterval
	OutDir       string
}

// Result is what Convert learnt, for the report and the terminal.
type Result struct {
	Format Format
	// Thresholds are k6's thresholds, from its Metric lines and the
	// summary, to be evaluated again on the intervals.
	Thresholds thresholds.Set
	// K6Verdicts are k6's own verdicts, from the summary: metric key →
	// expression → held.
	K6Verdicts map[string]map[string]bool
	// Notes are what the report must say about the conversion: the
	// metrics the guide's rows were read from. Warnings are what it could
	// not read: skipped lines, thresholds not seen, totals only.
	Notes, Warnings []string
	Skipped         Skipped
	Points          int64
	Late            int64 // points earlier than the interval being filled
	Mappings        []Mapping
	// TotalsOnly is set for a summary alone: no intervals, no plots, and
	// the thresholds are k6's verdicts, not evaluated again.
	TotalsOnly bool
}

// seenMetric is what the first pass learns of one metric.
type seenMetric struct {
	decl   Declared
	points int64
	// tagged records the values seen of the tags the mappings ask about.
	tagged map[string]map[string]bool
}

// mappedTags are the tags the first pass records values of.
var mappedTags = []string{"name", record.TagExpectedResponse}

// Convert reads the k6 files and writes OutDir/intervals.ndjson and
// OutDir/summary.json, ready for report.Generate. Unreadable lines are
// counted, never fatal; a file that is not k6 output is ErrNotK6.
func Convert(o Options) (Result, error) {
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	res := Result{K6Verdicts: map[string]map[string]bool{}}
	var sum *Summary
	if o.SummaryFile != "" {
		s, err := loadSummary(o.SummaryFile)
		if err != nil {
			return res, err
		}
		sum = &s
	}
	in, err := open(o.K6File)
	if err != nil {
		return res, fmt.Errorf("%w: %w", ErrInput, err)
	}
	res.Format = in.format
	if in.format == FormatSummaryExport || in.format == FormatHandleSummary {
		s, err := readSummary(in.r, in.format)
		in.Close()
		if err != nil {
			return res, fmt.Errorf("%w: %s: %w", ErrInput, o.K6File, err)
		}
		if sum == nil {
			sum = &s
		}
		return convertTotals(o, res, s, sum)
	}
	in.Close()

	// First pass: which metrics, of which types, with which tags.
	seen := map[string]*seenMetric{}
	var first time.Time
	sk, err := readPoints(o.K6File, func(d Declared) {
		seen[d.Name] = &seenMetric{decl: d, tagged: map[string]map[string]bool{}}
	}, func(p Point) {
		m := seen[p.Metric]
		if m == nil {
			m = &seenMetric{decl: declaredFor(p.Metric, sum), tagged: map[string]map[string]bool{}}
			seen[p.Metric] = m
		}
		m.points++
		for _, k := range mappedTags {
			if v, ok := p.Tags[k]; ok {
				if m.tagged[k] == nil {
					m.tagged[k] = map[string]bool{}
				}
				m.tagged[k][v] = true
			}
		}
		if first.IsZero() || p.Time.Before(first) {
			first = p.Time
		}
	})
	if err != nil {
		return res, fmt.Errorf("%w: %s: %w", ErrInput, o.K6File, err)
	}
	res.Skipped = sk

	res.Mappings = append(defaultMappings(seen), o.Maps...)
	res.Mappings = lastPerRow(res.Mappings)
	for _, m := range res.Mappings {
		if seen[m.Row.Metric] != nil {
			return res, fmt.Errorf("%w: --map %s: %s holds %s itself (the script uses gl001's module), which the row reads directly", ErrInput, m, o.K6File, m.Row.Metric)
		}
		if seen[m.Source.Name] == nil {
			return res, fmt.Errorf("%w: --map %s: %s has no metric %q (it has %s)", ErrInput, m, o.K6File, m.Source.Name, strings.Join(slices.Sorted(maps.Keys(seen)), ", "))
		}
		res.Notes = append(res.Notes, fmt.Sprintf("%s is read from k6's %s", m.Row, m.Source))
	}

	set, subs, unseen := k6Thresholds(seen, sum)
	res.Thresholds = set
	res.Warnings = append(res.Warnings, unseen...)
	if sum != nil {
		res.K6Verdicts = verdicts(sum)
	} else {
		res.Warnings = append(res.Warnings, "k6's own verdicts are not shown: give --k6-summary (handleSummary JSON or --summary-export) to see them, and the thresholds of submetrics, which k6's --out json does not declare")
	}
	if s := sk.String(); s != "" {
		res.Warnings = append(res.Warnings, o.K6File+": "+s)
	}

	meta, observed, execs, err := runMeta(o)
	if err != nil {
		return res, err
	}
	if err := os.MkdirAll(o.OutDir, 0o755); err != nil {
		return res, err
	}
	b := newBuilder(first, o.Interval, seen, subs, res.Mappings, observed, execs)
	iw, err := metrics.CreateIntervalFile(filepath.Join(o.OutDir, runlog.IntervalsFile), b.reg.Header(meta))
	if err != nil {
		return res, err
	}
	b.out = iw
	if _, err := readPoints(o.K6File, func(Declared) {}, b.add); err != nil {
		iw.Close()
		return res, fmt.Errorf("%w: %s: %w", ErrInput, o.K6File, err)
	}
	if err := errors.Join(b.finish(), iw.Close()); err != nil {
		return res, err
	}
	res.Points, res.Late = b.points, b.late
	if b.late > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d point(s) came after their interval had been written and were counted in the next one", b.late))
	}
	// Observing starts before k6 and stops after it, so samples outside
	// k6's span are expected; one interval's second sample is a loss.
	outside, replaced := b.observedOutside()
	if outside > 0 {
		res.Notes = append(res.Notes, fmt.Sprintf("%d observed sample(s) before or after the k6 run's time span were not used", outside))
	}
	if replaced > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%d observed sample(s) were left out: a second sample in one interval (the last is kept)", replaced))
	}
	return res, writeSummary(o.OutDir, b.reg.Totals(), b.span(), sum, res, o)
}

// readPoints opens path again and streams it.
func readPoints(path string, decl func(Declared), point func(Point)) (Skipped, error) {
	in, err := open(path)
	if err != nil {
		return Skipped{}, err
	}
	defer in.Close()
	if in.format == FormatCSV {
		return readCSV(in.r, point)
	}
	return readJSON(in.r, decl, point)
}

// loadSummary reads --k6-summary, which must be one of the summaries.
func loadSummary(path string) (Summary, error) {
	in, err := open(path)
	if err != nil {
		return Summary{}, fmt.Errorf("%w: --k6-summary: %w", ErrInput, err)
	}
	defer in.Close()
	if in.format != FormatSummaryExport && in.format != FormatHandleSummary {
		return Summary{}, fmt.Errorf("%w: --k6-summary: %s: %w: it is %s, want handleSummary JSON or --summary-export", ErrInput, path, ErrNotK6, in.format)
	}
	s, err := readSummary(in.r, in.format)
	if err != nil {
		return Summary{}, fmt.Errorf("%w: --k6-summary: %s: %w", ErrInput, path, err)
	}
	return s, nil
}

// declaredFor is a metric's declaration for a file that declares none
// (CSV): k6's built-ins, then the summary, then a plain trend.
func declaredFor(name string, sum *Summary) Declared {
	if d, ok := knownTypes[name]; ok {
		d.Name = name
		return d
	}
	if sum != nil {
		if m, ok := sum.Metrics[name]; ok {
			return Declared{Name: name, Type: m.Type, Contains: m.Contains}
		}
	}
	return Declared{Name: name, Type: metrics.Trend}
}

// lastPerRow keeps the last mapping given for each row, so --map
// overrides the default.
func lastPerRow(ms []Mapping) []Mapping {
	var out []Mapping
	for i, m := range ms {
		later := false
		for _, n := range ms[i+1:] {
			later = later || n.Row.Key == m.Row.Key
		}
		if !later {
			out = append(out, m)
		}
	}
	return out
}

// k6Thresholds gathers k6's thresholds: each metric's own from its Metric
// line, and from the summary those --out json leaves out (a submetric's).
// subs are the submetric keys to keep a series for. unseen says which
// thresholds could not be seen, and why.
func k6Thresholds(seen map[string]*seenMetric, sum *Summary) (set thresholds.Set, subs []string, unseen []string) {
	exprs := map[string][]string{}
	for name, m := range seen {
		exprs[name] = append(exprs[name], m.decl.Thresholds...)
		subs = append(subs, m.decl.Submetrics...)
	}
	if sum != nil {
		for name, m := range sum.Metrics {
			for _, expr := range slices.Sorted(maps.Keys(m.Passed)) {
				if !slices.Contains(exprs[name], expr) {
					exprs[name] = append(exprs[name], expr)
				}
			}
		}
	}
	for name := range exprs {
		if strings.Contains(name, "{") {
			subs = append(subs, name)
		}
	}
	slices.Sort(subs)
	subs = slices.Compact(subs)
	raw := map[string][]string{}
	for name, es := range exprs {
		if len(es) > 0 {
			raw[name] = es
		}
	}
	if len(raw) == 0 {
		return thresholds.Set{}, subs, []string{"the k6 files declare no thresholds"}
	}
	// One metric at a time, so that an expression k6 takes and gl001 does
	// not costs that metric's re-evaluation, not the report.
	set = thresholds.Set{}
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		doc, _ := json.Marshal(map[string][]string{name: raw[name]})
		one, err := thresholds.Decode(doc)
		if err != nil {
			unseen = append(unseen, fmt.Sprintf("k6's thresholds on %s %q are not evaluated again: %v", name, raw[name], err))
			continue
		}
		maps.Copy(set, one)
	}
	if sum == nil {
		for _, name := range subs {
			unseen = append(unseen, fmt.Sprintf("k6's --out json does not declare the thresholds of submetric %s: any it has were not seen (give --k6-summary)", name))
		}
	}
	return set, subs, unseen
}

// verdicts are k6's own, from the summary.
func verdicts(sum *Summary) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for name, m := range sum.Metrics {
		if len(m.Passed) > 0 {
			out[name] = maps.Clone(m.Passed)
		}
	}
	return out
}

// runMeta is the header's metadata: the scenario and its prediction when
// given, and the target and sampler settings of the observed folder.
func runMeta(o Options) (json.RawMessage, *runlog.Run, map[string]executor.Config, error) {
	var meta record.Meta
	var observed *runlog.Run
	var execs map[string]executor.Config
	if o.ObservedDir != "" {
		r, err := runlog.Load(o.ObservedDir)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%w: --observed: %w", ErrInput, err)
		}
		observed = r
		meta = r.Meta
	}
	if o.ScenarioFile != "" {
		s, err := scenarios.Load(o.ScenarioFile)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("%w: --scenario: %w", ErrInput, err)
		}
		meta.Scenario, meta.ScenarioFile, meta.Plan, meta.Prediction = s, o.ScenarioFile, s.Plan(), s.Prediction()
		if execs, err = s.Executors(); err != nil {
			return nil, nil, nil, fmt.Errorf("%w: --scenario: %w", ErrInput, err)
		}
	}
	meta.IntervalSeconds = o.Interval.Seconds()
	meta.Version = "k6 (" + filepath.Base(o.K6File) + ")"
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(meta); err != nil {
		return nil, nil, nil, err
	}
	return bytes.TrimSpace(b.Bytes()), observed, execs, nil
}
