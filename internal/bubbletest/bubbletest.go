package bubbletest

import (
	"cmp"
	"flag"
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
)

// innerFlags are the flags testing.RunTests reads at each call, and the
// values the inner run needs.
var innerFlags = [...]struct{ name, value string }{
	{"test.count", "1"},
	{"test.run", ""},
	{"test.skip", ""},
}

// Run calls f once, inside a new bubble, timing it as the benchmark's b.N
// operations. f must do b.N operations itself and must not use b's timer.
// Run must not be called concurrently (benchmarks run one at a time).
func Run(b *testing.B, f func(t *testing.T)) {
	b.Helper()
	T(b, func(t *testing.T) { synctest.Test(t, f) })
}

// InTest calls f once with a *testing.T, outside any bubble, as a test
// of its own, quietly (no -v lines, whatever the command line says), and
// reports whether it passed; a failure prints as a failed test does. It
// is for an Example, which has no *testing.T, of an API that needs one:
// clientcheck's ExampleFind. It must not be called concurrently.
func InTest(f func(t *testing.T)) (passed bool) {
	restore, err := set(append(innerFlags[:], struct{ name, value string }{"test.v", "false"}))
	if err != nil {
		panic(err) // the flags testing.Init registers take these values
	}
	defer restore()
	procs := runtime.GOMAXPROCS(0)
	ran := false
	match := func(pat, str string) (bool, error) { return true, nil }
	passed = testing.RunTests(match, []testing.InternalTest{{Name: "bubbletest", F: func(t *testing.T) {
		if !ran { // once, whatever -test.cpu says
			ran = true
			runtime.GOMAXPROCS(procs)
			f(t)
		}
	}}})
	runtime.GOMAXPROCS(procs)
	return passed
}

// T calls f once with a *testing.T, outside any bubble, timing it as the
// benchmark's b.N operations: for work that makes bubbles of its own
// (clientcheck.Explore plays each schedule in one). As for Run, f does
// b.N operations itself and T must not be called concurrently.
func T(b *testing.B, f func(t *testing.T)) {
	b.Helper()
	restore := setFlags(b)
	defer restore()
	procs := runtime.GOMAXPROCS(0)
	ran := false
	match := func(pat, str string) (bool, error) { return true, nil }
	b.ResetTimer()
	ok := testing.RunTests(match, []testing.InternalTest{{
		Name: cmp.Or(b.Name(), "bubbletest"),
		F: func(t *testing.T) {
			if ran {
				return // a further value of -test.cpu
			}
			ran = true
			if runtime.GOMAXPROCS(0) != procs {
				runtime.GOMAXPROCS(procs)
			}
			f(t)
		},
	}})
	b.StopTimer()
	if runtime.GOMAXPROCS(0) != procs {
		runtime.GOMAXPROCS(procs)
	}
	if !ok {
		b.Fatal("bubbletest: the inner run failed (see the output above)")
	}
}

// setFlags sets innerFlags and returns a function that restores them.
func setFlags(b *testing.B) (restore func()) {
	restore, err := set(innerFlags[:])
	if err != nil {
		b.Fatal(err)
	}
	return restore
}

// set sets each flag, and returns how to set them back.
func set(flags []struct{ name, value string }) (restore func(), err error) {
	var undo []func()
	for _, fl := range flags {
		f := flag.Lookup(fl.name)
		if f == nil {
			continue // testing.Init registers them all; nothing to do if not
		}
		old := f.Value.String()
		if err := f.Value.Set(fl.value); err != nil {
			return nil, fmt.Errorf("bubbletest: setting -%s=%q: %w", fl.name, fl.value, err)
		}
		undo = append(undo, func() { f.Value.Set(old) })
	}
	return func() {
		for _, u := range undo {
			u()
		}
	}, nil
}
