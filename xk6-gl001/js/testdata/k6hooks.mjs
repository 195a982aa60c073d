// Module resolution hooks for node --test: k6's built-in modules resolve
// to the stand-ins in ./k6/, which hand every call to globalThis.__k6 so a
// test can answer requests and read the samples. Registered with
// module.register by gl001.test.js.
const stubs = new URL('./k6/', import.meta.url);

export async function resolve(specifier, context, next) {
  if (specifier === 'k6' || specifier.startsWith('k6/')) {
    const name = specifier === 'k6' ? 'index' : specifier.slice('k6/'.length);
    return { url: new URL(name + '.js', stubs).href, shortCircuit: true };
  }
  return next(specifier, context);
}
