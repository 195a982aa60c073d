package report

import (
	"fmt"
	"math"

	"github.com/greenlang/gl001/deploy/capacity"
)

// The guide's "Resource Right-Sizing" rules ("if actual usage <60% of
// limits, reduce limits; if actual usage >80% of requests, increase
// requests"), made into numbers. The limits and requests are the
// calculator's per replica (requests 60 % of the CPU limit and 70 % of
// the memory limit); usage is the worst replica's.
//
//   - Limit: if the peak is below ReduceLimitBelowPercent of the limit,
//     suggest peak ÷ 0.60 rounded up to the step, so the peak would sit at
//     60 % of the new limit; the peak, because a limit caps the worst
//     moment (CPU throttling, OOM kill).
//   - Request: if the p95 is above RaiseRequestAbovePercent of the
//     request, suggest p95 ÷ 0.80 rounded up to the step, so the p95 would
//     sit at 80 % of the new request; the p95, because a request reserves
//     sustained use.
//   - A request may not exceed its limit. If a reduced limit falls below
//     the request, the request is lowered to p95 ÷ 0.80 rounded up; if a
//     raised request exceeds the limit, the limit is raised to peak ÷ 0.60
//     rounded up. Both keep the other rule satisfied.
//
// The guide's two rules cannot both hold at the calculator's request
// ratios (usage at 60 % of a limit is 100 % of a 60 % request), so the
// suggestions do not keep those ratios.
const (
	ReduceLimitBelowPercent  = 60
	RaiseRequestAbovePercent = 80
	// CPUStepMillicores and MemoryStepMiB are what suggestions are rounded
	// up to.
	CPUStepMillicores = 100
	MemoryStepMiB     = 256
)

// Sizing is the right-sizing of one resource per replica.
type Sizing struct {
	// Resource is "cpu" or "memory"; Unit "m" or "Mi".
	Resource string `json:"resource"`
	Unit     string `json:"unit"`
	// Limit and Request are the calculator's, per replica.
	Limit   int `json:"limit"`
	Request int `json:"request"`
	// Peak and P95 are the worst replica's use; nil when not observed.
	Peak                *float64 `json:"peak"`
	P95                 *float64 `json:"p95"`
	PeakPercentOfLimit  *float64 `json:"peak_percent_of_limit"`
	P95PercentOfRequest *float64 `json:"p95_percent_of_request"`
	// SuggestedLimit and SuggestedRequest are set when they differ from
	// Limit and Request.
	SuggestedLimit   *int `json:"suggested_limit"`
	SuggestedRequest *int `json:"suggested_request"`
	// Advice says what to do and why, with the numbers.
	Advice []string `json:"advice"`
}

// rightSize applies the rules to CPU and memory.
func rightSize(o observation, pred capacity.Prediction) []Sizing {
	caveat := ""
	if o.ReplicasRunning != nil && pred.Replicas > 0 && *o.ReplicasRunning < pred.Replicas {
		caveat = fmt.Sprintf("measured with %s of the %s predicted: with %s each would carry less load, so scale out first and size again",
			plural(*o.ReplicasRunning, "replica"), inum(pred.Replicas), inum(pred.Replicas))
	}
	return []Sizing{
		size("cpu", "m", pred.CPUMillicores, pred.CPURequestMillicores, o.CPUPeakMillicores, o.CPUP95Millicores, CPUStepMillicores, caveat),
		size("memory", "Mi", pred.MemoryMiB, pred.MemoryRequestMiB, o.MemoryPeakMiB, o.MemoryP95MiB, MemoryStepMiB, caveat),
	}
}

