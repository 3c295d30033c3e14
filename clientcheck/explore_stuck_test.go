package clientcheck_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/clientcheck/internal/flawed"
	"github.com/wsdouble/wsdouble/internal/artifacttest"
)

// stuck is the flawed client without a bug, but for one goroutine it
// starts with every client and leaves blocked for ever on a channel no one
// closes: synctest ends such a bubble with a deadlock panic.
var stuck = func() clientcheck.Harness {
	h := flawed.Harness(flawed.None)
	start := h.Start
	h.Name = "stuck"
	h.Start = func(ctx context.Context, target clientcheck.Target) (func(context.Context) error, error) {
		never := make(chan struct{})
		go func() { <-never }()
		return start(ctx, target)
	}
	return h
}()

// TestStuckClient: a client that leaves a goroutine blocked for ever is a
// schedule, or a case, that fails, saying why, not a test binary that
// stops at synctest's deadlock panic: Explore shrinks the schedule and
// reports its seed and script, Assert runs the next case. The children run
// in a process of their own: the goroutines they leave can never end.
func TestStuckClient(t *testing.T) {
	for _, c := range []struct {
		child string
		want  []string
	}{
		{"TestExploreStuckClientChild", []string{"blocked for ever", "shrunk"}},
		{"TestAssertStuckClientChild", []string{
			"blocked for ever",
			"--- FAIL: TestAssertStuckClientChild/refuse/503",
			"--- FAIL: TestAssertStuckClientChild/close/1012",
		}},
	} {
		t.Run(c.child, func(t *testing.T) {
			out, _, err := artifacttest.Rerun(t, "^"+c.child+"$", "WSDOUBLE_EXPLORE_CHILD")
			if err == nil {
				t.Fatalf("the child passed:\n%s", out)
			}
			for _, want := range append(c.want, "--- FAIL: "+c.child, "of the client still running after stop returned") {
				if !strings.Contains(out, want) {
					t.Errorf("the child's output has no %q:\n%s", want, out)
				}
			}
			if strings.Contains(out, "panic:") {
				t.Errorf("the child panicked:\n%s", out)
			}
		})
	}
}

func TestExploreStuckClientChild(t *testing.T) {
	if os.Getenv("WSDOUBLE_EXPLORE_CHILD") == "" {
		t.Skip("run by TestStuckClient, and fails on purpose")
	}
	clientcheck.Explore(t, stuck, clientcheck.Shrinks(20))
}

func TestAssertStuckClientChild(t *testing.T) {
	if os.Getenv("WSDOUBLE_EXPLORE_CHILD") == "" {
		t.Skip("run by TestStuckClient, and fails on purpose")
	}
	clientcheck.Assert(t, stuck, clientcheck.Only("refuse/503", "close/1012"))
}
