package metrics

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrClosed is returned by a JSONOutput used after Close.
var ErrClosed = errors.New("json output closed")

// JSONOutput writes k6's --out json format: newline-delimited JSON with one
// Metric line the first time a metric is seen, then one Point line per
// sample:
//
//	{"type":"Metric","data":{"name":"vus","type":"gauge","contains":"default","thresholds":[],"submetrics":null},"metric":"vus"}
//	{"type":"Point","data":{"time":"2026-01-02T15:04:05.123456789+01:00","value":3,"tags":{"scenario":"plants"}},"metric":"vus"}
//
// time is RFC 3339 with nanoseconds and the zone offset of the time given.
// Output is buffered; Flush or Close writes it out. A JSONOutput is safe for
// concurrent use; samples appear in the order Add was called.
type JSONOutput struct {
	mu         sync.Mutex
	bw         *bufio.Writer
	closers    []io.Closer // closed in order by Close
	seen       map[string]bool
	thresholds map[string][]string
	buf        []byte
	tagKeys    []string
	err        error // sticky
}

// NewJSONOutput writes to w. Close flushes but does not close w.
func NewJSONOutput(w io.Writer) *JSONOutput {
	return &JSONOutput{bw: bufio.NewWriterSize(w, 64<<10), seen: map[string]bool{}}
}

// CreateJSONOutput creates (or truncates) path, gzip-compressed when the name
// ends in ".gz" as k6 does. Close closes the file.
func CreateJSONOutput(path string) (*JSONOutput, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(path, ".gz") {
		gz := gzip.NewWriter(f)
		o := NewJSONOutput(gz)
		o.closers = []io.Closer{gz, f}
		return o, nil
	}
	o := NewJSONOutput(f)
	o.closers = []io.Closer{f}
	return o, nil
}

// SetThresholds gives the threshold expressions listed in each metric's
// Metric line, by metric name. Call it before the metric's first sample.
func (o *JSONOutput) SetThresholds(th map[string][]string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.thresholds = th
}

// Add writes one sample of m taken at t. tags may be nil. A NaN or ±Inf value
// cannot be written as JSON and is an error.
func (o *JSONOutput) Add(m *Metric, t time.Time, value float64, tags map[string]string) error {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return fmt.Errorf("json output: metric %q: value %v is not finite", m.Name, value)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return o.err
	}
	b := o.buf[:0]
	if !o.seen[m.Name] {
		o.seen[m.Name] = true
		b = append(b, `{"type":"Metric","data":{"name":`...)
		b = appendJSONString(b, m.Name)
		b = append(b, `,"type":"`...)
		b = append(b, m.Type.String()...)
		b = append(b, `","contains":"`...)
		b = append(b, m.Contains.String()...)
		b = append(b, `","thresholds":[`...)
		for i, th := range o.thresholds[m.Name] {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, th)
		}
		b = append(b, `],"submetrics":null},"metric":`...)
		b = appendJSONString(b, m.Name)
		b = append(b, "}\n"...)
	}
	b = append(b, `{"type":"Point","data":{"time":"`...)
	b = t.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","value":`...)
	b = appendJSONFloat(b, value)
	b = append(b, `,"tags":{`...)
	o.tagKeys = o.tagKeys[:0]
	for k := range tags {
		o.tagKeys = append(o.tagKeys, k)
	}
	slices.Sort(o.tagKeys)
	for i, k := range o.tagKeys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, tags[k])
	}
	b = append(b, `}},"metric":`...)
	b = appendJSONString(b, m.Name)
	b = append(b, "}\n"...)
	o.buf = b
	if _, err := o.bw.Write(b); err != nil {
		o.err = fmt.Errorf("json output: %w", err)
		return o.err
	}
	return nil
}

// Flush writes buffered lines to the underlying writer.
func (o *JSONOutput) Flush() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return o.err
	}
	if err := o.bw.Flush(); err != nil {
		o.err = fmt.Errorf("json output: %w", err)
		return o.err
	}
	return nil
}

// Close flushes and, for CreateJSONOutput, closes the file. It is safe to
// call twice; Add and Flush after Close return ErrClosed.
func (o *JSONOutput) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if errors.Is(o.err, ErrClosed) {
		return nil
	}
	var errs []error
	if o.err == nil {
		if err := o.bw.Flush(); err != nil {
			errs = append(errs, fmt.Errorf("json output: %w", err))
		}
	} else {
		errs = append(errs, o.err)
	}
	for _, c := range o.closers {
		if err := c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("json output: %w", err))
		}
	}
	o.err = ErrClosed
	return errors.Join(errs...)
}
