package region_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/simulator/region"
)

func TestParseSplitsThePlantsAsTheGuide(t *testing.T) {
	l, err := region.Parse("us-east,eu-west,apac", 15, "--regions")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := l.String(), "us-east 1-5 (0s), eu-west 6-10 (70ms), apac 11-15 (210ms)"; got != want {
		t.Errorf("layout %q, want %q", got, want)
	}
	for p, want := range map[int]string{0: "us-east", 4: "us-east", 5: "eu-west", 9: "eu-west", 10: "apac", 14: "apac", 15: ""} {
		if got := l.Of(p); got != want {
			t.Errorf("Of(%d) = %q, want %q", p, got, want)
		}
	}
	if got := l[2].Indices(nil); len(got) != 5 || got[0] != 10 || got[4] != 14 {
		t.Errorf("apac indices %v, want 10..14", got)
	}
	if got := l[2].Indices([]int{0, 3, 11, 14}); len(got) != 2 || got[0] != 11 || got[1] != 14 {
		t.Errorf("apac indices among a shard's %v, want [11 14]", got)
	}
}

func TestParseUnevenAndExplicitRoundTrips(t *testing.T) {
	l, err := region.Parse("a=5ms,b=12,c=1.5s", 7, "--regions")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := l.String(), "a 1-3 (5ms), b 4-5 (12ms), c 6-7 (1.5s)"; got != want {
		t.Errorf("layout %q, want %q", got, want)
	}
	if rt := l.RoundTrips(); rt["c"] != 1500*time.Millisecond {
		t.Errorf("round trips %v", rt)
	}
}

func TestBadLayoutsNameWhatIsWrong(t *testing.T) {
	for _, c := range []struct {
		value  string
		plants int
		want   string
	}{
		{"us-east,mars", 15, `region "mars" has no default round trip`},
		{"us-east,eu-west=fast", 15, `round trip "fast"`},
		{"us-east,us-east", 15, `"us-east": also --regions[0]`},
		{"US-East", 15, `not allowed`},
		{"a=1,b=1,c=1", 2, "3 regions for 2 plants"},
		{"a=-1", 2, "round_trip_ms (-1)"},
		{"a=10s", 2, "want from 0 to 5000"},
		{"us-east,,apac", 15, "empty"},
	} {
		_, err := region.Parse(c.value, c.plants, "--regions")
		if err == nil || !errors.Is(err, region.ErrLayout) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q, %d) = %v, want an ErrLayout saying %q", c.value, c.plants, err, c.want)
		}
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("regions.json", `{"regions": [
	  {"name": "us-east", "plants": "1-5", "round_trip_ms": 0},
	  {"name": "eu-west", "plants": "6-10", "round_trip_ms": 80},
	  {"name": "apac", "plants": "11-15", "round_trip_ms": 230}]}`)
	l, err := region.Parse(good, 15, "--regions")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.String(); got != "us-east 1-5 (0s), eu-west 6-10 (80ms), apac 11-15 (230ms)" {
		t.Errorf("layout %q", got)
	}
	for _, c := range []struct{ body, want string }{
		{`{"regions": [{"name": "a", "plants": "1-5"}, {"name": "b", "plants": "5-15"}]}`, `plant 5 is also in`},
		{`{"regions": [{"name": "a", "plants": "1-5"}, {"name": "b", "plants": "7-15"}]}`, `plants 6 are in no region`},
		{`{"regions": [{"name": "a", "plants": "1-16"}]}`, `the fleet has plants 1 to 15`},
		{`{"regions": [{"name": "a", "plants": "5-1"}]}`, `ends (1) before it starts (5)`},
		{`{"regions": [{"name": "a", "plants": "x"}]}`, `want FIRST-LAST`},
		{`{"regions": [{"name": "a", "plants": "1-15", "rtt": 3}]}`, `unknown field "rtt"`},
		{`{"regions": []}`, `an empty list`},
		{`{}`, `no "regions" list`},
	} {
		p := write("bad.json", c.body)
		_, err := region.Parse(p, 15, "--regions")
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want an error naming the file and saying %q", c.body, err, c.want)
		}
	}
	if _, err := region.Parse(filepath.Join(dir, "missing.json"), 15, "--regions"); err == nil || !strings.Contains(err.Error(), "missing.json") {
		t.Errorf("missing file: %v", err)
	}
}
