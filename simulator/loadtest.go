package simulator

import (
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"strings"
)

// Errors a LoadTester returns for the front door to map to a status.
var (
	ErrBadScenario = errors.New("bad scenario")                   // 400
	ErrBusy        = errors.New("a load test is already running") // 409
)

// LoadTester runs gl001 against the stand-in itself, for the guide's
// POST /api/v1/test/load-test. It is a hook, so that this package need
// not import the load engine (which starts stand-ins).
type LoadTester interface {
	// Start begins a load test of the scenario (the guide's scenario.json)
	// against api and brokers and returns at once with the test's id. An
	// invalid scenario wraps ErrBadScenario; a test already running, ErrBusy.
	Start(scenario []byte, api string, brokers []string) (id string, err error)
	// Latest is the latest finished test's report as JSON, and whether
	// there is one.
	Latest() ([]byte, bool)
	// Close stops a running test and waits for it.
	Close()
}

// maxScenarioBytes bounds a posted scenario.
const maxScenarioBytes = 1 << 20

func (f *frontDoor) startLoadTest(w http.ResponseWriter, req *http.Request) {
	if f.token == "" {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "the load-test endpoint is off: start the stand-in with --api-token (or GL001_API_TOKEN) and send it as a bearer token"})
		return
	}
	got, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(f.token)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="gl001"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "missing or wrong bearer token"})
		return
	}
	if f.loadTester == nil {
		writeJSON(w, http.StatusNotImplemented, map[string]string{"error": "this stand-in was started without a load tester"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxScenarioBytes))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "reading the scenario: " + err.Error()})
		return
	}
	id, err := f.loadTester.Start(body, f.self, f.brokers)
	switch {
	case errors.Is(err, ErrBadScenario):
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	case errors.Is(err, ErrBusy):
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
	case err != nil:
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
	default:
		writeJSON(w, http.StatusAccepted, map[string]string{"id": id, "status": "running", "report": f.paths.LoadTestReport})
	}
}

func (f *frontDoor) loadTestReport(w http.ResponseWriter, _ *http.Request) {
	if f.loadTester != nil {
		if rep, ok := f.loadTester.Latest(); ok {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(rep)
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "no load test has finished yet; POST a scenario to " + f.paths.LoadTest})
}
