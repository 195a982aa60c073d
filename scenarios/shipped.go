package scenarios

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// shipped holds the scenario files gl001 ships, the *.json beside this
// file:
//
//	multi_plant_load_test.json  the guide's scenario, verbatim: 30 min, 15 plants, 75 sub-agents, 100 requests/min, 50 events/s, 5 min ramp
//	short_load_test.json        what `make run` runs: the guide's fleet and rates for 2 min with a 30 s ramp
//	smoke_test.json             15 s at low rates on a small fleet, for CI-style checks
//
//go:embed *.json
var shipped embed.FS

// Shipped returns the names of the shipped scenario files, sorted.
func Shipped() []string {
	entries, err := shipped.ReadDir(".")
	if err != nil { // cannot happen: the directory is embedded
		return nil
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// LoadShipped decodes and validates the shipped scenario file name (one of
// Shipped). A name that is not shipped is an error wrapping both
// ErrInvalid and fs.ErrNotExist that lists the shipped names.
func LoadShipped(name string) (Scenario, error) {
	if !slices.Contains(Shipped(), name) {
		return Scenario{}, notFound(fmt.Errorf("scenario %q is not shipped; shipped: %s", name, strings.Join(Shipped(), ", ")))
	}
	data, err := shipped.ReadFile(name)
	if err != nil {
		return Scenario{}, fmt.Errorf("%s: %w", name, err)
	}
	return Decode(bytes.NewReader(data), name)
}

// Load reads, decodes and validates the scenario file at path (see
// Decode); every line of the error starts with path.
//
// When no file exists at path and path is a bare file name (no directory)
// of a shipped scenario, Load returns the shipped one instead, so that
// `gl001 run multi_plant_load_test.json` works from any directory. A file
// on disk always wins over a shipped one of the same name.
//
// A path that does not exist is bad input: the error wraps ErrInvalid and
// fs.ErrNotExist and lists the shipped scenarios. Other read errors
// (permissions, a directory, I/O) wrap the error from os only, so the CLI
// can tell them apart if it wants to; gl001 treats them as bad input too.
func Load(path string) (Scenario, error) {
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if filepath.Base(path) == path && slices.Contains(Shipped(), path) {
			return LoadShipped(path)
		}
		return Scenario{}, notFound(fmt.Errorf("%w (shipped scenarios: %s)", err, strings.Join(Shipped(), ", ")))
	case err != nil:
		return Scenario{}, err // *fs.PathError names the path
	}
	return Decode(bytes.NewReader(data), path)
}

// notFound marks err as bad input and as a missing file.
func notFound(err error) error {
	return &notFoundError{err}
}

type notFoundError struct{ err error }

func (e *notFoundError) Error() string   { return e.err.Error() }
func (e *notFoundError) Unwrap() []error { return []error{ErrInvalid, fs.ErrNotExist, e.err} }
