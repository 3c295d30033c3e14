package bubbletest_test

import (
	"flag"
	"io"
	"os"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble/internal/bubbletest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestRunOnceWhateverTheFlags: with -test.count 3, a -test.run that
// selects nothing and a -test.skip that skips everything, Run still calls
// its function exactly once per call, in a bubble, and leaves the flags as
// they were.
func TestRunOnceWhateverTheFlags(t *testing.T) {
	flags := map[string]string{"test.count": "3", "test.run": "^$", "test.skip": "."}
	for name, value := range flags {
		f := flag.Lookup(name)
		old := f.Value.String()
		if err := f.Value.Set(value); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Value.Set(old) })
	}
	var runs, calls, virtual int
	testing.Benchmark(func(b *testing.B) {
		runs++
		bubbletest.Run(b, func(*testing.T) {
			calls++
			start := time.Now()
			time.Sleep(time.Hour)
			if start.Year() == 2000 && time.Since(start) == time.Hour {
				virtual++
			}
		})
	})
	if runs == 0 || calls != runs {
		t.Errorf("Run called %d times: got %d calls of its function, want %d", runs, calls, runs)
	}
	if virtual != calls {
		t.Errorf("%d of %d calls ran on virtual time", virtual, calls)
	}
	for name, want := range flags {
		if got := flag.Lookup(name).Value.String(); got != want {
			t.Errorf("-%s after Run: got %q, want %q", name, got, want)
		}
	}
}

// TestTOutsideABubble: T calls its function once per call, on real time,
// with a *testing.T that can make bubbles of its own.
func TestTOutsideABubble(t *testing.T) {
	var runs, calls, inner int
	testing.Benchmark(func(b *testing.B) {
		runs++
		bubbletest.T(b, func(t *testing.T) {
			calls++
			if time.Now().Year() == 2000 {
				t.Error("T's function runs in a bubble")
			}
			synctest.Test(t, func(*testing.T) { inner++ })
		})
	})
	if runs == 0 || calls != runs || inner != calls {
		t.Errorf("T called %d times: %d calls of its function, %d bubbles made in them; want %d of each", runs, calls, inner, runs)
	}
}

// TestInTestQuietlyOnce: InTest calls its function once, with a
// *testing.T that can make bubbles, prints nothing for a test that
// passes, even under -v, and says that it passed.
func TestInTestQuietlyOnce(t *testing.T) {
	v := flag.Lookup("test.v")
	old := v.Value.String()
	v.Value.Set("true")
	defer v.Value.Set(old)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout := os.Stdout
	os.Stdout = w
	calls := 0
	passed := bubbletest.InTest(func(t *testing.T) {
		calls++
		synctest.Test(t, func(*testing.T) {})
	})
	os.Stdout = stdout
	w.Close()
	out, _ := io.ReadAll(r)
	if !passed || calls != 1 || len(out) > 0 || v.Value.String() != "true" {
		t.Errorf("InTest: passed %v, %d calls, printed %q, -test.v %s after; want true, 1, nothing, true", passed, calls, out, v.Value.String())
	}
}
