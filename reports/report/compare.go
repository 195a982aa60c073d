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
)

// Comparison is one row of "Predicted vs observed".
//
// For replicas, DB pool and workers, Observed is what was provisioned and
// MarginPercent is (observed − predicted) ÷ predicted: negative is a
// shortfall. For CPU and memory per replica, Predicted is the calculator's
// limit, Observed the worst replica's peak use and MarginPercent the
// headroom (limit − peak) ÷ limit.
type Comparison struct {
	// Item is "replicas", "cpu_per_replica", "memory_per_replica",
	// "db_pool" or "workers"; Name is its title.
	Item string `json:"item"`
	Name string `json:"name"`
	// Unit is "", "m" or "Mi".
	Unit          string    `json:"unit"`
	Predicted     float64   `json:"predicted"`
	Observed      *float64  `json:"observed"`
	MarginPercent *float64  `json:"margin_percent"`
	Margin        string    `json:"margin"`
	Status        RowStatus `json:"status"`
	Note          string    `json:"note"`
}

func compare(o observation, pred capacity.Prediction) []Comparison {
	rows := []Comparison{
		provisioned("replicas", "Replicas", float64(pred.Replicas), intPtr(o.ReplicasRunning), replicasNote(o)),
		usage("cpu_per_replica", "CPU per replica", "m", pred.CPUMillicores, pred.CPURequestMillicores, o.CPUPeakMillicores, o.CPUP95Millicores, "master_cpu_percent"),
		usage("memory_per_replica", "Memory per replica", "Mi", pred.MemoryMiB, pred.MemoryRequestMiB, o.MemoryPeakMiB, o.MemoryP95MiB, "master_memory_percent"),
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

func usage(item, name, unit string, limit, request int, peak, p95v *float64, trigger string) Comparison {
	c := Comparison{Item: item, Name: name, Unit: unit, Predicted: float64(limit), Observed: peak}
	if peak == nil {
		c.Status, c.Margin = StatusNotObserved, "-"
		c.Note = fmt.Sprintf("limit %s, request %s; no replica readings", quantity(float64(limit), unit), quantity(float64(request), unit))
		return c
	}
	c.Note = fmt.Sprintf("worst replica's peak; p95 %s; limit %s, request %s", quantity(*p95v, unit), quantity(float64(limit), unit), quantity(float64(request), unit))
	if limit <= 0 {
		c.Status, c.Margin = StatusOK, "no prediction"
		return c
	}
	share := *peak / float64(limit) * 100
	c.MarginPercent = ptr(round(100-share, 1))
	m, _ := triggers.Lookup(trigger)
	warn, _ := m.Bounds()
	switch {
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
