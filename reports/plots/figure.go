// Package plots draws a run's time series with gonum.org/v1/plot: latency
// percentiles over time, achieved against target rates, CPU and memory per
// replica, consumer lag and database pool use, each as PNG and SVG.
package plots

// Figure is one drawn plot in both formats.
type Figure struct {
	Name  string // file stem, e.g. "latency"; the files are Name+".png" and Name+".svg"
	Title string // a caption for the report
	PNG   []byte
	SVG   []byte
	// Note says what the plot could not show, e.g. "no CPU samples: the
	// replicas sampler did not run"; empty when complete.
	Note string
}
