// Package k6ingest turns the output of a stock k6 run into a gl001 results
// folder: intervals.ndjson (per-interval HDR histograms built from k6's
// points, with the samples `gl001 observe` recorded beside it merged in by
// time) and summary.json in k6's summary shape, so that reports/report
// builds the same report from it as from a native run.
//
// It reads k6's `--out json` (NDJSON, also gzipped), `--out csv` (also
// gzipped), `--summary-export` and handleSummary JSON, detected by
// content. It links neither k6 nor any Kafka or Kubernetes client.
package k6ingest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
)

// Format is which k6 output a file holds.
type Format string

// The k6 outputs read.
const (
	FormatJSON          Format = "k6 --out json"
	FormatCSV           Format = "k6 --out csv"
	FormatSummaryExport Format = "k6 --summary-export"
	FormatHandleSummary Format = "k6 handleSummary JSON"
)

// ErrNotK6 is returned for a file that is none of the Formats.
var ErrNotK6 = errors.New("not k6 output")

// csvHeaderPrefix starts the header line k6's CSV output writes.
const csvHeaderPrefix = "metric_name,timestamp,metric_value"

// input is an opened k6 file: its (gunzipped) content and format.
type input struct {
	path   string
	format Format
	r      *bufio.Reader
	closer func() error
}

func (in *input) Close() error { return in.closer() }

// open opens path, gunzips it when it starts with gzip's magic bytes (not
// only when it is named .gz), and detects its format from its first
// line, or for a summary, its whole document.
func open(path string) (*input, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	in := &input{path: path, closer: f.Close}
	br := bufio.NewReaderSize(f, 1<<20)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: gzip: %w", path, err)
		}
		br = bufio.NewReaderSize(zr, 1<<20)
		in.closer = func() error { return errors.Join(zr.Close(), f.Close()) }
	}
	in.r = br
	if in.format, err = detect(br); err != nil {
		in.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return in, nil
}

// detect peeks at the start of r.
func detect(r *bufio.Reader) (Format, error) {
	head, _ := r.Peek(64 << 10)
	trimmed := bytes.TrimLeft(head, " \t\r\n\ufeff")
	first, _, _ := bytes.Cut(trimmed, []byte("\n"))
	first = bytes.TrimRight(first, "\r")
	switch {
	case bytes.HasPrefix(first, []byte(csvHeaderPrefix)):
		return FormatCSV, nil
	case len(first) > 0 && first[0] == '{':
		var line struct {
			Type   string `json:"type"`
			Metric string `json:"metric"`
		}
		if json.Unmarshal(first, &line) == nil && (line.Type == "Metric" || line.Type == "Point") && line.Metric != "" {
			return FormatJSON, nil
		}
		if bytes.Contains(head, []byte(`"metrics"`)) {
			return summaryFormat(r)
		}
	}
	return "", fmt.Errorf("%w: want k6's --out json (NDJSON of Metric and Point lines), --out csv (header %q), --summary-export or handleSummary JSON (an object with \"metrics\")", ErrNotK6, csvHeaderPrefix)
}

// summaryFormat tells the two summary shapes apart: handleSummary data
// nests each metric's values under "values".
func summaryFormat(r *bufio.Reader) (Format, error) {
	all, err := r.Peek(r.Size())
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return "", err
	}
	var doc struct {
		Metrics map[string]json.RawMessage `json:"metrics"`
	}
	if err := json.Unmarshal(all, &doc); err != nil || doc.Metrics == nil {
		return "", fmt.Errorf("%w: a JSON object that is not a k6 summary (want \"metrics\" of k6's --summary-export or handleSummary)", ErrNotK6)
	}
	for _, raw := range doc.Metrics {
		var m struct {
			Values json.RawMessage `json:"values"`
		}
		if json.Unmarshal(raw, &m) == nil && len(m.Values) > 0 && m.Values[0] == '{' {
			return FormatHandleSummary, nil
		}
		break
	}
	return FormatSummaryExport, nil
}
