package dispatch

// Commit exposes commit to the black-box tests' greedy reference dispatch,
// so that it is compared with the LP under the same commitment.
var Commit = commit
