package capacity_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/greenlang/gl001/deploy/capacity"
	"github.com/greenlang/gl001/reports/golden"
)

// The guide's worked examples. Where the guide rounds (5.5Gi for 5548Mi)
// the test holds the formula's exact value; the guide's text is in the name.
func TestCalculateWorkedExamples(t *testing.T) {
	tests := []struct {
		name          string
		plants        int
		agents        int
		replicas      int
		cpuMillicores int
		memoryMiB     int
		workers       int
	}{
		{"5 plants 25 agents: 4 replicas, 2750m, 5.5Gi, 3 workers (2 raised to minimum)", 5, 25, 4, 2750, 5548, 3},
		{"10 plants 50 agents: 7 replicas, 4500m, 9Gi, 3 workers", 10, 50, 7, 4500, 9048, 3},
		{"20 plants 99 agents: 14 replicas, 7950m, 15.9Gi, 5 workers", 20, 99, 14, 7950, 15948, 5},
		// The guide's "Scaling for Large Facilities" says "15 plants, 70
		// agents (estimated) → 11 replicas", but its own formula gives
		// ceil(15/5) + ceil(70/10) = 3 + 7 = 10. We test the formula; 11
		// is what 15 plants with 75 agents (gl001's default fleet) need.
		{"15 plants 70 agents: 10 replicas, not the guide's 11", 15, 70, 10, 6000, 12048, 4},
		{"15 plants 75 agents: 11 replicas (the default fleet)", 15, 75, 11, 6250, 12548, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := capacity.Calculate(tt.plants, tt.agents)
			if err != nil {
				t.Fatal(err)
			}
			if p.Replicas != tt.replicas || p.CPUMillicores != tt.cpuMillicores || p.MemoryMiB != tt.memoryMiB || p.MessageWorkers != tt.workers {
				t.Errorf("got replicas %d, cpu %dm, memory %dMi, workers %d; want %d, %dm, %dMi, %d",
					p.Replicas, p.CPUMillicores, p.MemoryMiB, p.MessageWorkers, tt.replicas, tt.cpuMillicores, tt.memoryMiB, tt.workers)
			}
		})
	}
}

// The guide's pool examples are stated in plants and replicas.
func TestDBPoolWorkedExamples(t *testing.T) {
	tests := []struct {
		name   string
		plants int
		agents int
		pool   int
	}{
		{"5 plants 4 replicas: 85 connections", 5, 25, 85},
		{"10 plants 7 replicas: 140 connections", 10, 50, 140},
		{"20 plants 14 replicas: 260 connections", 20, 99, 260},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := capacity.Calculate(tt.plants, tt.agents)
			if err != nil {
				t.Fatal(err)
			}
			if p.DBPoolSize != tt.pool {
				t.Errorf("DBPoolSize = %d, want %d", p.DBPoolSize, tt.pool)
			}
		})
	}
}

func TestCalculateClamps(t *testing.T) {
	tests := []struct {
		name     string
		plants   int
		agents   int
		replicas int
		workers  int
		pool     int
	}{
		{"smallest fleet: replicas raised to 3, workers to 3", 1, 0, 3, 3, 5 + 30 + 20},
		{"exactly 3 replicas unclamped", 5, 20, 3, 3, 25 + 30 + 20},
		{"replicas just below the maximum", 50, 50, 15, 3, 250 + 150 + 20},
		{"replicas clamped to 20; pool uses the clamped count", 100, 100, 20, 5, 500 + 200 + 20},
		{"workers exactly 20", 10, 400, 20, 20, 50 + 200 + 20},
		{"workers clamped to 20", 10, 401, 20, 20, 50 + 200 + 20},
		{"ceil: 6 plants, 11 agents = 2 + 2 = 4", 6, 11, 4, 3, 30 + 40 + 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := capacity.Calculate(tt.plants, tt.agents)
			if err != nil {
				t.Fatal(err)
			}
			if p.Replicas != tt.replicas {
				t.Errorf("Replicas = %d, want %d", p.Replicas, tt.replicas)
			}
			if p.MessageWorkers != tt.workers {
				t.Errorf("MessageWorkers = %d, want %d", p.MessageWorkers, tt.workers)
			}
			if p.DBPoolSize != tt.pool {
				t.Errorf("DBPoolSize = %d, want %d", p.DBPoolSize, tt.pool)
			}
		})
	}
}

