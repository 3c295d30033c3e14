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

// TestExploreStuckClient: a client that leaves a goroutine blocked for
// ever is a schedule that fails, found and shrunk like any other, not a
// test binary that stops at synctest's deadlock panic with no seed and no
// script. The child runs in a process of its own: the goroutines it
// leaves can never end.
func TestExploreStuckClient(t *testing.T) {
	out, _, err := artifacttest.Rerun(t, "^TestExploreStuckClientChild$", "WSDOUBLE_EXPLORE_CHILD")
	if err == nil {
		t.Fatalf("the child passed:\n%s", out)
	}
	for _, want := range []string{
		"--- FAIL: TestExploreStuckClientChild",
		"of the client still running after stop returned",
		"blocked for ever",
		"shrunk",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the child's output has no %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "panic:") {
		t.Errorf("the child panicked:\n%s", out)
	}
}

func TestExploreStuckClientChild(t *testing.T) {
	if os.Getenv("WSDOUBLE_EXPLORE_CHILD") == "" {
		t.Skip("run by TestExploreStuckClient, and fails on purpose")
	}
	clientcheck.Explore(t, stuck, clientcheck.Shrinks(20))
}

// TestAssertStuckClient: so do the battery's cases under Assert: each
// fails, saying why, and the next one runs.
func TestAssertStuckClient(t *testing.T) {
	out, _, err := artifacttest.Rerun(t, "^TestAssertStuckClientChild$", "WSDOUBLE_EXPLORE_CHILD")
	if err == nil {
		t.Fatalf("the child passed:\n%s", out)
	}
	for _, want := range []string{
		"--- FAIL: TestAssertStuckClientChild/refuse/503",
		"--- FAIL: TestAssertStuckClientChild/close/1012",
		"of the client still running after stop returned",
		"blocked for ever",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the child's output has no %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "panic:") {
		t.Errorf("the child panicked:\n%s", out)
	}
}

func TestAssertStuckClientChild(t *testing.T) {
	if os.Getenv("WSDOUBLE_EXPLORE_CHILD") == "" {
		t.Skip("run by TestAssertStuckClient, and fails on purpose")
	}
	clientcheck.Assert(t, stuck, clientcheck.Only("refuse/503", "close/1012"))
}
