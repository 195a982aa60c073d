// gl001.js — the GL-001 load test as a plain ES module for stock k6.
//
// One file: copy it beside your script with fleet.json and options.json,
// or let `gl001 k6 init SCENARIO DIR` write all four (and script.js).
// It imports only k6's own modules (k6/http, k6/metrics, k6/data,
// k6/execution) and links nothing of gl001: no xk6 build is needed.
//
//   import { optimize, coordinate, options as gl001Options } from './gl001.js';
//   export const options = gl001Options({ thresholds: { gl001_optimize_duration: ['p(99)<3000'] } });
//   export { optimize, coordinate };
//
// optimize() posts heat-optimization requests to GL001_TARGET (default
// http://127.0.0.1:8000) at the profile's optimize path; coordinate() asks
// `gl001 bridge` at GL001_BRIDGE (default http://127.0.0.1:8686) to publish
// one agent-coordination event on Kafka and wait for its ack. Both record
// the metrics `gl001 run` records, under the same names and tags, so
// `gl001 report --k6` reads a k6 run as it reads a native one:
//
//   gl001_optimize_duration          Trend (ms)  the whole call: blocked + connecting + TLS + http_req_duration.
//                                                k6 does not tell an iteration when it was scheduled, so unlike
//                                                gl001 run this cannot count time spent waiting for a VU; a
//                                                target too slow for the VUs shows as dropped_iterations.
//   gl001_optimize_request_duration  Trend (ms)  the HTTP round trip (k6's http_req_duration)
//   gl001_heat_optimization_duration Trend (ms)  the answer's performance_metrics.solve_time_ms, when > 0
//   gl001_optimize_failed            Rate        1 unless the answer was HTTP 200
//   gl001_coordination_duration      Trend (ms)  the bridge's received_to_ack_ms (request in → ack)
//   gl001_coordination_service_duration Trend (ms) the bridge's publish_to_ack_ms
//   gl001_coordination_publish_duration Trend (ms) the bridge's publish_ms, when > 0
//   gl001_coordination_failed        Rate        1 unless the bridge answered 200 "ack"
//
// Coordination times are the bridge's, measured in Go beside the Kafka
// client, not the loopback HTTP round trip to the bridge. Tags: status (the
// HTTP status of an optimize answer, or timeout / error when none came; a
// coordination's ack / timeout / error / refused), replica (when the answer
// names one), expected_response ("true" / "false"); k6 adds scenario.
//
// Environment (k6 run -e NAME=value):
//   GL001_TARGET   the orchestrator's base URL (default http://127.0.0.1:8000)
//   GL001_BRIDGE   gl001 bridge's base URL (default http://127.0.0.1:8686)
//   GL001_TOKEN    a bearer token for the optimize requests (default none)
//   GL001_FLEET    fleet.json to read (default ./fleet.json, beside the module)
//   GL001_OPTIONS  options.json to read (default ./options.json)
//
// fleet.json carries the paths ("paths": {"optimize", "coordinate"}), the
// sub-agents coordinate() takes in turn and the request bodies optimize()
// takes in turn, by the scenario's iteration number.
//
// A request that fails is data, never an exception: a refused connection to
// the target or the bridge is a failed sample with status "error".
//
// Everything below the "k6 wiring" line is thin; the logic above it is
// pure and tested with `node --test` (see gl001.test.js).

import http from 'k6/http';
import { Rate, Trend } from 'k6/metrics';
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';

export const DEFAULT_TARGET = 'http://127.0.0.1:8000';
export const DEFAULT_BRIDGE = 'http://127.0.0.1:8686';

// Paths used when fleet.json carries none: the guide's API and the bridge's.
export const DEFAULT_PATHS = { optimize: '/api/v1/optimize', coordinate: '/v1/coordinate' };

