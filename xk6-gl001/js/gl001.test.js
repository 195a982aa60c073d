// Tests of gl001.js under Node's built-in runner (node --test, Node 20+):
// the pure logic directly, and the k6 wiring with k6's modules replaced by
// the stand-ins in testdata/k6 (see testdata/k6hooks.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { register } from 'node:module';

register('./testdata/k6hooks.mjs', import.meta.url);

const testdata = new URL('./testdata/', import.meta.url);
const k6 = {
  post: () => { throw new Error('no post expected'); },
  samples: [],
  declared: [],
  shared: [],
  opened: [],
  scenario: 'optimize',
  iteration: 0,
};
globalThis.__k6 = k6;
globalThis.__ENV = { GL001_TARGET: 'http://target.test:8000/', GL001_FLEET: 'fleet.json', GL001_OPTIONS: 'options.json' };
globalThis.open = (path) => {
  k6.opened.push(path);
  return readFileSync(new URL(path, testdata), 'utf8');
};

const gl001 = await import('./gl001.js');
const script = await import('./script.js');
const { pick, fleetParts, settings, optimizeOutcome, coordinateOutcome, mergeOptions, METRICS } = gl001;

// outcome is an optimizeOutcome or coordinateOutcome as plain data.
function samples(o) {
  return Object.fromEntries(o.samples);
}

