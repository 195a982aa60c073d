// Package runlog rebuilds a gl001 run from its results folder: the header
// and every interval of intervals.ndjson, with the executors' state and
// the samplers' readings decoded, and the metrics' totals. It reads that
// file alone, so a run killed midway can still be reported.
package runlog

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/metrics"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// IntervalsFile is the file a run folder is rebuilt from.
const IntervalsFile = "intervals.ndjson"

// ErrNoRun is returned for a folder without intervals.ndjson.
var ErrNoRun = errors.New("not a gl001 results folder")

// Interval is one line of intervals.ndjson with its extras decoded.
type Interval struct {
	metrics.Interval
	Executors map[string]record.Executor // by scenario: "optimize", "coordinate"
	Sample    *record.Sample             // nil when no sampler ran
}

// Run is a results folder, rebuilt.
type Run struct {
	Dir       string
	Header    metrics.Header
	Meta      record.Meta
	Intervals []Interval
	Totals    map[string]*metrics.Sink
	// Truncated is set when the file ended in a partial line (a run killed
	// mid-write); everything before it was read.
	Truncated *metrics.Truncation
}

// Load reads dir/intervals.ndjson.
func Load(dir string) (*Run, error) {
	path := filepath.Join(dir, IntervalsFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s has no %s", ErrNoRun, dir, IntervalsFile)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(dir, f)
}

// Read rebuilds a run from r, the content of dir's intervals.ndjson.
func Read(dir string, in io.Reader) (*Run, error) {
	path := filepath.Join(dir, IntervalsFile)
	hdr, ivs, err := metrics.ReadIntervals(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r := &Run{Dir: dir, Header: hdr, Truncated: hdr.Truncated}
	if len(hdr.Meta) > 0 {
		if err := json.Unmarshal(hdr.Meta, &r.Meta); err != nil {
			return nil, fmt.Errorf("%s: header meta: %w", path, err)
		}
	}
	for i, iv := range ivs {
		li, err := Decode(iv)
		if err != nil {
			return nil, fmt.Errorf("%s: interval %d: %w", path, i+1, err)
		}
		r.Intervals = append(r.Intervals, li)
	}
	if r.Totals, err = metrics.Totals(ivs); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return r, nil
}

// Decode decodes one interval line's extras: the executors' state and
// the samplers' readings.
func Decode(iv metrics.Interval) (Interval, error) {
	li := Interval{Interval: iv}
	if raw, ok := iv.Extra[record.ExecutorsKey]; ok {
		if err := json.Unmarshal(raw, &li.Executors); err != nil {
			return li, fmt.Errorf("executors: %w", err)
		}
	}
	if raw, ok := iv.Extra[record.SamplesKey]; ok {
		li.Sample = new(record.Sample)
		if err := json.Unmarshal(raw, li.Sample); err != nil {
			return li, fmt.Errorf("samples: %w", err)
		}
	}
	return li, nil
}

// Start and End are the run's first interval start and last interval end.
func (r *Run) Start() time.Time {
	if len(r.Intervals) == 0 {
		return r.Header.Start
	}
	return r.Intervals[0].Start
}

// End is the last interval's end.
func (r *Run) End() time.Time {
	if len(r.Intervals) == 0 {
		return r.Header.Start
	}
	return r.Intervals[len(r.Intervals)-1].End
}
