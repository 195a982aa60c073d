package metrics

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"sync"
)

// MaxLineBytes bounds one intervals.ndjson line; a longer line is an error.
const MaxLineBytes = 64 << 20

// Errors the interval readers return.
var (
	ErrNoHeader   = errors.New("intervals file has no complete header line")
	ErrFileFormat = errors.New("not a gl001 intervals file")
	ErrLineTooBig = errors.New("intervals line too long")
)

// IntervalWriter appends intervals to an intervals.ndjson stream, one line
// each, after a header line. Each Write hands its whole line to the
// underlying writer in one call, so when Write returns the line is complete
// in the file (in the OS's page cache; with Fsync, on the device). It is
// safe for concurrent use.
type IntervalWriter struct {
	// Fsync makes Write call Sync after every line when the writer is a file.
	// Set it before the first Write.
	Fsync bool

	mu     sync.Mutex
	w      io.Writer
	f      *os.File // owned, when created by CreateIntervalFile
	err    error    // sticky: after a failed write the stream may hold a partial line
	closed bool
}

// CreateIntervalFile creates (or truncates) path and writes h as its first
// line. Close closes the file.
func CreateIntervalFile(path string, h Header) (*IntervalWriter, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, err
	}
	iw, err := newIntervalWriter(f, h)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	iw.f = f
	return iw, nil
}

// NewIntervalWriter writes h as the first line of w and returns a writer for
// the intervals that follow. Close does not close w.
func NewIntervalWriter(w io.Writer, h Header) (*IntervalWriter, error) {
	return newIntervalWriter(w, h)
}

func newIntervalWriter(w io.Writer, h Header) (*IntervalWriter, error) {
	h.Kind, h.Format, h.Version, h.HDR = kindHeader, FileFormat, FileVersion, thisGeometry()
	if h.Metrics == nil {
		h.Metrics = []MetricInfo{}
	}
	line, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("intervals header: %w", err)
	}
	iw := &IntervalWriter{w: w}
	if err := iw.writeLine(line); err != nil {
		return nil, err
	}
	return iw, nil
}

// Write appends iv as one line.
func (w *IntervalWriter) Write(iv Interval) error {
	line, err := json.Marshal(iv.wire())
	if err != nil {
		return fmt.Errorf("interval %d: %w", iv.Seq, err)
	}
	return w.writeLine(line)
}

func (w *IntervalWriter) writeLine(line []byte) error {
	line = append(line, '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	if _, err := w.w.Write(line); err != nil {
		w.err = fmt.Errorf("write intervals: %w", err)
		return w.err
	}
	if f, ok := w.w.(*os.File); ok && w.Fsync {
		if err := f.Sync(); err != nil {
			w.err = fmt.Errorf("sync intervals: %w", err)
			return w.err
		}
	}
	return nil
}

// Close ends the stream, closing the file when CreateIntervalFile opened
// it; a later Write returns os.ErrClosed. It is safe to call twice.
func (w *IntervalWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	if w.err == nil {
		w.err = os.ErrClosed
	}
	if w.f == nil {
		return nil
	}
	return w.f.Close()
}

// IntervalReader reads an intervals.ndjson stream one interval at a time,
// for runs too long to hold every interval in memory:
//
//	ir, err := metrics.NewIntervalReader(f)
//	var acc metrics.Accumulator
//	for iv := range ir.All() { ... acc.Add(&iv) ... }
//	if err := ir.Err(); err != nil { ... }
//	if t := ir.Truncated(); t != nil { log t }
type IntervalReader struct {
	br        *bufio.Reader
	header    Header
	line      int
	err       error
	truncated *Truncation
	done      bool
}

