package k6init_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/greenlang/gl001/scenarios"
	"github.com/greenlang/gl001/xk6-gl001/k6init"
)

func ExampleNextSteps() {
	tmp, _ := os.MkdirTemp("", "k6init")
	defer os.RemoveAll(tmp)
	s, _ := scenarios.LoadShipped("smoke_test.json")
	o := k6init.Options{Scenario: s, ScenarioFile: "smoke_test.json", Dir: filepath.Join(tmp, "smoke")}
	r, err := k6init.Write(o)
	if err != nil {
		fmt.Println(err)
		return
	}
	o.Dir = "smoke" // print the commands as for a folder named relative to here
	fmt.Print(k6init.NextSteps(o, r))
	// Output:
	// Next, in two terminals:
	//   # A. the stand-in, the bridge and the samplers in one process; it prints the k6 run line for B,
	//   #    and on Ctrl-C (once k6 has finished) writes the report into smoke/report
	//   gl001 k6 serve smoke --scenario smoke_test.json
	//   # B. the load, with stock k6: paste the k6 run line serve prints, which reads (PORT: the stand-in's)
	//   k6 run -e GL001_TARGET=http://127.0.0.1:PORT -e GL001_BRIDGE=http://127.0.0.1:8686 --out json=smoke/k6-out.json.gz --summary-export smoke/summary-export.json smoke/script.js
	// Or, against your own GL-001 (gl001 k6 serve --target URL --brokers LIST does too), each in a terminal of its own:
	//   # 1. the target: the stand-in deployment (or your own GL-001: change GL001_TARGET and --target below)
	//   gl001 simulate --plants 2 --agents 10 --seed 1 --replicas 3 --partitions 3
	//   # 2. the bridge that carries coordinate() to Kafka: BROKERS from simulate's ready line ("brokers"), or your cluster's
	//   gl001 bridge --brokers BROKERS --scenario smoke_test.json
	//   # 3. the samplers: CPU, memory, consumer lag, the orchestrator's metrics
	//   gl001 observe --target http://127.0.0.1:8000 --out smoke/observed
	//   # 4. the load, with stock k6
	//   k6 run -e GL001_TARGET=http://127.0.0.1:8000 -e GL001_BRIDGE=http://127.0.0.1:8686 --out json=smoke/k6-out.json.gz --summary-export smoke/summary-export.json smoke/script.js
	//   # 5. the report, when k6 has finished (stop observe with Ctrl-C)
	//   gl001 report --k6 smoke/k6-out.json.gz --k6-summary smoke/summary-export.json --observed smoke/observed --scenario smoke_test.json --out smoke/report
}
