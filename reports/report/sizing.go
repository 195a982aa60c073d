package report

import (
	"fmt"
	"math"
	"strconv"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/simulator/api"
)

// The guide's "Resource Right-Sizing" rules ("if actual usage <60% of
// limits, reduce limits; if actual usage >80% of requests, increase
// requests"), made into numbers. Usage is the worst replica's; the limits
// and requests are whose the run measured against (Sizing.Scope):
//
//   - a --kube run: the pods' own limits and requests, from their spec;
//   - a run whose target's limits were not read: the calculator's per
//     replica (requests 60 % of the CPU limit and 70 % of the memory
//     limit), as the guide's kubectl commands set them;
//   - the stand-in: its enforced limits, and no requests (it sets none).
//     The advice is for the next rehearsal's --replica-cpu-limit and
//     --replica-memory-limit: a stand-in replica's use says nothing about
//     what production needs, so a stand-in run never advises on the
//     calculator's limits. Limits that were not enforced are not sized.
//
// The rules:
//
//   - Limit: if the peak is below ReduceLimitBelowPercent of the limit,
//     suggest peak ÷ 0.60 rounded up to the step, so the peak would sit at
//     60 % of the new limit; the peak, because a limit caps the worst
//     moment (CPU throttling, OOM kill).
//   - Request: if the p95 is above RaiseRequestAbovePercent of the
//     request, suggest p95 ÷ 0.80 rounded up to the step, so the p95 would
//     sit at 80 % of the new request; the p95, because a request reserves
//     sustained use. Without a request this rule does not apply.
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

// The scopes of a Sizing: whose limits it sizes.
const (
	ScopeStandIn    = "stand-in"
	ScopePods       = "pod-spec"
	ScopeCalculator = "calculator"
)

