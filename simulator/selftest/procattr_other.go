//go:build !linux

package selftest

import "os/exec"

// detach does nothing outside Linux.
func detach(*exec.Cmd) {}
