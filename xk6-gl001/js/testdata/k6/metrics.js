// Stand-in for k6/metrics: every add lands in globalThis.__k6.samples.
class Metric {
  constructor(type, name, isTime) {
    this.type = type;
    this.name = name;
    this.isTime = Boolean(isTime);
    globalThis.__k6.declared.push({ type, name, isTime: this.isTime });
  }
  add(value, tags) {
    globalThis.__k6.samples.push({ name: this.name, value: Number(value), tags: Object.assign({}, tags) });
  }
}
export class Trend extends Metric {
  constructor(name, isTime) { super('trend', name, isTime); }
}
export class Rate extends Metric {
  constructor(name) { super('rate', name); }
}
export class Counter extends Metric {
  constructor(name) { super('counter', name); }
}
export class Gauge extends Metric {
  constructor(name, isTime) { super('gauge', name, isTime); }
}
