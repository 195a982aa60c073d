// Stand-in for k6/http: post hands the call to the test.
export function expectedStatuses(...codes) {
  return { expectedStatuses: codes };
}
export function post(url, body, params) {
  return globalThis.__k6.post(url, body, params);
}
export default { post, expectedStatuses };
