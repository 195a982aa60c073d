package bridge

import (
	"fmt"
	"net"
	"net/netip"
)

// CheckListen refuses a listen address that is not loopback unless
// allowRemote: the bridge publishes whatever it is posted to the user's
// Kafka and has no authentication of its own, so by default only
// processes on this machine (k6 beside it) may reach it. An empty host
// (":8686") listens on every interface and counts as remote; "localhost"
// is loopback.
func CheckListen(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q is not host:port", addr)
	}
	if allowRemote || host == "localhost" {
		return nil
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("listen address %q is not loopback: the bridge has no authentication, so it listens on 127.0.0.1 unless --allow-remote is given", addr)
}
