//go:build !race

package scenario

// raceEnabled: see race_internal_test.go.
const raceEnabled = false
