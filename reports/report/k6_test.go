package report_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/reports/runlog"
)

// TestK6VerdictsAndSource: a report built from k6's files shows k6's own
// verdict beside gl001's, k6's alone where gl001 has no threshold, and
// says where its data came from; what it could not read is a warning.
func TestK6VerdictsAndSource(t *testing.T) {
	run, err := runlog.Load("../runlog/testdata/short_load_test")
	if err != nil {
		t.Fatal(err)
	}
	r := report.Evaluate(run, report.Options{
		K6Verdicts: map[string]map[string]bool{
			"gl001_optimize_duration": {"p(95)<2000": true},
			"http_req_duration":       {"p(99)<1": false},
		},
		SourceNotes:    []string{"the guide's Orchestration Latency is read from k6's http_req_duration"},
		SourceWarnings: []string{"3 line(s) skipped"},
	})
	var gl, k6only *report.ThresholdResult
	for i, th := range r.Thresholds {
		switch {
		case th.Metric == "gl001_optimize_duration" && th.Expression == "p(95)<2000":
			gl = &r.Thresholds[i]
		case th.Metric == "http_req_duration":
			k6only = &r.Thresholds[i]
		}
	}
	if gl == nil || gl.K6OK == nil || !*gl.K6OK || gl.K6Only {
		t.Errorf("gl001's threshold without k6's verdict beside it: %+v", gl)
	}
	if k6only == nil || !k6only.K6Only || k6only.OK {
		t.Errorf("k6's own failed threshold: %+v", k6only)
	}
	if r.Verdict != report.Fail || !strings.Contains(r.Why, "3 line(s) skipped") {
		t.Errorf("verdict %s (want fail: k6's threshold failed), why %q", r.Verdict, r.Why)
	}
	var md bytes.Buffer
	if err := r.WriteMarkdown(&md, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"## Source of the data", "read from k6's http_req_duration", "| k6's verdict |", "fail (k6's)"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
}
