package scenarios

import (
	"testing"
	"time"
)

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{-time.Second, "0s"},
		{500 * time.Millisecond, "500ms"},
		{1499 * time.Microsecond, "1ms"},
		{30 * time.Second, "30s"},
		{270 * time.Second, "4m30s"},
		{25 * time.Minute, "25m"},
		{time.Hour, "1h"},
		{90 * time.Minute, "1h30m"},
		{time.Hour + 500*time.Millisecond, "1h0.5s"},
		{120500 * time.Millisecond, "2m0.5s"},
		{7 * 24 * time.Hour, "168h"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.d); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

// FuzzFormatDuration checks that time.ParseDuration (and so k6) reads
// every stage duration back as the millisecond it was rounded to.
func FuzzFormatDuration(f *testing.F) {
	for _, ms := range []int64{0, 1, 999, 1000, 1001, 59_999, 60_000, 90_500, 3_600_000, 3_600_001, 604_800_000} {
		f.Add(ms)
	}
	f.Fuzz(func(t *testing.T, ms int64) {
		if ms < 0 || ms > 1<<40 {
			return
		}
		d := time.Duration(ms) * time.Millisecond
		s := formatDuration(d)
		back, err := time.ParseDuration(s)
		if err != nil || back != d {
			t.Fatalf("formatDuration(%v) = %q, read back as %v (%v)", d, s, back, err)
		}
	})
}

func TestRateUnit(t *testing.T) {
	tests := []struct {
		k      rateKind
		rate   float64
		units  int
		target int64
		ok     bool
	}{
		{coordinateRate, 50, 1, 50, true},
		{coordinateRate, 2.5, 2, 5, true},
		{coordinateRate, 1.0 / 3, 3, 1, true},
		{coordinateRate, 0.333333, 0, 0, false},
		{coordinateRate, 1.0 / 3600, 3600, 1, true},
		{coordinateRate, 1.0 / 3601, 0, 0, false},
		{coordinateRate, 10_000, 1, 10_000, true},
		{coordinateRate, 10_001, 0, 0, false},
		{optimizeRate, 100, 1, 100, true},
		{optimizeRate, 0.25, 4, 1, true},
		{optimizeRate, 0.01, 0, 0, false},
		{optimizeRate, 0, 0, 0, false},
	}
	for _, tt := range tests {
		u, n, ok := tt.k.unit(tt.rate)
		if u != tt.units || n != tt.target || ok != tt.ok {
			t.Errorf("%s %v: unit %d, target %d, ok %v; want %d, %d, %v", tt.k.field, tt.rate, u, n, ok, tt.units, tt.target, tt.ok)
		}
	}
}
