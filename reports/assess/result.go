package assess

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/greenlang/gl001/reports/decision"
	"github.com/greenlang/gl001/reports/triggers"
)

// Result is an assessment: every metric placed in the guide's bands, the
// worst band reached, and where the guide's decision tree leads.
type Result struct {
	// Findings holds one finding per metric of the triggers table, in the
	// guide's order.
	Findings []triggers.Finding `json:"findings"`
	// Worst is the most severe level among Findings.
	Worst triggers.Level `json:"worst"`
	// Diagnosis is the decision tree's advice, in the guide's order; empty
	// when no branch is reached.
	Diagnosis []decision.Diagnosis `json:"diagnosis"`
}

// Assess evaluates in against the guide's triggers table and decision tree.
// It expects in to be valid (Decode validates); it does not fail.
func Assess(in Input) Result {
	fs := triggers.Evaluate(in.Observation)
	return Result{
		Findings:  fs,
		Worst:     triggers.Worst(fs),
		Diagnosis: decision.Diagnose(in.Observation, in.Context),
	}
}

// Critical reports whether any metric reached the guide's critical band,
// which `gl001 assess` turns into exit status 1.
func (r Result) Critical() bool {
	return r.Worst == triggers.Critical
}

// MarshalJSON writes empty Findings and Diagnosis as [] rather than null,
// so consumers can always iterate them. It does not escape the guide's "<"
// and ">" itself; an encoder that escapes HTML (as json.Marshal does) still
// will.
func (r Result) MarshalJSON() ([]byte, error) {
	type plain Result // without this method
	p := plain(r)
	if p.Findings == nil {
		p.Findings = []triggers.Finding{}
	}
	if p.Diagnosis == nil {
		p.Diagnosis = []decision.Diagnosis{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// WriteJSON writes r to w as indented JSON followed by a newline, with the
// keys findings, worst and diagnosis.
func (r Result) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}
