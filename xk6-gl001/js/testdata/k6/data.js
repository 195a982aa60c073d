// Stand-in for k6/data: a SharedArray is the callback's array, each
// element a copy as k6 hands it out.
export class SharedArray {
  constructor(name, fn) {
    const a = fn();
    if (!Array.isArray(a)) throw new Error(`SharedArray ${name}: the callback must return an array`);
    globalThis.__k6.shared.push(name);
    return Object.freeze(a.map((v) => JSON.parse(JSON.stringify(v))));
  }
}
