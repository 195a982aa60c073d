package report

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/greenlang/gl001/reports/plots"
)

// The files WriteAll writes.
const (
	MarkdownFile = "report.md"
	HTMLFile     = "report.html"
	JUnitFile    = "junit.xml"
)

// ErrFigureName is wrapped by WriteAll's error for a figure whose Name is
// not a plain file stem.
var ErrFigureName = errors.New("invalid figure name")

// WriteAll writes report.md, report.html, junit.xml and each figure's
// NAME.png and NAME.svg (those it has) into dir, creating dir if needed.
// Each file is written to a temporary name and renamed, so a reader never
// sees half a report. A figure Name must be 1 to 100 of [A-Za-z0-9_.-],
// not starting with ".", and unique; otherwise nothing is written and the
// error wraps ErrFigureName.
func WriteAll(dir string, r Report, figs []plots.Figure) error {
	seen := map[string]bool{}
	for _, f := range figs {
		if !validStem(f.Name) {
			return fmt.Errorf("%w: %q: want 1 to 100 letters, digits, '_', '-' or '.', not starting with '.'", ErrFigureName, f.Name)
		}
		if seen[f.Name] {
			return fmt.Errorf("%w: %q appears twice", ErrFigureName, f.Name)
		}
		seen[f.Name] = true
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var md, page, junit bytes.Buffer
	if err := r.WriteMarkdown(&md, figs); err != nil {
		return err
	}
	if err := r.WriteHTML(&page, figs); err != nil {
		return err
	}
	if err := r.WriteJUnit(&junit); err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
	}{{MarkdownFile, md.Bytes()}, {HTMLFile, page.Bytes()}, {JUnitFile, junit.Bytes()}}
	for _, f := range figs {
		if len(f.PNG) > 0 {
			files = append(files, struct {
				name string
				data []byte
			}{f.Name + ".png", f.PNG})
		}
		if len(f.SVG) > 0 {
			files = append(files, struct {
				name string
				data []byte
			}{f.Name + ".svg", f.SVG})
		}
	}
	for _, f := range files {
		if err := writeFile(filepath.Join(dir, f.name), f.data); err != nil {
			return err
		}
	}
	return nil
}

func validStem(s string) bool {
	if s == "" || len(s) > 100 || s[0] == '.' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// writeFile writes data to path through a temporary file in the same
// folder and a rename.
func writeFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
