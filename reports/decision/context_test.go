package decision_test

import (
	"strings"
	"testing"

	"github.com/greenlang/gl001/reports/decision"
)

func ptr[T any](v T) *T { return &v }

func TestContextValidate(t *testing.T) {
	tests := []struct {
		name string
		ctx  decision.Context
		want []string // every line of the error; nil for valid
	}{
		{"empty is valid", decision.Context{}, nil},
		{"all set and valid", decision.Context{
			RecentDeployment: ptr(true), CPUTrend: ptr("flat"), MemoryTrend: ptr("spiky"),
			NetworkIssues: ptr(false), SubagentsFailing: ptr(false), PlantsToAdd: ptr(0),
		}, nil},
		{"unknown cpu trend", decision.Context{CPUTrend: ptr("up")},
			[]string{`cpu_trend: "up" is not one of gradual, sudden, flat`}},
		{"cpu trend is case sensitive", decision.Context{CPUTrend: ptr("Gradual")},
			[]string{`cpu_trend: "Gradual" is not one of gradual, sudden, flat`}},
		{"unknown memory trend", decision.Context{MemoryTrend: ptr("leaking")},
			[]string{`memory_trend: "leaking" is not one of growing, stable, spiky`}},
		{"negative plants to add", decision.Context{PlantsToAdd: ptr(-2)},
			[]string{`plants_to_add (-2) must be ≥ 0`}},
		{"every problem at once", decision.Context{CPUTrend: ptr(""), MemoryTrend: ptr("x"), PlantsToAdd: ptr(-1)},
			[]string{
				`cpu_trend: "" is not one of gradual, sudden, flat`,
				`memory_trend: "x" is not one of growing, stable, spiky`,
				`plants_to_add (-1) must be ≥ 0`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.ctx.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want %q", tt.want)
			}
			if got := strings.Split(err.Error(), "\n"); strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("Validate() =\n%s\nwant\n%s", err, strings.Join(tt.want, "\n"))
			}
		})
	}
}
