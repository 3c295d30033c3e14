//go:build !race

package clientcheck_test

// race says the race detector is on (see explore_race_test.go).
const race = false
