package fleet_test

import (
	"runtime"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/fleet"
)

// BenchmarkNew1000Plants10000Agents reports the time and allocations to
// build a 1,000-plant, 10,000-agent fleet, and as heap-MiB the live heap
// one such fleet holds.
func BenchmarkNew1000Plants10000Agents(b *testing.B) {
	cfg := fleet.Config{Plants: 1000, Agents: 10_000, Seed: 1}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept, err := fleet.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(kept)

	b.ReportAllocs()
	for b.Loop() {
		if _, err := fleet.New(cfg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "heap-MiB")
}

// BenchmarkNextEvent is Fleet.NextEvent at 10,000 agents over 1,000
// plants, from one goroutine and from GOMAXPROCS goroutines.
func BenchmarkNextEvent(b *testing.B) {
	f := mustNew(b, 1000, 10_000, 1)
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		now := fleet.DefaultStart
		for b.Loop() {
			now = now.Add(time.Millisecond)
			_ = f.NextEvent(now)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			now := fleet.DefaultStart
			for pb.Next() {
				now = now.Add(time.Millisecond)
				_ = f.NextEvent(now)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

func benchmarkNextRequest(b *testing.B, plants int) {
	f := mustNew(b, plants, 5*plants, 1)
	b.ReportAllocs()
	now := fleet.DefaultStart
	for b.Loop() {
		now = now.Add(time.Second)
		_ = f.NextRequest(now)
	}
}

func BenchmarkNextRequest15Plants(b *testing.B)   { benchmarkNextRequest(b, 15) }
func BenchmarkNextRequest1000Plants(b *testing.B) { benchmarkNextRequest(b, 1000) }