test('pick cycles by iteration', () => {
  const list = ['a', 'b', 'c'];
  assert.deepEqual([0, 1, 2, 3, 4, 5, 3000].map((i) => pick(list, i)), ['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  assert.equal(pick(list, -1), 'c');
  assert.equal(pick(list, NaN), 'a');
  assert.equal(pick([], 3), undefined);
});

test('settings: defaults and overrides, trailing slash dropped', () => {
  assert.deepEqual(settings({}), {
    target: 'http://127.0.0.1:8000', bridge: 'http://127.0.0.1:8686', token: '',
    fleetFile: './fleet.json', optionsFile: './options.json',
  });
  const s = settings({ GL001_TARGET: 'https://gl-001.greenlang:8443/', GL001_BRIDGE: 'http://10.0.0.2:9000', GL001_TOKEN: 't' });
  assert.equal(s.target, 'https://gl-001.greenlang:8443');
  assert.equal(s.bridge, 'http://10.0.0.2:9000');
  assert.equal(s.token, 't');
});

test('fleetParts: bodies encoded once, agent ids, paths with defaults', () => {
  const p = fleetParts({ requests: [{ a: 1 }, '{"b":2}'], agents: [{ id: 'x', type: 'GL-002' }, 'y'], paths: { optimize: '/o' } });
  assert.deepEqual(p.bodies, ['{"a":1}', '{"b":2}']);
  assert.deepEqual(p.agents, ['x', 'y']);
  assert.deepEqual(p.paths, { optimize: '/o', coordinate: '/v1/coordinate' });
  assert.deepEqual(fleetParts(undefined), { bodies: [], agents: [], paths: gl001.DEFAULT_PATHS });
});

test('optimizeOutcome maps answers as gl001 run does', async (t) => {
  const timings = { blocked: 1, connecting: 2, tls_handshaking: 0, duration: 40.5 };
  const cases = [
    {
      name: '200 with replica and solve time: the answer names the replica over the header',
      res: { status: 200, headers: { 'X-Gl001-Replica': 'r-hdr' }, timings,
        body: JSON.stringify({ replica: 'replica-2', performance_metrics: { solve_time_ms: 12.25 }, dispatch: [1, 2] }) },
      ok: true, tags: { status: '200', expected_response: 'true', replica: 'replica-2' },
      samples: { [METRICS.optimizeDuration]: 43.5, [METRICS.optimizeRequestDuration]: 40.5,
        [METRICS.heatOptimizationDuration]: 12.25, [METRICS.optimizeFailed]: 0 },
    },
    {
      name: '200 keys matched without case, as encoding/json',
      res: { status: 200, timings, body: '{"Replica":"r1","Performance_Metrics":{"Solve_Time_MS":3}}' },
      ok: true, tags: { status: '200', expected_response: 'true', replica: 'r1' },
      samples: { [METRICS.optimizeDuration]: 43.5, [METRICS.optimizeRequestDuration]: 40.5,
        [METRICS.heatOptimizationDuration]: 3, [METRICS.optimizeFailed]: 0 },
    },
    {
      name: '200 with an unreadable answer still succeeds, header replica, no solve time',
      res: { status: 200, headers: { 'x-gl001-replica': 'r-hdr' }, timings, body: 'not json' },
      ok: true, tags: { status: '200', expected_response: 'true', replica: 'r-hdr' },
      samples: { [METRICS.optimizeDuration]: 43.5, [METRICS.optimizeRequestDuration]: 40.5, [METRICS.optimizeFailed]: 0 },
    },
    {
      name: '200 with solve time 0 records no heat optimization',
      res: { status: 200, timings, body: '{"performance_metrics":{"solve_time_ms":0}}' },
      ok: true, tags: { status: '200', expected_response: 'true' },
      samples: { [METRICS.optimizeDuration]: 43.5, [METRICS.optimizeRequestDuration]: 40.5, [METRICS.optimizeFailed]: 0 },
    },
    {
      name: '503 fails, its body is not read as an answer',
      res: { status: 503, headers: { 'X-Gl001-Replica': 'r3' }, timings, body: '{"replica":"other","performance_metrics":{"solve_time_ms":9}}' },
      ok: false, tags: { status: '503', expected_response: 'false', replica: 'r3' },
      samples: { [METRICS.optimizeDuration]: 43.5, [METRICS.optimizeRequestDuration]: 40.5, [METRICS.optimizeFailed]: 1 },
    },
    {
      name: 'request timeout (k6 1050) is status timeout',
      res: { status: 0, error_code: 1050, error: 'request timeout', timings: {} },
      ok: false, tags: { status: 'timeout', expected_response: 'false' },
      samples: { [METRICS.optimizeDuration]: 0, [METRICS.optimizeRequestDuration]: 0, [METRICS.optimizeFailed]: 1 },
    },
    {
      name: 'connection refused (k6 1212) is status error',
      res: { status: 0, error_code: 1212, error: 'connection refused' },
      ok: false, tags: { status: 'error', expected_response: 'false' },
      samples: { [METRICS.optimizeDuration]: 0, [METRICS.optimizeRequestDuration]: 0, [METRICS.optimizeFailed]: 1 },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const o = optimizeOutcome(c.res);
      assert.equal(o.ok, c.ok);
      assert.deepEqual(o.tags, c.tags);
      assert.deepEqual(samples(o), c.samples);
    });
  }
});

test('coordinateOutcome maps bridge replies, times from the bridge', async (t) => {
  const loopback = { duration: 999 }; // the HTTP round trip to the bridge, never recorded
  const cases = [
    {
      name: '200 ack',
      res: { status: 200, timings: loopback, body: JSON.stringify({ status: 'ack', event_id: 'e1', agent_id: 'a', replica: 'replica-1',
        received_to_ack_ms: 14.5, publish_ms: 2.25, publish_to_ack_ms: 12 }) },
      ok: true, tags: { status: 'ack', expected_response: 'true', replica: 'replica-1' },
      samples: { [METRICS.coordinationDuration]: 14.5, [METRICS.coordinationServiceDuration]: 12,
        [METRICS.coordinationPublishDuration]: 2.25, [METRICS.coordinationFailed]: 0 },
    },
    {
      name: '504 timeout records its publish',
      res: { status: 504, timings: loopback, body: '{"status":"timeout","event_id":"e2","publish_ms":3,"error":"no ack within 10s"}' },
      ok: false, tags: { status: 'timeout', expected_response: 'false' },
      samples: { [METRICS.coordinationPublishDuration]: 3, [METRICS.coordinationFailed]: 1 },
    },
    {
      name: '502 error',
      res: { status: 502, body: '{"status":"error","event_id":"e3","error":"publish: broker down"}' },
      ok: false, tags: { status: 'error', expected_response: 'false' },
      samples: { [METRICS.coordinationFailed]: 1 },
    },
    {
      name: '503 refused',
      res: { status: 503, body: '{"status":"refused","error":"too many in flight"}' },
      ok: false, tags: { status: 'refused', expected_response: 'false' },
      samples: { [METRICS.coordinationFailed]: 1 },
    },
    {
      name: '503 without a body is still refused',
      res: { status: 503, body: '' },
      ok: false, tags: { status: 'refused', expected_response: 'false' },
      samples: { [METRICS.coordinationFailed]: 1 },
    },
    {
      name: '504 without a body is still timeout',
      res: { status: 504, body: 'gateway timeout' },
      ok: false, tags: { status: 'timeout', expected_response: 'false' },
      samples: { [METRICS.coordinationFailed]: 1 },
    },
    {
      name: '400 bad_request is error',
      res: { status: 400, body: '{"status":"bad_request","error":"agent_id \\"x\\" is not in the fleet"}' },
      ok: false, tags: { status: 'error', expected_response: 'false' },
      samples: { [METRICS.coordinationFailed]: 1 },
    },
    {
      name: '200 that is not an ack is error',
      res: { status: 200, body: '{"status":"weird","received_to_ack_ms":1}' },
      ok: false, tags: { status: 'error', expected_response: 'false' },
      samples: { [METRICS.coordinationDuration]: 1, [METRICS.coordinationFailed]: 1 },
    },
    {
      name: 'no bridge (connection refused) is error, no times',
      res: { status: 0, error_code: 1212, error: 'dial tcp 127.0.0.1:8686: connect: connection refused', timings: loopback },
      ok: false, tags: { status: 'error', expected_response: 'false' },
      samples: { [METRICS.coordinationFailed]: 1 },
    },
    {
      name: 'a request timeout to the bridge is error too',
      res: { status: 0, error_code: 1050 },
      ok: false, tags: { status: 'error', expected_response: 'false' },
      samples: { [METRICS.coordinationFailed]: 1 },
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const o = coordinateOutcome(c.res);
      assert.equal(o.ok, c.ok);
      assert.deepEqual(o.tags, c.tags);
      assert.deepEqual(samples(o), c.samples);
    });
  }
});

