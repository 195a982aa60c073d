package sampler

import (
	"context"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/greenlang/gl001/deploy/procfs"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// Harness samples the load generator itself: this process's CPU (a rate
// between two readings), RSS and goroutines. A generator short of CPU
// falls behind its schedule and adds its own delay to every latency it
// measures, so the report needs this reading to tell the generator's
// trouble from the target's. The first Sample after Prime (or the first
// ever) has CPU from the previous reading; without one, CPU is left out
// and a Gap says so. Safe for concurrent use.
type Harness struct {
	mu   sync.Mutex
	last time.Time
	cpu  float64 // CPU seconds at last
}

// Name is "harness".
func (h *Harness) Name() string { return "harness" }

// Prime takes the first reading, so the first Sample has a CPU rate.
func (h *Harness) Prime() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if u, err := procfs.Read(os.Getpid()); err == nil {
		h.last, h.cpu = time.Now(), u.CPUSeconds
	}
}

// Sample reads the process once.
func (h *Harness) Sample(_ context.Context, s *Sample) error {
	now := time.Now()
	u, err := procfs.Read(os.Getpid())
	if err != nil {
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	out := &record.Harness{RSSMiB: u.RSSMiB(), Goroutines: runtime.NumGoroutine(), CPUCores: runtime.GOMAXPROCS(0)}
	if dt := now.Sub(h.last).Seconds(); !h.last.IsZero() && dt > 0 {
		cpu := max(0, u.CPUSeconds-h.cpu) / dt * 1000
		out.CPUMillicores = &cpu
	} else {
		s.Gaps = append(s.Gaps, Gap{Sampler: h.Name(), Reason: "first reading, CPU from the next interval"})
	}
	h.last, h.cpu = now, u.CPUSeconds
	s.Harness = out
	return nil
}
