package k6ingest

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/metrics"
)

// Point is one k6 sample: a metric's value at a time, with its tags.
type Point struct {
	Metric string
	Time   time.Time
	Value  float64
	Tags   map[string]string
}

// Declared is a metric as k6's JSON output declares it on its Metric
// line, with the thresholds of the metric itself (k6 does not write a
// submetric's own thresholds there).
type Declared struct {
	Name       string
	Type       metrics.Type
	Contains   metrics.ValueType
	Thresholds []string
	// Submetrics are the keys of the submetrics k6 tracked for it, as
	// "http_req_duration{scenario:optimize}".
	Submetrics []string
}

// Skipped counts the lines a reader could not use, with the first few
// line numbers and why, for the warning the report carries.
type Skipped struct {
	Lines int
	First []string // up to maxSkippedShown "line N: why"
}

const maxSkippedShown = 5

func (s *Skipped) add(line int, why string) {
	s.Lines++
	if len(s.First) < maxSkippedShown {
		s.First = append(s.First, fmt.Sprintf("line %d: %s", line, why))
	}
}

// String is the warning, "" when nothing was skipped.
func (s Skipped) String() string {
	if s.Lines == 0 {
		return ""
	}
	return fmt.Sprintf("%d line(s) skipped as unreadable (a truncated or damaged file): %s", s.Lines, strings.Join(s.First, "; "))
}

// maxLineBytes bounds one line of k6 output.
const maxLineBytes = 16 << 20

// readJSON reads k6's --out json NDJSON, calling decl for each Metric
// line and point for each Point line. A line that does not parse (a
// truncated last line, a damaged one) is counted in Skipped, never fatal.
func readJSON(r io.Reader, decl func(Declared), point func(Point)) (Skipped, error) {
	var sk Skipped
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLineBytes)
	n := 0
	for sc.Scan() {
		n++
		b := sc.Bytes()
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var line struct {
			Type   string `json:"type"`
			Metric string `json:"metric"`
			Data   struct {
				// Point
				Time  time.Time         `json:"time"`
				Value *float64          `json:"value"`
				Tags  map[string]string `json:"tags"`
				// Metric
				Name       string          `json:"name"`
				Type       metrics.Type    `json:"type"`
				Contains   json.RawMessage `json:"contains"`
				Thresholds []string        `json:"thresholds"`
				Submetrics []struct {
					Name string `json:"name"`
				} `json:"submetrics"`
			} `json:"data"`
		}
		if err := json.Unmarshal(b, &line); err != nil {
			sk.add(n, err.Error())
			continue
		}
		switch line.Type {
		case "Metric":
			d := Declared{Name: line.Data.Name, Type: line.Data.Type, Thresholds: line.Data.Thresholds}
			d.Contains = containsOf(line.Data.Contains)
			if d.Name == "" {
				d.Name = line.Metric
			}
			for _, s := range line.Data.Submetrics {
				d.Submetrics = append(d.Submetrics, s.Name)
			}
			decl(d)
		case "Point":
			if line.Data.Value == nil || line.Data.Time.IsZero() || line.Metric == "" {
				sk.add(n, "Point without metric, time or value")
				continue
			}
			point(Point{Metric: line.Metric, Time: line.Data.Time, Value: *line.Data.Value, Tags: line.Data.Tags})
		default:
			sk.add(n, fmt.Sprintf("type %q, want Metric or Point", line.Type))
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			sk.add(n+1, "the compressed stream ends early (a truncated .gz); the rest of the file is missing")
			return sk, nil
		}
		if errors.Is(err, bufio.ErrTooLong) {
			sk.add(n+1, fmt.Sprintf("over %d bytes; the rest of the file was not read", maxLineBytes))
			return sk, nil
		}
		return sk, err
	}
	return sk, nil
}

// containsOf reads k6's "contains" ("time", "data", "default").
func containsOf(raw json.RawMessage) metrics.ValueType {
	var v metrics.ValueType
	if len(raw) > 0 && json.Unmarshal(raw, &v) == nil {
		return v
	}
	return metrics.Default
}

