// Package artifacttest runs tests of the running test binary again under
// go test -artifacts, so that a test can check what the failures of
// others leave in their artifact directories (internal/htmlreport's
// drawings), with the real testing.T and the real flag.
//
// A test cannot check its own artifacts: testing.T.ArtifactDir keeps a
// directory only when the binary runs with -artifacts, and a failure that
// leaves a drawing must really fail. So the checking test reruns, in a
// child process of the same binary, the tests that fail on purpose; those
// skip unless the environment variable Rerun sets is there, so that a
// plain go test passes.
//
// # Where it fits
//
// The tests of wstest (AssertBackoff, AssertAttempts and
// AssertConformance draw their failures) and of scenario (a failed Play
// draws its report) use it; it imports nothing of the module, and nothing
// but tests may import it.
//
// It is not a way to run another package's tests (the child is this
// binary), nor a subprocess harness for anything else: it passes the
// testing flags it needs and no others.
package artifacttest
