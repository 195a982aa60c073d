package jsonerr_test

import (
	"encoding/json"
	"testing"

	"github.com/greenlang/gl001/scenarios/jsonerr"
)

func TestKindAndPosition(t *testing.T) {
	for c, want := range map[byte]string{'{': "an object", '[': "an array", '"': "a string", 't': "a boolean", 'n': "null", '-': "a number", '7': "a number", 'x': `invalid JSON starting with 'x'`} {
		if got := jsonerr.Kind(c); got != want {
			t.Errorf("Kind(%q) = %q, want %q", c, got, want)
		}
	}
	data := []byte("{\n  \"a\": 1,\n  \"b\": x\n}")
	var v any
	err := jsonerr.Syntax(json.Unmarshal(data, &v), data)
	if err == nil || err.Error() != "invalid JSON at line 3, column 8: invalid character 'x' looking for beginning of value" {
		t.Errorf("Syntax = %v", err)
	}
	if l, c := jsonerr.Position(data, 1000); l != 4 || c != 2 {
		t.Errorf("Position past the end = %d:%d, want 4:2", l, c)
	}
}
