package client

import (
	"encoding/json"
	"os"
	"testing"
)

// readAnswer must read what encoding/json reads, for every object.
func checkAnswer(t *testing.T, data []byte) {
	t.Helper()
	var want struct {
		Replica            string `json:"replica"`
		PerformanceMetrics struct {
			SolveTimeMS float64 `json:"solve_time_ms"`
		} `json:"performance_metrics"`
	}
	werr := json.Unmarshal(data, &want)
	got, ok := readAnswer(data)
	if werr != nil {
		return // not an answer encoding/json reads; readAnswer may give up or not
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(data, &top) != nil {
		return // valid JSON but not an object: encoding/json ignores it too
	}
	if !ok || got.replica != want.Replica || got.solveTimeMS != want.PerformanceMetrics.SolveTimeMS {
		t.Fatalf("readAnswer(%q) = %+v, %v; encoding/json reads %+v", data, got, ok, want)
	}
}

func TestReadAnswer(t *testing.T) {
	real, err := os.ReadFile("testdata/answer.json")
	if err != nil {
		t.Fatal(err)
	}
	if a, ok := readAnswer(real); !ok || a.replica != "replica-0" || a.solveTimeMS <= 0 {
		t.Errorf("the recorded answer reads %+v, %v", a, ok)
	}
	for _, s := range []string{
		`{}`, ` { "replica" : "r-1" , "performance_metrics" : { "solve_time_ms" : 1.5e0 } } `,
		`{"x": {"replica": "nested"}, "replica": "top", "y": ["]", "}", "\"{"], "performance_metrics": {"solve_time_ms": 2}}`,
		`{"replica": "a\"b\\", "performance_metrics": null}`, `{"z": [[[{}]]], "replica": "e"}`,
	} {
		checkAnswer(t, []byte(s))
	}
	for _, bad := range []string{``, `[]`, `{"replica": }`, `{"replica": "x"`, `{"a": {"b": 1}`, `{"replica" "x"}`} {
		if a, ok := readAnswer([]byte(bad)); ok && (a.replica != "" || a.solveTimeMS != 0) {
			t.Errorf("readAnswer(%q) = %+v, true", bad, a)
		}
	}
}

func FuzzReadAnswer(f *testing.F) {
	f.Add([]byte(`{"replica": "r", "performance_metrics": {"solve_time_ms": 3}, "heat_distribution": {"a": [1, 2]}}`))
	f.Add([]byte(`{"s": "\\\"}", "replica": "q"}`))
	f.Fuzz(func(t *testing.T, data []byte) { checkAnswer(t, data) })
}