// NewIntervalReader reads and checks the header line.
func NewIntervalReader(r io.Reader) (*IntervalReader, error) {
	ir := &IntervalReader{br: bufio.NewReaderSize(r, 64<<10)}
	line, complete, err := ir.readLine()
	if err != nil {
		return nil, err
	}
	if line == nil {
		return nil, ErrNoHeader
	}
	var h Header
	if err := json.Unmarshal(line, &h); err != nil {
		if !complete {
			return nil, fmt.Errorf("%w: partial line 1: %v", ErrNoHeader, err)
		}
		return nil, fmt.Errorf("line 1: header: %w", err)
	}
	if h.Kind != kindHeader || h.Format != FileFormat {
		return nil, fmt.Errorf("line 1: kind %q, format %q: %w (want kind %q, format %q)", h.Kind, h.Format, ErrFileFormat, kindHeader, FileFormat)
	}
	if h.Version != FileVersion {
		return nil, fmt.Errorf("line 1: version %d: %w (this reader reads version %d)", h.Version, ErrFileFormat, FileVersion)
	}
	if h.HDR != thisGeometry() {
		return nil, fmt.Errorf("line 1: hdr geometry %+v: %w (want %+v)", h.HDR, ErrFileFormat, thisGeometry())
	}
	ir.header = h
	return ir, nil
}

// readLine returns the next non-blank line without its newline, whether it
// ended in a newline, or nil at the end of input.
func (ir *IntervalReader) readLine() (line []byte, complete bool, err error) {
	for {
		var buf []byte
		for {
			chunk, err := ir.br.ReadSlice('\n')
			if len(buf)+len(chunk) > MaxLineBytes {
				return nil, false, fmt.Errorf("line %d: %w (over %d bytes)", ir.line+1, ErrLineTooBig, MaxLineBytes)
			}
			buf = append(buf, chunk...)
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil && err != io.EOF {
				return nil, false, err
			}
			break
		}
		if len(buf) == 0 {
			return nil, false, nil
		}
		ir.line++
		complete = buf[len(buf)-1] == '\n'
		if len(bytes.TrimSpace(buf)) == 0 {
			continue
		}
		return bytes.TrimRight(buf, "\r\n"), complete, nil
	}
}

// Header returns the file's header; Truncated is filled in once the reader
// has reached the end.
func (ir *IntervalReader) Header() Header {
	h := ir.header
	h.Truncated = ir.truncated
	return h
}

// Next reads the next interval. It returns false at the end of the stream
// or on an error (see Err).
func (ir *IntervalReader) Next() (Interval, bool) {
	if ir.done {
		return Interval{}, false
	}
	line, complete, err := ir.readLine()
	if err != nil {
		ir.err, ir.done = err, true
		return Interval{}, false
	}
	if line == nil {
		ir.done = true
		return Interval{}, false
	}
	var iv Interval
	var j intervalJSON
	err = json.Unmarshal(line, &j)
	if err == nil {
		err = iv.fromWire(&j)
	}
	if err != nil {
		ir.done = true
		if !complete {
			// Only the last line can lack its newline: a crash mid-write.
			ir.truncated = &Truncation{Line: ir.line, Bytes: len(line), Err: err.Error()}
			return Interval{}, false
		}
		ir.err = fmt.Errorf("line %d: %w", ir.line, err)
		return Interval{}, false
	}
	return iv, true
}

// All ranges over the remaining intervals; check Err afterwards.
func (ir *IntervalReader) All() iter.Seq[Interval] {
	return func(yield func(Interval) bool) {
		for {
			iv, ok := ir.Next()
			if !ok || !yield(iv) {
				return
			}
		}
	}
}

// Err returns the error that stopped the reader, if any. A truncated last
// line is not an error: see Truncated.
func (ir *IntervalReader) Err() error { return ir.err }

// Truncated returns the partial last line the reader skipped, or nil.
func (ir *IntervalReader) Truncated() *Truncation { return ir.truncated }

// ReadIntervals reads a whole intervals.ndjson stream. A partial last line,
// as a crash mid-write leaves it, is not an error: it is reported in
// Header.Truncated and every complete line before it is returned. Any other
// malformed line is an error naming its line number. Combine with Totals to
// rebuild the run's totals from the file alone; for very long runs prefer
// IntervalReader with an Accumulator, which keeps no intervals in memory.
func ReadIntervals(r io.Reader) (Header, []Interval, error) {
	ir, err := NewIntervalReader(r)
	if err != nil {
		return Header{}, nil, err
	}
	var ivs []Interval
	for iv := range ir.All() {
		ivs = append(ivs, iv)
	}
	if err := ir.Err(); err != nil {
		return ir.Header(), ivs, err
	}
	return ir.Header(), ivs, nil
}
