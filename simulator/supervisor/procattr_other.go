//go:build !linux

package supervisor

import (
	"os"
	"os/exec"
	"syscall"
)

// setProcAttr does nothing outside Linux: there is no Pdeathsig, and the
// process-group fields differ by platform, so children are signalled one
// by one and may outlive a supervisor that is killed.
func setProcAttr(cmd *exec.Cmd) {}

// signalGroup signals pid alone; outside Linux SIGTERM may be unsupported,
// in which case the child is killed.
func signalGroup(pid int, sig syscall.Signal) {
	p, err := os.FindProcess(pid)
	if err != nil {
		return
	}
	if sig == syscall.SIGKILL || p.Signal(sig) != nil {
		_ = p.Kill()
	}
}
