package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/greenlang/gl001/reports/k6ingest"
	"github.com/greenlang/gl001/reports/report"
)

// k6Flags are report's settings for a stock k6 run's files.
type k6Flags struct {
	file, summary, observed, scenario, out string
	maps                                   mapFlag
}

// mapFlag is the repeatable --map guide_row=k6_metric{tags}, checked on
// Set.
type mapFlag struct{ ms []k6ingest.Mapping }

func (f *mapFlag) String() string {
	var s []string
	for _, m := range f.ms {
		s = append(s, m.String())
	}
	return strings.Join(s, ",")
}
func (f *mapFlag) Type() string { return "guide_row=k6_metric{tags}" }
func (f *mapFlag) Set(s string) error {
	m, err := k6ingest.ParseMapping(s)
	if err != nil {
		return err
	}
	f.ms = append(f.ms, m)
	return nil
}

// reportK6 converts k6's files into --out and reports on them. A
// threshold that failed (gl001's evaluation, or k6's verdict where gl001
// had no samples) or saw no data is exitThresholds, as for run.
func reportK6(w io.Writer, kf *k6Flags, rf *reportFlags) error {
	if kf.out == "" {
		return badInput(errors.New("--k6 needs --out DIR: where to write the run folder and its report"))
	}
	res, err := k6ingest.Convert(k6ingest.Options{K6File: kf.file, SummaryFile: kf.summary, ObservedDir: kf.observed,
		ScenarioFile: kf.scenario, Maps: kf.maps.ms, OutDir: kf.out})
	if errors.Is(err, k6ingest.ErrInput) {
		return badInput(err)
	}
	if err != nil {
		return err
	}
	if s := res.Skipped.String(); s != "" {
		fmt.Fprintf(w, "warning: %s: %s\n", kf.file, s)
	}
	opts := rf.options()
	opts.Thresholds, opts.K6Verdicts, opts.SourceNotes, opts.SourceWarnings = res.Thresholds, res.K6Verdicts, res.Notes, res.Warnings
	opts.FromK6 = true
	rep, err := report.Generate(kf.out, opts)
	if err != nil && rep.Verdict == "" {
		return err
	}
	fmt.Fprintf(w, "%s: %d points (%s) → %s\n", kf.file, res.Points, res.Format, kf.out)
	writeVerdict(w, kf.out, rep)
	if err != nil {
		return err
	}
	var failed, noData []string
	for _, t := range rep.Thresholds {
		switch {
		case t.NoData:
			noData = append(noData, t.Metric+" "+t.Expression)
		case !t.OK:
			failed = append(failed, t.Metric+" "+t.Expression)
		}
	}
	switch {
	case len(failed) > 0:
		return &exitError{code: exitThresholds, err: fmt.Errorf("thresholds failed: %s", strings.Join(failed, "; "))}
	case len(noData) > 0:
		return &exitError{code: exitThresholds, err: fmt.Errorf("thresholds not verified, no sample matched: %s", strings.Join(noData, "; "))}
	}
	return rf.verdictExit(rep)
}
