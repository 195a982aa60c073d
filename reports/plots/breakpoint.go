package plots

// BreakPoint is one replica count's largest fleet that held.
type BreakPoint struct {
	Replicas  int
	MaxPlants int
}

// Breakpoints draws the sustainable plants against replicas, with the
// capacity calculator's line over it: the most plants whose calculator
// replicas, ceil(plants/5) + ceil(agents/10) before its clamp to 3..20,
// fit in each count, at agentsPerPlant sub-agents a plant.
func Breakpoints(points []BreakPoint, agentsPerPlant float64) (Figure, error) {
	maxR := 1
	for _, p := range points {
		maxR = max(maxR, p.Replicas)
	}
	var xs, held, cxs, calc []float64
	for _, p := range points {
		xs, held = append(xs, float64(p.Replicas)), append(held, float64(p.MaxPlants))
	}
	for r := 1; r <= maxR; r++ {
		cxs, calc = append(cxs, float64(r)), append(calc, float64(calculatorPlants(r, agentsPerPlant)))
	}
	s := spec{name: "breakpoint", title: "Sustainable plants against replicas", span: float64(maxR) + 1, panels: []panel{{
		title: "largest fleet that held", yLabel: "plants", xLabel: "replicas", series: []series{
			newSeries("measured: largest fleet that held", solid(blue), xs, held),
			newSeries("capacity calculator (unclamped)", dashedStyle(orange), cxs, calc),
		}}}}
	return s.render()
}

// calculatorPlants is the most plants the calculator sizes at r replicas
// or fewer, unclamped.
func calculatorPlants(r int, agentsPerPlant float64) int {
	n := 0
	for p := 1; p <= 10_000; p++ {
		a := int(agentsPerPlant*float64(p) + 0.5)
		if (p+4)/5+(a+9)/10 > r {
			break
		}
		n = p
	}
	return n
}
