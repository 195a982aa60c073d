package client_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/fleet"
	"github.com/greenlang/gl001/xk6-gl001/client"
)

func TestTurns(t *testing.T) {
	for _, c := range []struct {
		weights []int
		want    []int
	}{
		{[]int{5, 5, 5}, []int{0, 1, 2}},
		{[]int{2, 1}, []int{0, 1, 0}},
		{[]int{3, 0, 1}, []int{0, 0, 2, 0}},
		{[]int{0, 0}, nil},
	} {
		if got := client.Turns(c.weights); !slices.Equal(got, c.want) {
			t.Errorf("Turns(%v) = %v, want %v", c.weights, got, c.want)
		}
	}
	// Uneven weights: each index gets its share of every cycle.
	got := client.Turns([]int{6, 5, 4})
	count := map[int]int{}
	for _, i := range got {
		count[i]++
	}
	if len(got) != 15 || count[0] != 6 || count[1] != 5 || count[2] != 4 {
		t.Errorf("Turns(6,5,4) = %v", got)
	}
}

// TestRegionalSendsOneRegionPerRequest: each request carries one region's
// plants and names the region in its header, the regions taking turns by
// their plants.
func TestRegionalSendsOneRegionPerRequest(t *testing.T) {
	var mu sync.Mutex
	seen := map[string][]string{} // region → plant ids of its requests
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req api.OptimizeRequest
		_ = json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		region := r.Header.Get(api.HeaderRegion)
		for _, src := range req.SourceDetails {
			if !slices.Contains(seen[region], src.PlantID) {
				seen[region] = append(seen[region], src.PlantID)
			}
		}
		mu.Unlock()
		_, _ = w.Write([]byte(`{"replica": "r"}`))
	}))
	defer srv.Close()
	f, err := fleet.New(fleet.Config{Plants: 3, Agents: 15})
	if err != nil {
		t.Fatal(err)
	}
	httpc := client.NewHTTPClient(5*time.Second, 2)
	part := func(plants []int, region string) *client.Optimizer {
		p, err := f.Only(plants)
		if err != nil {
			t.Fatal(err)
		}
		return &client.Optimizer{URL: srv.URL, HTTP: httpc, Fleet: p, Region: region}
	}
	reg := client.NewRegional([]*client.Optimizer{part([]int{0, 1}, "us-east"), part([]int{2}, "apac")}, []int{2, 1})
	regions := map[string]int{}
	for range 6 {
		r := reg.Optimize(t.Context())
		if !r.OK {
			t.Fatalf("%+v", r)
		}
		regions[r.Region]++
	}
	if regions["us-east"] != 4 || regions["apac"] != 2 {
		t.Errorf("results by region %v, want us-east 4 and apac 2 of 6", regions)
	}
	slices.Sort(seen["us-east"])
	if !slices.Equal(seen["us-east"], []string{"plant-01", "plant-02"}) || !slices.Equal(seen["apac"], []string{"plant-03"}) {
		t.Errorf("plants by region header %v", seen)
	}
}
