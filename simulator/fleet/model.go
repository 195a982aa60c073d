package fleet

import (
	"math"
	mrand "math/rand/v2"
	"strconv"
	"time"
)

// Limits of one plant's equipment; state arrays are sized by them so a
// plant's state lives on the stack.
const (
	minBoilers, maxBoilers = 2, 6
	minUnits, maxUnits     = 2, 6
)

// Demand and availability model constants. The AR(1) disturbances are
// truncated at the lag where φ^k has fallen below a few percent.
const (
	plantStepSeconds = 900 // plant-wide disturbance step
	plantPhi         = 0.9
	plantLags        = 24
	plantSigma       = 0.10 // relative standard deviation of the plant disturbance

	unitStepSeconds = 300 // per-unit disturbance step
	unitPhi         = 0.8
	unitLags        = 16
	unitSigma       = 0.06

	availabilityStepSeconds = 2 * 3600 // a derate or trip lasts one step
	tripProbability         = 0.005
	derateProbability       = 0.06

	weekendLevel = 0.8 // weekend demand relative to a weekday's mean
)

// fuel is one fuel's emission factors (kg per MWh of fuel) and the ranges
// a boiler burning it is drawn from.
type fuel struct {
	name              string
	co2, nox, sox, pm float64 // kg per MWh of fuel
	o2Percent         float64 // flue-gas O2 at full load
	flueNm3PerMWh     float64 // flue-gas volume per MWh of fuel, for mg/Nm³
	stackC            float64 // stack temperature at full load, °C
	coPPM             float64 // CO at full load, ppm
	airFuelRatio      float64 // stoichiometric, kg air per kg fuel
	costLo, costHi    float64 // fuel cost per MWh of fuel
	effLo, effHi      float64 // boiler efficiency, heat out per fuel in
	share             float64 // probability a boiler burns it
}

// fuels are the three fuels a boiler can burn. Biomass CO2 is the supply
// chain's share; its combustion CO2 is biogenic and counted as neutral.
var fuels = [...]fuel{
	{name: "natural_gas", co2: 202, nox: 0.18, sox: 0.001, pm: 0.002, o2Percent: 3, flueNm3PerMWh: 1150,
		stackC: 160, coPPM: 20, airFuelRatio: 17.2, costLo: 30, costHi: 45, effLo: 0.84, effHi: 0.94, share: 0.6},
	{name: "fuel_oil", co2: 267, nox: 0.45, sox: 0.6, pm: 0.06, o2Percent: 3.5, flueNm3PerMWh: 1200,
		stackC: 180, coPPM: 40, airFuelRatio: 14.1, costLo: 50, costHi: 65, effLo: 0.82, effHi: 0.90, share: 0.2},
	{name: "biomass", co2: 15, nox: 0.4, sox: 0.05, pm: 0.05, o2Percent: 6, flueNm3PerMWh: 1500,
		stackC: 170, coPPM: 150, airFuelRatio: 6.0, costLo: 22, costHi: 32, effLo: 0.78, effHi: 0.86, share: 0.2},
}

// boiler is one heat source. key is its id in sensor_feeds.heat_sources.
type boiler struct {
	key         string // "plant-03/boiler-2"
	capacityMW  float64
	turndownMW  float64 // minimum stable output
	efficiency  float64 // at its best load
	fuel        *fuel
	fuelCostMWh float64
	noise       uint64 // hash key of its availability
}

// unit is one heat-demand unit. key is its id in sensor_feeds.heat_demands.
type unit struct {
	key    string // "plant-03/unit-1"
	baseMW float64
	noise  uint64
}

// plant is one site: its equipment, the shape of its demand and the
// constants its agents report around.
type plant struct {
	id        string
	headerKey string // "plant-03/header", in sensor_feeds.temperatures
	boilers   []boiler
	units     []unit
	priority  int // index of the priority unit
	agents    []int32

	capacityMW float64
	amplitude  float64 // daily swing, relative
	peakHour   float64 // UTC hour of the daily peak
	noise      uint64  // hash key of the plant-wide disturbance
	sensors    uint64  // hash key of measurement noise

	headerBar         float64 // nominal steam header pressure, bar(a)
	superheatC        float64
	distLoss          float64 // share of boiler output lost in distribution
	auxMW             float64 // base auxiliary electricity
	condensateReturn  float64 // share of steam returned as condensate
	recoveryShare     float64 // share of stack loss a waste-heat unit recovers
	exchangerShare    float64 // share of process heat through the monitored exchangers
	feedwaterC        float64
	economizerRiseC   float64 // feedwater temperature rise at full load
	flameSignal       float64 // percent
	draftPa           float64 // furnace draft, Pa below atmosphere
	boilerWaterUSPerC float64 // boiler water conductivity, µS/cm
}

