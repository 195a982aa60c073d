//go:build !linux

package engine

import (
	"os"
	"os/exec"
)

// setChildAttr does nothing outside Linux: there is no parent-death
// signal, so the harness's own shutdown is what stops the stand-in.
func setChildAttr(*exec.Cmd) {}

// killGroup kills the process pid.
func killGroup(pid int) {
	if p, err := os.FindProcess(pid); err == nil {
		_ = p.Kill()
	}
}
