package bridge_test

import (
	"strings"
	"testing"
	"time"

	"github.com/greenlang/gl001/xk6-gl001/bridge"
)

// FuzzParseRequest: any body either parses into a request the bridge can
// act on, or is refused with an error; never a panic, never both.
func FuzzParseRequest(f *testing.F) {
	for _, s := range []string{``, `{}`, `{"agent_id":"gl-003-plant-01-1"}`, `{"timeout_ms":250.5}`,
		`{"event":{"event_id":"e","agent_id":"a","plant_id":"p","seq":1,"sent_at":"2026-01-05T06:00:00Z","payload":{}}}`,
		`{"agent_id":"a","event":{"event_id":"e"}}`, `{"timeout_ms":-1}`, `{} {}`, `[`, `null`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := bridge.ParseRequest(body)
		if err != nil {
			if req != (bridge.Request{}) {
				t.Errorf("error %v with a request %+v", err, req)
			}
			return
		}
		if req.Event != nil && (req.AgentID != "" || strings.TrimSpace(req.Event.EventID) == "") {
			t.Errorf("accepted %q as %+v", body, req)
		}
		if v := req.TimeoutMs; v != nil && (*v <= 0 || *v > float64(bridge.MaxAckTimeout/time.Millisecond)) {
			t.Errorf("accepted timeout_ms %v", *v)
		}
	})
}
