// Package executor runs k6's open-model arrival-rate scenarios,
// constant-arrival-rate and ramping-arrival-rate, natively in Go. It is
// compatible with k6 by names and behaviour, not by code (k6 is AGPL and is
// neither linked nor copied).
//
// The package is three layers, each usable alone:
//
//   - Config is a k6 scenario object (options.scenarios.<name>) with k6's
//     JSON names and defaults: DecodeConfig reads one strictly, Validate
//     reports every problem at once, and RateAt / ExpectedIterations give
//     the target profile for "achieved vs target".
//   - Schedule is the arrival plan as a pure function of the arrival index,
//     with no clock: Next(i) is the offset of arrival i from the scenario
//     start. Its doc states the arrival rule (which arrivals exist and
//     exactly when), taken from k6.
//   - Executor runs a Schedule against VUs (goroutines): an arrival that
//     finds no free VU, and no VU left to allocate under maxVUs, is dropped
//     and counted, never queued, so a slow target cannot slow the load.
//     Iterations receive their scheduled start time so latency can be
//     measured from it (no coordinated omission). Run owns every goroutine
//     and shuts them down in one ordered place: stop scheduling, wait up to
//     gracefulStop, interrupt, wait for every VU.
//
// Time is read only through the time package (timers, time.Now), so the
// executor runs unchanged inside a testing/synctest bubble, where its tests
// check exact arrival counts and times in simulated time.
package executor
