package fleet_test

import (
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/api"
)

// payloadKeys are the readings each agent type must report.
var payloadKeys = map[string][]string{
	"GL-002": {"boiler_id", "efficiency_percent", "steam_flow_kg_s", "stack_temp_c", "o2_percent", "status", "load_percent"},
	"GL-012": {"header_pressure_bar", "steam_demand_mw", "header_temp_c", "steam_supply_mw"},
	"GL-016": {"blowdown_percent", "conductivity_us_cm", "ph"},
	"GL-017": {"condensate_return_percent", "condensate_temp_c"},
	"GL-022": {"superheat_c", "steam_temp_c"},
	"GL-003": {"excess_air_percent", "co_ppm", "o2_percent"},
	"GL-004": {"nox_mg_nm3", "so2_mg_nm3", "co2_kg_hr"},
	"GL-005": {"flame_signal_percent", "furnace_pressure_pa"},
	"GL-006": {"recovered_heat_mw", "exhaust_temp_c"},
	"GL-014": {"duty_mw", "approach_temp_c"},
	"GL-020": {"duty_mw", "feedwater_out_c"},
}

func TestEventsAreValid(t *testing.T) {
	f := mustNew(t, 15, 400, 6) // every slot of every type
	seen := map[string]bool{}
	for h := 0; h < 48; h += 7 {
		now := monday.Add(time.Duration(h)*time.Hour + 250*time.Millisecond)
		for _, a := range f.Agents() {
			e := a.NextEvent(now)
			at := a.Type()
			seen[at.Code] = true
			if e.AgentID != a.ID() || e.AgentType != at.Code || e.Group != at.Group || e.PlantID != a.PlantID() || !e.SentAt.Equal(now) {
				t.Fatalf("event %+v does not match agent %s", e, a.ID())
			}
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := api.DecodeEvent(b); err != nil {
				t.Fatalf("%s: %v\n%s", a.ID(), err, b)
			}
			for _, k := range payloadKeys[at.Code] {
				if _, ok := e.Payload[k]; !ok {
					t.Errorf("%s payload lacks %q: %v", at.Code, k, e.Payload)
				}
			}
			for k, v := range e.Payload {
				switch v := v.(type) {
				case float64:
					if math.IsNaN(v) || math.IsInf(v, 0) || (v < 0 && k != "furnace_pressure_pa") {
						t.Errorf("%s payload %s = %v", a.ID(), k, v)
					}
				case string, int:
				default:
					t.Errorf("%s payload %s has type %T", a.ID(), k, v)
				}
			}
			if id, _ := e.Payload["boiler_id"].(string); at.Code == "GL-002" && id != a.BoilerID() {
				t.Errorf("%s reports boiler %q", a.ID(), id)
			}
		}
	}
	if len(seen) != len(payloadKeys) {
		t.Errorf("saw types %v, want all of %d", seen, len(payloadKeys))
	}
}

func TestPayloadIsAFunctionOfTime(t *testing.T) {
	f := mustNew(t, 15, 75, 6)
	now := monday.Add(90*time.Minute + 1500*time.Millisecond)
	for _, a := range f.Agents() {
		e1, e2 := a.NextEvent(now), a.NextEvent(now)
		if e2.Seq != e1.Seq+1 || !reflect.DeepEqual(e1.Payload, e2.Payload) {
			t.Errorf("%s: two events at the same instant: seq %d, %d; payloads %v, %v", a.ID(), e1.Seq, e2.Seq, e1.Payload, e2.Payload)
		}
	}
}

func TestSeqUnderConcurrency(t *testing.T) {
	f := mustNew(t, 15, 75, 1)
	agents := f.Agents()
	const workers, perWorker = 8, 2000
	seqs := make([][]api.CoordinationEvent, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				if i%4 == 0 { // the same agent from every worker
					seqs[w] = append(seqs[w], agents[0].NextEvent(monday))
				} else {
					seqs[w] = append(seqs[w], f.NextEvent(monday))
				}
			}
		})
	}
	wg.Wait()
	byAgent := map[string][]uint64{}
	for _, evs := range seqs {
		for _, e := range evs {
			byAgent[e.AgentID] = append(byAgent[e.AgentID], e.Seq)
		}
	}
	if len(byAgent) != len(agents) {
		t.Errorf("events from %d agents, want %d", len(byAgent), len(agents))
	}
	for _, a := range agents {
		got := byAgent[a.ID()]
		slices.Sort(got)
		for i, s := range got {
			if s != uint64(i+1) {
				t.Fatalf("%s: seqs %v…, want 1, 2, 3, … without repeats or gaps", a.ID(), got[:min(len(got), i+3)])
			}
		}
		if a.Seq() != uint64(len(got)) {
			t.Errorf("%s: Seq() = %d after %d events", a.ID(), a.Seq(), len(got))
		}
	}
}

func TestEventIDsAreUnique(t *testing.T) {
	f := mustNew(t, 100, 1000, 1)
	again := mustNew(t, 100, 1000, 1) // same seed, another run
	ids := make(map[string]bool, 100_000)
	for i := range 100_000 {
		id := f.NextEvent(monday.Add(time.Duration(i) * time.Millisecond)).EventID
		if ids[id] {
			t.Fatalf("event id %q repeats after %d events", id, i)
		}
		ids[id] = true
	}
	for range 1000 {
		if id := again.NextEvent(monday).EventID; ids[id] {
			t.Fatalf("event id %q repeats in another run with the same seed", id)
		}
	}
	if !strings.HasPrefix(f.NextEvent(monday).EventID, f.RunToken()+"-gl-") {
		t.Error("event ids do not start with the run token and the agent id")
	}
}

func TestFleetNextEventTakesTurns(t *testing.T) {
	f := mustNew(t, 15, 75, 1)
	for round := range 3 {
		for i, a := range f.Agents() {
			if e := f.NextEvent(monday); e.AgentID != a.ID() || e.Seq != uint64(round+1) {
				t.Fatalf("round %d event %d from %s seq %d, want %s seq %d", round, i, e.AgentID, e.Seq, a.ID(), round+1)
			}
		}
	}
	if e := mustNew(t, 15, 0, 1).NextEvent(monday); !reflect.DeepEqual(e, api.CoordinationEvent{}) {
		t.Errorf("a fleet without agents returned %+v, want the zero event", e)
	}
}
