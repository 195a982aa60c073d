// script.js — a k6 script for the GL-001 load test, as `gl001 k6 init`
// writes it. Run it with stock k6:
//
//   k6 run --out json=k6-out.json.gz --summary-export summary-export.json script.js
//
// GL001_TARGET (default http://127.0.0.1:8000) is the orchestrator,
// GL001_BRIDGE (default http://127.0.0.1:8686) the `gl001 bridge` that
// carries coordination events to Kafka: k6 run -e GL001_TARGET=… script.js.
//
// options.json holds the scenario's plan and the guide's default
// thresholds; what you pass to gl001Options is merged over them (yours
// wins: scenarios and thresholds by key, null removes one).
import { optimize, coordinate, options as gl001Options } from './gl001.js';

export const options = gl001Options({
  // thresholds: { gl001_optimize_duration: ['p(99)<3000'] },
});

// The scenarios' exec names.
export { optimize, coordinate };
