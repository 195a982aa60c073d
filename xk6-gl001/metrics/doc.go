// Package metrics records the load side's samples the way k6 does — four
// metric types, Counter, Gauge, Rate and Trend — in per-interval state whose
// memory stays flat however long the run, and writes them in k6's formats.
//
// # Recording
//
// The runner declares each metric once on a Registry and records with
// Registry.Add from any number of goroutines. Time values are milliseconds
// (float64), as in k6. Trend values are kept in an HDR histogram as integers
// of value × 1000 (microseconds for Time trends), range 1 µs .. 1 h, 3
// significant digits: percentiles are within 0.1% of the exact value. A
// trend value outside [0, 1 h] is clamped into it and counted (Clamped); a
// NaN or ±Inf sample of any type is dropped and counted (Rejected). avg, min,
// max and sums are exact.
//
// At each interval edge the runner calls Registry.Flush, which returns the
// interval's data and folds it into the run's totals (Registry.Totals): one
// cumulative histogram per Trend, merged from the interval histograms, so the
// totals are exact without keeping intervals.
//
// # intervals.ndjson
//
// IntervalWriter appends each interval as one JSON line, the crash-safe
// record of a run; ReadIntervals (or IntervalReader) and Totals rebuild the
// same totals from the file alone. The first line is the header:
//
//	{"kind":"header","format":"gl001-intervals","version":1,
//	 "start":"2026-01-02T15:04:05.123456789Z",
//	 "hdr":{"units_per_value":1000,"lowest":1,"highest":3600000000,"significant_figures":3},
//	 "metrics":[{"name":"gl001_optimize_duration","type":"trend","contains":"time"}, ...],
//	 "meta":<any JSON the runner gives>}
//
// Then one line per interval (shown here on several lines):
//
//	{"kind":"interval","start":"...","end":"...","seq":1,
//	 "metrics":{
//	   "gl001_optimize_duration":{"type":"trend","contains":"time","count":250,
//	       "sum":3012.5,"min":4.1,"max":88.2,"hdr":"HISTFAAA..."},
//	   "gl001_optimize_failed":{"type":"rate","contains":"default","count":250,"trues":3},
//	   "iterations":{"type":"counter","contains":"default","count":250,"sum":250},
//	   "vus":{"type":"gauge","contains":"default","count":2,"last":20,"min":18,"max":20}},
//	 "extra":{"<key>":<any JSON the runner adds>}}
//
// Times are RFC 3339 with nanoseconds; an interval covers [start, end) and
// seq counts from 1. Per type: counter count (samples) and sum (its
// increase); gauge count, last, min, max (a gauge set before but not in this
// interval has count 0 and carries its last value); rate count (the total)
// and trues; trend count, sum, min, max and hdr, the histogram in
// HdrHistogram's V2 compressed encoding, base64, in the header's geometry.
// "clamped" and "rejected" appear when non-zero. Every counter appears in
// every interval, every gauge once it has been set, rates and trends only
// when they had samples. "extra" is left out when empty. A crash mid-write
// leaves at most a partial last line without its newline; readers skip it
// and report it in Header.Truncated.
//
// # k6 outputs
//
// WriteSummary writes k6's end-of-test summary data (what handleSummary
// receives); JSONOutput writes k6's --out json NDJSON.
package metrics
