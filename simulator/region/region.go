// Package region is the GL-001 scaling guide's multi-region layout
// ("Multi-Region Deployment"): the fleet's plants split between regions,
// plants 1–5 in US-East, 6–10 in EU-West and 11–15 in APAC for the
// guide's 15, each region with the network round trip between it and the
// orchestrator's front door and bus.
//
// A Layout comes from the --regions flag (Parse: names, each with an
// optional round trip, the plants split in equal blocks in order) or from
// a JSON file (Decode), and is checked against the fleet's plants
// (Validate): every plant in exactly one region. The load side tags every
// sample with its plant's region and sends the name on the wire
// (api.HeaderRegion on HTTP requests, a Kafka header of the same name on
// coordination events); the stand-in adds the region's round trip to the
// front door and to the bus. A real target is already at its distance, so
// there the round trips are only recorded.
package region

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrLayout is wrapped by every error about a layout the user wrote.
var ErrLayout = errors.New("invalid regions")

// MaxRoundTrip bounds a region's round trip: more than the far side of
// the planet, so a larger value is a mistake (a unit missing).
const MaxRoundTrip = 5 * time.Second

// MaxFileBytes is the largest regions file Load reads.
const MaxFileBytes = 1 << 20

// Region is one region of the layout: its name, the plants it holds
// (1-based, in the fleet's order: plant 1 is plant-01) and its round trip
// to the orchestrator.
type Region struct {
	Name string `json:"name"`
	// Plants are "FIRST-LAST" (or one plant, "7"), 1-based and inclusive,
	// as the guide writes "Plants 11-15".
	Plants string `json:"plants"`
	// RoundTripMS is the network round trip between the region and the
	// orchestrator's front door and bus, in milliseconds, from 0 to
	// MaxRoundTrip. The stand-in adds it; a real target is already there.
	RoundTripMS float64 `json:"round_trip_ms"`
}

// RoundTrip is RoundTripMS as a duration.
func (r Region) RoundTrip() time.Duration {
	return time.Duration(r.RoundTripMS * float64(time.Millisecond))
}

// Span returns the region's first and last plant, 1-based; 0, 0 when
// Plants does not parse (Validate reports it).
func (r Region) Span() (first, last int) {
	first, last, err := parseRange(r.Plants)
	if err != nil {
		return 0, 0
	}
	return first, last
}

// Count is the number of the region's plants; 0 when Plants does not
// parse.
func (r Region) Count() int {
	first, last := r.Span()
	if first == 0 {
		return 0
	}
	return last - first + 1
}

// Layout is the regions in order. The zero Layout is no regions: every
// sample untagged, no round trips added.
type Layout []Region

// DefaultRoundTrips are the round trips of the guide's region names when
// the flag gives none: US-East holds the primary master, so its plants are
// in the orchestrator's region; EU-West and APAC are typical round trips
// between cloud regions from US-East (about 70 ms across the Atlantic,
// about 210 ms to South-East Asia).
var DefaultRoundTrips = map[string]time.Duration{
	"us-east": 0,
	"eu-west": 70 * time.Millisecond,
	"apac":    210 * time.Millisecond,
}

// GuideNames are the guide's three regions, in its order.
var GuideNames = []string{"us-east", "eu-west", "apac"}

