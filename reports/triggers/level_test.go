package triggers_test

import (
	"encoding/json"
	"testing"

	"github.com/greenlang/gl001/reports/triggers"
)

func TestLevelOrderIsSeverity(t *testing.T) {
	if !(triggers.NotObserved < triggers.OK && triggers.OK < triggers.Warning && triggers.Warning < triggers.Critical) {
		t.Fatal("levels are not ordered NotObserved < OK < Warning < Critical")
	}
}

func TestLevelText(t *testing.T) {
	tests := []struct {
		name  string
		level triggers.Level
		str   string
		token string
	}{
		{"not observed", triggers.NotObserved, "not observed", "not_observed"},
		{"ok", triggers.OK, "ok", "ok"},
		{"warning", triggers.Warning, "warning", "warning"},
		{"critical", triggers.Critical, "critical", "critical"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.level.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
			b, err := tt.level.MarshalText()
			if err != nil || string(b) != tt.token {
				t.Fatalf("MarshalText() = %q, %v; want %q", b, err, tt.token)
			}
			var back triggers.Level
			if err := back.UnmarshalText(b); err != nil || back != tt.level {
				t.Errorf("UnmarshalText(%q) = %v, %v; want %v", b, back, err, tt.level)
			}
		})
	}
}

func TestLevelJSON(t *testing.T) {
	b, err := json.Marshal(map[string]triggers.Level{"l": triggers.Warning})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"l":"warning"}` {
		t.Errorf("json = %s, want {\"l\":\"warning\"}", b)
	}
}

func TestLevelInvalid(t *testing.T) {
	var l triggers.Level
	err := l.UnmarshalText([]byte("severe"))
	if err == nil {
		t.Fatal("UnmarshalText(severe) succeeded")
	}
	if want := `level "severe" is not one of not_observed, ok, warning, critical`; err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if _, err := triggers.Level(9).MarshalText(); err == nil {
		t.Error("MarshalText(Level(9)) succeeded")
	}
	if got := triggers.Level(9).String(); got != "Level(9)" {
		t.Errorf("String() = %q, want Level(9)", got)
	}
}

// FuzzLevelUnmarshalText checks that UnmarshalText accepts exactly the
// tokens MarshalText writes.
func FuzzLevelUnmarshalText(f *testing.F) {
	for _, s := range []string{"not_observed", "ok", "warning", "critical", "", "OK", "not observed"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var l triggers.Level
		if err := l.UnmarshalText([]byte(s)); err != nil {
			return
		}
		b, err := l.MarshalText()
		if err != nil || string(b) != s {
			t.Fatalf("UnmarshalText(%q) = %v, which marshals to %q, %v", s, l, b, err)
		}
	})
}