// Metric names, as gl001's record package spells them.
export const METRICS = {
  optimizeDuration: 'gl001_optimize_duration',
  optimizeRequestDuration: 'gl001_optimize_request_duration',
  optimizeFailed: 'gl001_optimize_failed',
  heatOptimizationDuration: 'gl001_heat_optimization_duration',
  coordinationDuration: 'gl001_coordination_duration',
  coordinationServiceDuration: 'gl001_coordination_service_duration',
  coordinationPublishDuration: 'gl001_coordination_publish_duration',
  coordinationFailed: 'gl001_coordination_failed',
};

// The status tag's values besides HTTP status codes.
export const STATUS = { ack: 'ack', timeout: 'timeout', error: 'error', refused: 'refused' };

// k6 error codes of a request that ran out of time (the request timeout,
// or the dial's): gl001 run tags those "timeout", other failures "error".
const TIMEOUT_CODES = new Set([1050, 1211]);

// settings reads the module's environment (k6's __ENV).
export function settings(env) {
  const e = env || {};
  return {
    target: trimSlash(e.GL001_TARGET || DEFAULT_TARGET),
    bridge: trimSlash(e.GL001_BRIDGE || DEFAULT_BRIDGE),
    token: e.GL001_TOKEN || '',
    fleetFile: e.GL001_FLEET || './fleet.json',
    optionsFile: e.GL001_OPTIONS || './options.json',
  };
}

function trimSlash(url) {
  return String(url).replace(/\/+$/, '');
}

// pick returns list[i], cycling: the i-th iteration of a scenario takes
// the (i mod n)-th entry. undefined for an empty list.
export function pick(list, i) {
  const n = list.length;
  if (n === 0) return undefined;
  const k = Number.isFinite(i) ? Math.trunc(i) : 0;
  return list[((k % n) + n) % n];
}

// fleetParts splits a parsed fleet.json into what the module keeps: the
// request bodies, already encoded (posting a string costs no encoding per
// iteration), the agent ids, and the paths.
export function fleetParts(fleet) {
  const f = fleet || {};
  return {
    bodies: (f.requests || []).map((r) => (typeof r === 'string' ? r : JSON.stringify(r))),
    agents: (f.agents || []).map((a) => (typeof a === 'string' ? a : a.id)),
    paths: Object.assign({}, DEFAULT_PATHS, f.paths || {}),
  };
}

// header returns the response header name, matched without case (k6
// canonicalizes names, "X-Gl001-Replica").
function header(headers, name) {
  if (!headers) return '';
  const want = name.toLowerCase();
  for (const k of Object.keys(headers)) {
    if (k.toLowerCase() === want) return String(headers[k]);
  }
  return '';
}

// member returns obj's member name, matched as Go's encoding/json does
// (exact first, then without case), as the native engine reads answers.
function member(obj, name) {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  const want = name.toLowerCase();
  for (const k of Object.keys(obj)) {
    if (k.toLowerCase() === want) return obj[k];
  }
  return undefined;
}

function parseObject(body) {
  if (typeof body !== 'string' || body === '') return null;
  try {
    const v = JSON.parse(body);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : null;
  } catch (_) {
    return null;
  }
}

function num(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : NaN;
}

