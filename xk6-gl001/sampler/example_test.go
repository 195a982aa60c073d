package sampler_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/sampler"
)

// A Set reads its samplers into one Sample per interval; one that fails is
// a Gap, and the rest of the Sample is still there. A figure the target
// does not report (here the guide's four pool figures, without timeouts
// or max_in_use) is null with a Gap naming it, never 0.
func ExampleSet() {
	orchestrator := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `{"connection_pool": {"size": 100, "in_use": 92, "available": 8, "wait_count": 450}}`)
	}))
	defer orchestrator.Close()

	set := &sampler.Set{Samplers: []sampler.Sampler{
		&sampler.DatabasePool{BaseURL: orchestrator.URL},
		&sampler.Target{}, // no URL: a Gap
	}}
	defer set.Close()
	s := set.Sample(context.Background(), time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	b, _ := json.MarshalIndent(s, "", "  ")
	fmt.Println(string(b))
	// Output:
	// {
	//   "at": "2026-03-01T12:00:00Z",
	//   "database": {
	//     "size": 100,
	//     "in_use": 92,
	//     "available": 8,
	//     "wait_count": 450,
	//     "timeouts": null,
	//     "max_in_use": null,
	//     "in_use_percent": 92
	//   },
	//   "gaps": [
	//     {
	//       "sampler": "database",
	//       "field": "max_in_use",
	//       "reason": "connection_pool has no max_in_use"
	//     },
	//     {
	//       "sampler": "database",
	//       "field": "timeouts",
	//       "reason": "connection_pool has no timeouts"
	//     },
	//     {
	//       "sampler": "target",
	//       "reason": "no base URL configured"
	//     }
	//   ]
	// }
}
