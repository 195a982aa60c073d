package thresholds

import (
	"fmt"
	"strings"
)

// MetricKey is a key of a thresholds map: a metric's name, optionally
// narrowed to a submetric by tag filters, k6's
//
//	key    = name [ "{" filter { "," filter } "}" ] .
//	filter = tag ":" value .
//
// A filter splits at its first ':', so "group_duration{group:::batch}"
// filters tag "group" on value "::batch", as in k6. White space around a
// tag or a value, and one pair of matching quotes (" or ') around it, are
// dropped: `{type: "API"}` is `{type:API}`. Tags and values cannot hold
// ',' (k6 has no escape for it either).
//
// Submetrics are supported: Validate checks a submetric's thresholds
// against its base metric's type, and Evaluate and ShouldAbort look its
// Source up under the key as written. Whoever records the metrics must
// keep a Source per submetric key (ParseMetricKey tells which tags it
// filters on).
type MetricKey struct {
	Name string
	Tags []Tag // in source order; nil for the whole metric
}

// Tag is one tag filter of a submetric.
type Tag struct {
	Key, Value string
}

// String spells the key compactly: "name" or "name{k:v,k2:v2}".
func (k MetricKey) String() string {
	if len(k.Tags) == 0 {
		return k.Name
	}
	var b strings.Builder
	b.WriteString(k.Name)
	b.WriteByte('{')
	for i, t := range k.Tags {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(t.Key)
		b.WriteByte(':')
		b.WriteString(t.Value)
	}
	b.WriteByte('}')
	return b.String()
}

const wantKey = "name{tag:value}"

// ParseMetricKey reads a thresholds map key. Its errors wrap ErrSyntax.
// Whether the name is a metric the run has is Validate's question.
func ParseMetricKey(key string) (MetricKey, error) {
	if strings.TrimSpace(key) == "" {
		return MetricKey{}, problemf(ErrSyntax, `empty metric name, want a metric like "gl001_optimize_duration"`)
	}
	open := strings.IndexByte(key, '{')
	closing := strings.LastIndexByte(key, '}')
	switch {
	case open < 0 && closing < 0:
		return MetricKey{Name: key}, nil
	case open < 0:
		return MetricKey{}, problemf(ErrSyntax, "metric key %q has '}' without '{', want %s", key, wantKey)
	case open == 0:
		return MetricKey{}, problemf(ErrSyntax, "metric key %q has no name before '{', want %s", key, wantKey)
	case closing != len(key)-1 || closing < open:
		return MetricKey{}, problemf(ErrSyntax, "metric key %q does not end with '}', want %s", key, wantKey)
	}
	inner := key[open+1 : closing]
	if strings.TrimSpace(inner) == "" {
		return MetricKey{}, problemf(ErrSyntax, "metric key %q has an empty tag filter, want %s", key, wantKey)
	}
	if strings.IndexByte(key[:open], '}') >= 0 {
		return MetricKey{}, problemf(ErrSyntax, "metric key %q has '}' before '{', want %s", key, wantKey)
	}
	k := MetricKey{Name: key[:open]}
	for _, f := range strings.Split(inner, ",") {
		tag, value, ok := strings.Cut(f, ":")
		if !ok {
			return MetricKey{}, problemf(ErrSyntax, "metric key %q: filter %q has no ':', want tag:value", key, f)
		}
		tag, value = unquote(tag), unquote(value)
		if tag == "" || value == "" {
			return MetricKey{}, problemf(ErrSyntax, "metric key %q: filter %q has an empty tag or value, want tag:value", key, f)
		}
		k.Tags = append(k.Tags, Tag{Key: tag, Value: value})
	}
	return k, nil
}

// unquote trims white space, then one pair of matching quotes.
func unquote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	return s
}

// problem is an error whose text is free-form and whose kind is a
// sentinel for errors.Is.
type problem struct {
	msg  string
	kind error
}

func (p *problem) Error() string { return p.msg }
func (p *problem) Unwrap() error { return p.kind }

func problemf(kind error, format string, args ...any) error {
	return &problem{msg: fmt.Sprintf(format, args...), kind: kind}
}
