package main

import (
	"os"
	"path/filepath"
)

// reportJSON is the report of a finished run folder, as the stand-in's
// GET /api/v1/test/load-test/report answers it: the run's summary.json.
func reportJSON(dir string) ([]byte, error) {
	return os.ReadFile(filepath.Join(dir, "summary.json"))
}
