// Package k6duration reads and writes k6's duration values: Go duration
// syntax with k6's leading whole days ("1d12h"), or a number of
// milliseconds. The executors' configs and the thresholds' delayAbortEval
// both use it.
package k6duration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Duration is a time.Duration that reads and writes k6 duration values in
// JSON. It decodes a string such as "30s", "1m30s", "500ms" or "1d2h" (Go
// duration syntax plus k6's leading whole days), a string holding only a
// number ("1500") or a JSON number (1500, 1.5), the last two being
// milliseconds as k6 reads them. It encodes as the Go duration string
// ("1m30s"), which k6 reads back to the same value.
type Duration time.Duration

// durationHint is what every duration error says a valid value looks like.
const durationHint = `want e.g. "30s", "1m30s", "500ms", "1d2h" or a number of milliseconds`

// Parse parses a k6 duration string: a number alone is milliseconds
// (fractions allowed, "1.5" is 1.5ms, truncated to the nanosecond as k6
// does); otherwise an optional whole number of days ending in "d" may lead
// ("2d", "1d12h", "-1d2h" meaning minus 1 day 2 hours) and the rest is Go's
// time.ParseDuration syntax. Values beyond ±292 years are rejected.
func Parse(s string) (Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return fromMillis(f, s)
	}
	dPos := strings.IndexByte(s, 'd')
	if dPos < 0 {
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: %s", s, durationHint)
		}
		return Duration(d), nil
	}
	days, err := strconv.ParseInt(s[:dPos], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: days must be a whole number before \"d\": %s", s, durationHint)
	}
	var rest time.Duration
	if dPos+1 < len(s) {
		rest, err = time.ParseDuration(s[dPos+1:])
		if err != nil || rest < 0 {
			return 0, fmt.Errorf("invalid duration %q: %s", s, durationHint)
		}
	}
	const day = 24 * time.Hour
	if days > math.MaxInt64/int64(day) || days < math.MinInt64/int64(day) {
		return 0, fmt.Errorf("invalid duration %q: out of range (±292 years)", s)
	}
	whole := time.Duration(days) * day
	// A leading "-" negates the whole value, so "-1d2h" is -(1d + 2h); a
	// "-0d2h" has no negative day count, so look at the text itself.
	if strings.HasPrefix(s, "-") {
		if whole < math.MinInt64+rest {
			return 0, fmt.Errorf("invalid duration %q: out of range (±292 years)", s)
		}
		return Duration(whole - rest), nil
	}
	if whole > math.MaxInt64-rest {
		return 0, fmt.Errorf("invalid duration %q: out of range (±292 years)", s)
	}
	return Duration(whole + rest), nil
}

// fromMillis converts a millisecond count, rejecting NaN, infinities and
// values that do not fit in a time.Duration.
func fromMillis(ms float64, text string) (Duration, error) {
	ns := ms * float64(time.Millisecond)
	// float64(math.MaxInt64) rounds up to 2^63, which itself does not fit.
	if math.IsNaN(ns) || ns >= float64(math.MaxInt64) || ns < float64(math.MinInt64) {
		return 0, fmt.Errorf("invalid duration %q: out of range (±292 years) or not a number", text)
	}
	return Duration(ns), nil
}

// String returns the Go duration form, e.g. "1m30s".
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes d as a JSON string in Go duration form ("1m30s").
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(d.String())
}

// UnmarshalJSON reads a k6 duration: a string (see Parse) or a
// number of milliseconds. JSON null leaves d unchanged, so a default set
// before decoding survives.
func (d *Duration) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	switch {
	case bytes.Equal(data, []byte("null")):
		return nil
	case len(data) > 0 && data[0] == '"':
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		v, err := Parse(s)
		if err != nil {
			return err
		}
		*d = v
		return nil
	default:
		f, err := strconv.ParseFloat(string(data), 64)
		if err != nil {
			return fmt.Errorf("invalid duration %s: %s", data, durationHint)
		}
		v, err := fromMillis(f, string(data))
		if err != nil {
			return err
		}
		*d = v
		return nil
	}
}
