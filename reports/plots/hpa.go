package plots

import (
	"math"

	"github.com/greenlang/gl001/deploy/hpa"
)

// HPA draws a replay's replica trajectory: the replicas the HPA would have
// had and its metrics' proposal, beside the replicas the run had and the
// live HPA's count when --kube read one, with minReplicas and maxReplicas.
func HPA(r hpa.Replay) (Figure, error) {
	n := len(r.Trajectory)
	xs, modelled, desired, observed, live := make([]float64, n), make([]float64, n), make([]float64, n), missing(n), missing(n)
	for i, row := range r.Trajectory {
		xs[i] = float64(row.TSeconds)
		modelled[i], desired[i] = float64(row.Replicas), float64(row.Desired)
		if row.ObservedReplicas != nil {
			observed[i] = float64(*row.ObservedReplicas)
		}
		if row.LiveReplicas != nil {
			live[i] = float64(*row.LiveReplicas)
		}
	}
	span := float64(hpa.SyncPeriodSeconds)
	if n > 0 {
		span = math.Max(span, xs[n-1]+float64(hpa.SyncPeriodSeconds))
	}
	s := spec{name: "hpa", title: "HPA replay: replicas " + r.HPA + " would have had", span: span, panels: []panel{{
		title: "replicas", yLabel: "replicas", series: []series{
			newSeries("modelled HPA", solid(blue), xs, modelled),
			newSeries("metrics' proposal", dashedStyle(orange), xs, desired),
			newSeries("observed", solid(green), xs, observed),
			newSeries("live HPA (--kube)", solid(purple), xs, live),
			refLine("minReplicas", float64(r.MinReplicas), span),
			refLine("maxReplicas", float64(r.MaxReplicas), span),
		}}}}
	return s.render()
}
