// Package bubbletest runs a benchmark's work inside a testing/synctest
// bubble, so that it runs on virtual time.
//
// synctest.Test needs a *testing.T, which a benchmark does not have; Run
// gets one from testing.RunTests, the function behind `go test`. The
// benchmark timer must not be touched inside the bubble (its clock is
// virtual): Run resets it just before entering and stops it on leaving.
package bubbletest

import (
	"testing"
	"testing/synctest"
)

// Run calls f once, inside a new bubble, timing it as the benchmark's b.N
// operations. f must do b.N operations itself and must not use b's timer.
func Run(b *testing.B, f func(t *testing.T)) {
	b.Helper()
	match := func(pat, str string) (bool, error) { return true, nil }
	b.ResetTimer()
	ok := testing.RunTests(match, []testing.InternalTest{{
		Name: b.Name(),
		F:    func(t *testing.T) { synctest.Test(t, f) },
	}})
	b.StopTimer()
	if !ok {
		b.Fatal("bubbletest: the bubble failed (see the output above)")
	}
}
