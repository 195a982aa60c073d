package bridge_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/greenlang/gl001/deploy/kafkabus"
	"github.com/greenlang/gl001/deploy/kafkabus/kafkatest"
	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/xk6-gl001/bridge"
	"github.com/greenlang/gl001/xk6-gl001/client"
)

// benchParallelism × GOMAXPROCS events are in flight at once in both
// benchmarks, as that many VUs would keep them.
const benchParallelism = 16

// BenchmarkNativeCoordinate is the native engine's coordinate iteration
// (client.Coordinator.Coordinate) publish → ack, on the embedded broker
// with one stand-in consumer acking: the baseline of
// BenchmarkBridgeCoordinate.
func BenchmarkNativeCoordinate(b *testing.B) {
	r := newRig(b, 12)
	r.replica(b, "gl-001-0")
	ctx := context.Background()
	acks, err := kafkabus.NewAckWaiter(ctx, r.cfg, kafkabus.AckWaiterOptions{Logger: kafkatest.Logger(b)})
	if err != nil {
		b.Fatal(err)
	}
	defer acks.Close()
	w := kafkabus.NewWriter(r.cfg, api.TopicCoordination)
	defer w.Close()
	co := &client.Coordinator{Writer: w, Acks: acks, Fleet: r.fleet, AckTimeout: 30 * time.Second}
	warm(b, func() bool { return co.Coordinate(ctx).OK })
	measure(b, func() bool { return co.Coordinate(ctx).OK })
}

// BenchmarkBridgeCoordinate is the same events posted to gl001 bridge over
// loopback HTTP ({} bodies, keep-alive), as the k6 module posts them: the
// difference from BenchmarkNativeCoordinate is the bridge's overhead.
func BenchmarkBridgeCoordinate(b *testing.B) {
	r := newRig(b, 12)
	r.replica(b, "gl-001-0")
	br := r.bridge(b, bridge.Options{AckTimeout: 30 * time.Second, Logger: kafkatest.Logger(b)})
	srv := httptest.NewServer(br.Handler())
	defer srv.Close()
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: time.Minute}
	url := srv.URL + "/v1/coordinate"
	body := []byte(`{}`)
	post := func() bool {
		resp, err := c.Post(url, "application/json", bytes.NewReader(body))
		if err != nil {
			return false
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}
	warm(b, post)
	measure(b, post)
}

// warm sends events until one is acked, so the consumer group has joined
// before the clock starts.
func warm(b *testing.B, send func() bool) {
	for range 200 {
		if send() {
			return
		}
	}
	b.Fatal("no event acked while warming up")
}

// measure runs send in parallel and reports the mean latency of one event
// and the process CPU per event (broker and consumer included: they are
// the same in both benchmarks).
func measure(b *testing.B, send func() bool) {
	var total atomic.Int64
	var failed atomic.Int64
	cpu0 := cpuTime()
	b.ResetTimer()
	b.SetParallelism(benchParallelism)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t := time.Now()
			if !send() {
				failed.Add(1)
			}
			total.Add(int64(time.Since(t)))
		}
	})
	b.StopTimer()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d events not acked", n)
	}
	b.ReportMetric(float64(total.Load())/float64(b.N)/1e6, "ms/event")
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e3, "cpu-µs/event")
}