// Sizing is the right-sizing of one resource per replica.
type Sizing struct {
	// Resource is "cpu" or "memory"; Unit "m" or "Mi".
	Resource string `json:"resource"`
	Unit     string `json:"unit"`
	// Scope is whose limits are sized: ScopeStandIn (the stand-in's
	// enforced limits; a suggestion is a flag value for the next
	// rehearsal, never advice on production), ScopePods (the pods' own
	// limits and requests) or ScopeCalculator (the calculator's, when the
	// target's own were not read).
	Scope string `json:"scope"`
	// Limit and Request are what was sized, per replica; Request is 0
	// when there is none (the stand-in sets none; a pod may not), and
	// Limit 0 when the stand-in's limit is not known.
	Limit   int `json:"limit"`
	Request int `json:"request"`
	// PredictedLimit and PredictedRequest are the calculator's, beside.
	PredictedLimit   int `json:"predicted_limit"`
	PredictedRequest int `json:"predicted_request"`
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

// sizingBasis is one resource's figures for rightSize.
type sizingBasis struct {
	resource, unit, flag string
	step                 int
	predLimit, predReq   int
	limit, request       *int // read with the samples (enforced limit, pod requests)
	nominal              int  // the stand-in's limit from the run's header, enforced or not
	notEnforced          string
	peak, p95            *float64
}

// rightSize applies the rules to CPU and memory.
func rightSize(o observation, pred capacity.Prediction, standIn bool, nominal *api.ReplicaLimits) []Sizing {
	caveat := ""
	if o.ReplicasRunning != nil && pred.Replicas > 0 && *o.ReplicasRunning < pred.Replicas {
		caveat = fmt.Sprintf("measured with %s of the %s predicted: with %s each would carry less load, so scale out first and size again",
			plural(*o.ReplicasRunning, "replica"), inum(pred.Replicas), inum(pred.Replicas))
	}
	cpu := sizingBasis{resource: "cpu", unit: "m", flag: "--replica-cpu-limit", step: CPUStepMillicores,
		predLimit: pred.CPUMillicores, predReq: pred.CPURequestMillicores,
		limit: o.Limits.CPULimitMillicores, request: o.Limits.CPURequestMillicores, notEnforced: o.Limits.CPUNotEnforced,
		peak: o.CPUPeakMillicores, p95: o.CPUP95Millicores}
	mem := sizingBasis{resource: "memory", unit: "Mi", flag: "--replica-memory-limit", step: MemoryStepMiB,
		predLimit: pred.MemoryMiB, predReq: pred.MemoryRequestMiB,
		limit: o.Limits.MemoryLimitMiB, request: o.Limits.MemoryRequestMiB, notEnforced: o.Limits.MemoryNotEnforced,
		peak: o.MemoryPeakMiB, p95: o.MemoryP95MiB}
	if nominal != nil {
		cpu.nominal, mem.nominal = nominal.CPULimitMillicores, nominal.MemoryLimitMiB
	}
	return []Sizing{size(cpu, standIn, caveat), size(mem, standIn, caveat)}
}

func size(b sizingBasis, standIn bool, caveat string) Sizing {
	s := Sizing{Resource: b.resource, Unit: b.unit, PredictedLimit: b.predLimit, PredictedRequest: b.predReq,
		Peak: b.peak, P95: b.p95, Advice: []string{}}
	q := func(v float64) string { return quantity(v, b.unit) }
	qi := func(v int) string { return quantity(float64(v), b.unit) }
	// The words that change with the scope.
	var limitName, requestName string
	switch {
	case standIn:
		s.Scope, s.Limit = ScopeStandIn, b.nominal
		if b.limit != nil {
			s.Limit = *b.limit
		}
		limitName = "the stand-in's enforced %s limit"
	case b.limit != nil:
		s.Scope, s.Limit = ScopePods, *b.limit
		if b.request != nil {
			s.Request = *b.request
		}
		limitName, requestName = "the pods' %s limit", "the pods' %s request"
	default:
		s.Scope, s.Limit, s.Request = ScopeCalculator, b.predLimit, b.predReq
		limitName, requestName = "the calculator's %s limit", "the calculator's %s request"
	}
	switch {
	case b.peak == nil || b.p95 == nil:
		s.Advice = append(s.Advice, "not observed: no replica readings, so nothing to size by")
		return s
	case standIn && b.limit == nil:
		s.Advice = append(s.Advice, fmt.Sprintf("not sized: %s, so the stand-in's use says nothing about a limit; a stand-in run does not size production's (the calculator predicts %s)",
			b.notEnforced, qi(b.predLimit)))
		return s
	case s.Limit <= 0:
		s.Advice = append(s.Advice, "no limits in the run to compare with")
		return s
	}
	pk, p := *b.peak, *b.p95
	limit, request := s.Limit, s.Request
	s.PeakPercentOfLimit = ptr(round(pk/float64(limit)*100, 1))
	if request > 0 {
		s.P95PercentOfRequest = ptr(round(p/float64(request)*100, 1))
	}
	if standIn {
		s.Advice = append(s.Advice, fmt.Sprintf("this sizes the stand-in's enforced limit (%s) for the next rehearsal, not production's: a stand-in run neither confirms nor cuts the calculator's %s",
			b.flag, qi(b.predLimit)))
	} else if s.Scope == ScopeCalculator && b.notEnforced != "" {
		s.Advice = append(s.Advice, fmt.Sprintf("against the calculator's limits: the target's own were not read (%s)", b.notEnforced))
	}
	if caveat != "" {
		s.Advice = append(s.Advice, caveat)
	}
	theLimit := fmt.Sprintf(limitName, qi(limit))

	newL, newR := limit, request
	fired := false
	limitTarget := roundUp(pk/(ReduceLimitBelowPercent/100.0), b.step)
	requestTarget := roundUp(p/(RaiseRequestAbovePercent/100.0), b.step)
	if *s.PeakPercentOfLimit < ReduceLimitBelowPercent {
		fired = true
		switch {
		case limitTarget >= limit:
			s.Advice = append(s.Advice, fmt.Sprintf("peak %s is %s of %s (below %d%%), but peak ÷ 0.6 rounded up (%s) is not below the limit: keep it",
				q(pk), pct(*s.PeakPercentOfLimit), theLimit, ReduceLimitBelowPercent, qi(limitTarget)))
		case standIn:
			newL = limitTarget
			s.Advice = append(s.Advice, fmt.Sprintf("peak %s is %s of %s (below %d%%): at this load a stand-in replica needs no more than %s %s (peak ÷ 0.6, rounded up to %s)",
				q(pk), pct(*s.PeakPercentOfLimit), theLimit, ReduceLimitBelowPercent, b.flag, flagQuantity(newL, b.unit), qi(b.step)))
		default:
			newL = limitTarget
			s.Advice = append(s.Advice, fmt.Sprintf("peak %s is %s of %s (below %d%%): reduce the limit to %s (peak ÷ 0.6, rounded up to %s)",
				q(pk), pct(*s.PeakPercentOfLimit), theLimit, ReduceLimitBelowPercent, qi(newL), qi(b.step)))
		}
	}
	if s.P95PercentOfRequest != nil && *s.P95PercentOfRequest > RaiseRequestAbovePercent {
		fired = true
		newR = requestTarget
		s.Advice = append(s.Advice, fmt.Sprintf("p95 %s is %s of %s (above %d%%): raise the request to %s (p95 ÷ 0.8, rounded up to %s)",
			q(p), pct(*s.P95PercentOfRequest), fmt.Sprintf(requestName, qi(request)), RaiseRequestAbovePercent, qi(newR), qi(b.step)))
	}
	if request > 0 && newR > newL {
		if newL < limit { // the limit came down below the request
			newR = min(requestTarget, newL)
			s.Advice = append(s.Advice, fmt.Sprintf("the %s request would exceed the new limit: lower it to %s (p95 ÷ 0.8, rounded up)",
				qi(request), qi(newR)))
		} else { // the request went up above the limit
			newL = max(limitTarget, newR)
			s.Advice = append(s.Advice, fmt.Sprintf("the new request would exceed the %s limit: raise the limit to %s (peak ÷ 0.6, rounded up)",
				qi(limit), qi(newL)))
		}
	}
	if newL != limit {
		s.SuggestedLimit = ptr(newL)
	}
	if request > 0 && newR != request {
		s.SuggestedRequest = ptr(newR)
	}
	if !fired {
		switch {
		case request > 0:
			s.Advice = append(s.Advice, fmt.Sprintf("keep %s limit and %s request: peak %s is %s of the limit (not below %d%%), p95 %s is %s of the request (not above %d%%)",
				qi(limit), qi(request), q(pk), pct(*s.PeakPercentOfLimit), ReduceLimitBelowPercent, q(p), pct(*s.P95PercentOfRequest), RaiseRequestAbovePercent))
		case standIn:
			s.Advice = append(s.Advice, fmt.Sprintf("keep %s %s: peak %s is %s of it (not below %d%%)%s",
				b.flag, flagQuantity(limit, b.unit), q(pk), pct(*s.PeakPercentOfLimit), ReduceLimitBelowPercent, atTheLimit(*s.PeakPercentOfLimit)))
		default:
			s.Advice = append(s.Advice, fmt.Sprintf("keep %s limit: peak %s is %s of it (not below %d%%); the pods set no %s request, so the request rule does not apply",
				qi(limit), q(pk), pct(*s.PeakPercentOfLimit), ReduceLimitBelowPercent, b.resource))
		}
	} else if !standIn && request == 0 {
		s.Advice = append(s.Advice, fmt.Sprintf("the pods set no %s request, so the request rule does not apply", b.resource))
	}
	return s
}

// atTheLimit adds, for a stand-in replica at or near its limit, what that
// rehearses.
func atTheLimit(peakPercent float64) string {
	if peakPercent < RaiseRequestAbovePercent {
		return ""
	}
	return "; the replicas ran at their limit, which is what the triggers above rehearse"
}

// flagQuantity writes an amount as a flag takes it: "200m", "512Mi".
func flagQuantity(v int, unit string) string { return strconv.Itoa(v) + unit }

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
