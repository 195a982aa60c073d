// Package api is the wire contract between gl001's load side and a GL-001
// orchestrator: the heat-optimization request and response, the agent
// coordination event and its acknowledgement.
//
// The names follow the public GL-001 implementation's orchestrator
// (`execute()` input and output): plant_data, sensor_feeds, constraints,
// emissions_data, coordinate_agents, agent_ids in; heat_distribution,
// energy_balance, emissions_compliance, kpi_dashboard, ... out. Where the
// multi-plant dispatch needs more than that contract carries, fields are
// added, never renamed:
//
//   - sensor_feeds.heat_demands and sensor_feeds.heat_sources key units and
//     sources by "plant-NN/name" (e.g. "plant-03/boiler-2"); the part before
//     the slash is the plant, and each plant's sources serve that plant's
//     units. A key without a slash belongs to the single unnamed plant, so a
//     request in the public implementation's single-plant shape still works.
//   - source_details (added) gives each heat source its economics: minimum
//     stable output, efficiency, fuel cost and CO2 emission factor.
//   - carbon_cost_per_tonne (added) prices CO2 in the objective.
//   - the response adds source_dispatch (each source's output), replica
//     (which orchestrator replica served) and objective_cost_per_hour.
//
// Units are in the field names: MW of heat, kg/h, cost per MWh or per hour
// in one unnamed currency, percent.
package api

import "time"

// Paths the stand-in serves; the guide's API lives under /api/v1/.
const (
	PathOptimize         = "/api/v1/optimize"
	PathHealth           = "/api/v1/health"
	PathReady            = "/api/v1/ready"
	PathMetrics          = "/api/v1/metrics"
	PathLoadDistribution = "/api/v1/metrics/load-distribution"
	PathDatabase         = "/api/v1/metrics/database"
	PathCapacity         = "/api/v1/capacity"
	PathPrometheus       = "/metrics"
	PathLoadTest         = "/api/v1/test/load-test"
	PathLoadTestReport   = "/api/v1/test/load-test/report"
)

// Kafka names from the guide.
const (
	TopicCoordination = "agent.coordination"
	TopicAck          = "agent.coordination.ack"
	ConsumerGroup     = "gl-001-orchestrator"
)

// HeaderRegion names the region a request or event comes from, when the
// run has regions: an HTTP request header on optimization requests and a
// Kafka message header on coordination events. The value is the region's
// name (package region). A target that does not know it ignores it; the
// stand-in adds the region's round trip.
const HeaderRegion = "X-GL001-Region"

// OptimizeRequest is the body of POST /api/v1/optimize: the public
// implementation's execute() input, extended for multi-plant dispatch.
type OptimizeRequest struct {
	PlantData          PlantData                `json:"plant_data"`
	SensorFeeds        SensorFeeds              `json:"sensor_feeds"`
	Constraints        Constraints              `json:"constraints"`
	EmissionsData      EmissionsData            `json:"emissions_data"`
	CoordinateAgents   bool                     `json:"coordinate_agents"`
	AgentIDs           []string                 `json:"agent_ids"`
	SourceDetails      map[string]SourceDetails `json:"source_details,omitempty"`
	CarbonCostPerTonne float64                  `json:"carbon_cost_per_tonne,omitempty"`
}

// PlantData is the fleet's (or plant's) energy balance inputs, in MW.
type PlantData struct {
	FuelInputMW         float64 `json:"fuel_input_mw"`
	ElectricityInputMW  float64 `json:"electricity_input_mw"`
	SteamImportMW       float64 `json:"steam_import_mw"`
	ProcessHeatOutputMW float64 `json:"process_heat_output_mw"`
	ElectricityOutputMW float64 `json:"electricity_output_mw"`
	SteamExportMW       float64 `json:"steam_export_mw"`
	MeasuredLossesMW    float64 `json:"measured_losses_mw"`
}

// SensorFeeds are the live readings: demand per unit and available capacity
// per source (MW), and temperatures (°C) by sensor name.
type SensorFeeds struct {
	HeatDemands  map[string]float64 `json:"heat_demands"`
	HeatSources  map[string]float64 `json:"heat_sources"`
	Temperatures map[string]float64 `json:"temperatures,omitempty"`
}

// Constraints are the operator's limits on a dispatch.
type Constraints struct {
	MaxTemperatureVarianceC float64  `json:"max_temperature_variance_c"`
	MinEfficiencyPercent    float64  `json:"min_efficiency_percent"`
	PriorityUnits           []string `json:"priority_units,omitempty"`
}

// EmissionsData is the measured stack emissions, kg/h, and the heat output
// they belong to, MW.
type EmissionsData struct {
	CO2KgHr         float64 `json:"co2_kg_hr"`
	NOxKgHr         float64 `json:"nox_kg_hr"`
	SOxKgHr         float64 `json:"sox_kg_hr"`
	ParticulateKgHr float64 `json:"particulate_kg_hr"`
	HeatOutputMW    float64 `json:"heat_output_mw"`
}

// SourceDetails are one heat source's economics. A source that is running
// must produce at least MinOutputMW; Efficiency is heat out per fuel in
// (0, 1]; FuelCostPerMWh is per MWh of fuel; EmissionFactorKgPerMWh is kg
// CO2 per MWh of fuel.
type SourceDetails struct {
	PlantID                string  `json:"plant_id"`
	MinOutputMW            float64 `json:"min_output_mw"`
	Efficiency             float64 `json:"efficiency"`
	FuelCostPerMWh         float64 `json:"fuel_cost_per_mwh"`
	EmissionFactorKgPerMWh float64 `json:"emission_factor_kg_per_mwh"`
}

