package orchestrator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/greenlang/gl001/simulator/api"
	"github.com/greenlang/gl001/simulator/dispatch"
)

// maxRequestBytes bounds an optimization request body; a 1,000-plant
// fleet's request is well under 2 MiB.
const maxRequestBytes = 8 << 20

// orchestratorAgentID is the id GL-001 answers with.
const orchestratorAgentID = "GL-001"

// serveOptimize answers one optimization. The request is counted and its
// latency recorded before the answer is written, so a client that has its
// answer and then reads /metrics or /api/v1/metrics finds it there.
func (r *Replica) serveOptimize(w http.ResponseWriter, req *http.Request) {
	start := time.Now()
	r.requests.Add(1)
	status, body := r.optimize(req)
	elapsed := time.Since(start)
	if resp, ok := body.(*api.OptimizeResponse); ok {
		resp.ExecutionTimeMS = float64(elapsed.Microseconds()) / 1000
	}
	outcome := outcomeOK
	switch {
	case status >= 500:
		outcome = outcomeError
	case status >= 400:
		outcome = outcomeInvalid
	}
	r.m.orchestrationRequests.WithLabelValues(outcome).Inc()
	if outcome == outcomeOK {
		r.m.orchestrationLatency.Observe(elapsed.Seconds())
		r.m.orchestrationDuration.Observe(elapsed.Seconds())
	}
	writeJSON(w, status, body)
}

// optimize returns the status and the body to answer with.
func (r *Replica) optimize(req *http.Request) (int, any) {
	in, err := api.DecodeOptimizeRequest(http.MaxBytesReader(nil, req.Body, maxRequestBytes))
	if err != nil {
		return http.StatusBadRequest, errorBody(err)
	}
	// Read the plants' state and, after solving, write the dispatch: the
	// pool is held for the queries' service time, and waits when busy.
	dbStart := time.Now()
	wait, err := r.pool.Exec(req.Context(), r.cfg.QueriesPerOptimize)
	r.m.dbQueryDuration.Observe(time.Since(dbStart).Seconds())
	if err != nil { // pool timeout (dbpool.ErrTimeout) or the client gone
		return http.StatusServiceUnavailable, errorBody(err)
	}
	prob := problemOf(in)
	solveStart := time.Now()
	sol, err := dispatch.SolveContext(req.Context(), prob)
	solve := time.Since(solveStart)
	if err != nil { // the request validated, so this is the stand-in's fault
		return http.StatusInternalServerError, errorBody(err)
	}
	r.m.heatOptimization.Observe(solve.Seconds())
	r.m.calculationDuration.Observe(solve.Seconds())
	resp := r.respond(in, prob, sol)
	resp.PerformanceMetrics.SolveTimeMS = float64(solve.Microseconds()) / 1000
	resp.PerformanceMetrics.DBWaitTimeMS = float64(wait.Microseconds()) / 1000
	return http.StatusOK, resp
}

// problemOf turns a request into the dispatch LP's input: one source per
// heat_sources entry (its available MW and its details), one unit per
// heat_demands entry, each belonging to the plant in its key.
func problemOf(in api.OptimizeRequest) dispatch.Problem {
	p := dispatch.Problem{CarbonCostPerTonne: in.CarbonCostPerTonne}
	for _, id := range sortedKeys(in.SensorFeeds.HeatSources) {
		d := in.Details(id)
		p.Sources = append(p.Sources, dispatch.Source{
			ID: id, Plant: api.PlantOf(id), CapacityMW: in.SensorFeeds.HeatSources[id],
			MinOutputMW: d.MinOutputMW, Efficiency: d.Efficiency,
			FuelCostPerMWh: d.FuelCostPerMWh, EmissionFactorKgPerMWh: d.EmissionFactorKgPerMWh,
		})
	}
	for _, id := range sortedKeys(in.SensorFeeds.HeatDemands) {
		p.Units = append(p.Units, dispatch.Unit{
			ID: id, Plant: api.PlantOf(id), DemandMW: in.SensorFeeds.HeatDemands[id],
			Priority: slices.Contains(in.Constraints.PriorityUnits, id),
		})
	}
	return p
}

