package sampler

import "testing"

// A process that has begun to exit may still be R or D in /proc/PID/stat
// while its memory is already released (RSS 0): the kernel's PF_EXITING
// flag says so, and the sampler counts it as gone rather than reading 0 MiB.
func TestParseIdentity(t *testing.T) {
	// /proc/PID/stat of a live Go process, and the same with flags
	// (field 9) 0x404144 | PF_EXITING and RSS 0.
	const live = "4242 (orchestrator) S 1 4242 4242 0 -1 4194560 1200 0 0 0 150 30 0 0 20 0 9 0 81234 1273036800 19800 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0"
	const exiting = "4242 (orchestrator) R 1 4242 4242 0 -1 4194564 1200 0 0 0 150 30 0 0 20 0 9 0 81234 0 0 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0"
	for _, tc := range []struct {
		name, stat string
		gone       bool
	}{
		{"live", live, false},
		{"exiting", exiting, true},
		{"zombie", "4242 (orchestrator) Z 1 4242 4242 0 -1 4227084 1200 0 0 0 150 30 0 0 20 0 1 0 81234 0 0 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0", true},
		{"name with ') S ('", "4242 (a) S (b) S 1 4242 4242 0 -1 4194560 1200 0 0 0 150 30 0 0 20 0 9 0 81234 1273036800 19800 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gone, start, err := parseIdentity(tc.stat)
			if err != nil || gone != tc.gone || start != 81234 {
				t.Errorf("gone %v start %d err %v, want gone %v start 81234", gone, start, err, tc.gone)
			}
		})
	}
	if _, _, err := parseIdentity("4242 (short) S 1"); err == nil {
		t.Error("malformed stat: no error")
	}
}
