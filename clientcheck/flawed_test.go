package clientcheck_test

import (
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/clientcheck/internal/flawed"
)

// The cases each bug must fail, and nothing else, and what each of those
// failures says. The sets follow from the bug: a hot loop on 1006 shows
// wherever an open connection drops, a leak per reconnect wherever the
// client reconnects, a connection left open wherever one is open at the
// stop.
var (
	drops      = []string{"drop/at-open", "drop/after-healthy", "drop/mid-message", "drop/reset", "drop/flapping"}
	closes     = []string{"close/1000", "close/1001", "close/1011", "close/1012", "close/1013", "close/4000", "close/no-code"}
	deadLinks  = []string{"fault/half-open", "fault/blackhole-to-client", "fault/blackhole-both", "fault/stall", "heartbeat/withheld"}
	slowLinks  = []string{"fault/stall-short", "fault/latency", "fault/bandwidth", "heartbeat/late", "session/long"}
	refusals   = []string{"refuse/503", "refuse/503-retry-after", "refuse/500", "refuse/404"}
	handshakes = []string{"handshake/hang", "handshake/slow", "handshake/abort", "handshake/no-subprotocol", "handshake/unoffered-subprotocol"}
	outages    = []string{"outage/crash", "outage/down"}
	frames     = []string{"frame/reserved-opcode", "frame/rsv1", "frame/bad-utf8", "frame/masked", "frame/fragmented-ping", "frame/stray-continuation"}
	tlsCases   = []string{"tls/expired-certificate", "tls/wrong-host", "tls/hang"}
	reconnects = concat(drops, closes, deadLinks, slowLinks, frames, outages, []string{"backoff/reset", "backoff/short-uptime"})
)

var caught = []struct {
	bug   flawed.Bug
	cases []string
	// says holds what the failure of each of them says: one of these.
	says []string
}{
	{flawed.None, nil, nil},
	{flawed.NoBackoffReset, []string{"backoff/reset"}, []string{"later than the policy allows"}},
	// The real client fails a connection on an invalid frame as the
	// browser does: close 1006.
	{flawed.HotLoopOnDrop, concat(drops, frames, []string{"outage/crash", "backoff/reset", "backoff/short-uptime"}), []string{"sooner than the policy allows"}},
	{flawed.NoResubscribeAfter1012, []string{"close/1012"}, []string{`healthy: attempt 2 (#2), step 1: want JSON containing {"op":"subscribe"}, got nothing within 2s`}},
	// A client that never notices a half-open connection never comes
	// back; on a link that swallows everything, it keeps the connection.
	{flawed.DeafKeepalive, deadLinks, []string{"it stopped coming back", "it never noticed the connection was dead"}},
	{flawed.LeakPerReconnect, reconnects, []string{"of the client still running after stop returned"}},
	// Where the server has dropped the old connection, only the client
	// holds two: it waits for ever for the old one's close event. Where
	// the server closes the old one just before the new one comes, the
	// new one is too soon after it: the client gave it up without a word.
	{flawed.TwoConnections, concat(deadLinks, []string{"fault/bandwidth"}), []string{"two connections at once", "stop: flawed: Stop: context deadline exceeded", "sooner than the policy allows"}},
	{flawed.NeverGivesUp, []string{"refuse/401", "refuse/403", "close/give-up", "backoff/gives-up"}, []string{"gives-up: attempt #"}},
	{flawed.GivesUpEarly, []string{"backoff/grows", "backoff/gives-up"}, []string{"it stopped coming back"}},
	// The in-memory transport's dialer gives up on its own, after 45 s.
	{flawed.IgnoresConnectTimeout, []string{"handshake/hang", "tls/hang"}, []string{"want 4s (ConnectTimeout)", "want it given up after 4s (ConnectTimeout)"}},
	{flawed.LeavesConnectionOpen, concat(refusals, handshakes, tlsCases, reconnects, []string{"backoff/grows", "stop/connected", "stop/no-close-reply", "stop/while-connecting"}), []string{"the client did not"}},
	// The explorer's bugs. Two pass the whole battery: its cases reach
	// their order of events (drop/at-open drops before the subscription
	// is acknowledged, every close case closes while the client flushes),
	// but no built-in invariant reads what the client sent twice or never
	// (TestExploreFindsTheOrderBugs holds them to the harness's own). A
	// reset on open is a reset before the uptime: the cases that drop
	// short connections catch it.
	{flawed.DoubleSubscribe, nil, nil},
	{flawed.ResetOnOpen, []string{"backoff/short-uptime", "drop/flapping"}, []string{"sooner than the policy allows"}},
	{flawed.LosesQueuedOnClose, nil, nil},
}

func concat(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// TestFlawedClientsFailTheirCases: each bug fails exactly the cases of its
// class, on the fake (where the wire's case is skipped) and in memory, and
// each failure says what went wrong; the client without a bug passes the
// whole battery.
func TestFlawedClientsFailTheirCases(t *testing.T) {
	for _, tr := range []struct {
		name string
		opt  clientcheck.Option
	}{{"fake", clientcheck.OnFake()}, {"memory", clientcheck.InMemory()}} {
		for _, c := range caught {
			t.Run(tr.name+"/"+c.bug.String(), func(t *testing.T) {
				h := flawed.Harness(c.bug)
				var failed []string
				for _, cs := range clientcheck.Cases() {
					synctest.Test(t, func(t *testing.T) {
						res := cs.Run(t.Context(), h, tr.opt)
						if res.Err == nil {
							return
						}
						failed = append(failed, cs.Name)
						if msg := res.Err.Error(); !slices.ContainsFunc(c.says, func(s string) bool { return strings.Contains(msg, s) }) {
							t.Errorf("%s fails, but says none of %q:\n%s", cs.Name, c.says, msg)
						}
					})
				}
				want := slices.DeleteFunc(slices.Clone(c.cases), func(name string) bool {
					return tr.name == "fake" && wireOnly(name) // no wire: skipped
				})
				slices.Sort(want)
				slices.Sort(failed)
				if !slices.Equal(failed, want) {
					t.Errorf("failed cases:\n  got  %q\n  want %q", failed, want)
				}
			})
		}
	}
}

// wireOnly says the case needs a wire (or TLS), and is skipped on the
// fake.
func wireOnly(name string) bool {
	return name == "drop/mid-message" || strings.HasPrefix(name, "frame/") || strings.HasPrefix(name, "tls/")
}
