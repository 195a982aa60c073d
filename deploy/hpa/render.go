package hpa

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
)

// WriteJSON writes the replay as JSON: {"hpa", …, "notes", "trajectory":
// [{"t_seconds", "replicas", "desired", "metric", "limited_by", …}]}.
func (r Replay) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the replay as a table, one row per sync, then the
// notes. A column not read (observed replicas, the live HPA) shows "-".
func (r Replay) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "HPA %s (minReplicas %d, maxReplicas %d): %d syncs of %d s from %d replicas\n",
		r.HPA, r.MinReplicas, r.MaxReplicas, len(r.Trajectory), r.SyncSeconds, r.StartReplicas)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "t_seconds\treplicas\tdesired\tobserved\tlive_hpa\tmetric\tlimited_by")
	for _, row := range r.Trajectory {
		metric := row.Metric
		if metric == "" {
			metric = "-"
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s\t%s\t%s\n", row.TSeconds, row.Replicas, row.Desired, count(row.ObservedReplicas), count(row.LiveReplicas), metric, row.LimitedBy)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "notes:")
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  - %s\n", n)
	}
	return nil
}

func count(p *int32) string {
	if p == nil {
		return "-"
	}
	return strconv.Itoa(int(*p))
}
