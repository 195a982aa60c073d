package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad segments are exit 2, naming the flag, the value and what is right.
func TestRunSegmentBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--segment", "3/3"}, `--segment "3/3": want 0 ≤ i < n: shard indices are 0-based, so 3 shards are 0/3 … 2/3`},
		{[]string{"--segment", "0/0"}, `--segment "0/0": want 0 ≤ i < n with n ≥ 1 shards`},
		{[]string{"--segment", "a/b"}, `--segment "a/b": want i/n with whole numbers`},
		{[]string{"--segment", "0:1/2", "--segment-sequence", "0,1/3,2/3,1"}, "not a segment of the sequence 0,1/3,2/3,1"},
		{[]string{"--segment", "1/4:1/2", "--segment-sequence", "0,1/3,1"}, "not a segment of the sequence"},
		{[]string{"--segment", "0/3", "--sampler-shard", "3"}, "--sampler-shard 3: want a shard index from 0 to 2"},
		{[]string{"--run-id", "x"}, "--run-id applies to a shard: give --segment too"},
		{[]string{"--segment", "2/3"}, "--segment 2/3:1 of 3 shards owns none of the fleet's 2 plants"},
	} {
		args := append([]string{"run", "smoke_test.json", "--out", t.TempDir()}, tc.args...)
		gl001(t, "", false, args...).expect(t, 2, nil, []string{tc.want})
	}
}

// A shard streams its intervals on stdout, the same bytes as its
// intervals.ndjson, whose header records the shard; the summary goes to
// stderr then.
func TestRunShardIntervalsStdout(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a load test against replica processes")
	}
	dir := t.TempDir()
	sc := writeScenario(t, dir, strings.Replace(tiny, "%s", "", 1))
	out := filepath.Join(dir, "r")
	r := gl001(t, "", false, "run", sc, "--out", out, "--segment", "1/2", "--run-id", "job-7", "--intervals-stdout")
	r.expect(t, 0, nil, []string{"run complete"})
	b, err := os.ReadFile(filepath.Join(out, "intervals.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	if r.stdout != string(b) {
		t.Errorf("stdout (%d bytes) is not intervals.ndjson (%d bytes)", len(r.stdout), len(b))
	}
	for _, want := range []string{`"segment":"1/2:1"`, `"sequence":"0,1/2,1"`, `"run_id":"job-7"`, `"plants":["plant-02"]`, `"sampler":false`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the header lacks %s", want)
		}
	}
	if strings.Contains(r.stdout, `"samples"`) {
		t.Error("a shard that does not sample recorded samples")
	}
}
