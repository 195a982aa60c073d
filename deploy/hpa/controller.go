package hpa

import (
	"fmt"
	"math"
	"slices"
	"strings"

	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
)

// Demand is what one sync reads. Totals are over the whole deployment
// (CPU millicores, memory MiB, a rate) and are shared across the replicas
// the HPA has; PerPod values are taken as every pod's own (a latency),
// not shared. Keys are MetricName's. A metric in neither is missing.
type Demand struct {
	Totals map[string]float64
	PerPod map[string]float64
}

// Step is one sync of the controller.
type Step struct {
	TSeconds int64 `json:"t_seconds"`
	// Replicas is the count after this sync.
	Replicas int32 `json:"replicas"`
	// Desired is the metrics' proposal, before stabilization and the
	// policies (the current count when no metric proposed one).
	Desired int32 `json:"desired"`
	// Metric is the metric whose proposal was the highest.
	Metric string `json:"metric"`
	// LimitedBy says what held Replicas away from Desired: a
	// stabilization window, a policy, minReplicas/maxReplicas, or a
	// missing metric; empty when nothing did.
	LimitedBy string `json:"limited_by"`
	// Proposals are each metric's proposal; Missing the metrics with no
	// reading this sync.
	Proposals map[string]int32 `json:"proposals,omitempty"`
	Missing   []string         `json:"missing,omitempty"`
}

type recommendation struct {
	t     int64
	value int32
}

type scaleEvent struct {
	t      int64
	change int32
}

// Controller is one HPA's controller state: its recommendations and scale
// events, as the controller keeps them per HPA.
type Controller struct {
	spec Spec
	// The pods' requests, which Utilization targets are a percentage of.
	cpuRequestMillicores, memoryRequestMiB float64
	recs                                   []recommendation
	ups, downs                             []scaleEvent
}

// NewController starts the model at time start (seconds) as if the HPA
// had been steady at replicas before it: its recommendation history full
// of that count, one per sync period over the longest window, and no
// scale event.
func NewController(s Spec, cpuRequestMillicores, memoryRequestMiB float64, replicas int32, start int64) *Controller {
	c := &Controller{spec: s, cpuRequestMillicores: cpuRequestMillicores, memoryRequestMiB: memoryRequestMiB}
	longest := max(*s.ScaleUp.StabilizationWindowSeconds, *s.ScaleDown.StabilizationWindowSeconds)
	for k := int64(longest / SyncPeriodSeconds); k >= 1; k-- {
		c.recs = append(c.recs, recommendation{t: start - k*SyncPeriodSeconds, value: replicas})
	}
	return c
}

// Sync runs one reconcile at t (seconds) with current replicas.
func (c *Controller) Sync(t int64, current int32, d Demand) Step {
	st := Step{TSeconds: t, Replicas: current, Desired: current}
	s := c.spec
	switch { // reconcileAutoscaler's branches before the metrics
	case current > s.MaxReplicas:
		st.Replicas, st.Desired, st.LimitedBy = s.MaxReplicas, s.MaxReplicas, fmt.Sprintf("TooManyReplicas (maxReplicas %d)", s.MaxReplicas)
		c.record(t, current, st.Replicas)
		return st
	case current < s.MinReplicas:
		st.Replicas, st.Desired, st.LimitedBy = s.MinReplicas, s.MinReplicas, fmt.Sprintf("TooFewReplicas (minReplicas %d)", s.MinReplicas)
		c.record(t, current, st.Replicas)
		return st
	}
	proposal, metric, ok := c.proposals(current, d, &st)
	if !ok {
		return st // no rescale, nothing recorded (computeReplicasForMetrics' error)
	}
	st.Desired, st.Metric = proposal, metric
	stabilized, why := c.stabilize(t, current, proposal)
	replicas, limit := c.limit(t, current, stabilized)
	st.Replicas = replicas
	switch {
	case limit != "":
		st.LimitedBy = limit
	case stabilized != proposal:
		st.LimitedBy = why
	}
	c.record(t, current, replicas)
	return st
}

