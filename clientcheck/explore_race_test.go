//go:build race

package clientcheck_test

// race says the race detector is on: it slows everything about six times,
// and rates are not measured.
const race = true
