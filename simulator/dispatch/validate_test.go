package dispatch_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/greenlang/gl001/simulator/dispatch"
)

func TestValidate(t *testing.T) {
	good := boiler("p/b", 10, 2, 30)
	tests := []struct {
		name string
		p    dispatch.Problem
		want []string // substrings, one per expected error; none means valid
	}{
		{name: "valid", p: dispatch.Problem{Sources: []dispatch.Source{good}, Units: []dispatch.Unit{unit("p/u", 5, false)}}},
		{name: "unit without a source in its plant is valid", p: dispatch.Problem{Units: []dispatch.Unit{unit("q/u", 5, false)}}},
		{name: "empty problem is valid"},
		{
			name: "negative capacity",
			p:    dispatch.Problem{Sources: []dispatch.Source{boiler("p/b", -1, 0, 30)}},
			want: []string{`source "p/b": CapacityMW (-1) must be a finite number ≥ 0`},
		},
		{
			name: "minimum above capacity",
			p:    dispatch.Problem{Sources: []dispatch.Source{boiler("p/b", 10, 12, 30)}},
			want: []string{`source "p/b": MinOutputMW (12) exceeds CapacityMW (10)`},
		},
		{
			name: "capacity beyond MaxMW",
			p:    dispatch.Problem{Sources: []dispatch.Source{boiler("p/b", 2e6, 0, 30)}},
			want: []string{`source "p/b": CapacityMW (2e+06) exceeds 1e+06 MW`},
		},
		{
			name: "efficiency zero",
			p:    dispatch.Problem{Sources: []dispatch.Source{withEfficiency(good, 0)}},
			want: []string{`source "p/b": Efficiency (0) must be in (0, 1]`},
		},
		{
			name: "efficiency above one",
			p:    dispatch.Problem{Sources: []dispatch.Source{withEfficiency(good, 1.2)}},
			want: []string{`Efficiency (1.2) must be in (0, 1]`},
		},
		{
			name: "efficiency NaN",
			p:    dispatch.Problem{Sources: []dispatch.Source{withEfficiency(good, math.NaN())}},
			want: []string{`Efficiency (NaN) must be in (0, 1]`},
		},
		{
			name: "heat cost out of range",
			p:    dispatch.Problem{Sources: []dispatch.Source{withEfficiency(boiler("p/b", 10, 0, 1e5), 0.01)}},
			want: []string{`source "p/b": HeatCostPerMWh (1e+07) exceeds 1e+06`},
		},
		{
			name: "negative demand",
			p:    dispatch.Problem{Units: []dispatch.Unit{unit("p/u", -3, false)}},
			want: []string{`unit "p/u": DemandMW (-3) must be a finite number ≥ 0`},
		},
		{
			name: "infinite demand",
			p:    dispatch.Problem{Units: []dispatch.Unit{unit("p/u", math.Inf(1), false)}},
			want: []string{`unit "p/u": DemandMW (+Inf) must be a finite number ≥ 0`},
		},
		{
			name: "negative carbon price",
			p:    dispatch.Problem{CarbonCostPerTonne: -5},
			want: []string{`CarbonCostPerTonne (-5) must be a finite number ≥ 0`},
		},
		{
			name: "empty and duplicate ids",
			p: dispatch.Problem{
				Sources: []dispatch.Source{good, good, boiler("", 1, 0, 1)},
				Units:   []dispatch.Unit{unit("p/u", 1, false), unit("", 1, false), unit("p/u", 1, false)},
			},
			want: []string{
				`source "p/b": ID is duplicated (sources #0 and #1)`,
				`source #2: ID is empty`,
				`unit #1: ID is empty`,
				`unit "p/u": ID is duplicated (units #0 and #2)`,
			},
		},
		{
			name: "every problem at once",
			p: dispatch.Problem{
				Sources: []dispatch.Source{boiler("p/a", -1, 0, 30), boiler("p/b", 10, 12, -4)},
				Units:   []dispatch.Unit{unit("p/u", -3, false)},
			},
			want: []string{
				`source "p/a": CapacityMW (-1)`,
				`source "p/b": MinOutputMW (12) exceeds CapacityMW (10)`,
				`source "p/b": FuelCostPerMWh (-4)`,
				`unit "p/u": DemandMW (-3)`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, dispatch.ErrInvalid) {
				t.Fatalf("Validate() = %v, want an error matching ErrInvalid", err)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("Validate() gave %d errors, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.Contains(lines[i], w) {
					t.Errorf("error %d = %q, want it to contain %q", i, lines[i], w)
				}
			}
			var fe *dispatch.FieldError
			if !errors.As(err, &fe) || fe.Field == "" {
				t.Errorf("errors.As(*FieldError) = %v, want a FieldError naming its field", fe)
			}
		})
	}
}

func withEfficiency(s dispatch.Source, eff float64) dispatch.Source {
	s.Efficiency = eff
	return s
}
