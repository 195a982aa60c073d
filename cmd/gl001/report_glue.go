package main

import (
	"encoding/json"

	"github.com/greenlang/gl001/reports/report"
)

// reportJSON builds the validation report of a finished run folder (the
// files too), as the stand-in's GET /api/v1/test/load-test/report answers
// it.
func reportJSON(dir string) ([]byte, error) {
	rep, err := report.Generate(dir, report.Options{})
	if err != nil && rep.Verdict == "" {
		return nil, err
	}
	return json.Marshal(struct {
		Dir string `json:"dir"`
		report.Report
	}{dir, rep})
}
