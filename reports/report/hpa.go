package report

import (
	"fmt"
	"strings"

	"github.com/greenlang/gl001/deploy/hpa"
	"github.com/greenlang/gl001/deploy/k8s"
	"github.com/greenlang/gl001/reports/hpareplay"
	"github.com/greenlang/gl001/reports/runlog"
)

// HPAReplay is what the HPA would have done with the run's load (see
// deploy/hpa): its replica trajectory beside the replicas the run had, and
// the live HPA's when --kube read one. Replayed is false when the run
// cannot be replayed, and Why says why.
type HPAReplay struct {
	HPA      string `json:"hpa"`
	Replayed bool   `json:"replayed"`
	Why      string `json:"why,omitempty"`
	// ModelledMax and ModelledFinal are the replay's highest and last
	// counts; ObservedMax the run's highest; LiveMax the live HPA's, nil
	// when no HPA was read.
	StartReplicas int32     `json:"start_replicas,omitempty"`
	ModelledMax   int32     `json:"modelled_max,omitempty"`
	ModelledFinal int32     `json:"modelled_final,omitempty"`
	ObservedMax   *int32    `json:"observed_max,omitempty"`
	LiveMax       *int32    `json:"live_max,omitempty"`
	AtMaxReplicas bool      `json:"at_max_replicas"`
	Notes         []string  `json:"notes"`
	Trajectory    []hpa.Row `json:"trajectory"`
	replay        hpa.Replay
}

// replayHPA replays the run through spec (nil: the guide's HPA).
func replayHPA(run *runlog.Run, spec *hpa.Spec) HPAReplay {
	if spec == nil {
		s, err := hpa.Parse(k8s.GuideHPA)
		if err != nil {
			return HPAReplay{Why: "the guide's HPA does not parse: " + err.Error(), Notes: []string{}, Trajectory: []hpa.Row{}}
		}
		spec = &s
	}
	out := HPAReplay{HPA: spec.Name, Notes: []string{}, Trajectory: []hpa.Row{}}
	r, err := hpareplay.Replay(run, *spec)
	if err != nil {
		out.Why = strings.TrimPrefix(err.Error(), hpareplay.ErrNoReplay.Error()+": ")
		return out
	}
	out.Replayed, out.Notes, out.Trajectory, out.replay = true, r.Notes, r.Trajectory, r
	out.StartReplicas = r.StartReplicas
	for _, row := range r.Trajectory {
		out.ModelledMax = max(out.ModelledMax, row.Replicas)
		out.AtMaxReplicas = out.AtMaxReplicas || row.Replicas == spec.MaxReplicas && row.Desired > spec.MaxReplicas
		out.ObservedMax = maxOf(out.ObservedMax, row.ObservedReplicas)
		out.LiveMax = maxOf(out.LiveMax, row.LiveReplicas)
	}
	if n := len(r.Trajectory); n > 0 {
		out.ModelledFinal = r.Trajectory[n-1].Replicas
	}
	return out
}

func maxOf(a, b *int32) *int32 {
	if b == nil {
		return a
	}
	if a == nil || *b > *a {
		v := *b
		return &v
	}
	return a
}

// maxHPARows bounds the section's table: the syncs where the count or what
// limited it changed, the first and the last.
const maxHPARows = 40

func (r Report) hpaSection() section {
	h := r.HPA
	s := section{ID: "hpa-replay", Title: "HPA replay"}
	if !h.Replayed {
		s.Blocks = append(s.Blocks, para(fmt.Sprintf("The HPA %s was not replayed: %s.", h.HPA, h.Why)))
		return s
	}
	observed, live := "not observed", "not read (run with --kube to read the live HPA)"
	if h.ObservedMax != nil {
		observed = fmt.Sprintf("at most %d", *h.ObservedMax)
	}
	if h.LiveMax != nil {
		live = fmt.Sprintf("at most %d", *h.LiveMax)
	}
	summary := fmt.Sprintf("What %s would have done with this run's load, by the autoscaling/v2 controller's algorithm at its 15 s sync: from %s to at most %d, ending at %d. The run's replicas: %s; the live HPA's: %s.",
		h.HPA, plural(h.StartReplicas, "replica"), h.ModelledMax, h.ModelledFinal, observed, live)
	if h.AtMaxReplicas {
		summary += " It reached maxReplicas with its metrics asking for more: the HPA would have run out of room."
	}
	s.Blocks = append(s.Blocks, para(summary))
	t := &table{Head: []string{"t (s)", "Modelled replicas", "Proposal", "Observed", "Live HPA", "Metric", "Limited by"}, Right: map[int]bool{0: true, 1: true, 2: true, 3: true, 4: true}}
	rows := h.Trajectory
	shown := 0
	for i, row := range rows {
		changed := i == 0 || i == len(rows)-1 || row.Replicas != rows[i-1].Replicas || row.LimitedBy != rows[i-1].LimitedBy
		if !changed || shown >= maxHPARows && i != len(rows)-1 {
			continue
		}
		shown++
		metric := row.Metric
		if metric == "" {
			metric = "—"
		}
		t.add("", inum(row.TSeconds), inum(row.Replicas), inum(row.Desired), countText(row.ObservedReplicas), countText(row.LiveReplicas), metric, row.LimitedBy)
	}
	s.Blocks = append(s.Blocks, para(fmt.Sprintf("%d of %d syncs: the first, the last, and each where the count or what limited it changed.", shown, len(rows))), tableBlock(t), list(h.Notes))
	return s
}

func countText(p *int32) string {
	if p == nil {
		return "not read"
	}
	return inum(*p)
}
