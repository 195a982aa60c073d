package procfs

import (
	"os"
	"testing"
)

func TestParseStat(t *testing.T) {
	// A real line with a command name holding a space and a parenthesis.
	line := "4242 (gl001 (x)) S 1 4242 4242 0 -1 4194560 2573 0 0 0 250 75 0 0 20 0 9 0 123456 1234567 3000 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0"
	u, err := parseStat(line, 4096)
	if err != nil {
		t.Fatal(err)
	}
	if u.CPUSeconds != 3.25 || u.RSSBytes != 3000*4096 {
		t.Errorf("got %+v, want 3.25 s and %d bytes", u, 3000*4096)
	}
	for _, bad := range []string{"", "1 (x) S 1 2", "1 (x) S 1 2 3 4 5 6 7 8 9 10 ten 12 13 14 15 16 17 18 19 20 21 22"} {
		if _, err := parseStat(bad, 4096); err == nil {
			t.Errorf("parseStat(%q) did not fail", bad)
		}
	}
}

func TestReadSelf(t *testing.T) {
	u, err := Read(0)
	if err == ErrUnsupported {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	same, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if u.RSSBytes <= 0 || same.RSSBytes <= 0 || same.CPUSeconds < u.CPUSeconds {
		t.Errorf("self %+v, by pid %+v", u, same)
	}
}

func TestParseIdentity(t *testing.T) {
	line := "4242 (gl001 (x)) Z 1 4242 4242 0 -1 4194560 2573 0 0 0 250 75 0 0 20 0 9 0 123456 1234567 3000 18446744073709551615"
	id, err := parseIdentity(line)
	if err != nil {
		t.Fatal(err)
	}
	if id.State != "Z" || id.StartTicks != 123456 || !id.Gone() {
		t.Errorf("got %+v, want a zombie started at tick 123456", id)
	}
	if _, err := parseIdentity("1 (x) S 1 2"); err == nil {
		t.Error("a short stat did not fail")
	}
	self, err := ReadIdentity(0)
	if err == nil && (self.Gone() || self.StartTicks == 0) {
		t.Errorf("this process reads as %+v", self)
	}
}

// A process that has begun to exit may still be R or D in /proc/PID/stat
// while its memory is already released (RSS 0): the kernel's PF_EXITING
// flag says so, and Gone says so, and a sampler counts it as gone rather than reading 0 MiB.
func TestParseIdentityExiting(t *testing.T) {
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
			id, err := parseIdentity(tc.stat)
			if err != nil || id.Gone() != tc.gone || id.StartTicks != 81234 {
				t.Errorf("%+v gone %v, err %v; want gone %v start 81234", id, id.Gone(), err, tc.gone)
			}
		})
	}
	if _, err := parseIdentity("4242 (short) S 1"); err == nil {
		t.Error("malformed stat: no error")
	}
}
