package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
)

// Defaults for a heat source that has no source_details entry, as in the
// public implementation's single-plant requests: a natural-gas boiler.
var DefaultSourceDetails = SourceDetails{
	Efficiency:             0.85,
	FuelCostPerMWh:         35,
	EmissionFactorKgPerMWh: 202,
}

// ErrInvalid is wrapped by every error DecodeOptimizeRequest and the
// Validate methods return, so a handler can answer 400.
var ErrInvalid = errors.New("invalid request")

// PlantOf returns the plant part of a unit or source key ("plant-03" of
// "plant-03/boiler-2"), or "" for a key without a slash.
func PlantOf(key string) string {
	if i := strings.IndexByte(key, '/'); i >= 0 {
		return key[:i]
	}
	return ""
}

// DecodeOptimizeRequest reads one OptimizeRequest strictly (unknown fields
// and wrong types are errors naming the field) and validates it.
func DecodeOptimizeRequest(r io.Reader) (OptimizeRequest, error) {
	var req OptimizeRequest
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return OptimizeRequest{}, fmt.Errorf("%w: %s", ErrInvalid, jsonProblem(err))
	}
	if dec.More() {
		return OptimizeRequest{}, fmt.Errorf("%w: unexpected data after the JSON object", ErrInvalid)
	}
	return req, req.Validate()
}

// jsonProblem rewords encoding/json's errors so they name the field.
func jsonProblem(err error) string {
	var typ *json.UnmarshalTypeError
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &typ):
		return fmt.Sprintf("%s: got %s, want %s", typ.Field, typ.Value, typ.Type)
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.Is(err, io.EOF):
		return "empty body, want a JSON object"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// Validate reports every problem with r at once, each naming the field
// (sensor_feeds.heat_demands["plant-03/unit-1"]) and the value.
func (r OptimizeRequest) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	nonNeg := func(field string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			bad("%s (%v) must be a finite number ≥ 0", field, v)
		}
	}
	pd := r.PlantData
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"fuel_input_mw", pd.FuelInputMW}, {"electricity_input_mw", pd.ElectricityInputMW},
		{"steam_import_mw", pd.SteamImportMW}, {"process_heat_output_mw", pd.ProcessHeatOutputMW},
		{"electricity_output_mw", pd.ElectricityOutputMW}, {"steam_export_mw", pd.SteamExportMW},
		{"measured_losses_mw", pd.MeasuredLossesMW},
	} {
		nonNeg("plant_data."+f.name, f.v)
	}
	if len(r.SensorFeeds.HeatDemands) == 0 {
		bad("sensor_feeds.heat_demands is empty, want at least one unit with its demand in MW")
	}
	if len(r.SensorFeeds.HeatSources) == 0 {
		bad("sensor_feeds.heat_sources is empty, want at least one source with its available MW")
	}
	for _, k := range sortedKeys(r.SensorFeeds.HeatDemands) {
		checkKey(bad, "sensor_feeds.heat_demands", k)
		nonNeg(fmt.Sprintf("sensor_feeds.heat_demands[%q]", k), r.SensorFeeds.HeatDemands[k])
	}
	for _, k := range sortedKeys(r.SensorFeeds.HeatSources) {
		checkKey(bad, "sensor_feeds.heat_sources", k)
		nonNeg(fmt.Sprintf("sensor_feeds.heat_sources[%q]", k), r.SensorFeeds.HeatSources[k])
	}
	for _, k := range sortedKeys(r.SensorFeeds.Temperatures) {
		if v := r.SensorFeeds.Temperatures[k]; math.IsNaN(v) || math.IsInf(v, 0) {
			bad("sensor_feeds.temperatures[%q] (%v) must be a finite number", k, v)
		}
	}
	c := r.Constraints
	nonNeg("constraints.max_temperature_variance_c", c.MaxTemperatureVarianceC)
	if !(c.MinEfficiencyPercent >= 0 && c.MinEfficiencyPercent <= 100) {
		bad("constraints.min_efficiency_percent (%v) must be from 0 to 100", c.MinEfficiencyPercent)
	}
	for i, u := range c.PriorityUnits {
		if _, ok := r.SensorFeeds.HeatDemands[u]; !ok {
			bad("constraints.priority_units[%d] (%q) is not a unit in sensor_feeds.heat_demands", i, u)
		}
	}
	e := r.EmissionsData
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"co2_kg_hr", e.CO2KgHr}, {"nox_kg_hr", e.NOxKgHr}, {"sox_kg_hr", e.SOxKgHr},
		{"particulate_kg_hr", e.ParticulateKgHr}, {"heat_output_mw", e.HeatOutputMW},
	} {
		nonNeg("emissions_data."+f.name, f.v)
	}
	for _, k := range sortedKeys(r.SourceDetails) {
		d, field := r.SourceDetails[k], fmt.Sprintf("source_details[%q]", k)
		capMW, ok := r.SensorFeeds.HeatSources[k]
		if !ok {
			bad("%s names no source in sensor_feeds.heat_sources", field)
			continue
		}
		if d.PlantID != "" && d.PlantID != PlantOf(k) {
			bad("%s.plant_id (%q) differs from the plant in the key (%q)", field, d.PlantID, PlantOf(k))
		}
		if !(d.Efficiency > 0 && d.Efficiency <= 1) {
			bad("%s.efficiency (%v) must be in (0, 1]", field, d.Efficiency)
		}
		nonNeg(field+".min_output_mw", d.MinOutputMW)
		if d.MinOutputMW > capMW {
			bad("%s.min_output_mw (%v) exceeds the source's available %v MW", field, d.MinOutputMW, capMW)
		}
		nonNeg(field+".fuel_cost_per_mwh", d.FuelCostPerMWh)
		nonNeg(field+".emission_factor_kg_per_mwh", d.EmissionFactorKgPerMWh)
	}
	nonNeg("carbon_cost_per_tonne", r.CarbonCostPerTonne)
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
}

