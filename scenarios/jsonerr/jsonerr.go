// Package jsonerr helps the strict decoders of gl001's input files
// (scenarios, observed metrics) say where and what is wrong in a user's
// JSON: the kind of value found, and the line and column of a problem.
package jsonerr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Kind names the JSON value that starts with c ("an object", "a number"),
// for messages like "got a string, want a number".
func Kind(c byte) string {
	switch {
	case c == '{':
		return "an object"
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	case c == '-' || ('0' <= c && c <= '9'):
		return "a number"
	}
	return fmt.Sprintf("invalid JSON starting with %q", c)
}

// Position returns the 1-based line and column (in bytes) of data[off];
// off is clamped to data.
func Position(data []byte, off int) (line, col int) {
	off = max(0, min(off, len(data)))
	before := data[:off]
	return 1 + bytes.Count(before, []byte("\n")), off - bytes.LastIndexByte(before, '\n')
}

// Syntax rewords a decoding error that is about the JSON itself (broken
// syntax, input ending early) with the line and column; other errors come
// back without encoding/json's "json: " prefix.
func Syntax(err error, data []byte) error {
	var syn *json.SyntaxError
	switch {
	case errors.As(err, &syn):
		line, col := Position(data, int(syn.Offset)-1)
		return fmt.Errorf("invalid JSON at line %d, column %d: %s", line, col, syn.Error())
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("invalid JSON: unexpected end of input")
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}

// ErrRead matches (errors.Is) a failure to read the input, as opposed to
// bad input; the error's text is the reader's own.
var ErrRead = errors.New("read failed")

type readError struct{ err error }

func (e readError) Error() string   { return e.err.Error() }
func (e readError) Unwrap() []error { return []error{ErrRead, e.err} }

// ReadObject reads at most limit bytes from r and checks that they hold
// something that starts as a JSON object. It returns the data, or a
// problem the caller reports as bad input: too large, empty, a UTF-8 byte
// order mark, or another kind of value. A read failure wraps ErrRead.
func ReadObject(r io.Reader, limit int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(limit)+1))
	if err != nil {
		return nil, readError{err}
	}
	if len(data) > limit {
		return nil, fmt.Errorf("input is larger than %d bytes", limit)
	}
	rest := bytes.TrimLeft(data, " \t\r\n")
	switch {
	case len(rest) == 0:
		return nil, errors.New("empty input, want a JSON object")
	case bytes.HasPrefix(rest, []byte("\xef\xbb\xbf")):
		return nil, errors.New("input starts with a UTF-8 byte order mark, which JSON does not allow; save the file without one")
	case rest[0] != '{':
		return nil, fmt.Errorf("got %s, want a JSON object", Kind(rest[0]))
	}
	return data, nil
}

// Trailing reports data after the JSON value that ended at offset end (a
// json.Decoder's InputOffset), naming where it starts; nil when only
// white space follows.
func Trailing(data []byte, end int64) error {
	rest := bytes.TrimLeft(data[min(int(end), len(data)):], " \t\r\n")
	if len(rest) == 0 {
		return nil
	}
	line, col := Position(data, len(data)-len(rest))
	return fmt.Errorf("unexpected data after the JSON object at line %d, column %d", line, col)
}
