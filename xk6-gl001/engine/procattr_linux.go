package engine

import (
	"os/exec"
	"syscall"
)

// setChildAttr puts the stand-in in its own process group, so that a
// terminal's Ctrl-C reaches the harness alone, and asks the kernel to send
// it SIGTERM if the harness dies.
func setChildAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// killGroup kills the process group led by pid.
func killGroup(pid int) { _ = syscall.Kill(-pid, syscall.SIGKILL) }