func size(resource, unit string, limit, request int, peak, p95v *float64, step int, caveat string) Sizing {
	s := Sizing{Resource: resource, Unit: unit, Limit: limit, Request: request, Peak: peak, P95: p95v, Advice: []string{}}
	q := func(v float64) string { return quantity(v, unit) }
	switch {
	case peak == nil || p95v == nil:
		s.Advice = append(s.Advice, "not observed: no replica readings, so nothing to size by")
		return s
	case limit <= 0 || request <= 0:
		s.Advice = append(s.Advice, "no calculator limits in the run's header to compare with")
		return s
	}
	pk, p := *peak, *p95v
	s.PeakPercentOfLimit = ptr(round(pk/float64(limit)*100, 1))
	s.P95PercentOfRequest = ptr(round(p/float64(request)*100, 1))
	if caveat != "" {
		s.Advice = append(s.Advice, caveat)
	}

	newL, newR := limit, request
	fired := false
	limitTarget := roundUp(pk/(ReduceLimitBelowPercent/100.0), step)
	requestTarget := roundUp(p/(RaiseRequestAbovePercent/100.0), step)
	if *s.PeakPercentOfLimit < ReduceLimitBelowPercent {
		fired = true
		if limitTarget < limit {
			newL = limitTarget
			s.Advice = append(s.Advice, fmt.Sprintf("peak %s is %s of the %s limit (below %d%%): reduce the limit to %s (peak ÷ 0.6, rounded up to %s)",
				q(pk), pct(*s.PeakPercentOfLimit), q(float64(limit)), ReduceLimitBelowPercent, q(float64(newL)), q(float64(step))))
		} else {
			s.Advice = append(s.Advice, fmt.Sprintf("peak %s is %s of the %s limit (below %d%%), but peak ÷ 0.6 rounded up (%s) is not below the limit: keep it",
				q(pk), pct(*s.PeakPercentOfLimit), q(float64(limit)), ReduceLimitBelowPercent, q(float64(limitTarget))))
		}
	}
	if *s.P95PercentOfRequest > RaiseRequestAbovePercent {
		fired = true
		newR = requestTarget
		s.Advice = append(s.Advice, fmt.Sprintf("p95 %s is %s of the %s request (above %d%%): raise the request to %s (p95 ÷ 0.8, rounded up to %s)",
			q(p), pct(*s.P95PercentOfRequest), q(float64(request)), RaiseRequestAbovePercent, q(float64(newR)), q(float64(step))))
	}
	if newR > newL {
		if newL < limit { // the limit came down below the request
			newR = min(requestTarget, newL)
			s.Advice = append(s.Advice, fmt.Sprintf("the %s request would exceed the new limit: lower it to %s (p95 ÷ 0.8, rounded up)",
				q(float64(request)), q(float64(newR))))
		} else { // the request went up above the limit
			newL = max(limitTarget, newR)
			s.Advice = append(s.Advice, fmt.Sprintf("the new request would exceed the %s limit: raise the limit to %s (peak ÷ 0.6, rounded up)",
				q(float64(limit)), q(float64(newL))))
		}
	}
	if newL != limit {
		s.SuggestedLimit = ptr(newL)
	}
	if newR != request {
		s.SuggestedRequest = ptr(newR)
	}
	if !fired {
		s.Advice = append(s.Advice, fmt.Sprintf("keep %s limit and %s request: peak %s is %s of the limit (not below %d%%), p95 %s is %s of the request (not above %d%%)",
			q(float64(limit)), q(float64(request)), q(pk), pct(*s.PeakPercentOfLimit), ReduceLimitBelowPercent, q(p), pct(*s.P95PercentOfRequest), RaiseRequestAbovePercent))
	}
	return s
}

// roundUp rounds v up to a multiple of step. v is first rounded to 1e-6 so
// that 3500.0000001 (float noise of 2100 ÷ 0.6) stays 3500.
func roundUp(v float64, step int) int {
	return int(math.Ceil(round(v, 6)/float64(step))) * step
}

// quantity writes a CPU or memory amount: "2,100m", "4,096 Mi".
func quantity(v float64, unit string) string {
	if unit == "m" {
		return millicores(v)
	}
	return mebibytes(v)
}
