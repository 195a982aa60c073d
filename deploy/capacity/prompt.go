package capacity

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Prompt asks for the plant and sub-agent counts the way the guide's
// interactive script does ("Enter number of plants: "), reading one line
// for each from in. An answer that is not a whole number inside the
// calculator's domain is an error wrapping ErrInput that names the answer.
func Prompt(in io.Reader, out io.Writer) (plants, agents int, err error) {
	r := bufio.NewReader(in)
	if plants, err = ask(r, out, "Enter number of plants: ", "plants", MinPlants, MaxPlants); err != nil {
		return 0, 0, err
	}
	if agents, err = ask(r, out, "Enter number of active sub-agents: ", "agents", MinAgents, MaxAgents); err != nil {
		return 0, 0, err
	}
	return plants, agents, nil
}

func ask(r *bufio.Reader, out io.Writer, question, name string, lo, hi int) (int, error) {
	if _, err := io.WriteString(out, question); err != nil {
		return 0, err
	}
	line, err := r.ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return 0, fmt.Errorf("%w: %s: no answer (%v)", ErrInput, name, err)
	}
	return ParseCount(name, strings.TrimSpace(line), lo, hi)
}

// ParseCount parses s as a whole number in [lo, hi]; the error wraps
// ErrInput and names what was asked for, the value and the range.
func ParseCount(name, s string, lo, hi int) (int, error) {
	v, err := strconv.Atoi(s)
	if err != nil || v < lo || v > hi {
		return 0, fmt.Errorf("%w: %s %q must be a whole number from %d to %d", ErrInput, name, s, lo, hi)
	}
	return v, nil
}
