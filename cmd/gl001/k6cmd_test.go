package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestK6Init(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "k6")
	gl001(t, "", false, "k6", "init", "smoke_test.json", out).
		expect(t, 0, []string{"Wrote " + out, "gl001 simulate --plants 2 --agents 10", "k6 run ", "gl001 report --k6 "}, nil)
	for _, name := range []string{"gl001.js", "script.js", "fleet.json", "options.json"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Error(err)
		}
	}

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr []string
	}{
		{name: "non-empty folder", args: []string{"k6", "init", "smoke_test.json", out}, code: exitBadInput,
			stderr: []string{`"` + out + `"`, "--force"}},
		{name: "non-empty folder with --force", args: []string{"k6", "init", "smoke_test.json", out, "--force"}, code: exitOK},
		{name: "no such scenario", args: []string{"k6", "init", "nope.json", filepath.Join(dir, "x")}, code: exitBadInput,
			stderr: []string{"nope.json", "shipped scenarios"}},
		{name: "invalid scenario", args: []string{"k6", "init", writeScenario(t, dir, `{"test_name": "x", "plants": 0}`), filepath.Join(dir, "y")},
			code: exitBadInput, stderr: []string{"scenario.json"}},
		{name: "one argument", args: []string{"k6", "init", "smoke_test.json"}, code: exitBadInput,
			stderr: []string{"takes exactly 2 argument"}},
		{name: "serve a folder init did not write", args: []string{"k6", "serve", filepath.Join(dir, "empty")}, code: exitBadInput,
			stderr: []string{`"` + filepath.Join(dir, "empty") + `"`, "not a gl001 k6 init folder", "gl001 k6 init SCENARIO"}},
		{name: "serve with no folder", args: []string{"k6", "serve"}, code: exitBadInput, stderr: []string{"takes exactly 1 argument"}},
		{name: "k6 alone", args: []string{"k6"}, code: exitBadInput, stderr: []string{"needs a subcommand: init or serve"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gl001(t, "", false, tt.args...).expect(t, tt.code, nil, tt.stderr)
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "y")); err == nil {
		t.Error("an invalid scenario wrote its folder")
	}
}