// Parse reads the --regions flag for a fleet of plants: a comma-separated
// list of region names, each optionally with its round trip as
// name=DURATION ("eu-west=70ms", "mars=1.2s"; a bare number is
// milliseconds). Names without a round trip take DefaultRoundTrips. The
// plants are split in order into blocks as equal as can be, the first
// regions taking one more when they do not divide: us-east,eu-west,apac
// over 15 plants is the guide's 1-5, 6-10 and 11-15. A value that names a
// file (it contains a path separator, or ends in .json, or is a file that
// exists) is read with Load instead, and one that starts with "{" is a
// regions file's JSON itself. flag names the flag in errors.
func Parse(value string, plants int, flag string) (Layout, error) {
	if strings.HasPrefix(strings.TrimSpace(value), "{") {
		return Decode([]byte(value), flag, plants)
	}
	if looksLikeFile(value) {
		return Load(value, plants)
	}
	var l Layout
	var errs []error
	for i, item := range strings.Split(value, ",") {
		name, rtt, hasRTT := strings.Cut(strings.TrimSpace(item), "=")
		r := Region{Name: name}
		if err := checkName(name); err != nil {
			errs = append(errs, fmt.Errorf("%w: %s: region %d (%q): %v", ErrLayout, flag, i+1, name, err))
			continue
		}
		switch d, ok := DefaultRoundTrips[name]; {
		case hasRTT:
			ms, err := parseMS(rtt)
			if err != nil {
				errs = append(errs, fmt.Errorf("%w: %s: region %d (%q): round trip %q: %v", ErrLayout, flag, i+1, name, rtt, err))
				continue
			}
			r.RoundTripMS = ms
		case ok:
			r.RoundTripMS = float64(d) / float64(time.Millisecond)
		default:
			errs = append(errs, fmt.Errorf("%w: %s: region %q has no default round trip (only %s have: %s); write it as %s=DURATION, e.g. %s=120ms",
				ErrLayout, flag, name, strings.Join(GuideNames, ", "), defaultsText(), name, name))
			continue
		}
		l = append(l, r)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if plants >= 1 && len(l) > plants {
		return nil, fmt.Errorf("%w: %s: %d regions for %d plants; want at most one region per plant", ErrLayout, flag, len(l), plants)
	}
	if plants >= 1 {
		first := 1
		for i := range l {
			n := plants / len(l)
			if i < plants%len(l) {
				n++
			}
			l[i].Plants = plantRange(first, first+n-1)
			first += n
		}
	}
	if err := l.validate(plants, flag); err != nil {
		return nil, err
	}
	return l, nil
}

// looksLikeFile says whether a --regions value names a file.
func looksLikeFile(v string) bool {
	if strings.ContainsRune(v, os.PathSeparator) || strings.HasSuffix(v, ".json") {
		return true
	}
	st, err := os.Stat(v)
	return err == nil && st.Mode().IsRegular()
}

// parseMS reads a round trip: a Go duration, or a bare number of
// milliseconds.
func parseMS(s string) (float64, error) {
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		return v, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, errors.New("want a duration such as 70ms or 0.2s, or a number of milliseconds")
	}
	return float64(d) / float64(time.Millisecond), nil
}

func defaultsText() string {
	parts := make([]string, len(GuideNames))
	for i, n := range GuideNames {
		parts[i] = n + " " + DefaultRoundTrips[n].String()
	}
	return strings.Join(parts, ", ")
}

func plantRange(first, last int) string {
	if first == last {
		return strconv.Itoa(first)
	}
	return strconv.Itoa(first) + "-" + strconv.Itoa(last)
}

// file is a regions file: {"regions": [Region, …]}.
type file struct {
	Regions Layout `json:"regions"`
}

// JSON is l as a regions file (and an inline --regions value) holds it.
func (l Layout) JSON() string {
	b, _ := json.Marshal(file{Regions: l}) // strings and numbers; cannot fail
	return string(b)
}

// Load reads a regions file and validates it for a fleet of plants:
//
//	{"regions": [
//	  {"name": "us-east", "plants": "1-5",   "round_trip_ms": 0},
//	  {"name": "eu-west", "plants": "6-10",  "round_trip_ms": 70},
//	  {"name": "apac",    "plants": "11-15", "round_trip_ms": 210}
//	]}
//
// Unknown fields are errors; every error names the file.
func Load(path string, plants int) (Layout, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w: --regions %s: %w", ErrLayout, path, err)
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxFileBytes+1)); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrLayout, path, err)
	}
	if buf.Len() > MaxFileBytes {
		return nil, fmt.Errorf("%w: %s: larger than %d bytes; a regions file is a few hundred", ErrLayout, path, MaxFileBytes)
	}
	return Decode(buf.Bytes(), path, plants)
}

// Decode reads a regions file's bytes (see Load); name starts its errors.
func Decode(data []byte, name string, plants int) (Layout, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %s: %v; want {\"regions\": [{\"name\": \"us-east\", \"plants\": \"1-5\", \"round_trip_ms\": 0}, …]}", ErrLayout, name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: %s: data after the JSON object", ErrLayout, name)
	}
	if f.Regions == nil {
		return nil, fmt.Errorf("%w: %s: no \"regions\" list; want {\"regions\": [{\"name\": \"us-east\", \"plants\": \"1-5\", \"round_trip_ms\": 0}, …]}", ErrLayout, name)
	}
	if err := f.Regions.validate(plants, name+": regions"); err != nil {
		return nil, err
	}
	return f.Regions, nil
}

// Validate checks l for a fleet of plants:
// names of [a-z0-9_.-], at most 40 bytes, each once; ranges within 1 to
// plants, every plant in exactly one region; round trips from 0 to
// MaxRoundTrip. path names the layout in errors ("regions" in a
// scenario). Every problem is reported at once. A nil Layout is valid.
func (l Layout) Validate(plants int, path string) error { return l.validate(plants, path) }

