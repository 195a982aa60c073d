package dispatch

import (
	"errors"
	"fmt"
	"math"
)

// Limits on a Problem's magnitudes. Nothing real comes near them; past
// them the LP's absolute tolerances (1e-9) stop meaning anything.
const (
	// MaxMW bounds every capacity, minimum output and demand, MW.
	MaxMW = 1e6
	// MaxHeatCostPerMWh bounds a source's HeatCostPerMWh at the problem's
	// carbon price, per MWh of heat.
	MaxHeatCostPerMWh = 1e6
)

// ErrInvalid is what every error of Validate matches with errors.Is: the
// problem itself is wrong, not the solver.
var ErrInvalid = errors.New("invalid dispatch problem")

// FieldError is one thing wrong with a Problem: which source or unit (by ID,
// or by index when the ID is empty), which field, and what rule it breaks.
// It matches ErrInvalid.
type FieldError struct {
	Kind    string // "source", "unit" or "problem"
	ID      string // the source's or unit's ID; empty for Kind "problem"
	Index   int    // position in Problem.Sources or Problem.Units
	Field   string // Go field name, e.g. "MinOutputMW"
	Problem string // what is wrong and what would be right
}

// Error reads like `source "plant-03/boiler-2": MinOutputMW (12) exceeds
// CapacityMW (10)`.
func (e *FieldError) Error() string {
	switch {
	case e.Kind == "problem":
		return fmt.Sprintf("%s %s", e.Field, e.Problem)
	case e.ID == "":
		return fmt.Sprintf("%s #%d: %s %s", e.Kind, e.Index, e.Field, e.Problem)
	default:
		return fmt.Sprintf("%s %q: %s %s", e.Kind, e.ID, e.Field, e.Problem)
	}
}

// Is reports whether target is ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Validate returns every problem with p at once, joined with errors.Join,
// each a *FieldError naming the source or unit and the field: an empty or
// duplicate ID; a capacity, minimum output, fuel cost, emission factor or
// demand that is negative or not finite; a capacity, minimum output or
// demand above MaxMW; MinOutputMW above CapacityMW; Efficiency outside
// (0, 1]; a heat cost above MaxHeatCostPerMWh; a negative or non-finite
// carbon price. A unit
// whose plant has no source is not an error: it is dispatched as unserved.
// Validate does not modify p.
func (p Problem) Validate() error {
	var errs []error
	add := func(kind, id string, i int, field, format string, args ...any) {
		errs = append(errs, &FieldError{Kind: kind, ID: id, Index: i, Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	nonNegative := func(kind, id string, i int, field string, v float64) bool {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			add(kind, id, i, field, "(%g) must be a finite number ≥ 0", v)
			return false
		}
		return true
	}
	power := func(kind, id string, i int, field string, v float64) bool {
		if !nonNegative(kind, id, i, field, v) {
			return false
		}
		if v > MaxMW {
			add(kind, id, i, field, "(%g) exceeds %g MW", v, float64(MaxMW))
			return false
		}
		return true
	}

	carbonOK := nonNegative("problem", "", 0, "CarbonCostPerTonne", p.CarbonCostPerTonne)

	seen := make(map[string]int, len(p.Sources))
	for i, s := range p.Sources {
		if s.ID == "" {
			add("source", "", i, "ID", "is empty")
		} else if first, dup := seen[s.ID]; dup {
			add("source", s.ID, i, "ID", "is duplicated (sources #%d and #%d)", first, i)
		} else {
			seen[s.ID] = i
		}
		capOK := power("source", s.ID, i, "CapacityMW", s.CapacityMW)
		minOK := power("source", s.ID, i, "MinOutputMW", s.MinOutputMW)
		if capOK && minOK && s.MinOutputMW > s.CapacityMW {
			add("source", s.ID, i, "MinOutputMW", "(%g) exceeds CapacityMW (%g)", s.MinOutputMW, s.CapacityMW)
		}
		effOK := s.Efficiency > 0 && s.Efficiency <= 1
		if !effOK {
			add("source", s.ID, i, "Efficiency", "(%g) must be in (0, 1]", s.Efficiency)
		}
		fuelOK := nonNegative("source", s.ID, i, "FuelCostPerMWh", s.FuelCostPerMWh)
		emOK := nonNegative("source", s.ID, i, "EmissionFactorKgPerMWh", s.EmissionFactorKgPerMWh)
		if carbonOK && effOK && fuelOK && emOK {
			if c := s.HeatCostPerMWh(p.CarbonCostPerTonne); !(c <= MaxHeatCostPerMWh) {
				add("source", s.ID, i, "HeatCostPerMWh", "(%g) exceeds %g: FuelCostPerMWh, EmissionFactorKgPerMWh, CarbonCostPerTonne or Efficiency is out of range",
					c, float64(MaxHeatCostPerMWh))
			}
		}
	}

	clear(seen)
	for i, u := range p.Units {
		if u.ID == "" {
			add("unit", "", i, "ID", "is empty")
		} else if first, dup := seen[u.ID]; dup {
			add("unit", u.ID, i, "ID", "is duplicated (units #%d and #%d)", first, i)
		} else {
			seen[u.ID] = i
		}
		power("unit", u.ID, i, "DemandMW", u.DemandMW)
	}
	return errors.Join(errs...)
}
