package clientcheck

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/wsdouble/wsdouble/internal/bubble"
)

// Run runs the cases the options select (every case by default) against
// the client h describes, one after the other, in the caller's context
// (inside a synctest bubble, on virtual time), and returns what each did.
// The error is for a run that could not start: a bad option or harness.
func Run(ctx context.Context, h Harness, opts ...Option) ([]Result, error) {
	cfg := newConfig(opts)
	if cfg.err != nil {
		return nil, cfg.err
	}
	if err := h.validate(); err != nil {
		return nil, err
	}
	cs, err := selected(cfg)
	if err != nil {
		return nil, err
	}
	results := make([]Result, 0, len(cs))
	for _, c := range cs {
		if ctx.Err() != nil {
			break
		}
		results = append(results, c.Run(ctx, h, opts...))
	}
	return results, nil
}

// Check runs the cases, as Run does, and returns every failure joined
// into one error, each naming its case and showing its timeline, or nil
// when every case passed or did not apply. It takes no testing.T: use
// Assert in a test. Every case skipped because the client could not use
// its target (ErrUnsupported) is an error too: a client of a gorilla
// Dialer checked on the fake passes nothing.
func Check(ctx context.Context, h Harness, opts ...Option) error {
	results, err := Run(ctx, h, opts...)
	if err != nil {
		return err
	}
	return summary(h, newConfig(opts), results)
}

// summary is the error of a run of results, or nil.
func summary(h Harness, cfg config, results []Result) error {
	var failed []error
	unsupported := 0
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, r.Err)
		}
		if strings.Contains(r.Skipped, ErrUnsupported.Error()) {
			unsupported++
		}
	}
	name := h.Name
	if name == "" {
		name = "the client"
	}
	switch {
	case len(failed) > 0:
		return fmt.Errorf("clientcheck: %s: %d of %d cases failed on %s:\n%w", name, len(failed), len(results), transportText(cfg.transport), errors.Join(failed...))
	case len(results) > 0 && unsupported == len(results):
		return fmt.Errorf("clientcheck: %s: every case was skipped on %s: %s", name, transportText(cfg.transport), results[0].Skipped)
	}
	return nil
}

// Assert runs each case the options select as a subtest of t named for
// it (go test -run 'TestX/refuse/503' runs one), and reports its failure
// with t.Error: the violations and the timeline. A case that does not
// apply to the client is skipped, saying why. Each case runs in a
// synctest bubble of its own, on virtual time (on the loopback transport,
// on real time; and if t runs in a bubble already, in that one). It
// returns whether every case passed.
//
// A goroutine of the client that outlives its stop fails the case (see
// Play). One that blocks for ever, on a channel nothing will close, also
// makes the case's bubble end in synctest's deadlock panic ("deadlock:
// main bubble goroutine has exited but blocked goroutines remain"), which
// fails the case too and lets the next ones run: the goroutines stay
// blocked until the process ends.
func Assert(t *testing.T, h Harness, opts ...Option) bool {
	t.Helper()
	cfg := newConfig(opts)
	if cfg.err == nil {
		cfg.err = h.validate()
	}
	cs, err := selected(cfg)
	if cfg.err != nil || err != nil {
		t.Errorf("%v", errors.Join(cfg.err, err))
		return false
	}
	results := make([]Result, 0, len(cs))
	for _, c := range cs {
		t.Run(c.Name, func(t *testing.T) {
			t.Helper()
			var res Result
			run := func(t *testing.T) {
				t.Helper()
				res = c.Run(t.Context(), h, opts...)
				if res.Err != nil {
					t.Errorf("%v", res.Err)
				}
			}
			if cfg.transport == TransportLoopback || bubble.ID() != 0 {
				run(t)
			} else {
				runInBubble(t, run)
			}
			results = append(results, res)
			if res.Skipped != "" {
				t.Skip(res.Skipped) // out here: a skip inside the bubble reads as a pass
			}
		})
	}
	if err := summary(h, cfg, results); err != nil && !t.Failed() {
		t.Errorf("%v", err)
	}
	return !t.Failed()
}

// runInBubble runs run in a synctest bubble of its own, and fails t, rather
// than the test binary, when the bubble ends with goroutines blocked for
// ever (synctest.Test's deadlock panic, raised once run has returned).
func runInBubble(t *testing.T, run func(t *testing.T)) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%v", deadlocked(r))
		}
	}()
	synctest.Test(t, run)
}

// deadlocked is the error of a bubble that ended in synctest's deadlock
// panic r, for Assert's cases and Explore's schedules alike.
func deadlocked(r any) error {
	return fmt.Errorf("clientcheck: the bubble ended with goroutines blocked for ever (synctest: %v)", r)
}

// Require is Assert, but stops the test with t.FailNow when a case failed.
func Require(t *testing.T, h Harness, opts ...Option) {
	t.Helper()
	if !Assert(t, h, opts...) {
		t.FailNow()
	}
}
