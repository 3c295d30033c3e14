package wstest

import "log"

// TB is the part of testing.TB that wstest's helpers use. *testing.T,
// *testing.B and *testing.F satisfy it; so can a fake, to test a helper's own
// failure path.
//
// Helpers call Fatalf only from the goroutine that called them; failures
// found on other goroutines are reported with Errorf.
//
// A TB may also have the method ArtifactDir() string, as *testing.T, B
// and F have since Go 1.26. When the test runs with go test -artifacts, a
// failing AssertBackoff, AssertAttempts or AssertConformance (and their
// Require twins) then draws the attempt log as an HTML page in that
// directory, a lane per attempt with the gaps between them (the ones off
// the policy marked), and names the file in its failure message. Without
// the method, or without the flag, nothing is drawn.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// standaloneTB stands in for a nil TB outside tests: it logs failures to
// standard error and registers no cleanup (the caller closes).
type standaloneTB struct{}

func (standaloneTB) Helper() {}

func (standaloneTB) Errorf(format string, args ...any) { log.Printf(format, args...) }

func (standaloneTB) Fatalf(format string, args ...any) { log.Panicf(format, args...) }

func (standaloneTB) Cleanup(func()) {}
