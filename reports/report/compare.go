package report

import (
	"fmt"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/reports/triggers"
)

// RowStatus is how an observation stands against its prediction.
type RowStatus string

// The statuses of a Comparison.
const (
	// StatusOK: provisioned at least as predicted, or use below the
	// triggers table's warning line for the resource (CPU 70 %, memory
	// 75 % of the limit).
	StatusOK RowStatus = "ok"
	// StatusShort: provisioned below the prediction.
	StatusShort RowStatus = "short"
	// StatusTight: peak use at or above the warning line, within the limit.
	StatusTight RowStatus = "tight"
	// StatusOverLimit: peak use above the limit.
	StatusOverLimit RowStatus = "over_limit"
	// StatusNotObserved: nothing to compare.
	StatusNotObserved RowStatus = "not_observed"
	// StatusNotEnforced: use was read, but no limit held the replicas to
	// anything, so there is no headroom to speak of.
	StatusNotEnforced RowStatus = "not_enforced"
)

// MaxCPUReadingOverLimitPercent is how far above an enforced CPU limit a
// one-interval reading may go and still be the limit: the kernel's CFS
// hands out quota in 5 ms slices per CPU, and /proc counts CPU time in
// 10 ms ticks, so a replica held at 100m reads 100m ± 10–20m per second.
const MaxCPUReadingOverLimitPercent = 125

// Comparison is one row of "Predicted vs observed".
//
// For replicas, DB pool and workers, Observed is what was provisioned and
// MarginPercent is (observed − predicted) ÷ predicted: negative is a
// shortfall. For CPU and memory per replica, Predicted is the calculator's
// limit (the prediction), Limit the limit the replicas ran under (the
// stand-in's enforced limit, or the pods' own), Observed the worst
// replica's peak use and MarginPercent the headroom (Limit − peak) ÷
// Limit. Without an enforced Limit there is no headroom: the status is
// not_enforced.
type Comparison struct {
	// Item is "replicas", "cpu_per_replica", "memory_per_replica",
	// "db_pool" or "workers"; Name is its title.
	Item string `json:"item"`
	Name string `json:"name"`
	// Unit is "", "m" or "Mi".
	Unit          string    `json:"unit"`
	Predicted     float64   `json:"predicted"`
	Limit         *float64  `json:"limit"`
	LimitSource   string    `json:"limit_source,omitempty"`
	Observed      *float64  `json:"observed"`
	MarginPercent *float64  `json:"margin_percent"`
	Margin        string    `json:"margin"`
	Status        RowStatus `json:"status"`
	Note          string    `json:"note"`
}

func compare(o observation, pred capacity.Prediction, standIn bool) []Comparison {
	rows := []Comparison{
		provisioned("replicas", "Replicas", float64(pred.Replicas), intPtr(o.ReplicasRunning), replicasNote(o)),
		usage(usageRow{item: "cpu_per_replica", name: "CPU per replica", unit: "m", trigger: "master_cpu_percent",
			predLimit: pred.CPUMillicores, predRequest: pred.CPURequestMillicores, limit: o.Limits.CPULimitMillicores,
			notEnforced: o.Limits.CPUNotEnforced, peak: o.CPUPeakMillicores, p95: o.CPUP95Millicores}, o.Limits, standIn),
		usage(usageRow{item: "memory_per_replica", name: "Memory per replica", unit: "Mi", trigger: "master_memory_percent",
			predLimit: pred.MemoryMiB, predRequest: pred.MemoryRequestMiB, limit: o.Limits.MemoryLimitMiB,
			notEnforced: o.Limits.MemoryNotEnforced, peak: o.MemoryPeakMiB, p95: o.MemoryP95MiB}, o.Limits, standIn),
		provisioned("db_pool", "DB pool", float64(pred.DBPoolSize), int64Ptr(o.PoolSize), poolNote(o)),
		provisioned("workers", "Message workers", float64(pred.MessageWorkers), intPtr(o.Workers), workersNote(o)),
	}
	return rows
}

func provisioned(item, name string, predicted float64, observed *float64, note string) Comparison {
	c := Comparison{Item: item, Name: name, Predicted: predicted, Observed: observed, Note: note}
	switch {
	case observed == nil:
		c.Status, c.Margin = StatusNotObserved, "-"
	case predicted <= 0:
		c.Status, c.Margin = StatusOK, "no prediction"
	default:
		d := *observed - predicted
		c.MarginPercent = ptr(round(d/predicted*100, 1))
		switch {
		case d < 0:
			c.Status, c.Margin = StatusShort, fmt.Sprintf("shortfall %s (%s)", num(-d, 0), pct(-*c.MarginPercent))
		case d == 0:
			c.Status, c.Margin = StatusOK, "as predicted"
		default:
			c.Status, c.Margin = StatusOK, fmt.Sprintf("%s above (%s)", num(d, 0), pct(*c.MarginPercent))
		}
	}
	return c
}

