package engine_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/reports/decision"
	"github.com/greenlang/gl001/reports/report"
	"github.com/greenlang/gl001/reports/triggers"
	"github.com/greenlang/gl001/xk6-gl001/engine"
)

// The proof that Master CPU can fail: one stand-in replica held
// to 100m by a cgroup, under more heat optimizations than 100m can solve.
// The LP dispatch of 15 plants takes about 4 ms of CPU on this class of
// machine (more with decoding and the database), so 100m serves at most
// about 25 a second, and 40 a second (2,400/min) saturates it with room to
// spare for a faster machine. Twelve seconds, three of them ramp; request
// and ack timeouts bound the backlog a saturated replica builds, so the
// run ends on time. Loopback only.
const saturating = `{"test_name": "saturated_replica", "duration_minutes": 0.2, "plants": 15, "sub_agents": 75,
  "heat_optimization_requests_per_minute": 2400, "agent_coordination_events_per_second": 5,
  "ramp_up_minutes": 0.05, "replicas": 1, "partitions": 2}`

func TestOneReplicaAt100mReadsMasterCPUCritical(t *testing.T) {
	if testing.Short() {
		t.Skip("a load test against a replica process")
	}
	dir := t.TempDir()
	out, err := engine.Run(t.Context(), engine.Options{
		Scenario: scenario(t, saturating), ScenarioFile: "saturating.json", OutDir: dir, Logger: quiet,
		StandIn: engine.StandInOptions{Executable: standIn.Executable, CPULimitMillicores: 100}, RequestTimeout: 5 * time.Second, AckTimeout: 3 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The report as gl001 run writes it, with nothing given: on a stand-in
	// the run started itself, "Recent deployment?" is answered no (no new
	// release ran), so the branch's diagnosis is settled by the run alone.
	rep, err := report.Generate(out.Dir, report.Options{})
	if err != nil {
		t.Fatal(err)
	}

	lim := rep.Observed.Limits
	if strings.HasPrefix(lim.Source, "not enforced") {
		// The stand-in says why, in its own words (no writable cgroup).
		t.Skipf("this host cannot enforce a CPU limit: %s", lim.Source)
	}
	if lim.CPULimitMillicores == nil || *lim.CPULimitMillicores != 100 || (lim.Source != "cgroup-v1" && lim.Source != "cgroup-v2") {
		t.Fatalf("limits %+v: want the enforced 100m", lim)
	}
	var cpu report.Trigger
	for _, tr := range rep.Triggers {
		if tr.Metric == "master_cpu_percent" {
			cpu = tr
		}
	}
	if cpu.Level != triggers.Critical {
		t.Errorf("Master CPU %v (%s), want critical: %s", cpu.Level, cpu.ValueText(), cpu.Basis)
	}
	indicated := false
	for _, d := range rep.Diagnosis {
		indicated = indicated || (d.Branch == "CPU >80%?" && d.Status == decision.Indicated)
	}
	if !indicated {
		t.Errorf("the decision tree's CPU >80%% branch is not indicated: %+v", rep.Diagnosis)
	}
	md, err := os.ReadFile(filepath.Join(out.Dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| Master CPU Usage | ", " | critical | Horizontal or Vertical Scale |", "CPU >80%? → ", `\[indicated\]`,
		"rehearse the guide's triggers and decision tree; they do not validate the calculator's absolute figures"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report.md does not read %q", want)
		}
	}
	for _, r := range rep.Observed.Replicas {
		t.Logf("%s: CPU peak %.0fm, p95 %.0fm of 100m; memory peak %.0f MiB", r.ID, r.CPUPeakMillicores, r.CPUP95Millicores, r.MemoryPeakMiB)
	}
	t.Logf("Master CPU %s (%s)", cpu.ValueText(), cpu.Level)
	for _, d := range rep.Diagnosis {
		t.Logf("tree: %s → %s → %s [%s] (%s)", d.Branch, d.Condition, d.Advice, d.Status, d.Evidence)
	}
	t.Logf("verdict %s: %s", rep.Verdict, firstLine(rep.Why))
}

func ptr[T any](v T) *T { return &v }

func firstLine(s string) string { s, _, _ = strings.Cut(s, "\n"); return s }
