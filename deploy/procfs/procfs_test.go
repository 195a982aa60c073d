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
