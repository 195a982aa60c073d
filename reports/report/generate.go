package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/greenlang/gl001/reports/plots"
	"github.com/greenlang/gl001/reports/runlog"
)

// SummaryFile is the run's k6 summary, which Generate adds the report to.
const SummaryFile = "summary.json"

// Generate rebuilds the run in dir from intervals.ndjson alone, evaluates
// it, draws its plots and writes report.md, report.html, junit.xml and the
// figures into dir. When dir holds summary.json, the run's completeness is
// read from it (unless opts says) and the report is added to it under
// gl001.report. A plot that cannot be drawn leaves the report without it,
// and the error is returned after everything else is written.
func Generate(dir string, opts Options) (Report, error) {
	run, err := runlog.Load(dir)
	if err != nil {
		return Report{}, err
	}
	summary, sumErr := os.ReadFile(filepath.Join(dir, SummaryFile))
	if sumErr == nil && opts.Complete == nil {
		var s struct {
			GL001 struct {
				Complete *bool  `json:"complete"`
				Stopped  string `json:"stopped"`
			} `json:"gl001"`
		}
		if json.Unmarshal(summary, &s) == nil && s.GL001.Complete != nil {
			opts.Complete, opts.Stopped = s.GL001.Complete, s.GL001.Stopped
		}
	}
	if opts.Workers == nil && run.Meta.Workers > 0 {
		w := run.Meta.Workers
		opts.Workers = &w
	}
	rep := Evaluate(run, opts)
	figs, drawErr := plots.Draw(run)
	if rep.HPA.Replayed {
		fig, err := plots.HPA(rep.HPA.replay)
		if err == nil {
			figs = append(figs, fig)
		}
		drawErr = errors.Join(drawErr, err)
	}
	if err := WriteAll(dir, rep, figs); err != nil {
		return rep, err
	}
	if sumErr == nil {
		if err := addToSummary(dir, summary, rep); err != nil {
			return rep, err
		}
	}
	if drawErr != nil {
		return rep, fmt.Errorf("plots: %w", drawErr)
	}
	return rep, nil
}

// addToSummary puts the report under gl001.report in summary.json,
// keeping everything else as it was.
func addToSummary(dir string, summary []byte, rep Report) error {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(summary, &doc); err != nil {
		return fmt.Errorf("%s: %w", SummaryFile, err)
	}
	gl := map[string]json.RawMessage{}
	if raw, ok := doc["gl001"]; ok {
		if err := json.Unmarshal(raw, &gl); err != nil {
			return fmt.Errorf("%s: gl001: %w", SummaryFile, err)
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep "p(95)<2000" readable, as k6 writes it
	if err := enc.Encode(rep); err != nil {
		return err
	}
	gl["report"] = bytes.TrimSpace(b.Bytes())
	b.Reset()
	if err := enc.Encode(gl); err != nil {
		return err
	}
	doc["gl001"] = bytes.TrimSpace(b.Bytes())
	b.Reset()
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	tmp := filepath.Join(dir, "."+SummaryFile+".tmp")
	if err := os.WriteFile(tmp, b.Bytes(), 0o644); err != nil {
		return err
	}
	return errors.Join(os.Rename(tmp, filepath.Join(dir, SummaryFile)))
}
