package report_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/reports/triggers"
	"github.com/greenlang/gl001/xk6-gl001/record"
)

// The share of the pool in use is read from in_use, every replica read at
// once: never from max_in_use, which behind a front door is a sum of each
// replica's all-time peak, reached at moments of their own.
func TestPoolShareAtOneMoment(t *testing.T) {
	f := healthyFleet()
	f.db = func(i int) *record.Database {
		inUse := int64(40 + i%11) // 40–50 of 205 at once
		return &record.Database{Size: 205, InUse: inUse, Available: 205 - inUse, WaitCount: ptr[int64](0), Timeouts: ptr[int64](0),
			MaxInUse: ptr[int64](190), InUsePercent: ptr(float64(inUse) / 205 * 100)} // 11 replicas' peaks, summed
	}
	r := report.Evaluate(f.run(t), report.Options{Workers: ptr(4)})
	row := trigger(t, r, "db_connections_percent")
	if row.Value == nil || *row.Value != 24.4 || row.Level != triggers.OK { // 50 of 205
		t.Errorf("Database Connections %v (%v), want 24.4%% ok: from in_use at one moment, not the summed peaks (92.7%%)", row.Value, row.Level)
	}
	if p := r.Observed.PoolInUsePeak; p == nil || *p != 50 {
		t.Errorf("pool in-use peak %v, want 50", p)
	}
	if r.Verdict != report.Pass {
		t.Errorf("verdict %s, want pass: %s", r.Verdict, r.Why)
	}
}

// A target that reports only the guide's four pool figures leaves
// timeouts and max_in_use unread: the report says so, with the reason,
// and never prints 0 for them. One figure unread does not make the
// database sampler's reading a gap.
func TestPoolFiguresNotReported(t *testing.T) {
	f := healthyFleet()
	f.db = func(i int) *record.Database {
		inUse := int64(80 + i%10)
		return &record.Database{Size: 205, InUse: inUse, Available: 205 - inUse, WaitCount: ptr[int64](450), InUsePercent: ptr(float64(inUse) / 205 * 100)}
	}
	f.gaps = func(int) []record.Gap {
		return []record.Gap{
			{Sampler: "database", Field: "max_in_use", Reason: "connection_pool has no max_in_use"},
			{Sampler: "database", Field: "timeouts", Reason: "connection_pool has no timeouts"},
		}
	}
	r := report.Evaluate(f.run(t), report.Options{Workers: ptr(4)})
	if r.Observed.PoolTimeouts != nil || r.Observed.PoolWaitCount == nil || *r.Observed.PoolWaitCount != 450 {
		t.Errorf("pool timeouts %v, wait count %v; want not observed and 450", r.Observed.PoolTimeouts, r.Observed.PoolWaitCount)
	}
	if len(r.Gaps) != 0 || r.Verdict != report.Pass {
		t.Errorf("gaps %+v, verdict %s (%s); want no sampler gap and a pass", r.Gaps, r.Verdict, r.Why)
	}
	b, _ := json.Marshal(r)
	var doc struct {
		FigureGaps []map[string]any `json:"figure_gaps"`
	}
	_ = json.Unmarshal(b, &doc)
	if len(doc.FigureGaps) != 2 || doc.FigureGaps[0]["field"] != "max_in_use" || doc.FigureGaps[1]["field"] != "timeouts" ||
		doc.FigureGaps[1]["intervals"] != 60.0 || doc.FigureGaps[1]["reason"] != "connection_pool has no timeouts" {
		t.Errorf("figure_gaps %v, want max_in_use and timeouts, each unread in 60 intervals", doc.FigureGaps)
	}
	var md bytes.Buffer
	if err := r.WriteMarkdown(&md, nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"timeouts not observed (database: connection_pool has no timeouts)",
		"| database | timeouts | connection_pool has no timeouts | 60 of 60 |",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	if strings.Contains(md.String(), "timeouts 0") {
		t.Errorf("markdown prints timeouts 0 for a figure never read")
	}
}

// Callers waiting for a connection are pressure the once-an-interval
// in_use readings miss: the guide scales the pool when wait_count
// increases, so the row warns even when the share read stays low.
func TestPoolWaitsWarn(t *testing.T) {
	f := healthyFleet()
	f.db = func(i int) *record.Database {
		inUse := int64(80 + i%10)
		return &record.Database{Size: 205, InUse: inUse, Available: 205 - inUse, WaitCount: ptr(int64(100 + 2*i)), Timeouts: ptr[int64](3),
			InUsePercent: ptr(float64(inUse) / 205 * 100)}
	}
	r := report.Evaluate(f.run(t), report.Options{Workers: ptr(4)})
	row := trigger(t, r, "db_connections_percent")
	if row.Level != triggers.OK || row.Outcome != report.Warning || !strings.Contains(row.Note, "118 callers waited for a connection during the run") {
		t.Errorf("row %s %s %q, want ok band, warning outcome, noting the waits", row.Level, row.Outcome, row.Note)
	}
	const because = "Database Connections read at most 43.4% in use, but 118 callers waited for a connection during the run"
	if r.Verdict != report.Warning || !strings.Contains(r.Why, because) {
		t.Errorf("verdict %s: %s\nwant a warning saying %q", r.Verdict, r.Why, because)
	}
	if o := r.Observed; o.PoolWaitCountIncrease == nil || *o.PoolWaitCountIncrease != 118 || o.PoolTimeoutsIncrease == nil || *o.PoolTimeoutsIncrease != 0 {
		t.Errorf("increases: waits %v, timeouts %v; want 118 and 0", o.PoolWaitCountIncrease, o.PoolTimeoutsIncrease)
	}
}

// A counter that falls (a replica restarted, its count from 0 again) is
// counted as a reset, not as negative waits.
func TestPoolCountersAcrossARestart(t *testing.T) {
	f := healthyFleet()
	f.intervals = 4
	counts := []int64{5, 9, 2, 4}
	f.db = func(i int) *record.Database {
		return &record.Database{Size: 205, InUse: 80, Available: 125, WaitCount: ptr(counts[i]), Timeouts: ptr[int64](0), InUsePercent: ptr(39.0)}
	}
	o := report.Evaluate(f.run(t), report.Options{}).Observed
	if o.PoolWaitCount == nil || *o.PoolWaitCount != 4 || o.PoolWaitCountIncrease == nil || *o.PoolWaitCountIncrease != 4+2+2 {
		t.Errorf("wait count %v, increase %v; want 4 at the last reading and 8 over the run", o.PoolWaitCount, o.PoolWaitCountIncrease)
	}
}
