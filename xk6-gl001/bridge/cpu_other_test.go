//go:build !unix

package bridge_test

import "time"

// cpuTime is not read here: the CPU figure reads 0.
func cpuTime() time.Duration { return 0 }
