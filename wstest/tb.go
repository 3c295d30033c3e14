package wstest

// TB is the part of testing.TB that wstest's helpers use. *testing.T,
// *testing.B and *testing.F satisfy it; so can a fake, to test a helper's own
// failure path.
//
// Helpers call Fatalf only from the goroutine that called them; failures
// found on other goroutines are reported with Errorf.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
}
