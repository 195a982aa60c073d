package supervisor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
)

// EnvReplicaID is the environment variable through which the supervisor
// tells a child its replica id.
const EnvReplicaID = "GL001_REPLICA_ID"

// Ready is a child's announcement that it is serving: one JSON line on its
// stdout, {"id": "replica-0", "url": "http://127.0.0.1:PORT", "pid": N}.
type Ready struct {
	// ID is the replica id the child was given (EnvReplicaID).
	ID string `json:"id"`
	// URL is the base URL the child serves on.
	URL string `json:"url"`
	// PID is the serving process's id.
	PID int `json:"pid"`
}

// Announce writes r to w (the child's os.Stdout) as one JSON line in one
// Write. The child calls it once, after its listener is open. A zero r.PID
// is filled in with os.Getpid(); r.ID and r.URL must be set.
func Announce(w io.Writer, r Ready) error {
	if r.ID == "" {
		return errors.New("supervisor: announce: id is empty (the supervisor passes it in " + EnvReplicaID + ")")
	}
	if _, err := parseURL(r.URL); err != nil {
		return fmt.Errorf("supervisor: announce: %w", err)
	}
	if r.PID == 0 {
		r.PID = os.Getpid()
	}
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("supervisor: announce: %w", err)
	}
	if _, err := w.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("supervisor: announce: %w", err)
	}
	return nil
}

// parseReady reports whether line is an announcement: a JSON object with a
// non-empty url. Anything else the child prints is ordinary output.
func parseReady(line string) (Ready, bool) {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "{") {
		return Ready{}, false
	}
	var r Ready
	if err := json.Unmarshal([]byte(line), &r); err != nil || r.URL == "" {
		return Ready{}, false
	}
	return r, true
}

func parseURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("url %q: %w", s, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url %q is not an http(s) URL with a host, e.g. http://127.0.0.1:8000", s)
	}
	return u, nil
}
