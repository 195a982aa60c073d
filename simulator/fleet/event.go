package fleet

import (
	"math"
	"strconv"
	"time"

	"github.com/greenlang/gl001/simulator/api"
)

// NextEvent returns the agent's next coordination event at simulated time
// now: seq is one more than the agent's previous event (from 1), event_id
// is "<run token>-<agent id>-<seq>" (unique across the fleet, and across
// runs by the random token), sent_at is now, and the payload is the
// agent's readings of its plant at now. The payload is a function of the
// seed, the agent and now only. Safe for concurrent use, also on one
// agent: each call gets its own seq, but which of two concurrent calls
// reaches the bus first is the caller's affair, so a caller that needs an
// agent's events in seq order publishes them from one goroutine.
func (a *Agent) NextEvent(now time.Time) api.CoordinationEvent {
	seq := a.seq.Add(1)
	f := a.fleet
	p := &f.plants[a.plant]
	at := &agentTypes[a.typ]

	var buf [96]byte
	id := append(buf[:0], f.token...)
	id = append(id, '-')
	id = append(id, a.id...)
	id = append(id, '-')
	id = strconv.AppendUint(id, seq, 10)

	s := p.state(seconds(now))
	return api.CoordinationEvent{
		EventID:   string(id),
		AgentID:   a.id,
		AgentType: at.Code,
		Group:     at.Group,
		PlantID:   p.id,
		Seq:       seq,
		SentAt:    now,
		Payload:   a.payload(p, &s),
	}
}

// NextEvent returns the next event of the agent whose turn it is: the
// agents take turns in Agents order, which spreads consecutive events
// over the plants. It returns the zero CoordinationEvent when the fleet
// has no agents. Safe for concurrent use; the turn is an atomic counter.
func (f *Fleet) NextEvent(now time.Time) api.CoordinationEvent {
	if len(f.agents) == 0 {
		return api.CoordinationEvent{}
	}
	i := (f.next.Add(1) - 1) % uint64(len(f.agents))
	return f.agents[i].NextEvent(now)
}

// Specific enthalpy rise from feedwater to saturated steam at a 10–18 bar
// header, kJ/kg: turns MW of heat into kg/s of steam.
const steamEnthalpyRiseKJPerKg = 2350

// payload is the agent's readings of plant p in state s. Sensor noise is a
// hash of (agent, reading, second), so the payload is repeatable.
func (a *Agent) payload(p *plant, s *state) map[string]any {
	sec := int64(math.Floor(s.t))
	noise := func(i uint64, sd float64) float64 { return sd * gauss(a.noise+i, sec) }
	switch a.typ {
	case gl002:
		return a.boilerPayload(p, s, noise)
	case gl012:
		return map[string]any{
			"header_pressure_bar": round(s.headerBar, 3),
			"header_temp_c":       round(s.headerTempC, 2),
			"steam_demand_mw":     round(s.demandTotalMW, 3),
			"steam_supply_mw":     round(s.processHeatMW, 3),
			"shortfall_mw":        round(max(0, s.demandTotalMW-s.processHeatMW), 3),
			"steam_flow_kg_s":     round(s.boilerOutMW*1000/steamEnthalpyRiseKJPerKg, 3),
		}
	case gl016:
		flow := s.boilerOutMW * 1000 / steamEnthalpyRiseKJPerKg
		blowdown := 2.5 + noise(1, 0.3)
		return map[string]any{
			"blowdown_percent":   round(blowdown, 2),
			"conductivity_us_cm": round(p.boilerWaterUSPerC+noise(2, 40), 1),
			"ph":                 round(10.8+noise(3, 0.1), 2),
			"dissolved_o2_ppb":   round(max(0, 7+noise(4, 1)), 2),
			"makeup_water_kg_s":  round(flow*(1-p.condensateReturn+blowdown/100), 3),
		}
	case gl017:
		flow := s.boilerOutMW * 1000 / steamEnthalpyRiseKJPerKg * p.condensateReturn
		tempC := 88 + noise(1, 1.5)
		return map[string]any{
			"condensate_return_percent": round(100*p.condensateReturn+noise(2, 1), 2),
			"condensate_temp_c":         round(tempC, 2),
			"condensate_flow_kg_s":      round(flow, 3),
			"recovered_heat_mw":         round(flow*4.19*(tempC-15)/1000, 3),
			"flash_steam_mw":            round(0.015*s.processHeatMW, 3),
		}
	case gl022:
		load := s.boilerOutMW / p.capacityMW
		return map[string]any{
			"superheat_c":             round(p.superheatC+noise(1, 0.5), 2),
			"steam_temp_c":            round(s.headerTempC, 2),
			"attemperator_spray_kg_s": round(max(0, load-0.7)*0.02*s.boilerOutMW, 3),
		}
	case gl003:
		c := combustion(p, s)
		return map[string]any{
			"excess_air_percent": round(c.excessAir, 2),
			"o2_percent":         round(c.o2+noise(1, 0.05), 2),
			"co_ppm":             round(max(0, c.co+noise(2, 2)), 1),
			"air_fuel_ratio":     round(c.airFuel, 2),
			"firing_rate_mw":     round(s.fuelTotalMW, 3),
		}
	case gl004:
		var co2, nox, sox, pm, flue float64
		for i := range p.boilers {
			fu := p.boilers[i].fuel
			co2 += s.fuelMW[i] * fu.co2
			nox += s.fuelMW[i] * fu.nox
			sox += s.fuelMW[i] * fu.sox
			pm += s.fuelMW[i] * fu.pm
			flue += s.fuelMW[i] * fu.flueNm3PerMWh
		}
		conc := func(kgHr float64) float64 { // mg/Nm³
			if flue == 0 {
				return 0
			}
			return kgHr * 1e6 / flue
		}
		return map[string]any{
			"nox_mg_nm3":         round(conc(nox)*(1+noise(1, 0.02)), 2),
			"so2_mg_nm3":         round(conc(sox)*(1+noise(2, 0.02)), 2),
			"particulate_mg_nm3": round(conc(pm)*(1+noise(3, 0.02)), 2),
			"co2_kg_hr":          round(co2, 2),
			"nox_kg_hr":          round(nox, 3),
			"flue_gas_nm3_hr":    round(flue, 1),
		}
	case gl005:
		running := 0
		for i := range p.boilers {
			if s.outputMW[i] > 0 {
				running++
			}
		}
		return map[string]any{
			"flame_signal_percent": round(clamp(p.flameSignal+noise(1, 1), 0, 100), 2),
			"furnace_pressure_pa":  round(-p.draftPa+noise(2, 3), 2),
			"burner_load_percent":  round(100*s.boilerOutMW/p.capacityMW, 2),
			"burners_firing":       running,
		}
	case gl006:
		stackLoss := s.fuelTotalMW - s.boilerOutMW
		inletC := stackTempC(p, s)
		recovered := p.recoveryShare * stackLoss
		return map[string]any{
			"recovered_heat_mw":           round(recovered, 3),
			"exhaust_inlet_temp_c":        round(inletC, 2),
			"exhaust_temp_c":              round(inletC-40*p.recoveryShare/0.35+noise(1, 0.5), 2),
			"recovery_efficiency_percent": round(100*p.recoveryShare, 2),
		}
	case gl014:
		// Fouling builds up over a 30-day cleaning cycle.
		cycle := math.Mod(s.t/86400, 30) / 30
		fouling := 0.1 + 0.3*cycle
		return map[string]any{
			"duty_mw":               round(p.exchangerShare*s.processHeatMW, 3),
			"approach_temp_c":       round(8+20*fouling+noise(1, 0.3), 2),
			"effectiveness_percent": round(85-30*fouling+noise(2, 0.3), 2),
			"fouling_m2k_per_kw":    round(fouling, 4),
		}
	case gl020:
		load := s.boilerOutMW / p.capacityMW
		outC := p.feedwaterC + p.economizerRiseC*load
		flow := s.boilerOutMW * 1000 / steamEnthalpyRiseKJPerKg
		gasOutC := stackTempC(p, s)
		return map[string]any{
			"duty_mw":         round(flow*4.19*(outC-p.feedwaterC)/1000, 3),
			"feedwater_in_c":  round(p.feedwaterC+noise(1, 0.3), 2),
			"feedwater_out_c": round(outC+noise(2, 0.3), 2),
			"gas_in_c":        round(gasOutC+2.5*p.economizerRiseC*load, 2),
			"gas_out_c":       round(gasOutC, 2),
		}
	}
	return map[string]any{}
}