// newPlant draws plant p (0-based) from its own stream of seed.
func newPlant(seed uint64, p, width int) plant {
	r := mrand.New(mrand.NewPCG(mix(seed^0x5eed), uint64(p)))
	num := strconv.Itoa(p + 1)
	for len(num) < width {
		num = "0" + num
	}
	pl := plant{id: "plant-" + num}
	pl.headerKey = pl.id + "/header"
	pl.noise = hashKey(seed, 1, uint64(p), 0)
	pl.sensors = hashKey(seed, 2, uint64(p), 0)

	nb := minBoilers + r.IntN(maxBoilers-minBoilers+1)
	pl.boilers = make([]boiler, nb)
	for b := range pl.boilers {
		fu := &fuels[0]
		u := r.Float64()
		for i := range fuels {
			if u < fuels[i].share {
				fu = &fuels[i]
				break
			}
			u -= fuels[i].share
		}
		capMW := round(8+42*r.Float64(), 1)
		pl.boilers[b] = boiler{
			key:         pl.id + "/boiler-" + strconv.Itoa(b+1),
			capacityMW:  capMW,
			turndownMW:  round(capMW*(0.2+0.2*r.Float64()), 2),
			efficiency:  round(fu.effLo+(fu.effHi-fu.effLo)*r.Float64(), 3),
			fuel:        fu,
			fuelCostMWh: round(fu.costLo+(fu.costHi-fu.costLo)*r.Float64(), 2),
			noise:       hashKey(seed, 3, uint64(p), uint64(b)),
		}
		pl.capacityMW += capMW
	}

	// The plant's mean weekday demand is 60–72 % of its capacity; with a
	// daily swing of 20–30 % the peak reaches 72–94 % before disturbances
	// and derates, which push 1–2 % of plant-hours over what is available.
	nu := minUnits + r.IntN(maxUnits-minUnits+1)
	mean := pl.capacityMW * (0.60 + 0.12*r.Float64())
	weights := make([]float64, nu)
	var sum float64
	for i := range weights {
		weights[i] = 0.5 + r.Float64()
		sum += weights[i]
	}
	pl.units = make([]unit, nu)
	for i := range pl.units {
		pl.units[i] = unit{
			key:    pl.id + "/unit-" + strconv.Itoa(i+1),
			baseMW: mean * weights[i] / sum,
			noise:  hashKey(seed, 4, uint64(p), uint64(i)),
		}
	}
	pl.priority = r.IntN(nu)
	pl.amplitude = 0.2 + 0.1*r.Float64()
	pl.peakHour = 13 + 2*r.Float64()

	pl.headerBar = 10 + 8*r.Float64()
	pl.superheatC = 5 + 20*r.Float64()
	pl.distLoss = 0.015 + 0.015*r.Float64()
	pl.auxMW = 0.1 + 0.3*r.Float64()
	pl.condensateReturn = 0.55 + 0.3*r.Float64()
	pl.recoveryShare = 0.2 + 0.15*r.Float64()
	pl.exchangerShare = 0.1 + 0.1*r.Float64()
	pl.feedwaterC = 100 + 10*r.Float64()
	pl.economizerRiseC = 25 + 20*r.Float64()
	pl.flameSignal = 88 + 8*r.Float64()
	pl.draftPa = 50 + 100*r.Float64()
	pl.boilerWaterUSPerC = 2000 + 1500*r.Float64()
	return pl
}

// state is one plant at one instant, as its naive operator runs it.
type state struct {
	t float64 // seconds since the Unix epoch

	demandMW [maxUnits]float64
	availMW  [maxBoilers]float64
	outputMW [maxBoilers]float64 // heat out of each boiler
	fuelMW   [maxBoilers]float64 // fuel into each boiler
	effNow   [maxBoilers]float64 // each boiler's efficiency at its load

	demandTotalMW float64
	availTotalMW  float64
	boilerOutMW   float64 // heat out of all boilers
	processHeatMW float64 // heat delivered to the units
	fuelTotalMW   float64
	auxMW         float64 // electricity in
	lossesMW      float64 // measured losses

	headerBar   float64
	headerTempC float64
}

// seconds is t as seconds since the Unix epoch.
func seconds(t time.Time) float64 {
	return float64(t.Unix()) + float64(t.Nanosecond())*1e-9
}

// daily is the daily-cycle factor of plant demand at t.
func (p *plant) daily(t float64) float64 {
	day := math.Floor(t / 86400)
	hour := (t - day*86400) / 3600
	amp, level := p.amplitude, 1.0
	// 1970-01-01 was a Thursday: day+4 mod 7 is 0 on Sundays.
	if wd := (int64(day)%7 + 7 + 4) % 7; wd == 0 || wd == 6 {
		amp, level = amp/2, weekendLevel
	}
	return level * (1 + amp*math.Cos(2*math.Pi*(hour-p.peakHour)/24))
}

// availableMW is what boiler b can produce at t: its capacity, or less in
// a derated or tripped step.
func (b *boiler) availableMW(t float64) float64 {
	u := uniform(b.noise, int64(math.Floor(t/availabilityStepSeconds)))
	switch {
	case u < tripProbability:
		return 0
	case u < tripProbability+derateProbability:
		return round(b.capacityMW*(0.55+0.35*(u-tripProbability)/derateProbability), 2)
	}
	return b.capacityMW
}

// partLoadEfficiency is a boiler's efficiency at load (output over
// capacity): best at 80 %, 8 % lower when idling.
func (b *boiler) partLoadEfficiency(load float64) float64 {
	d := load - 0.8
	return b.efficiency * (1 - 0.08*d*d/0.64)
}

