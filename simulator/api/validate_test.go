package api_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/api"
)

const goodRequest = `{
  "plant_data": {"fuel_input_mw": 60, "electricity_input_mw": 1, "steam_import_mw": 0,
    "process_heat_output_mw": 50, "electricity_output_mw": 0, "steam_export_mw": 0, "measured_losses_mw": 9},
  "sensor_feeds": {"heat_demands": {"plant-01/unit-1": 20, "plant-01/unit-2": 30},
    "heat_sources": {"plant-01/boiler-1": 40, "plant-01/boiler-2": 25}, "temperatures": {"plant-01/header": 185}},
  "constraints": {"max_temperature_variance_c": 5, "min_efficiency_percent": 85, "priority_units": ["plant-01/unit-1"]},
  "emissions_data": {"co2_kg_hr": 12000, "nox_kg_hr": 8, "sox_kg_hr": 1, "particulate_kg_hr": 0.5, "heat_output_mw": 50},
  "coordinate_agents": true, "agent_ids": ["gl-002-plant-01-boiler-1"],
  "source_details": {"plant-01/boiler-1": {"plant_id": "plant-01", "min_output_mw": 8, "efficiency": 0.9,
    "fuel_cost_per_mwh": 30, "emission_factor_kg_per_mwh": 202}},
  "carbon_cost_per_tonne": 85
}`

func TestDecodeOptimizeRequest(t *testing.T) {
	req, err := api.DecodeOptimizeRequest(strings.NewReader(goodRequest))
	if err != nil {
		t.Fatal(err)
	}
	if got := req.Details("plant-01/boiler-2"); got.Efficiency != api.DefaultSourceDetails.Efficiency || got.PlantID != "plant-01" {
		t.Errorf("Details of a source without details = %+v, want the defaults for plant-01", got)
	}

	tests := []struct {
		name string
		edit func(m map[string]any)
		body string
		want []string
	}{
		{name: "unknown field", edit: func(m map[string]any) { m["plant_dta"] = 1 }, want: []string{`unknown field "plant_dta"`}},
		{name: "wrong type", edit: func(m map[string]any) { m["coordinate_agents"] = "yes" }, want: []string{"coordinate_agents", "got string"}},
		{name: "negative demand and bad efficiency, both named", edit: func(m map[string]any) {
			m["sensor_feeds"].(map[string]any)["heat_demands"].(map[string]any)["plant-01/unit-2"] = -5
			m["source_details"].(map[string]any)["plant-01/boiler-1"].(map[string]any)["efficiency"] = 1.5
		}, want: []string{`sensor_feeds.heat_demands["plant-01/unit-2"] (-5)`, `source_details["plant-01/boiler-1"].efficiency (1.5) must be in (0, 1]`}},
		{name: "min output above capacity", edit: func(m map[string]any) {
			m["source_details"].(map[string]any)["plant-01/boiler-1"].(map[string]any)["min_output_mw"] = 50
		}, want: []string{"min_output_mw (50) exceeds the source's available 40 MW"}},
		{name: "priority unit unknown", edit: func(m map[string]any) {
			m["constraints"].(map[string]any)["priority_units"] = []string{"plant-09/unit-1"}
		}, want: []string{`constraints.priority_units[0] ("plant-09/unit-1") is not a unit`}},
		{name: "no sources", edit: func(m map[string]any) {
			m["sensor_feeds"].(map[string]any)["heat_sources"] = map[string]any{}
			delete(m, "source_details")
		}, want: []string{"sensor_feeds.heat_sources is empty"}},
		{name: "empty body", body: " ", want: []string{"empty body"}},
		{name: "trailing data", body: goodRequest + "{}", want: []string{"unexpected data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if tt.edit != nil {
				var m map[string]any
				if err := json.Unmarshal([]byte(goodRequest), &m); err != nil {
					t.Fatal(err)
				}
				tt.edit(m)
				b, _ := json.Marshal(m)
				body = string(b)
			}
			_, err := api.DecodeOptimizeRequest(strings.NewReader(body))
			if !errors.Is(err, api.ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestDecodeEvent(t *testing.T) {
	ok := api.CoordinationEvent{EventID: "e1", AgentID: "gl-002-plant-01-boiler-1", AgentType: "GL-002",
		Group: api.GroupBoilerSteam, PlantID: "plant-01", Seq: 1, SentAt: time.Now(), Payload: map[string]any{"o2_percent": 3.1}}
	b, _ := json.Marshal(ok)
	if _, err := api.DecodeEvent(b); err != nil {
		t.Fatalf("valid event: %v", err)
	}
	bad := ok
	bad.AgentType, bad.Group, bad.Seq, bad.Payload = "GL2", "boilers", 0, nil
	b, _ = json.Marshal(bad)
	ev, err := api.DecodeEvent(b)
	if !errors.Is(err, api.ErrInvalid) || ev.EventID != "e1" {
		t.Fatalf("got %v, %v; want ErrInvalid and the event id", ev.EventID, err)
	}
	for _, w := range []string{`agent_type ("GL2")`, `group ("boilers")`, "seq must be", "payload is missing"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	ev, err = api.DecodeEvent([]byte(`{"event_id": "e7", "seq": "one"}`))
	if err == nil || ev.EventID != "e7" || !strings.Contains(err.Error(), "seq") {
		t.Errorf("malformed event: id %q, err %v", ev.EventID, err)
	}
}

func FuzzDecodeOptimizeRequest(f *testing.F) {
	f.Add(goodRequest)
	f.Add(`{"sensor_feeds": {"heat_demands": {"a": 1}, "heat_sources": {"b": -1}}}`)
	f.Fuzz(func(t *testing.T, s string) {
		req, err := api.DecodeOptimizeRequest(strings.NewReader(s))
		if err == nil && req.Validate() != nil {
			t.Fatal("decoded a request that does not validate")
		}
		if err != nil && !errors.Is(err, api.ErrInvalid) {
			t.Fatalf("error without ErrInvalid: %v", err)
		}
	})
}