// Requests are 60 % / 70 % of the limits rounded down, as the guide's
// script cuts bc's decimals; x.6 cases catch rounding to nearest.
func TestCalculateRequestsRoundDown(t *testing.T) {
	tests := []struct {
		name           string
		plants, agents int
		cpuReq, memReq int
	}{
		{"15/75: 12548Mi*0.7 = 8783.6", 15, 75, 3750, 8783},
		{"1/0: 2248Mi*0.7 = 1573.6", 1, 0, 660, 1573},
		{"6/11: 4348Mi*0.7 = 3043.6", 6, 11, 1290, 3043},
		{"5/25: 2750m*0.6 = 1650, 5548Mi*0.7 = 3883.6", 5, 25, 1650, 3883},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := capacity.Calculate(tt.plants, tt.agents)
			if err != nil {
				t.Fatal(err)
			}
			if p.CPURequestMillicores != tt.cpuReq || p.MemoryRequestMiB != tt.memReq {
				t.Errorf("requests = %dm/%dMi, want %dm/%dMi", p.CPURequestMillicores, p.MemoryRequestMiB, tt.cpuReq, tt.memReq)
			}
		})
	}
}

func TestCalculateRejectsOutOfDomain(t *testing.T) {
	tests := []struct {
		name   string
		plants int
		agents int
		want   []string
	}{
		{"negative plants", -1, 10, []string{"plants (-1)", "from 1 to 10000"}},
		{"zero plants", 0, 10, []string{"plants (0)"}},
		{"plants above ceiling", 10_001, 10, []string{"plants (10001)", "from 1 to 10000"}},
		{"negative agents", 5, -3, []string{"agents (-3)", "from 0 to 100000"}},
		{"agents above ceiling", 5, 100_001, []string{"agents (100001)"}},
		{"both wrong: both named", -1, -1, []string{"plants (-1)", "agents (-1)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := capacity.Calculate(tt.plants, tt.agents)
			if !errors.Is(err, capacity.ErrInput) {
				t.Fatalf("err = %v, want ErrInput", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	for _, ok := range [][2]int{{1, 0}, {10_000, 100_000}} {
		if _, err := capacity.Calculate(ok[0], ok[1]); err != nil {
			t.Errorf("Calculate(%d, %d) at the domain edge: %v", ok[0], ok[1], err)
		}
	}
}

func TestPlanJSONFields(t *testing.T) {
	p, err := capacity.Calculate(15, 75)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(capacity.NewPlan(p, capacity.DefaultTarget))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"plants": 15.0, "agents": 75.0, "replicas": 11.0, "cpu_millicores": 6250.0, "memory_mib": 12548.0,
		"cpu_request_millicores": 3750.0, "memory_request_mib": 8783.0, "db_pool_size": 205.0, "message_workers": 4.0,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	cmds, ok := got["kubectl"].([]any)
	if !ok || len(cmds) != 2 {
		t.Fatalf("kubectl = %v, want two commands", got["kubectl"])
	}
	if cmds[0] != "kubectl scale deployment gl-001-process-heat-orchestrator --replicas=11 -n greenlang" {
		t.Errorf("kubectl[0] = %q", cmds[0])
	}
	if len(got) != len(want)+1 {
		t.Errorf("got %d fields, want %d: %v", len(got), len(want)+1, got)
	}
}

func TestPlanTargetIsASetting(t *testing.T) {
	p, _ := capacity.Calculate(5, 25)
	pl := capacity.NewPlan(p, capacity.Target{Namespace: "gl-staging", Deployment: "gl-001-process-heat"})
	for _, c := range pl.Kubectl {
		if !strings.Contains(c, "gl-001-process-heat ") || !strings.Contains(c, "-n gl-staging") || strings.Contains(c, "greenlang") {
			t.Errorf("command ignores the target: %q", c)
		}
	}
}

func TestWriteTextGolden(t *testing.T) {
	for _, c := range []struct{ plants, agents int }{{15, 75}, {5, 25}, {20, 99}} {
		name := filepath.Join("testdata", "plan_"+itoa(c.plants)+"_"+itoa(c.agents)+".golden")
		t.Run(name, func(t *testing.T) {
			p, err := capacity.Calculate(c.plants, c.agents)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := capacity.NewPlan(p, capacity.DefaultTarget).WriteText(&buf); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, name, buf.Bytes())
		})
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestPrompt(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		plants  int
		agents  int
		wantErr string
	}{
		{"two answers", "15\n75\n", 15, 75, ""},
		{"spaces and no final newline", "  15 \n 75", 15, 75, ""},
		{"non-integer plants", "1.5\n75\n", 0, 0, `plants "1.5" must be a whole number from 1 to 10000`},
		{"negative agents", "15\n-2\n", 0, 0, `agents "-2" must be a whole number from 0 to 100000`},
		{"no answer", "15\n", 0, 0, "agents: no answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			plants, agents, err := capacity.Prompt(strings.NewReader(tt.in), &out)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, capacity.ErrInput) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if plants != tt.plants || agents != tt.agents {
				t.Errorf("got %d, %d; want %d, %d", plants, agents, tt.plants, tt.agents)
			}
			if !strings.HasPrefix(out.String(), "Enter number of plants: Enter number of active sub-agents: ") {
				t.Errorf("prompts = %q", out.String())
			}
		})
	}
}

func FuzzParseCount(f *testing.F) {
	for _, s := range []string{"15", "-1", "1.5", "", "99999999999999999999", "0x10", " 3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := capacity.ParseCount("plants", s, capacity.MinPlants, capacity.MaxPlants)
		if err == nil && (v < capacity.MinPlants || v > capacity.MaxPlants) {
			t.Fatalf("ParseCount(%q) = %d, outside the domain without an error", s, v)
		}
		if err != nil && !errors.Is(err, capacity.ErrInput) {
			t.Fatalf("error does not wrap ErrInput: %v", err)
		}
	})
}

func ExampleCalculate() {
	p, _ := capacity.Calculate(15, 75)
	_ = capacity.NewPlan(p, capacity.DefaultTarget).WriteText(os.Stdout)
	// Output:
	// === GL-001 Capacity Planning Results ===
	// Configuration: 15 plants, 75 sub-agents
	//
	// Master Orchestrator:
	//   - Replicas: 11
	//   - CPU per replica: 6250m (~6.2 cores)
	//   - Memory per replica: 12548Mi (~12.2Gi)
	//
	// Database:
	//   - Connection Pool Size: 205
	//
	// Message Bus:
	//   - Workers: 4
	//
	// Recommended kubectl commands:
	// kubectl scale deployment gl-001-process-heat-orchestrator --replicas=11 -n greenlang
	// kubectl set resources deployment gl-001-process-heat-orchestrator -n greenlang \
	//   --limits=cpu=6250m,memory=12548Mi \
	//   --requests=cpu=3750m,memory=8783Mi
}

func TestWriteKustomizeNamesEveryBadName(t *testing.T) {
	p, err := capacity.Calculate(15, 75)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err = capacity.NewPlan(p, capacity.Target{Namespace: "Green", Deployment: "gl_001", Container: "", ConfigMap: "ok"}).WriteKustomize(&buf)
	if !errors.Is(err, capacity.ErrInput) {
		t.Fatalf("err %v, want ErrInput", err)
	}
	for _, w := range []string{`namespace "Green"`, `deployment "gl_001"`, `container ""`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "configmap") {
		t.Errorf("error %q names the good configmap", err)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %q before failing", buf.String())
	}
}