// OptimizeResponse is the public implementation's execute() output, plus
// SourceDispatch, Replica and ObjectiveCostPerHour.
type OptimizeResponse struct {
	AgentID              string                    `json:"agent_id"`
	Timestamp            time.Time                 `json:"timestamp"`
	ExecutionTimeMS      float64                   `json:"execution_time_ms"`
	ThermalEfficiency    float64                   `json:"thermal_efficiency"`
	HeatDistribution     HeatDistribution          `json:"heat_distribution"`
	EnergyBalance        EnergyBalance             `json:"energy_balance"`
	EmissionsCompliance  EmissionsCompliance       `json:"emissions_compliance"`
	KPIDashboard         map[string]float64        `json:"kpi_dashboard"`
	CoordinationResult   CoordinationResult        `json:"coordination_result"`
	PerformanceMetrics   PerformanceMetrics        `json:"performance_metrics"`
	ProvenanceHash       string                    `json:"provenance_hash"`
	SourceDispatch       map[string]SourceDispatch `json:"source_dispatch"`
	ObjectiveCostPerHour float64                   `json:"objective_cost_per_hour"`
	Replica              string                    `json:"replica"`
}

// HeatDistribution is the optimized allocation of heat to demand units.
type HeatDistribution struct {
	DistributionMatrix   map[string]UnitAllocation `json:"distribution_matrix"`
	TotalHeatDemandMW    float64                   `json:"total_heat_demand_mw"`
	TotalHeatSupplyMW    float64                   `json:"total_heat_supply_mw"`
	OptimizationScore    float64                   `json:"optimization_score"`
	ConstraintsSatisfied bool                      `json:"constraints_satisfied"`
}

// UnitAllocation is what one demand unit receives.
type UnitAllocation struct {
	AllocatedMW         float64 `json:"allocated_mw"`
	DemandMW            float64 `json:"demand_mw"`
	SatisfactionPercent float64 `json:"satisfaction_percent"`
}

// SourceDispatch is what one heat source is told to produce, and its cost.
type SourceDispatch struct {
	OutputMW    float64 `json:"output_mw"`
	CapacityMW  float64 `json:"capacity_mw"`
	CostPerHour float64 `json:"cost_per_hour"`
	CO2KgHr     float64 `json:"co2_kg_hr"`
}

// EnergyBalance is the first-law check of plant_data, MW.
type EnergyBalance struct {
	TotalInputMW        float64 `json:"total_input_mw"`
	TotalOutputMW       float64 `json:"total_output_mw"`
	LossesMW            float64 `json:"losses_mw"`
	ImbalanceMW         float64 `json:"imbalance_mw"`
	BalanceErrorPercent float64 `json:"balance_error_percent"`
	Balanced            bool    `json:"balanced"`
}

// Compliance statuses of EmissionsCompliance.
const (
	CompliancePass    = "PASS"
	ComplianceWarning = "WARNING"
	ComplianceFail    = "FAIL"
)

// EmissionsCompliance compares emissions intensity with the limit.
type EmissionsCompliance struct {
	ComplianceStatus     string  `json:"compliance_status"`
	CO2IntensityKgPerMWh float64 `json:"co2_intensity_kg_per_mwh"`
	CO2LimitKgPerMWh     float64 `json:"co2_limit_kg_per_mwh"`
	DispatchedCO2KgHr    float64 `json:"dispatched_co2_kg_hr"`
}

// CoordinationResult says which agents the orchestrator coordinated.
type CoordinationResult struct {
	Coordinated bool     `json:"coordinated"`
	AgentIDs    []string `json:"agent_ids"`
	TasksIssued int      `json:"tasks_issued"`
}

// PerformanceMetrics are the cost of this one call, measured.
type PerformanceMetrics struct {
	SolveTimeMS     float64 `json:"solve_time_ms"`
	DBWaitTimeMS    float64 `json:"db_wait_time_ms"`
	LPVariables     int     `json:"lp_variables"`
	LPConstraints   int     `json:"lp_constraints"`
	PlantsOptimized int     `json:"plants_optimized"`
}

// Agent groups, as the guide's "Sub-Agent Group Scaling" names them.
const (
	GroupBoilerSteam         = "boiler_steam"
	GroupCombustionEmissions = "combustion_emissions"
	GroupHeatRecovery        = "heat_recovery"
)

// CoordinationEvent is one message a sub-agent publishes on
// agent.coordination. The Kafka message key is the plant_id, so one
// plant's events stay in order on one partition.
type CoordinationEvent struct {
	EventID   string         `json:"event_id"`
	AgentID   string         `json:"agent_id"`
	AgentType string         `json:"agent_type"` // "GL-002", ...
	Group     string         `json:"group"`
	PlantID   string         `json:"plant_id"`
	Seq       uint64         `json:"seq"` // per agent, from 1
	SentAt    time.Time      `json:"sent_at"`
	Payload   map[string]any `json:"payload"`
}

// Ack statuses.
const (
	AckOK    = "ok"
	AckError = "error"
)

// Ack is what an orchestrator replica publishes on agent.coordination.ack
// once it has processed an event (and before it commits the offset).
type Ack struct {
	EventID     string    `json:"event_id"`
	Status      string    `json:"status"`
	Replica     string    `json:"replica"`
	ProcessedAt time.Time `json:"processed_at"`
	Error       string    `json:"error,omitempty"`
}