// boilerPayload is a GL-002's readings of its boiler.
func (a *Agent) boilerPayload(p *plant, s *state, noise func(uint64, float64) float64) map[string]any {
	b := &p.boilers[a.boiler]
	i := a.boiler
	out := s.outputMW[i]
	load := out / b.capacityMW
	status, effPct, stackC, o2 := "running", 0.0, 35.0, 20.9
	switch {
	case s.availMW[i] == 0:
		status = "tripped"
	case out > 0:
		if s.availMW[i] < b.capacityMW {
			status = "derated"
		}
		effPct = 100*s.effNow[i] + noise(1, 0.15)
		stackC = b.fuel.stackC*(0.75+0.25*load) + noise(2, 1)
		o2 = b.fuel.o2Percent + 2*(1-load) + noise(3, 0.05)
	default:
		status = "standby"
	}
	return map[string]any{
		"boiler_id":          b.key,
		"status":             status,
		"fuel":               b.fuel.name,
		"efficiency_percent": round(effPct, 2),
		"steam_flow_kg_s":    round(out*1000/steamEnthalpyRiseKJPerKg, 3),
		"stack_temp_c":       round(stackC, 2),
		"o2_percent":         round(o2, 2),
		"load_percent":       round(100*load, 2),
		"output_mw":          round(out, 3),
		"available_mw":       s.availMW[i],
		"fuel_input_mw":      round(s.fuelMW[i], 3),
	}
}

// combustionState is a plant's combustion averaged over its firing
// boilers, weighted by fuel.
type combustionState struct {
	o2, excessAir, co, airFuel float64
}

func combustion(p *plant, s *state) combustionState {
	var c combustionState
	if s.fuelTotalMW == 0 {
		return combustionState{o2: 20.9}
	}
	for i := range p.boilers {
		b := &p.boilers[i]
		w := s.fuelMW[i] / s.fuelTotalMW
		if w == 0 {
			continue
		}
		load := s.outputMW[i] / b.capacityMW
		o2 := b.fuel.o2Percent + 2*(1-load)
		ea := o2 / (20.9 - o2) * 100
		c.o2 += w * o2
		c.excessAir += w * ea
		c.airFuel += w * b.fuel.airFuelRatio * (1 + ea/100)
		// CO rises as the burner is turned down.
		c.co += w * b.fuel.coPPM * (1 + 1.5*(1-load)*(1-load))
	}
	return c
}

// stackTempC is the plant's fuel-weighted stack temperature, °C.
func stackTempC(p *plant, s *state) float64 {
	if s.fuelTotalMW == 0 {
		return 35
	}
	var t float64
	for i := range p.boilers {
		b := &p.boilers[i]
		load := s.outputMW[i] / b.capacityMW
		t += s.fuelMW[i] / s.fuelTotalMW * b.fuel.stackC * (0.75 + 0.25*load)
	}
	return t
}