// usageRow is what a CPU or memory row is built from.
type usageRow struct {
	item, name, unit, trigger string
	predLimit, predRequest    int  // the calculator's
	limit                     *int // the enforced limit; nil when none
	notEnforced               string
	peak, p95                 *float64
}

func usage(u usageRow, lim Limits, standIn bool) Comparison {
	c := Comparison{Item: u.item, Name: u.name, Unit: u.unit, Predicted: float64(u.predLimit), Observed: u.peak}
	q := func(v int) string { return quantity(float64(v), u.unit) }
	prediction := fmt.Sprintf("the calculator predicts %s (request %s)", q(u.predLimit), q(u.predRequest))
	if standIn {
		prediction = fmt.Sprintf("the calculator's %s (request %s) is the production prediction, which a stand-in run does not validate", q(u.predLimit), q(u.predRequest))
	}
	if u.limit != nil {
		c.Limit, c.LimitSource = ptr(float64(*u.limit)), lim.Source
	}
	switch {
	case u.peak == nil:
		c.Status, c.Margin = StatusNotObserved, "-"
		c.Note = "no replica readings; " + prediction
		return c
	case u.limit == nil:
		c.Status, c.Margin = StatusNotEnforced, "-"
		c.Note = fmt.Sprintf("worst replica's peak; p95 %s; no headroom to judge: %s; %s", quantity(*u.p95, u.unit), u.notEnforced, prediction)
		return c
	}
	whose := "the pods' own"
	if standIn {
		whose = "the stand-in's enforced"
	}
	if lim.Varied {
		whose += " (smallest)"
	}
	c.Note = fmt.Sprintf("worst replica's peak; p95 %s; against %s %s limit (%s); %s",
		quantity(*u.p95, u.unit), whose, q(*u.limit), sourceText(lim.Source), prediction)
	share := *u.peak / float64(*u.limit) * 100
	c.MarginPercent = ptr(round(100-share, 1))
	m, _ := triggers.Lookup(u.trigger)
	warn, _ := m.Bounds()
	switch {
	case share > 100 && u.unit == "m" && share <= MaxCPUReadingOverLimitPercent:
		// A CFS quota cannot be overrun by more than its slices; what
		// reads above it is the measurement's granularity.
		c.Status, c.Margin = StatusTight, fmt.Sprintf("at the limit (reads %s over it)", pct(-*c.MarginPercent))
		c.Note += fmt.Sprintf("; CPU under an enforced limit can read up to %d%% of it: the kernel hands out quota in 5 ms slices per CPU and counts CPU time in 10 ms ticks",
			MaxCPUReadingOverLimitPercent)
	case share > 100:
		c.Status, c.Margin = StatusOverLimit, fmt.Sprintf("over the limit by %s", pct(-*c.MarginPercent))
	case share >= warn:
		c.Status, c.Margin = StatusTight, fmt.Sprintf("headroom %s", pct(*c.MarginPercent))
	default:
		c.Status, c.Margin = StatusOK, fmt.Sprintf("headroom %s", pct(*c.MarginPercent))
	}
	return c
}

func replicasNote(o observation) string {
	switch o.ReplicasSource {
	case "samples":
		if *o.ReplicasRunningMax != *o.ReplicasRunning {
			return fmt.Sprintf("fewest read in an interval; most %s", inum(*o.ReplicasRunningMax))
		}
		return "read in every sampled interval"
	case "run header":
		return "from the run header (no replica readings)"
	}
	return "no replica readings and none in the run header"
}

func poolNote(o observation) string {
	if o.PoolSize == nil {
		return "no database pool readings"
	}
	s := fmt.Sprintf("smallest size read; in use peak %s", inum(*o.PoolInUsePeak))
	if o.PoolInUsePeakPercent != nil {
		s += " (" + pct(*o.PoolInUsePeakPercent) + ")"
	}
	return s + " at one reading; " + o.poolPressureText()
}

func workersNote(o observation) string {
	if o.Workers == nil {
		return "the samplers cannot read it; not given"
	}
	return "as given for the run"
}

func intPtr(p *int) *float64 {
	if p == nil {
		return nil
	}
	return ptr(float64(*p))
}

func int64Ptr(p *int64) *float64 {
	if p == nil {
		return nil
	}
	return ptr(float64(*p))
}
