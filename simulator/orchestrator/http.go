package orchestrator

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v) // the client has gone; nothing to tell
}

// errorBody is the JSON an error is answered with.
func errorBody(err error) map[string]string { return map[string]string{"error": err.Error()} }

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
