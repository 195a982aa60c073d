package report

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// round rounds v to decimals places. The report rounds every observed
// value to the precision it shows before judging it, so the value a reader
// sees is the value that was placed in a band.
func round(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	r := math.Round(v*p) / p
	if r == 0 {
		return 0 // no -0
	}
	return r
}

// num writes v rounded to at most decimals places, without trailing zeros,
// with thousands separators: 2100 → "2,100", 66.44 → "66.4".
func num(v float64, decimals int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	s := strconv.FormatFloat(round(v, decimals), 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// inum writes a whole number with thousands separators.
func inum[T ~int | ~int32 | ~int64](v T) string { return num(float64(v), 0) }

// pct writes a percentage with one decimal at most: "66.4%".
func pct(v float64) string { return num(v, 1) + "%" }

// millicores writes CPU: "2,100m".
func millicores(v float64) string { return num(v, 0) + "m" }

// mebibytes writes memory: "4,096 Mi".
func mebibytes(v float64) string { return num(v, 0) + " Mi" }

// seconds writes a duration in seconds for people: "2m0s", "95.5s".
func seconds(s float64) string {
	d := time.Duration(math.Round(s*10)) * 100 * time.Millisecond
	return d.String()
}

// plural writes n and the noun, with an "s" unless n is 1.
func plural[T ~int | ~int32 | ~int64](n T, noun string) string {
	if n == 1 {
		return inum(n) + " " + noun
	}
	return inum(n) + " " + noun + "s"
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// joinAnd joins items as prose: "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}
