package client_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/xk6-gl001/client"
)

// BenchmarkOptimize is one optimization round trip of the guide's fleet
// (15 plants, a 19 KB request) against a sink that answers a stand-in's
// answer of the same size: the load generator's own cost per request.
func BenchmarkOptimize(b *testing.B) {
	answer, err := os.ReadFile("testdata/answer.json")
	if err != nil {
		b.Skip("no recorded answer")
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	defer srv.Close()
	f, err := fleet.New(fleet.Config{Plants: 15, Agents: 75, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	o := &client.Optimizer{URL: srv.URL + "/api/v1/optimize", HTTP: client.NewHTTPClient(10*time.Second, 64), Fleet: f,
		Clock: func(now time.Time) time.Time { return fleet.DefaultStart.Add(now.Sub(start)) }}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r := o.Optimize(context.Background()); !r.OK {
				b.Fatal(r.Error)
			}
		}
	})
}
