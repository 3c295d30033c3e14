package clientcheck_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/clientcheck/internal/flawed"
	"github.com/wsdouble/wsdouble/scenario"
)

func TestSelect(t *testing.T) {
	for _, tt := range []struct {
		opts  []clientcheck.Option
		first string
		n     int
		err   string
	}{
		{opts: nil, first: "refuse/503", n: len(clientcheck.Cases())},
		{opts: []clientcheck.Option{clientcheck.Only("close/*")}, first: "close/1000", n: 8},
		{opts: []clientcheck.Option{clientcheck.Only("close/*", "refuse/503"), clientcheck.Skip("close/1*")}, first: "refuse/503", n: 4},
		{opts: []clientcheck.Option{clientcheck.Only("clos/*")}, err: `clientcheck: Only("clos/*"): no case matches`},
		{opts: []clientcheck.Option{clientcheck.Skip("[")}, err: `clientcheck: bad case pattern "[": syntax error in pattern`},
	} {
		cs, err := clientcheck.Select(tt.opts...)
		switch {
		case tt.err != "":
			if err == nil || err.Error() != tt.err {
				t.Errorf("Select: %v, want %s", err, tt.err)
			}
		case err != nil || len(cs) != tt.n || cs[0].Name != tt.first:
			t.Errorf("Select: %d cases from %v (%v), want %d from %s", len(cs), names(cs), err, tt.n, tt.first)
		}
	}
}

func names(cs []clientcheck.Case) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

// TestCheckNamesTheFailedCases: Check's error counts the failed cases and
// shows each; nil when all pass.
func TestCheckNamesTheFailedCases(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		err := clientcheck.Check(t.Context(), flawed.Harness(flawed.NoResubscribeAfter1012), clientcheck.Only("close/*"))
		const head = "clientcheck: flawed client (no-resubscribe-after-1012): 1 of 8 cases failed on the fake:\nclose/1012: the server closes with 1012"
		if err == nil || !strings.HasPrefix(err.Error(), head) {
			t.Errorf("Check: %v\nwant it to start with %q", err, head)
		}
		var v *clientcheck.Violation
		if !errors.As(err, &v) || v.Invariant != "healthy" || v.Attempt != 2 {
			t.Errorf("Check: the violation is %#v, want healthy, attempt #2", v)
		}
		if err := clientcheck.Check(t.Context(), flawed.Harness(flawed.None), clientcheck.Only("close/*")); err != nil {
			t.Errorf("Check of the client without a bug: %v", err)
		}
	})
}

// TestCheckUnsupportedEverywhere: a client that can use no target the
// transport offers fails Check, rather than passing on skips alone.
func TestCheckUnsupportedEverywhere(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := flawed.Harness(flawed.None)
		h.Start = func(context.Context, clientcheck.Target) (func(context.Context) error, error) {
			return nil, fmt.Errorf("%w: it needs a Dialer", clientcheck.ErrUnsupported)
		}
		err := clientcheck.Check(t.Context(), h, clientcheck.Only("refuse/*"))
		const want = "clientcheck: flawed client (none): every case was skipped on the fake: starting the client: clientcheck: the client cannot use this target: it needs a Dialer"
		if err == nil || err.Error() != want {
			t.Errorf("Check: %v\nwant %s", err, want)
		}
	})
}

func TestPlayErrors(t *testing.T) {
	ok, err := scenario.New("ok").Attempt().Accept().Build()
	if err != nil {
		t.Fatal(err)
	}
	noStart := flawed.Harness(flawed.None)
	noStart.Start = nil
	badPolicy := flawed.Harness(flawed.None)
	badPolicy.Policy.Backoff.Factor, badPolicy.Policy.Backoff.Max, badPolicy.Policy.MaxRetries = 0.5, time.Millisecond, -1
	synctest.Test(t, func(t *testing.T) {
		for _, tt := range []struct {
			h    clientcheck.Harness
			s    *scenario.Script
			opts []clientcheck.Option
			want string
		}{
			{noStart, ok, nil, "clientcheck: Harness: no Start"},
			{badPolicy, ok, nil, "clientcheck: Policy: Backoff.Factor 0.5 is not 0 (for 1) or a number of at least 1\nBackoff.Max 1ms is below Backoff.Min 1s\nnegative MaxRetries -1"},
			{flawed.Harness(flawed.None), &scenario.Script{}, nil, "clientcheck: Play: invalid script: no attempts"},
			{flawed.Harness(flawed.None), ok, []clientcheck.Option{clientcheck.Loopback()}, "clientcheck: Play: the loopback transport inside a synctest bubble: a socket never lets virtual time pass"},
		} {
			if _, err := clientcheck.Play(t.Context(), tt.h, tt.s, tt.opts...); err == nil || err.Error() != tt.want {
				t.Errorf("Play: %v, want %s", err, tt.want)
			}
		}
	})
}

// TestLoopback runs cases on real time, against the flawed clients at a
// tenth of their durations: the one without a bug passes, the hot loop is
// caught.
func TestLoopback(t *testing.T) {
	if testing.Short() {
		t.Skip("a few seconds of real time")
	}
	t.Parallel()
	only := clientcheck.Only("refuse/503", "drop/after-healthy", "frame/bad-utf8")
	if err := clientcheck.Check(t.Context(), flawed.RealTime(flawed.None), clientcheck.Loopback(), only); err != nil {
		t.Errorf("Check: %v", err)
	}
	err := clientcheck.Check(t.Context(), flawed.RealTime(flawed.HotLoopOnDrop), clientcheck.Loopback(), only)
	if err == nil || !strings.Contains(err.Error(), "2 of 3 cases failed on loopback") || !strings.Contains(err.Error(), "sooner than the policy allows") {
		t.Errorf("Check of a hot loop: %v, want drop/after-healthy and frame/bad-utf8 failed", err)
	}
}

// TestPlayKeepsTheClientsState: what the client's Start gave
// Target.Expose is read once the client has stopped, as Outcome.State:
// here what the flawed client still holds to deliver, all of it while
// every acknowledgement is withheld, none once they all came.
func TestPlayKeepsTheClientsState(t *testing.T) {
	h := flawed.Harness(flawed.None)
	withheld := scenario.Attempt{Answer: scenario.Accept{}, Steps: h.Healthy, Repeat: true}
	answered := withheld
	answered.Rules = h.Rules
	for _, tc := range []struct {
		name string
		a    scenario.Attempt
		want int
	}{{"withheld", withheld, len(flawed.Queued)}, {"answered", answered, 0}} {
		synctest.Test(t, func(t *testing.T) {
			o, err := clientcheck.Play(t.Context(), h, &scenario.Script{Name: tc.name, Attempts: []scenario.Attempt{tc.a}})
			if err != nil {
				t.Fatal(err)
			}
			held, ok := o.State.([]wsdouble.Message)
			if !ok || len(held) != tc.want {
				t.Errorf("%s: State %#v, want %d messages held", tc.name, o.State, tc.want)
			}
		})
	}
}
