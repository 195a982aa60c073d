package supervisor

import (
	"errors"
	"os/exec"
	"syscall"
)

// setProcAttr puts the child in its own process group, so that Stop can
// signal it and anything it started, and asks the kernel to send it SIGTERM
// when the supervisor dies. Pdeathsig fires when the OS thread that started
// the child exits; the Go runtime only retires threads whose goroutine
// locked them, which the supervisor never does.
func setProcAttr(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	a := cmd.SysProcAttr
	a.Pdeathsig = syscall.SIGTERM
	if !a.Setsid { // a session leader already leads its own group
		a.Setpgid = true
		a.Pgid = 0
	}
}

// signalGroup sends sig to the process group led by pid, falling back to
// pid alone if the group is gone (the child may have left it). Errors are
// ignored: the only expected one is ESRCH, which means there is nothing
// left to signal.
func signalGroup(pid int, sig syscall.Signal) {
	if err := syscall.Kill(-pid, sig); errors.Is(err, syscall.ESRCH) {
		_ = syscall.Kill(pid, sig)
	}
}