// proposals is computeReplicasForMetrics: each metric's proposal, the
// highest of them; with a metric missing, a proposal below current is no
// proposal at all (the controller does not scale down on partial data).
func (c *Controller) proposals(current int32, d Demand, st *Step) (int32, string, bool) {
	st.Proposals = map[string]int32{}
	var best int32
	var bestName string
	for _, m := range c.spec.Metrics {
		name := MetricName(m)
		p, ok := c.proposal(m, current, d)
		if !ok {
			st.Missing = append(st.Missing, name)
			continue
		}
		st.Proposals[name] = p
		if best == 0 || p > best {
			best, bestName = p, name
		}
	}
	switch {
	case len(st.Missing) == len(c.spec.Metrics):
		st.LimitedBy = "no metric: every one is missing (" + strings.Join(st.Missing, ", ") + ")"
		return 0, "", false
	case len(st.Missing) > 0 && best < current:
		st.Desired, st.Metric = best, bestName
		st.LimitedBy = fmt.Sprintf("missing metric (%s): no scale-down on partial data", strings.Join(st.Missing, ", "))
		return 0, "", false
	}
	return best, bestName, true
}

// proposal is one metric's replica count: ceil(ratio × current), or
// current when the ratio is within the tolerance of 1. Utilization is an
// integer percentage of the requests, and AverageValue milli-units, as the
// controller computes them.
func (c *Controller) proposal(m autoscalingv2.MetricSpec, current int32, d Demand) (int32, bool) {
	name := MetricName(m)
	var ratio float64
	switch {
	case m.Resource != nil:
		total, ok := d.Totals[name]
		if !ok {
			return 0, false
		}
		t := m.Resource.Target
		if t.Type == autoscalingv2.UtilizationMetricType {
			request := c.cpuRequestMillicores
			if m.Resource.Name == corev1.ResourceMemory {
				request = c.memoryRequestMiB
			}
			if request <= 0 {
				return 0, false // no request, no utilization (the controller's "missing request")
			}
			utilization := int64(total * 100 / (request * float64(current)))
			ratio = float64(utilization) / float64(*t.AverageUtilization)
		} else if m.Resource.Name == corev1.ResourceCPU { // AverageValue: millicores per pod
			ratio = float64(int64(total/float64(current))) / float64(t.AverageValue.MilliValue())
		} else { // bytes per pod
			ratio = float64(int64(total*(1<<20)/float64(current))) / float64(t.AverageValue.Value())
		}
	case m.Pods != nil:
		target := float64(m.Pods.Target.AverageValue.MilliValue())
		var usage int64
		if v, ok := d.PerPod[name]; ok {
			usage = int64(v * 1000)
		} else if v, ok := d.Totals[name]; ok {
			usage = int64(v*1000) / int64(current)
		} else {
			return 0, false
		}
		ratio = float64(usage) / target
	default:
		return 0, false
	}
	if math.Abs(1-ratio) <= Tolerance {
		return current, true
	}
	return int32(math.Ceil(ratio * float64(current))), true
}

// stabilize is stabilizeRecommendationWithBehaviors: the highest
// recommendation of the scale-down window and the lowest of the scale-up
// window bound the change; the raw proposal is recorded.
func (c *Controller) stabilize(t int64, current, proposal int32) (int32, string) {
	upCut := t - int64(*c.spec.ScaleUp.StabilizationWindowSeconds)
	downCut := t - int64(*c.spec.ScaleDown.StabilizationWindowSeconds)
	up, down := proposal, proposal
	old := -1
	for i, r := range c.recs {
		if r.t > upCut {
			up = min(up, r.value)
		}
		if r.t > downCut {
			down = max(down, r.value)
		}
		if r.t < upCut && r.t < downCut {
			old = i
		}
	}
	rec := current
	rec = max(rec, up)
	rec = min(rec, down)
	if old >= 0 {
		c.recs[old] = recommendation{t, proposal}
	} else {
		c.recs = append(c.recs, recommendation{t, proposal})
	}
	why := ""
	switch {
	case rec < proposal:
		why = fmt.Sprintf("ScaleUpStabilized (window %d s: lowest recommendation %d)", *c.spec.ScaleUp.StabilizationWindowSeconds, rec)
	case rec > proposal:
		why = fmt.Sprintf("ScaleDownStabilized (window %d s: highest recommendation %d)", *c.spec.ScaleDown.StabilizationWindowSeconds, rec)
	}
	return rec, why
}