// optimizeOutcome maps one k6 response of the optimize endpoint to the
// samples gl001 run records for it (client.Optimizer and engine's
// optimizeStatus): ok only for HTTP 200; the replica from the
// X-GL001-Replica header, replaced by the answer's "replica"; the solve
// time from performance_metrics.solve_time_ms when above 0.
//
// Returns { ok, tags, samples: [[metric, value], …] }.
export function optimizeOutcome(res) {
  const r = res || {};
  const code = typeof r.status === 'number' ? r.status : 0;
  const ok = code === 200;
  let status;
  if (code !== 0) status = String(code);
  else status = TIMEOUT_CODES.has(r.error_code) ? STATUS.timeout : STATUS.error;
  let replica = header(r.headers, 'X-GL001-Replica');
  let solveMS = NaN;
  if (ok) {
    const a = parseObject(r.body);
    if (a) {
      const rep = member(a, 'replica');
      if (typeof rep === 'string' && rep !== '') replica = rep;
      const pm = member(a, 'performance_metrics');
      if (pm && typeof pm === 'object') solveMS = num(member(pm, 'solve_time_ms'));
    }
  }
  const t = r.timings || {};
  const round = num(t.duration) || 0;
  const whole = round + (num(t.blocked) || 0) + (num(t.connecting) || 0) + (num(t.tls_handshaking) || 0);
  const tags = { status, expected_response: String(ok) };
  if (replica) tags.replica = replica;
  const samples = [
    [METRICS.optimizeDuration, whole],
    [METRICS.optimizeRequestDuration, round],
  ];
  if (solveMS > 0) samples.push([METRICS.heatOptimizationDuration, solveMS]);
  samples.push([METRICS.optimizeFailed, ok ? 0 : 1]);
  return { ok, tags, samples };
}

// coordinationStatus is the status tag of a bridge reply: its own
// "status" when it is one the contract names, else by HTTP status.
function coordinationStatus(code, reply) {
  const s = reply && reply.status;
  if (s === STATUS.ack || s === STATUS.timeout || s === STATUS.error || s === STATUS.refused) return s;
  switch (code) {
    case 503: return STATUS.refused;
    case 504: return STATUS.timeout;
  }
  return STATUS.error;
}