func (l Layout) validate(plants int, path string) error {
	if l == nil {
		return nil
	}
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrLayout}, a...)...))
	}
	if len(l) == 0 {
		bad("%s: an empty list; want at least one region, or leave regions out", path)
	}
	seen := map[string]int{}
	owner := make([]int, plants+1) // 1-based; 0: no region
	for i := range l {
		r := &l[i]
		at := fmt.Sprintf("%s[%d]", path, i)
		if err := checkName(r.Name); err != nil {
			bad("%s.name %q: %v", at, r.Name, err)
		} else if j, dup := seen[r.Name]; dup {
			bad("%s.name %q: also %s[%d]; want each region once", at, r.Name, path, j)
		} else {
			seen[r.Name] = i
		}
		if !(r.RoundTripMS >= 0) || r.RoundTrip() > MaxRoundTrip {
			bad("%s.round_trip_ms (%v): want from 0 to %d", at, r.RoundTripMS, MaxRoundTrip.Milliseconds())
		}
		first, last, err := parseRange(r.Plants)
		if err != nil {
			bad("%s.plants %q: %v", at, r.Plants, err)
			continue
		}
		if last > plants {
			bad("%s.plants %q: the fleet has plants 1 to %d", at, r.Plants, plants)
			continue
		}
		for p := first; p <= last; p++ {
			if o := owner[p]; o != 0 {
				bad("%s.plants %q: plant %d is also in %s[%d] (%q); want each plant in one region", at, r.Plants, p, path, o-1, l[o-1].Name)
				break
			}
			owner[p] = i + 1
		}
	}
	if len(errs) == 0 {
		var missing []string
		for p := 1; p <= plants; p++ {
			if owner[p] == 0 {
				missing = append(missing, strconv.Itoa(p))
			}
		}
		if len(missing) > 0 {
			bad("%s: plants %s are in no region; want every plant of the %d in one", path, strings.Join(missing, ", "), plants)
		}
	}
	return errors.Join(errs...)
}

func checkName(n string) error {
	if n == "" {
		return errors.New("empty; want a name such as us-east")
	}
	if len(n) > 40 {
		return errors.New("longer than 40 bytes")
	}
	for _, c := range []byte(n) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("%q is not allowed; want lower-case letters, digits, '-', '_' and '.'", c)
		}
	}
	return nil
}

func parseRange(s string) (first, last int, err error) {
	a, b, isRange := strings.Cut(strings.TrimSpace(s), "-")
	first, err1 := strconv.Atoi(strings.TrimSpace(a))
	last = first
	var err2 error
	if isRange {
		last, err2 = strconv.Atoi(strings.TrimSpace(b))
	}
	switch {
	case err1 != nil || err2 != nil:
		return 0, 0, errors.New(`want FIRST-LAST, e.g. "11-15", or one plant, e.g. "7"`)
	case first < 1:
		return 0, 0, errors.New("plants are numbered from 1")
	case last < first:
		return 0, 0, fmt.Errorf("ends (%d) before it starts (%d)", last, first)
	}
	return first, last, nil
}

// Names are the regions' names in order.
func (l Layout) Names() []string {
	names := make([]string, len(l))
	for i, r := range l {
		names[i] = r.Name
	}
	return names
}

// Lookup returns the region called name.
func (l Layout) Lookup(name string) (Region, bool) {
	i := slices.IndexFunc(l, func(r Region) bool { return r.Name == name })
	if i < 0 {
		return Region{}, false
	}
	return l[i], true
}

// Of returns the region of plant index p (0-based, as fleet.RequestFor
// takes it); "" when no region holds it.
func (l Layout) Of(p int) string {
	for _, r := range l {
		if first, last := r.Span(); p+1 >= first && p+1 <= last {
			return r.Name
		}
	}
	return ""
}

// Indices returns the 0-based plant indices of region r that are also in
// among (all plants when among is nil), in order.
func (r Region) Indices(among []int) []int {
	var out []int
	first, last := r.Span()
	for p := first - 1; p >= 0 && p < last; p++ {
		if among == nil || slices.Contains(among, p) {
			out = append(out, p)
		}
	}
	return out
}

// RoundTrips maps each region's name to its round trip, as the stand-in
// reads it; nil for no regions.
func (l Layout) RoundTrips() map[string]time.Duration {
	if l == nil {
		return nil
	}
	m := make(map[string]time.Duration, len(l))
	for _, r := range l {
		m[r.Name] = r.RoundTrip()
	}
	return m
}

// String is the layout as --regions would give it, with plants:
// "us-east 1-5 (0s), eu-west 6-10 (70ms), apac 11-15 (210ms)".
func (l Layout) String() string {
	parts := make([]string, len(l))
	for i, r := range l {
		parts[i] = fmt.Sprintf("%s %s (%s)", r.Name, r.Plants, r.RoundTrip())
	}
	return strings.Join(parts, ", ")
}