test('mergeOptions: user wins, scenarios and thresholds merged by key', async (t) => {
  const scaffold = () => ({
    scenarios: {
      optimize: { executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1m', maxVUs: 50, stages: [{ duration: '1m', target: 100 }], exec: 'optimize' },
      coordinate: { executor: 'ramping-arrival-rate', startRate: 0, timeUnit: '1s', maxVUs: 750, stages: [{ duration: '1m', target: 50 }], exec: 'coordinate' },
    },
    thresholds: { gl001_optimize_duration: ['p(95)<2000'], gl001_coordination_failed: ['rate<0.01'] },
  });
  const cases = [
    { name: 'empty user', user: {}, want: scaffold() },
    { name: 'undefined user', user: undefined, want: scaffold() },
    {
      name: 'a scenario field, a new threshold, a replaced threshold list, a top-level option',
      user: {
        scenarios: { optimize: { maxVUs: 200 } },
        thresholds: { gl001_optimize_duration: ['p(99)<3000'], 'gl001_optimize_duration{status:200}': ['p(95)<1500'] },
        summaryTrendStats: ['avg', 'p(95)'],
      },
      want: (() => {
        const w = scaffold();
        w.scenarios.optimize.maxVUs = 200;
        w.thresholds.gl001_optimize_duration = ['p(99)<3000'];
        w.thresholds['gl001_optimize_duration{status:200}'] = ['p(95)<1500'];
        w.summaryTrendStats = ['avg', 'p(95)'];
        return w;
      })(),
    },
    {
      name: 'stages are replaced, not merged by index',
      user: { scenarios: { coordinate: { stages: [{ duration: '10s', target: 5 }] } } },
      want: (() => { const w = scaffold(); w.scenarios.coordinate.stages = [{ duration: '10s', target: 5 }]; return w; })(),
    },
    {
      name: 'null removes a scenario and a default threshold',
      user: { scenarios: { coordinate: null }, thresholds: { gl001_coordination_failed: null } },
      want: (() => { const w = scaffold(); delete w.scenarios.coordinate; delete w.thresholds.gl001_coordination_failed; return w; })(),
    },
    {
      name: 'another executor replaces the scenario whole',
      user: { scenarios: { optimize: { executor: 'constant-vus', vus: 3, duration: '1m', exec: 'optimize' } } },
      want: (() => { const w = scaffold(); w.scenarios.optimize = { executor: 'constant-vus', vus: 3, duration: '1m', exec: 'optimize' }; return w; })(),
    },
    {
      name: 'a scenario of the user\'s own is added',
      user: { scenarios: { smoke: { executor: 'shared-iterations', iterations: 1, exec: 'optimize' } } },
      want: (() => { const w = scaffold(); w.scenarios.smoke = { executor: 'shared-iterations', iterations: 1, exec: 'optimize' }; return w; })(),
    },
  ];
  for (const c of cases) {
    await t.test(c.name, () => {
      const base = scaffold();
      const user = c.user === undefined ? undefined : JSON.parse(JSON.stringify(c.user));
      const got = mergeOptions(base, user);
      assert.deepEqual(got, c.want);
      assert.deepEqual(base, scaffold(), 'the scaffold is not changed');
      if (c.user !== undefined) assert.deepEqual(user, c.user, 'the user options are not changed');
    });
  }
  await t.test('the result shares no object with its inputs', () => {
    const base = scaffold();
    const got = mergeOptions(base, {});
    got.scenarios.optimize.stages[0].target = 1;
    got.thresholds.gl001_optimize_duration.push('p(99)<1');
    assert.deepEqual(base, scaffold());
  });
});

// The wiring: gl001.js as k6 loads it, with k6's modules stood in for.

test('the module declares the native metrics, time trends and rates', () => {
  const want = [
    { type: 'trend', name: 'gl001_optimize_duration', isTime: true },
    { type: 'trend', name: 'gl001_optimize_request_duration', isTime: true },
    { type: 'trend', name: 'gl001_heat_optimization_duration', isTime: true },
    { type: 'trend', name: 'gl001_coordination_duration', isTime: true },
    { type: 'trend', name: 'gl001_coordination_service_duration', isTime: true },
    { type: 'trend', name: 'gl001_coordination_publish_duration', isTime: true },
    { type: 'rate', name: 'gl001_optimize_failed', isTime: false },
    { type: 'rate', name: 'gl001_coordination_failed', isTime: false },
  ];
  assert.deepEqual(k6.declared, want);
  assert.deepEqual(k6.opened, ['fleet.json', 'options.json'], 'fleet.json is read once for all its shared arrays');
});

test('optimize posts the fleet\'s bodies in turn to GL001_TARGET + the profile path', () => {
  const posts = [];
  k6.post = (url, body, params) => {
    posts.push({ url, body, params });
    return { status: 200, headers: { 'X-Gl001-Replica': 'replica-1' }, timings: { duration: 5 },
      body: '{"performance_metrics":{"solve_time_ms":2}}' };
  };
  k6.samples = [];
  for (const i of [0, 1, 2, 3]) {
    k6.iteration = i;
    gl001.optimize();
  }
  assert.deepEqual(posts.map((p) => p.url), Array(4).fill('http://target.test:8000/api/v9/optimize'));
  assert.deepEqual(posts.map((p) => JSON.parse(p.body).n), [0, 1, 2, 0]);
  assert.equal(posts[0].params.headers['Content-Type'], 'application/json');
  assert.deepEqual(posts[0].params.responseCallback, { expectedStatuses: [200] });
  const first = k6.samples.slice(0, 4);
  assert.deepEqual(first.map((s) => [s.name, s.value]), [
    ['gl001_optimize_duration', 5], ['gl001_optimize_request_duration', 5],
    ['gl001_heat_optimization_duration', 2], ['gl001_optimize_failed', 0],
  ]);
  for (const s of first) assert.deepEqual(s.tags, { status: '200', expected_response: 'true', replica: 'replica-1' });
});

test('optimize: a request that throws is a failed sample, not an exception', () => {
  k6.post = () => { throw new Error('GoError: dial tcp: connection refused'); };
  k6.samples = [];
  k6.iteration = 7;
  assert.doesNotThrow(() => gl001.optimize());
  const failed = k6.samples.find((s) => s.name === 'gl001_optimize_failed');
  assert.deepEqual(failed, { name: 'gl001_optimize_failed', value: 1, tags: { status: 'error', expected_response: 'false' } });
});

test('coordinate posts the next agent to GL001_BRIDGE/v1/coordinate', () => {
  const posts = [];
  k6.post = (url, body) => {
    posts.push({ url, body: JSON.parse(body) });
    return { status: 200, timings: { duration: 500 },
      body: '{"status":"ack","replica":"replica-0","received_to_ack_ms":9,"publish_ms":1,"publish_to_ack_ms":8}' };
  };
  k6.samples = [];
  k6.scenario = 'coordinate';
  for (const i of [0, 1, 2]) {
    k6.iteration = i;
    gl001.coordinate();
  }
  assert.deepEqual(posts, [
    { url: 'http://127.0.0.1:8686/v1/coordinate', body: { agent_id: 'gl-002-plant-01-boiler-1' } },
    { url: 'http://127.0.0.1:8686/v1/coordinate', body: { agent_id: 'gl-012-plant-01' } },
    { url: 'http://127.0.0.1:8686/v1/coordinate', body: { agent_id: 'gl-002-plant-01-boiler-1' } },
  ]);
  assert.deepEqual(k6.samples.slice(0, 4).map((s) => [s.name, s.value]), [
    ['gl001_coordination_duration', 9], ['gl001_coordination_service_duration', 8],
    ['gl001_coordination_publish_duration', 1], ['gl001_coordination_failed', 0],
  ]);
});

test('coordinate with no bridge records a failure and does not throw', () => {
  k6.post = () => ({ status: 0, error_code: 1212, error: 'connection refused', body: null, timings: {} });
  k6.samples = [];
  assert.doesNotThrow(() => gl001.coordinate());
  assert.deepEqual(k6.samples, [{ name: 'gl001_coordination_failed', value: 1, tags: { status: 'error', expected_response: 'false' } }]);
});

test('options() is options.json with the user\'s over it', () => {
  const scaffold = JSON.parse(readFileSync(new URL('options.json', testdata), 'utf8'));
  assert.deepEqual(gl001.options(), scaffold);
  assert.deepEqual(gl001.options({ thresholds: { gl001_optimize_failed: ['rate<0.05'] } }).thresholds,
    Object.assign({}, scaffold.thresholds, { gl001_optimize_failed: ['rate<0.05'] }));
});

test('script.js links against gl001.js: options and the scenarios\' exec functions', () => {
  const scaffold = JSON.parse(readFileSync(new URL('options.json', testdata), 'utf8'));
  assert.deepEqual(script.options, scaffold);
  assert.equal(script.optimize, gl001.optimize);
  assert.equal(script.coordinate, gl001.coordinate);
  for (const s of Object.values(script.options.scenarios)) assert.equal(typeof script[s.exec], 'function', s.exec);
});

test('gl001.js imports k6\'s own modules only', () => {
  const src = readFileSync(new URL('./gl001.js', import.meta.url), 'utf8');
  const imports = [...src.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]).sort();
  assert.deepEqual(imports, ['k6/data', 'k6/execution', 'k6/http', 'k6/metrics']);
});