// state computes plant p at t. It reads only immutable fields.
func (p *plant) state(t float64) state {
	s := state{t: t}
	common := p.daily(t) * (1 + plantSigma*ar1(p.noise, t, plantStepSeconds, plantPows))
	for i := range p.units {
		u := &p.units[i]
		d := u.baseMW * common * (1 + unitSigma*ar1(u.noise, t, unitStepSeconds, unitPows))
		s.demandMW[i] = max(0, d)
		s.demandTotalMW += s.demandMW[i]
	}
	for i := range p.boilers {
		s.availMW[i] = p.boilers[i].availableMW(t)
		s.availTotalMW += s.availMW[i]
	}
	// Boilers make up for distribution losses as far as they can, all at
	// the same share of what each has available.
	needMW := s.demandTotalMW / (1 - p.distLoss)
	share, util := 0.0, 2.0
	if s.availTotalMW > 0 {
		util = needMW / s.availTotalMW
		share = min(1, util)
	}
	for i := range p.boilers {
		b := &p.boilers[i]
		out := s.availMW[i] * share
		s.outputMW[i] = out
		s.effNow[i] = b.partLoadEfficiency(out / b.capacityMW)
		if out > 0 {
			s.fuelMW[i] = out / s.effNow[i]
		}
		s.boilerOutMW += out
		s.fuelTotalMW += s.fuelMW[i]
	}
	s.processHeatMW = s.boilerOutMW * (1 - p.distLoss)
	s.auxMW = p.auxMW + 0.015*s.boilerOutMW
	// Stack and shell losses, distribution losses and auxiliary power
	// (which ends as heat) are what a loss survey measures, to ±1 %.
	trueLosses := s.fuelTotalMW - s.boilerOutMW + s.boilerOutMW*p.distLoss + s.auxMW
	s.lossesMW = max(0, trueLosses*(1+0.01*gauss(p.sensors, int64(math.Floor(t/60)))))
	// The header sags when the boilers cannot keep up.
	sag := 0.15 * clamp((util-0.92)/0.2, 0, 1)
	s.headerBar = p.headerBar * (1 - sag) * (1 + 0.005*gauss(p.sensors+1, int64(math.Floor(t))))
	s.headerTempC = saturationC(s.headerBar) + p.superheatC + 0.5*gauss(p.sensors+2, int64(math.Floor(t)))
	return s
}

// saturationC approximates water's saturation temperature at bar(a)
// pressure, within 3 °C from 5 to 25 bar.
func saturationC(bar float64) float64 {
	return 100 * math.Sqrt(math.Sqrt(bar/1.01325)) // (p/p₀)^¼
}

// Weights φ^k of the truncated AR(1) sums.
var plantPows, unitPows = powers(plantPhi, plantLags), powers(unitPhi, unitLags)

func powers(phi float64, lags int) []float64 {
	a := make([]float64, lags)
	w := 1.0
	for k := range a {
		a[k] = w
		w *= phi
	}
	return a
}

// ar1 is a stationary AR(1) process of about unit variance at t: innovations
// are hashes of (key, step), the sum is truncated at len(pows) lags, and
// the value is interpolated linearly between steps so it has no jumps.
func ar1(key uint64, t, step float64, pows []float64) float64 {
	x := t / step
	bf := math.Floor(x)
	frac := x - bf
	b := int64(bf)
	var cur float64
	for k, w := range pows {
		cur += w * gauss(key, b-int64(k))
	}
	// The next step's sum, with the same truncation, so steps join up.
	phi, lags := pows[1], int64(len(pows))
	next := phi*cur + gauss(key, b+1) - phi*pows[lags-1]*gauss(key, b-lags+1)
	return math.Sqrt(1-phi*phi) * ((1-frac)*cur + frac*next)
}

const golden = 0x9e3779b97f4a7c15

// mix is SplitMix64's finalizer: a bijective 64-bit hash.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// hashKey derives the noise key of one thing (kind, a, b) of a seed.
func hashKey(seed, kind, a, b uint64) uint64 {
	return mix(mix(mix(seed+kind*golden)+a) + b)
}

// uniform is a hash of (key, step) in [0, 1).
func uniform(key uint64, step int64) float64 {
	return float64(mix(key+uint64(step)*golden)>>11) / (1 << 53)
}

// gauss is a hash of (key, step) distributed approximately N(0, 1): the
// Irwin–Hall sum of four 16-bit uniforms, bounded at ±3.46.
func gauss(key uint64, step int64) float64 {
	h := mix(key + uint64(step)*golden)
	s := float64(h&0xffff) + float64(h>>16&0xffff) + float64(h>>32&0xffff) + float64(h>>48)
	return (s/65536 - 2) * math.Sqrt(3)
}

func clamp(v, lo, hi float64) float64 { return max(lo, min(hi, v)) }

// round rounds v to places decimals.
func round(v float64, places int) float64 {
	p := pow10[places]
	return math.Round(v*p) / p
}

var pow10 = [...]float64{1, 10, 100, 1e3, 1e4}