// readCSV reads k6's --out csv: a header, then metric_name, timestamp
// (Unix seconds, or with timeFormat rfc3339 / unix_milli / unix_micro
// / unix_nano), metric_value and one column per tag; extra_tags holds
// "k=v&k=v". k6 declares no metric types in CSV: see knownTypes.
func readCSV(r io.Reader, point func(Point)) (Skipped, error) {
	var sk Skipped
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return sk, fmt.Errorf("csv header: %w", err)
	}
	cols := append([]string(nil), head...)
	n := 1
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		n++
		if errors.Is(err, io.ErrUnexpectedEOF) {
			sk.add(n, "the compressed stream ends early (a truncated .gz); the rest of the file is missing")
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				sk.add(pe.Line, pe.Err.Error())
				continue
			}
			return sk, err
		}
		if len(rec) != len(cols) {
			sk.add(n, fmt.Sprintf("%d fields, want %d", len(rec), len(cols)))
			continue
		}
		t, err := csvTime(rec[1])
		if err != nil {
			sk.add(n, err.Error())
			continue
		}
		v, err := strconv.ParseFloat(rec[2], 64)
		if err != nil || rec[0] == "" {
			sk.add(n, fmt.Sprintf("metric %q value %q", rec[0], rec[2]))
			continue
		}
		p := Point{Metric: rec[0], Time: t, Value: v, Tags: map[string]string{}}
		for i := 3; i < len(cols); i++ {
			switch cols[i] {
			case "metadata":
			case "extra_tags":
				for _, kv := range strings.Split(rec[i], "&") {
					if k, val, ok := strings.Cut(kv, "="); ok {
						p.Tags[k] = val
					}
				}
			default:
				if rec[i] != "" {
					p.Tags[cols[i]] = rec[i]
				}
			}
		}
		point(p)
	}
	return sk, nil
}

// csvTime reads a CSV timestamp in any of k6's timeFormats.
func csvTime(s string) (time.Time, error) {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch {
		case i > 1e17:
			return time.Unix(0, i).UTC(), nil
		case i > 1e14:
			return time.UnixMicro(i).UTC(), nil
		case i > 1e11:
			return time.UnixMilli(i).UTC(), nil
		}
		return time.Unix(i, 0).UTC(), nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("timestamp %q: want Unix seconds or RFC 3339", s)
	}
	return t, nil
}

// knownTypes are k6's built-in metrics, whose types a CSV file does not
// state.
var knownTypes = map[string]Declared{
	"vus":                      {Type: metrics.Gauge},
	"vus_max":                  {Type: metrics.Gauge},
	"iterations":               {Type: metrics.Counter},
	"iteration_duration":       {Type: metrics.Trend, Contains: metrics.Time},
	"dropped_iterations":       {Type: metrics.Counter},
	"data_sent":                {Type: metrics.Counter, Contains: metrics.Data},
	"data_received":            {Type: metrics.Counter, Contains: metrics.Data},
	"checks":                   {Type: metrics.Rate},
	"group_duration":           {Type: metrics.Trend, Contains: metrics.Time},
	"http_reqs":                {Type: metrics.Counter},
	"http_req_failed":          {Type: metrics.Rate},
	"http_req_duration":        {Type: metrics.Trend, Contains: metrics.Time},
	"http_req_blocked":         {Type: metrics.Trend, Contains: metrics.Time},
	"http_req_connecting":      {Type: metrics.Trend, Contains: metrics.Time},
	"http_req_tls_handshaking": {Type: metrics.Trend, Contains: metrics.Time},
	"http_req_sending":         {Type: metrics.Trend, Contains: metrics.Time},
	"http_req_waiting":         {Type: metrics.Trend, Contains: metrics.Time},
	"http_req_receiving":       {Type: metrics.Trend, Contains: metrics.Time},
}
