package k6init

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Where the printed commands point when the user has not said otherwise:
// gl001 simulate's front door and gl001 bridge's listener, the module's
// defaults for GL001_TARGET and GL001_BRIDGE.
const (
	DefaultTarget = "http://127.0.0.1:8000"
	DefaultBridge = "http://127.0.0.1:8686"
)

// NextSteps returns the commands that run the scaffolded test, one per
// line with a comment above each: first gl001 k6 serve (everything but
// k6 in one process, then the report) and k6 beside it; then, for a real
// cluster or to run each part alone, the stand-in target, the bridge
// (when the scenario sends coordination events), the samplers, k6 itself
// and the report. Paths are o.Dir's as given; arguments are shell-quoted.
func NextSteps(o Options, r Result) string {
	s := o.Scenario
	dir := func(name string) string { return quote(filepath.Join(o.Dir, name)) }
	scenario := quote(o.ScenarioFile)
	profile := ""
	if o.ProfileFile != "" {
		profile = " --profile " + quote(o.ProfileFile)
	}
	var b strings.Builder
	step := 0
	add := func(comment, cmd string) {
		step++
		fmt.Fprintf(&b, "  # %d. %s\n  %s\n", step, comment, cmd)
	}
	coordinate := false
	for _, name := range r.Scenarios {
		coordinate = coordinate || name == "coordinate"
	}
	bridgeEnv := ""
	if coordinate {
		bridgeEnv = " -e GL001_BRIDGE=" + DefaultBridge
	}
	fmt.Fprintf(&b, "Next, in two terminals:\n")
	fmt.Fprintf(&b, "  # A. the stand-in, the bridge and the samplers in one process; it prints the k6 run line for B,\n"+
		"  #    and on Ctrl-C (once k6 has finished) writes the report into %s\n  %s\n",
		dir("report"), "gl001 k6 serve "+quote(o.Dir)+" --scenario "+scenario+profile)
	fmt.Fprintf(&b, "  # B. the load, with stock k6: paste the k6 run line serve prints, which reads (PORT: the stand-in's)\n")
	fmt.Fprintf(&b, "  k6 run -e GL001_TARGET=http://127.0.0.1:PORT%s --out json=%s --summary-export %s %s\n",
		bridgeEnv, dir("k6-out.json.gz"), dir("summary-export.json"), dir(ScriptFile))
	fmt.Fprintf(&b, "Or, against your own GL-001 (gl001 k6 serve --target URL --brokers LIST does too), each in a terminal of its own:\n")
	add("the target: the stand-in deployment (or your own GL-001: change GL001_TARGET and --target below)",
		fmt.Sprintf("gl001 simulate --plants %d --agents %d --seed %d --replicas %d --partitions %d%s",
			s.Plants, s.SubAgents, s.Seed, s.ReplicasOrPredicted(), s.Partitions, profile))
	if coordinate {
		add("the bridge that carries coordinate() to Kafka: BROKERS from simulate's ready line (\"brokers\"), or your cluster's",
			"gl001 bridge --brokers BROKERS --scenario "+scenario+profile)
	}
	add("the samplers: CPU, memory, consumer lag, the orchestrator's metrics",
		"gl001 observe --target "+DefaultTarget+" --out "+dir("observed"))
	env := "-e GL001_TARGET=" + DefaultTarget
	if coordinate {
		env += " -e GL001_BRIDGE=" + DefaultBridge
	}
	add("the load, with stock k6",
		"k6 run "+env+" --out json="+dir("k6-out.json.gz")+" --summary-export "+dir("summary-export.json")+" "+dir(ScriptFile))
	add("the report, when k6 has finished (stop observe with Ctrl-C)",
		"gl001 report --k6 "+dir("k6-out.json.gz")+" --k6-summary "+dir("summary-export.json")+" --observed "+dir("observed")+
			" --scenario "+scenario+" --out "+dir("report"))
	return b.String()
}

// Summary is one line saying what Write wrote.
func Summary(r Result) string {
	line := fmt.Sprintf("Wrote %s: %s (the module), %s, %s (%d plants, %d sub-agents, %d optimize bodies, %s), %s (scenarios %s; %d thresholds)",
		r.Dir, ModuleFile, ScriptFile, FleetFile, r.Plants, r.Agents, r.Requests, size(r.FleetBytes),
		OptionsFile, strings.Join(r.Scenarios, ", "), len(r.Thresholds))
	if len(r.Dropped) > 0 {
		line += fmt.Sprintf("\nLeft out of %s, as the k6 module does not record them: %s", OptionsFile, strings.Join(r.Dropped, ", "))
	}
	return line + "\n"
}

func size(n int) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 0, 64) + " KiB"
	}
	return strconv.Itoa(n) + " B"
}

var plainArg = regexp.MustCompile(`^[A-Za-z0-9_./:=,@%+-]+$`)

// quote returns s as one POSIX shell word.
func quote(s string) string {
	if plainArg.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
