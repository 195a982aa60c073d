package fleet_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/greenlang/gl001/simulator/fleet"
)

// Shards that partition the plants play the fleet once: each one's
// requests hold only its plants, its events come only from its plants'
// agents, and between them every agent is played by exactly one shard.
func TestOnlyPartitionsTheFleet(t *testing.T) {
	f, err := fleet.New(fleet.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	ids := f.PlantIDs()
	parts := [][]int{{0, 3, 6, 9, 12}, {1, 4, 7, 10, 13}, {2, 5, 8, 11, 14}}
	seen := map[string]int{}
	for k, plants := range parts {
		g, err := f.Only(plants)
		if err != nil {
			t.Fatal(err)
		}
		mine := map[string]bool{}
		for _, p := range plants {
			mine[ids[p]] = true
		}
		req := g.NextRequest(fleet.DefaultStart)
		for key := range req.SensorFeeds.HeatDemands {
			if plant, _, _ := strings.Cut(key, "/"); !mine[plant] {
				t.Errorf("shard %d's request holds %s", k, key)
			}
		}
		if want, _ := f.RequestFor(fleet.DefaultStart, plants); len(req.SensorFeeds.HeatDemands) != len(want.SensorFeeds.HeatDemands) {
			t.Errorf("shard %d: %d units, RequestFor has %d", k, len(req.SensorFeeds.HeatDemands), len(want.SensorFeeds.HeatDemands))
		}
		for range 2 * len(g.Agents()) {
			ev := g.NextEvent(fleet.DefaultStart)
			if !mine[ev.PlantID] {
				t.Fatalf("shard %d sent an event of %s", k, ev.PlantID)
			}
		}
		for _, a := range g.Agents() {
			seen[a.ID()]++
		}
	}
	if len(seen) != len(f.Agents()) {
		t.Errorf("the shards play %d agents of %d", len(seen), len(f.Agents()))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("agent %s played by %d shards", id, n)
		}
	}
	if _, err := f.Only([]int{1, 1}); !errors.Is(err, fleet.ErrPlants) {
		t.Errorf("a repeated plant: %v", err)
	}
}