func checkKey(bad func(string, ...any), field, k string) {
	if k == "" || strings.HasPrefix(k, "/") || strings.HasSuffix(k, "/") {
		bad("%s has a malformed key %q, want \"name\" or \"plant/name\"", field, k)
	}
}

// Details returns the source's details from r, or DefaultSourceDetails
// for a source that has none.
func (r OptimizeRequest) Details(source string) SourceDetails {
	if d, ok := r.SourceDetails[source]; ok {
		return d
	}
	d := DefaultSourceDetails
	d.PlantID = PlantOf(source)
	return d
}

var agentType = regexp.MustCompile(`^GL-\d{3}$`)

// Groups lists the valid CoordinationEvent groups.
var Groups = []string{GroupBoilerSteam, GroupCombustionEmissions, GroupHeatRecovery}

// DecodeEvent reads and validates one coordination event; it returns the
// event id it could read even when the event is invalid, so the error can
// still be acknowledged against it.
func DecodeEvent(b []byte) (CoordinationEvent, error) {
	var ev CoordinationEvent
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&ev); err != nil {
		var partial struct {
			EventID string `json:"event_id"`
		}
		_ = json.Unmarshal(b, &partial)
		return CoordinationEvent{EventID: partial.EventID}, fmt.Errorf("%w: %s", ErrInvalid, jsonProblem(err))
	}
	return ev, ev.Validate()
}

// Validate reports every problem with e at once, naming the field.
func (e CoordinationEvent) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, f := range []struct{ name, v string }{
		{"event_id", e.EventID}, {"agent_id", e.AgentID}, {"plant_id", e.PlantID},
	} {
		if f.v == "" {
			bad("%s is empty", f.name)
		}
	}
	if !agentType.MatchString(e.AgentType) {
		bad("agent_type (%q) must look like \"GL-002\"", e.AgentType)
	}
	if !slices.Contains(Groups, e.Group) {
		bad("group (%q) must be one of %s", e.Group, strings.Join(Groups, ", "))
	}
	if e.Seq == 0 {
		bad("seq must be ≥ 1")
	}
	if e.SentAt.IsZero() {
		bad("sent_at is missing, want an RFC 3339 time")
	}
	if e.Payload == nil {
		bad("payload is missing, want an object")
	}
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
}

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