// coordinateOutcome maps one k6 response of the bridge's /v1/coordinate
// to samples. The bridge answers
//
//   200 {"status":"ack","event_id","agent_id","replica","received_to_ack_ms","publish_ms","publish_to_ack_ms"}
//   504 {"status":"timeout","event_id","publish_ms","error"}
//   502 {"status":"error","event_id","error"}
//   503 {"status":"refused","error"}
//   400 {"status":"bad_request","error"}
//
// ok only for 200 "ack". Times are recorded when the reply carries them
// (publish only above 0, as gl001 run); a reply with none (no bridge, a
// refusal) records the failure alone. Status "bad_request" and anything
// unreadable are tagged error.
export function coordinateOutcome(res) {
  const r = res || {};
  const code = typeof r.status === 'number' ? r.status : 0;
  const reply = code === 0 ? null : parseObject(r.body);
  const status = code === 0 ? STATUS.error : coordinationStatus(code, reply);
  const ok = code === 200 && status === STATUS.ack;
  const tags = { status, expected_response: String(ok) };
  const samples = [];
  if (reply) {
    if (typeof reply.replica === 'string' && reply.replica !== '') tags.replica = reply.replica;
    const total = num(reply.received_to_ack_ms);
    const service = num(reply.publish_to_ack_ms);
    const publish = num(reply.publish_ms);
    if (total >= 0) samples.push([METRICS.coordinationDuration, total]);
    if (service >= 0) samples.push([METRICS.coordinationServiceDuration, service]);
    if (publish > 0) samples.push([METRICS.coordinationPublishDuration, publish]);
  }
  samples.push([METRICS.coordinationFailed, ok ? 0 : 1]);
  return { ok, tags, samples };
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// mergeOptions returns the scaffold's k6 options with the user's over
// them, changing neither. Objects merge by key, recursively; anything else
// (an array such as a thresholds list or stages, a number, a string) from
// the user replaces the scaffold's. A user value of null removes the key:
// { scenarios: { coordinate: null } } drops the coordinate scenario,
// { thresholds: { gl001_optimize_failed: null } } its default threshold.
// A user scenario whose executor differs from the scaffold's replaces the
// scaffold's whole, so no field of the other executor is left behind.
export function mergeOptions(scaffold, user) {
  return merge(scaffold, user, []);
}

function merge(base, over, path) {
  if (over === undefined) return clone(base);
  if (!isPlainObject(base) || !isPlainObject(over)) return clone(over);
  if (path.length === 2 && path[0] === 'scenarios' && over.executor !== undefined && over.executor !== base.executor) {
    return clone(over);
  }
  const out = {};
  for (const k of Object.keys(base)) {
    if (!(k in over)) out[k] = clone(base[k]);
  }
  for (const k of Object.keys(over)) {
    if (over[k] === null) continue;
    out[k] = k in base ? merge(base[k], over[k], path.concat(k)) : clone(over[k]);
  }
  return out;
}

function clone(v) {
  if (Array.isArray(v)) return v.map(clone);
  if (isPlainObject(v)) {
    const out = {};
    for (const k of Object.keys(v)) if (v[k] !== null) out[k] = clone(v[k]);
    return out;
  }
  return v;
}

// record adds an outcome's samples to the metrics, by name.
export function record(metrics, outcome) {
  for (const [name, value] of outcome.samples) metrics[name].add(value, outcome.tags);
}

// ---- k6 wiring ------------------------------------------------------------

const env = settings(typeof __ENV !== 'undefined' ? __ENV : {});

// fleet.json is parsed once, by the first VU, and shared (read-only) with
// the others; each SharedArray element is decoded on access, so the bodies
// are kept as strings and the paths in an array of one.
let parsedFleet;
function readFleet() {
  if (parsedFleet === undefined) parsedFleet = fleetParts(JSON.parse(open(env.fleetFile)));
  return parsedFleet;
}
const bodies = new SharedArray('gl001 optimize bodies', () => readFleet().bodies);
const agents = new SharedArray('gl001 agents', () => readFleet().agents);
const paths = new SharedArray('gl001 paths', () => [readFleet().paths])[0];
parsedFleet = undefined; // the shared copies are what the VU keeps

const scaffold = JSON.parse(open(env.optionsFile));

const metrics = {};
for (const name of [METRICS.optimizeDuration, METRICS.optimizeRequestDuration, METRICS.heatOptimizationDuration,
  METRICS.coordinationDuration, METRICS.coordinationServiceDuration, METRICS.coordinationPublishDuration]) {
  metrics[name] = new Trend(name, true);
}
for (const name of [METRICS.optimizeFailed, METRICS.coordinationFailed]) metrics[name] = new Rate(name);

// iteration is the scenario's iteration number across the test (k6 0.34+),
// or this VU's own count on an older k6.
let ownIterations = 0;
function iteration() {
  const n = exec && exec.scenario && exec.scenario.iterationInTest;
  return Number.isFinite(n) ? n : ownIterations++;
}

const optimizeParams = {
  headers: Object.assign({ 'Content-Type': 'application/json' }, env.token ? { Authorization: 'Bearer ' + env.token } : {}),
  tags: { name: 'gl001_optimize' },
  responseCallback: http.expectedStatuses(200),
};
const coordinateParams = {
  headers: { 'Content-Type': 'application/json' },
  tags: { name: 'gl001_coordinate' },
  responseCallback: http.expectedStatuses(200),
};

// post is http.post that returns a failed response instead of throwing
// (a script run with k6's throw option, or a bad URL).
function post(url, body, params) {
  try {
    return http.post(url, body, params);
  } catch (e) {
    return { status: 0, error: String(e), error_code: 0, headers: {}, body: '', timings: {} };
  }
}

// optimize sends the next heat-optimization request of fleet.json.
export function optimize() {
  const body = pick(bodies, iteration());
  record(metrics, optimizeOutcome(post(env.target + paths.optimize, body, optimizeParams)));
}

// coordinate asks the bridge to publish the next agent's coordination
// event and wait for its ack.
export function coordinate() {
  const agent = pick(agents, iteration());
  const body = JSON.stringify({ agent_id: agent });
  record(metrics, coordinateOutcome(post(env.bridge + paths.coordinate, body, coordinateParams)));
}

// options returns the k6 options gl001 k6 init scaffolded (options.json:
// the scenario's plan and the guide's default thresholds) with the user's
// over them (see mergeOptions).
export function options(user) {
  return mergeOptions(scaffold, user || {});
}
