package simulator

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/greenlang/gl001/simulator/api"
)

// TestRegionDelay: the front door holds a request that names its region
// for the region's round trip, exactly, before a replica serves it; a
// region it was not given is answered 400 naming the ones it was; without
// regions the header is ignored.
func TestRegionDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var served time.Time
		next := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { served = time.Now() })
		fd := &frontDoor{roundTrips: map[string]time.Duration{"us-east": 0, "apac": 210 * time.Millisecond}}
		h := fd.regionDelay(next)
		for region, want := range map[string]time.Duration{"apac": 210 * time.Millisecond, "us-east": 0, "": 0} {
			req := httptest.NewRequest(http.MethodPost, api.PathOptimize, nil)
			if region != "" {
				req.Header.Set(api.HeaderRegion, region)
			}
			start := time.Now()
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if got := served.Sub(start); rec.Code != http.StatusOK || got != want {
				t.Errorf("region %q: served after %s (status %d), want %s", region, got, rec.Code, want)
			}
		}

		req := httptest.NewRequest(http.MethodPost, api.PathOptimize, nil)
		req.Header.Set(api.HeaderRegion, "mars")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `X-GL001-Region \"mars\": this stand-in has regions apac, us-east`) {
			t.Errorf("unknown region: %d %s", rec.Code, rec.Body)
		}

		plain := (&frontDoor{}).regionDelay(next)
		rec = httptest.NewRecorder()
		start := time.Now()
		plain.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || served.Sub(start) != 0 {
			t.Errorf("without regions: status %d, served after %s", rec.Code, served.Sub(start))
		}
	})
}
