// Stand-in for k6/execution: the iteration number is the test's to set.
export default {
  get scenario() {
    return { name: globalThis.__k6.scenario, iterationInTest: globalThis.__k6.iteration };
  },
};
