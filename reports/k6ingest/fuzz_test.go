package k6ingest

import (
	"bufio"
	"bytes"
	"os"
	"testing"
)

// FuzzReaders feeds any bytes to format detection and then to the reader
// it picks: none may panic, and a reader counts what it cannot use.
func FuzzReaders(f *testing.F) {
	for _, file := range []string{"testdata/k6-out.json", "testdata/k6-out.csv", "testdata/k6-summary-export.json", "testdata/k6-handle-summary.json"} {
		b, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 4096)])
	}
	f.Add([]byte(`{"type":"Point","metric":"x","data":{"time":"2026-01-01T00:00:00Z","value":1}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r := bufio.NewReaderSize(bytes.NewReader(b), 1<<20)
		format, err := detect(r)
		if err != nil {
			return
		}
		switch format {
		case FormatJSON:
			_, _ = readJSON(r, func(Declared) {}, func(Point) {})
		case FormatCSV:
			_, _ = readCSV(r, func(Point) {})
		default:
			_, _ = readSummary(r, format)
		}
	})
}