// limit is convertDesiredReplicasWithBehaviorRate: the policies' limit
// on the change over their periods, and min/max replicas. It returns what
// limited the count, or "".
func (c *Controller) limit(t int64, current, desired int32) (int32, string) {
	s := c.spec
	switch {
	case desired > current:
		lim, policy := c.scaleLimit(t, current, s.ScaleUp, true)
		lim = max(lim, current)
		allowed, why := s.MaxReplicas, fmt.Sprintf("TooManyReplicas (maxReplicas %d)", s.MaxReplicas)
		if allowed > lim {
			allowed, why = lim, "ScaleUpLimit ("+policy+")"
		}
		if desired > allowed {
			return allowed, why
		}
	case desired < current:
		lim, policy := c.scaleLimit(t, current, s.ScaleDown, false)
		lim = min(lim, current)
		allowed, why := s.MinReplicas, fmt.Sprintf("TooFewReplicas (minReplicas %d)", s.MinReplicas)
		if allowed < lim {
			allowed, why = lim, "ScaleDownLimit ("+policy+")"
		}
		if desired < allowed {
			return allowed, why
		}
	}
	return desired, ""
}

// scaleLimit is calculateScaleUpLimitWithScalingRules (up) or
// calculateScaleDownLimitWithBehaviors: each policy's bound from the count
// at the start of its period, combined by selectPolicy. Max takes the
// largest change, Min the smallest; Disabled allows none. It names the
// policy that set the bound.
func (c *Controller) scaleLimit(t int64, current int32, r autoscalingv2.HPAScalingRules, up bool) (int32, string) {
	if *r.SelectPolicy == autoscalingv2.DisabledPolicySelect {
		return current, "selectPolicy Disabled"
	}
	// Max (the largest change): the highest bound up, the lowest down.
	larger := *r.SelectPolicy == autoscalingv2.MaxChangePolicySelect == up
	var result int32
	name := ""
	for i, p := range r.Policies {
		added, deleted := changeIn(t, p.PeriodSeconds, c.ups), changeIn(t, p.PeriodSeconds, c.downs)
		start := current - added + deleted
		var proposed int32
		switch {
		case up && p.Type == autoscalingv2.PodsScalingPolicy:
			proposed = start + p.Value
		case up:
			proposed = int32(math.Ceil(float64(start) * (1 + float64(p.Value)/100)))
		case p.Type == autoscalingv2.PodsScalingPolicy:
			proposed = start - p.Value
		default:
			proposed = int32(float64(start) * (1 - float64(p.Value)/100))
		}
		if i == 0 || larger && proposed > result || !larger && proposed < result {
			result, name = proposed, fmt.Sprintf("%s %d per %d s, selectPolicy %s", p.Type, p.Value, p.PeriodSeconds, *r.SelectPolicy)
		}
	}
	return result, name
}

// changeIn is getReplicasChangePerPeriod: the replicas changed by events
// after t − period.
func changeIn(t int64, period int32, events []scaleEvent) int32 {
	var n int32
	for _, e := range events {
		if e.t > t-int64(period) {
			n += e.change
		}
	}
	return n
}

// record is storeScaleEvent: a change is kept as an event of its
// direction, over an event older than the direction's longest period.
func (c *Controller) record(t int64, from, to int32) {
	if to == from {
		return
	}
	events, rules, change := &c.ups, c.spec.ScaleUp, to-from
	if to < from {
		events, rules, change = &c.downs, c.spec.ScaleDown, from-to
	}
	var longest int32
	for _, p := range rules.Policies {
		longest = max(longest, p.PeriodSeconds)
	}
	e := scaleEvent{t, change}
	if i := slices.IndexFunc(*events, func(o scaleEvent) bool { return o.t < t-int64(longest) }); i >= 0 {
		(*events)[i] = e
		return
	}
	*events = append(*events, e)
}
