package selftest

import (
	"os/exec"
	"syscall"
)

// detach gives a load test its own process group, so that a Ctrl-C at the
// stand-in's terminal does not reach it as well as Close's own interrupt
// (a second interrupt would stop it at once, before it writes its
// results), and SIGTERM if the stand-in dies.
func detach(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
