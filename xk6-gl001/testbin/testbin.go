// Package testbin builds the gl001 binary for tests that run it as a
// child process: the stand-in a run starts (`gl001 simulate`), the load
// test the stand-in starts (`gl001 run`). Tests use the real binary rather
// than a stand-in for it.
package testbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Build compiles the module's ./cmd/gl001 into dir and returns the
// binary's path. It builds with the race detector exactly when the calling
// test binary has it, so the packages that test already compiled come
// from the build cache and only the link is new. Call it from TestMain.
func Build(dir string) (string, error) {
	goCmd := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goCmd); err != nil {
		goCmd = "go"
	}
	out, err := exec.Command(goCmd, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("testbin: go env GOMOD: %w", err)
	}
	root := filepath.Dir(strings.TrimSpace(string(out)))
	bin := filepath.Join(dir, "gl001")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command(goCmd, append(args, "./cmd/gl001")...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("testbin: go build ./cmd/gl001: %w\n%s", err, b)
	}
	return bin, nil
}
