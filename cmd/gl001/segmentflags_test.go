package main

import "testing"

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