// respond builds the public contract's answer from the dispatch.
func (r *Replica) respond(in api.OptimizeRequest, prob dispatch.Problem, sol dispatch.Solution) *api.OptimizeResponse {
	resp := &api.OptimizeResponse{
		AgentID:              orchestratorAgentID,
		Timestamp:            time.Now().UTC(),
		Replica:              r.cfg.ID,
		SourceDispatch:       make(map[string]api.SourceDispatch, len(prob.Sources)),
		ObjectiveCostPerHour: round(sol.CostPerHour, 2),
	}
	hd := api.HeatDistribution{DistributionMatrix: make(map[string]api.UnitAllocation, len(prob.Units))}
	prioritiesServed := true
	for _, u := range prob.Units {
		alloc := sol.UnitAllocatedMW[u.ID]
		sat := 100.0
		if u.DemandMW > 0 {
			sat = alloc / u.DemandMW * 100
		}
		hd.DistributionMatrix[u.ID] = api.UnitAllocation{AllocatedMW: round(alloc, 4), DemandMW: u.DemandMW, SatisfactionPercent: round(sat, 2)}
		hd.TotalHeatDemandMW += u.DemandMW
		hd.TotalHeatSupplyMW += alloc
		if u.Priority && sol.UnservedMW[u.ID] > 1e-6 {
			prioritiesServed = false
		}
	}
	var fuelMW, co2 float64
	for _, s := range prob.Sources {
		out := sol.SourceOutputMW[s.ID]
		fuel := 0.0
		if s.Efficiency > 0 {
			fuel = out / s.Efficiency
		}
		fuelMW += fuel
		sCO2 := fuel * s.EmissionFactorKgPerMWh
		co2 += sCO2
		resp.SourceDispatch[s.ID] = api.SourceDispatch{
			OutputMW: round(out, 4), CapacityMW: s.CapacityMW,
			CostPerHour: round(fuel*(s.FuelCostPerMWh+prob.CarbonCostPerTonne*s.EmissionFactorKgPerMWh/1000), 2),
			CO2KgHr:     round(sCO2, 2),
		}
	}
	served := 100.0
	if hd.TotalHeatDemandMW > 0 {
		served = hd.TotalHeatSupplyMW / hd.TotalHeatDemandMW * 100
	}
	dispatchEff := 0.0
	if fuelMW > 0 {
		dispatchEff = hd.TotalHeatSupplyMW / fuelMW * 100
	}
	// The score is the share of demand served, scaled down by how far the
	// dispatched fleet efficiency falls short of the operator's minimum.
	effFactor := 1.0
	if m := in.Constraints.MinEfficiencyPercent; m > 0 && dispatchEff > 0 && dispatchEff < m {
		effFactor = dispatchEff / m
	}
	hd.OptimizationScore = round(served*effFactor, 2)
	hd.ConstraintsSatisfied = served >= 100-1e-6 && prioritiesServed && dispatchEff >= in.Constraints.MinEfficiencyPercent
	hd.TotalHeatDemandMW, hd.TotalHeatSupplyMW = round(hd.TotalHeatDemandMW, 4), round(hd.TotalHeatSupplyMW, 4)
	resp.HeatDistribution = hd

	resp.EnergyBalance = energyBalance(in.PlantData)
	resp.ThermalEfficiency = thermalEfficiency(in.PlantData)
	resp.EmissionsCompliance = r.compliance(in.EmissionsData, co2, hd.TotalHeatSupplyMW)
	costPerMWh := 0.0
	if hd.TotalHeatSupplyMW > 0 {
		costPerMWh = sol.CostPerHour / hd.TotalHeatSupplyMW
	}
	running := 0
	for _, out := range sol.SourceOutputMW {
		if out > 1e-9 {
			running++
		}
	}
	resp.KPIDashboard = map[string]float64{
		"demand_satisfaction_percent":  round(served, 2),
		"dispatch_efficiency_percent":  round(dispatchEff, 2),
		"thermal_efficiency_percent":   resp.ThermalEfficiency,
		"cost_per_mwh":                 round(costPerMWh, 2),
		"co2_intensity_kg_per_mwh":     resp.EmissionsCompliance.CO2IntensityKgPerMWh,
		"unserved_heat_mw":             round(hd.TotalHeatDemandMW-hd.TotalHeatSupplyMW, 4),
		"sources_running":              float64(running),
		"sources_available":            float64(len(prob.Sources)),
		"energy_balance_error_percent": resp.EnergyBalance.BalanceErrorPercent,
	}
	resp.CoordinationResult = api.CoordinationResult{Coordinated: in.CoordinateAgents, AgentIDs: []string{}}
	if in.CoordinateAgents {
		resp.CoordinationResult.AgentIDs = in.AgentIDs
		resp.CoordinationResult.TasksIssued = len(in.AgentIDs)
	}
	resp.PerformanceMetrics = api.PerformanceMetrics{
		LPVariables: sol.Variables, LPConstraints: sol.Constraints, PlantsOptimized: sol.Plants,
	}
	resp.ProvenanceHash = provenance(in, sol)
	return resp
}

