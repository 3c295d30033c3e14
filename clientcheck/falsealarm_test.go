package clientcheck_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/clientcheck/internal/flawed"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The schedules Explore found against the client without a bug, while its
// property was being wired to the checker: each broke a built-in
// invariant that held the client to more than it could know. Each is
// played here against that client, whose invariants must hold.

// session is an accepted attempt of the flawed harness h: its Rules, then
// its Healthy steps (unless bare), then steps.
func session(h clientcheck.Harness, bare bool, acts ...scenario.Action) scenario.Attempt {
	a := scenario.Attempt{Answer: scenario.Accept{}, Rules: h.Rules}
	if !bare {
		a.Steps = append(a.Steps, h.Healthy...)
	}
	for _, act := range acts {
		a.Steps = append(a.Steps, scenario.Step{Action: act})
	}
	return a
}

func inject(f wstest.Fault) scenario.Action { return scenario.Inject{Fault: f} }

func TestInvariantsHoldForACorrectClient(t *testing.T) {
	h := flawed.Harness(flawed.None)
	withAnswer := func(a scenario.Attempt, ans scenario.Answer) scenario.Attempt { a.Answer = ans; return a }
	withAfter := func(a scenario.Attempt, d time.Duration) scenario.Attempt { a.After = d; return a }
	withoutRules := func(a scenario.Attempt) scenario.Attempt { a.Rules = nil; return a }
	for _, tc := range []struct {
		name     string
		why      string
		memory   bool
		attempts []scenario.Attempt
	}{
		{"no-subprotocol", "healthy: the client must fail a connection accepted without the subprotocol it offered (RFC 6455 §4.1), before it could subscribe", false,
			[]scenario.Attempt{withAnswer(session(h, false), scenario.Accept{Subprotocol: wstest.NoSubprotocol})}},
		{"blackhole-then-4001", "gives-up: a blackhole kept the close code the policy gives up on from the client, whose keepalive gave the connection up first", false,
			[]scenario.Attempt{session(h, false, inject(wstest.Blackhole()), scenario.Close{Code: 4001})}},
		{"close-reply-lost", "backoff: the client took the server's close at once and retried; its answer was lost (a blackhole from it), so the server saw the connection end 5 s later, as up past ResetAfter", false,
			[]scenario.Attempt{
				{Answer: scenario.Refuse{Status: 503}},
				session(h, false, inject(wstest.Blackhole().Only(wstest.FromClient)), scenario.Close{Code: 1000}),
				withAfter(session(h, false), 4100*time.Millisecond),
			}},
		{"no-close-reply-then-down", "backoff: the client's keepalive closed a connection the server held unanswered (no close reply), then dropped while down: the client had let go 0.5 s before, and a dial refused meanwhile was its retry", false,
			[]scenario.Attempt{withoutRules(session(h, false, inject(wstest.NoCloseReply()), scenario.Wait{Duration: 14900 * time.Millisecond}, scenario.Down{Duration: 2 * time.Second}, scenario.Drop{}))}},
		{"slicer-then-drop", "backoff, one-connection: a slicer towards the client held the pong back, the keepalive closed the connection, and the answer to its close frame queued behind the slicer until the server's drop 11 s later", false,
			[]scenario.Attempt{session(h, false, inject(wstest.Slicer(1, 2*time.Second)), scenario.Send{Message: wsdouble.Text(`{"op":"event"}`)}, scenario.Drop{})}},
		{"raw-then-4001", "gives-up: the client failed the connection on a reserved opcode (RFC 6455 §7.1.7) before the close code the policy gives up on came", true,
			[]scenario.Attempt{session(h, false, scenario.Raw{Frame: wstest.Frame{Opcode: 3, Payload: []byte("x")}}, scenario.Close{Code: 4001})}},
		{"no-subprotocol-then-4001", "gives-up: the client failed a connection accepted without its subprotocol before the close code came", true,
			[]scenario.Attempt{withAnswer(session(h, true, scenario.Close{Code: 4001}), scenario.Accept{Subprotocol: wstest.NoSubprotocol})}},
		{"dropped-then-healed", "backoff: a blackhole applied as the connection was dropped hid the drop from the client, though a heal came after the end", true,
			[]scenario.Attempt{session(h, false, inject(wstest.DropAfterMessages(0)), inject(wstest.Blackhole()), scenario.Wait{Duration: 100 * time.Millisecond}, scenario.Heal{})}},
		{"drop-all-during-dial", "backoff: the client learnt of an attempt dropped mid-handshake a nanosecond after the server logged it, and its retry came a nanosecond past the delay (abortNotice)", false,
			[]scenario.Attempt{session(h, false, inject(wstest.LimitData(3)), scenario.Wait{Duration: time.Second}, scenario.DropAll{})}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			healthy := session(h, false)
			healthy.Label, healthy.Repeat = "healthy", true
			s := &scenario.Script{Name: tc.name, Attempts: append(tc.attempts, healthy)}
			opts := []clientcheck.Option{clientcheck.OnFake()}
			if tc.memory {
				opts = []clientcheck.Option{clientcheck.InMemory()}
			}
			synctest.Test(t, func(t *testing.T) {
				o, err := clientcheck.Play(t.Context(), h, s, opts...)
				if err != nil {
					t.Fatal(err)
				}
				if err := clientcheck.CheckInvariants(o); err != nil {
					t.Errorf("%s\n%v", tc.why, err)
				}
			})
		})
	}
}