// energyBalance is the first-law check of plant_data; within 2 % of the
// input counts as balanced.
func energyBalance(p api.PlantData) api.EnergyBalance {
	in := p.FuelInputMW + p.ElectricityInputMW + p.SteamImportMW
	out := p.ProcessHeatOutputMW + p.ElectricityOutputMW + p.SteamExportMW
	imb := in - out - p.MeasuredLossesMW
	errPct := 0.0
	if in > 0 {
		errPct = math.Abs(imb) / in * 100
	}
	return api.EnergyBalance{
		TotalInputMW: round(in, 4), TotalOutputMW: round(out, 4), LossesMW: p.MeasuredLossesMW,
		ImbalanceMW: round(imb, 4), BalanceErrorPercent: round(errPct, 3), Balanced: errPct <= 2,
	}
}

// thermalEfficiency is useful output over input, percent.
func thermalEfficiency(p api.PlantData) float64 {
	in := p.FuelInputMW + p.ElectricityInputMW + p.SteamImportMW
	if in <= 0 {
		return 0
	}
	return round((p.ProcessHeatOutputMW+p.ElectricityOutputMW+p.SteamExportMW)/in*100, 2)
}

// compliance rates CO2 intensity of heat, from the measured stack emissions
// when they are given and from the dispatch otherwise.
func (r *Replica) compliance(e api.EmissionsData, dispatchedCO2, suppliedMW float64) api.EmissionsCompliance {
	intensity := 0.0
	switch {
	case e.HeatOutputMW > 0:
		intensity = e.CO2KgHr / e.HeatOutputMW
	case suppliedMW > 0:
		intensity = dispatchedCO2 / suppliedMW
	}
	limit := r.cfg.CO2LimitKgPerMWh
	status := api.CompliancePass
	switch {
	case intensity > limit:
		status = api.ComplianceFail
	case intensity > 0.9*limit:
		status = api.ComplianceWarning
	}
	return api.EmissionsCompliance{
		ComplianceStatus: status, CO2IntensityKgPerMWh: round(intensity, 2),
		CO2LimitKgPerMWh: limit, DispatchedCO2KgHr: round(dispatchedCO2, 2),
	}
}

// provenance hashes the request and the dispatch, so a result can be tied
// to exactly what produced it.
func provenance(in api.OptimizeRequest, sol dispatch.Solution) string {
	h := sha256.New()
	_ = json.NewEncoder(h).Encode(in) // map keys are encoded sorted
	_ = json.NewEncoder(h).Encode(sol.Flows)
	return hex.EncodeToString(h.Sum(nil))
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
