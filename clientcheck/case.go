package clientcheck

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// Case is one case of the battery: what the server does to the client
// (Doc), what a client that follows its policy does then (Expect), and the
// standard that decides it (Cite). Its script is built from the harness:
// every connection the server accepts plays the Healthy steps and the
// Rules first, but where the case says otherwise, and the script ends with
// a healthy connection that repeats, for a client that comes back.
//
// Run plays it with Play and checks the outcome against every invariant
// (Invariants) and against the case's own expectation, if it has one.
type Case struct {
	// Name is "family/what", for example "close/1012".
	Name string
	// Doc says what the server does.
	Doc string
	// Expect says what the client must do, beside the invariants.
	Expect string
	// Cite names the standard that decides it, or is empty.
	Cite string

	build func(e *caseEnv) (caseRun, string)
}

// caseRun is a case built for one harness: its script, the options it
// plays with, and its own expectation.
type caseRun struct {
	script *scenario.Script
	opts   []Option
	// expect checks what the invariants do not, or is nil.
	expect func(o *Outcome) error
}

// cases is every case, by family, in order. The names and their order are
// public: users run the cases as subtests by name. A new case is a row
// here and its builder in the file of its family, case_<family>.go
// (TestCaseLayout checks it).
var cases = []Case{
	{"refuse/503", "the handshake is refused with 503, then accepted", "retries after its first delay and is healthy again", "RFC 6455 §4.1 (a status other than 101 fails the connection), §7.2.3 (back off)", refuse503},
	{"refuse/503-retry-after", "503 with Retry-After, longer than the first delay, then accepted", "waits as long as Retry-After says if the policy honours it (RetryAfter), else its first delay", "RFC 9110 §10.2.3", refuse503RetryAfter},
	{"refuse/500", "500, then accepted", "retries after its first delay", "RFC 6455 §4.1", refuse500},
	{"refuse/401", "401, then accepted", "gives up if 401 is one of its GiveUpStatuses, else retries", "RFC 9110 §15.5.2", refuse401},
	{"refuse/403", "403, then accepted", "gives up if 403 is one of its GiveUpStatuses, else retries", "RFC 9110 §15.5.4", refuse403},
	{"refuse/404", "404, then accepted", "gives up if 404 is one of its GiveUpStatuses, else retries", "RFC 9110 §15.5.5", refuse404},
	{"handshake/hang", "the handshake is never answered, then the next one is", "gives the attempt up after ConnectTimeout, then retries after its first delay (skipped without a ConnectTimeout)", "", handshakeHang},
	{"handshake/slow", "every handshake is answered after half the ConnectTimeout", "waits for the answer and is healthy, without a second attempt", "", handshakeSlow},
	{"handshake/abort", "the connection closes mid-handshake, with no answer, then the next handshake is accepted", "retries after its first delay", "RFC 6455 §4.1", handshakeAbort},
	{"handshake/no-subprotocol", "the handshake is accepted without a subprotocol though the client offered some, then properly", "fails that connection and retries after its first delay (skipped without Protocols)", "Fetch: establish a WebSocket connection; RFC 6455 §4.1", handshakeNoSubprotocol},
	{"handshake/unoffered-subprotocol", "the handshake is accepted with a subprotocol the client did not offer, then properly", "fails that connection and retries after its first delay (skipped without Protocols)", "RFC 6455 §4.1: the client MUST fail the connection", handshakeUnofferedSubprotocol},
	{"tls/expired-certificate", "over wss://, the server's certificate has expired, for the first delay and half the second; then it is valid (in memory)", "refuses the certificate, retries after its first delay, and is healthy once it is valid", "RFC 5280 §6.1.3; RFC 6455 §4.1 (fail the connection)", tlsExpiredCertificate},
	{"tls/wrong-host", "over wss://, the server's certificate is for another name, for the first delay and half the second; then it is right (in memory)", "refuses the certificate, retries after its first delay, and is healthy once it is right", "RFC 6125 §6; RFC 6455 §4.1", tlsWrongHost},
	{"tls/hang", "over wss://, the server never answers the first TLS handshake (in memory)", "gives the attempt up after ConnectTimeout, then retries after its first delay (skipped without a ConnectTimeout)", "", tlsHang},
	{"drop/at-open", "the connection is dropped (no close frame) as soon as it opens", "retries after its first delay", "RFC 6455 §7.2.3", dropAtOpen},
	{"drop/after-healthy", "the connection is dropped once healthy", "retries after its first delay and is healthy again: it resubscribes", "RFC 6455 §7.2.3", dropAfterHealthy},
	{"drop/mid-message", "the connection is dropped in the middle of a message sent in fragments (wire only)", "retries after its first delay", "RFC 6455 §5.4, §7.2.3", dropMidMessage},
	{"drop/reset", "the connection is reset (a TCP RST) once healthy", "retries after its first delay", "RFC 6455 §7.2.3", dropReset},
	{"drop/flapping", "three connections in a row are dropped as soon as they open", "counts them as failures: the delay keeps growing, and it gives up past MaxRetries", "", dropFlapping},
	{"close/1000", "the server closes with 1000 (normal) once healthy", "reconnects after its first delay, or gives up if 1000 is one of its GiveUpCodes", "RFC 6455 §7.4.1", close1000},
	{"close/1001", "the server closes with 1001 (going away)", "reconnects after its first delay", "RFC 6455 §7.4.1", close1001},
	{"close/1011", "the server closes with 1011 (internal error)", "reconnects after its first delay", "RFC 6455 §7.4.1", close1011},
	{"close/1012", "the server closes with 1012 (service restart)", "reconnects after its first delay and resubscribes", "IANA WebSocket close codes: 1012", close1012},
	{"close/1013", "the server closes with 1013 (try again later)", "reconnects after its first delay", "IANA WebSocket close codes: 1013", close1013},
	{"close/4000", "the server closes with the application code 4000", "reconnects after its first delay, unless 4000 is one of its GiveUpCodes", "RFC 6455 §7.4.2", close4000},
	{"close/no-code", "the server closes with a close frame without a code (1005 for the client)", "reconnects after its first delay", "RFC 6455 §7.1.5", closeNoCode},
	{"close/give-up", "the server closes with the first of the GiveUpCodes", "gives up: no further attempt (skipped without GiveUpCodes)", "", closeGiveUp},
	{"fault/half-open", "the server goes away without a FIN: nothing it sent or sends reaches the client", "notices within its Keepalive and retries after its first delay (skipped without a Keepalive)", "RFC 6455 §5.5.2 (pings)", faultHalfOpen},
	{"fault/blackhole-to-client", "nothing the server sends reaches the client any more, but the server stays", "gives the connection up within its Keepalive, and comes back (skipped without a Keepalive)", "RFC 6455 §5.5.2", faultBlackholeToClient},
	{"fault/blackhole-both", "nothing goes either way any more, and the server stays", "comes back within its Keepalive and first delay (skipped without a Keepalive)", "RFC 6455 §5.5.2", faultBlackholeBoth},
	{"fault/stall", "nothing is delivered either way for twice the Keepalive, then everything", "comes back within its Keepalive and first delay (skipped without a Keepalive)", "", faultStall},
	{"fault/stall-short", "nothing is delivered either way for a third of the Keepalive, then everything; later the server closes with 1001", "keeps to its policy whether it waits or reconnects", "", faultStallShort},
	{"fault/latency", "every message takes an eighth of the Keepalive (or the first delay) more, each way, for a while; later the server closes with 1001", "keeps to its policy whether it waits or reconnects", "", faultLatency},
	{"fault/bandwidth", "the link to the client narrows so that the 2 KiB the server sends take the Keepalive (twice the first delay without one); later the server closes with 1001", "keeps to its policy whether it waits or reconnects", "", faultBandwidth},
	{"heartbeat/withheld", "the server answers none of what the Rules answer (the client's heartbeats)", "gives the connection up within its Keepalive and comes back (skipped without Rules or a Keepalive)", "", heartbeatWithheld},
	{"heartbeat/late", "the server answers what the Rules answer a fifth of the Keepalive late, for twice the Keepalive; then closes with 1001", "keeps to its policy whether it waits or reconnects (skipped without Rules or a Keepalive)", "", heartbeatLate},
	{"heartbeat/pongs-withheld", "the server stops answering the client's pings (protocol level) on a healthy connection", "notices within its Keepalive and comes back (skipped unless the policy has Pings and a Keepalive)", "RFC 6455 §5.5.2", heartbeatPongsWithheld},
	{"heartbeat/pongs-late", "the server answers the client's pings a fifth of the Keepalive late, for twice the Keepalive; then closes with 1001", "keeps to its policy whether it waits or reconnects (skipped unless the policy has Pings and a Keepalive)", "RFC 6455 §5.5.2, §5.5.3", heartbeatPongsLate},
	{"session/long", "a healthy connection stays up for twice the Keepalive (or the ResetAfter), then the server closes with 1001", "keeps the healthy connection: the server ends it, not the client", "", sessionLong},
	{"frame/reserved-opcode", "a healthy connection gets a frame of the reserved opcode 3 (wire only)", "fails the connection and comes back after its first delay", "RFC 6455 §5.2, §7.1.7", frameReservedOpcode},
	{"frame/rsv1", "a healthy connection gets a text frame with RSV1 set, though no extension was agreed (wire only)", "fails the connection and comes back after its first delay", "RFC 6455 §5.2", frameRSV1},
	{"frame/bad-utf8", "a healthy connection gets a text message that is not UTF-8 (wire only)", "fails the connection (1007) and comes back after its first delay", "RFC 6455 §8.1", frameBadUTF8},
	{"frame/masked", "a healthy connection gets a masked frame (wire only)", "fails the connection and comes back after its first delay", "RFC 6455 §5.1", frameMasked},
	{"frame/fragmented-ping", "a healthy connection gets the first fragment of a ping: no FIN (wire only)", "fails the connection and comes back after its first delay", "RFC 6455 §5.5", frameFragmentedPing},
	{"frame/stray-continuation", "a healthy connection gets a continuation frame with no message begun (wire only)", "fails the connection and comes back after its first delay", "RFC 6455 §5.4", frameStrayContinuation},
	{"outage/crash", "the server crashes: every connection dropped at once, then it accepts again", "retries after its first delay", "", outageCrash},
	{"outage/down", "the server crashes and stays down (dials refused) for the first delay and half the second, then accepts", "comes back within its longest delay of the server coming back (skipped with MaxRetries under 3)", "", outageDown},
	{"backoff/grows", "refused 503 again and again: MaxRetries times, or until the delay reaches its Max", "each delay grows by Factor up to Max; the last retry the policy allows is healthy", "RFC 6455 §7.2.3 (truncated exponential backoff)", backoffGrows},
	{"backoff/gives-up", "refused 503 one time more than MaxRetries allows", "gives up after MaxRetries retries (skipped without MaxRetries)", "", backoffGivesUp},
	{"backoff/reset", "refused a few times, then a healthy connection stays up past ResetAfter and is dropped", "waits its first delay again: the count started over", "", backoffReset},
	{"backoff/short-uptime", "refused a few times, then a connection is dropped before ResetAfter", "keeps counting: the next delay is the next one of the series (skipped without a ResetAfter)", "", backoffShortUptime},
	{"stop/connected", "the client is stopped on a healthy connection", "closes it with a close frame and stops", "RFC 6455 §7.1.2", stopConnected},
	{"stop/no-close-reply", "the client is stopped on a connection whose server never answers its close frame", "closes it after its own close timeout and stops within StopTimeout", "RFC 6455 §7.1.1", stopNoCloseReply},
	{"stop/while-waiting", "the client is stopped while it waits to retry after a 503", "stops at once: no further attempt", "", stopWhileWaiting},
	{"stop/while-connecting", "the client is stopped while its handshake hangs", "gives the attempt up and stops", "", stopWhileConnecting},
}

// Cases returns every case of the battery, in a fixed order.
func Cases() []Case { return slices.Clone(cases) }

// Result is what running one case did.
type Result struct {
	Case Case
	// Outcome is the play, nil when the case was skipped or could not
	// be played.
	Outcome *Outcome
	// Skipped says why the case did not apply to the client, or is empty.
	Skipped string
	// Err is the case's failure, nil when it passed or was skipped: every
	// violation of an invariant and of the case's expectation, then the
	// timeline (see Result.Error).
	Err error
}

// Run runs the case against the client h describes, in the caller's
// context (inside a synctest bubble, on virtual time), on the transport
// the options choose.
func (c Case) Run(ctx context.Context, h Harness, opts ...Option) Result {
	res := Result{Case: c}
	cfg := newConfig(opts)
	if err := h.validate(); err != nil {
		res.Err = err
		return res
	}
	e := &caseEnv{h: h, p: h.Policy, tr: cfg.transport}
	run, skip := c.build(e)
	if skip != "" {
		res.Skipped = skip
		return res
	}
	o, err := Play(ctx, h, run.script, append(slices.Clone(opts), run.opts...)...)
	res.Outcome = o
	switch {
	case errors.Is(err, ErrUnsupported):
		res.Skipped, res.Outcome = err.Error(), nil
		return res
	case err != nil:
		res.Err = fmt.Errorf("%s: %w", c.Name, err)
		return res
	}
	errs := []error{CheckInvariants(o)}
	if run.expect != nil {
		errs = append(errs, run.expect(o))
	}
	if err := errors.Join(errs...); err != nil {
		res.Err = &caseError{c: c, o: o, err: err}
	}
	return res
}

// Select returns the cases Only and Skip select among the options, in the
// battery's order: what Run runs, for a caller that runs them one by one.
func Select(opts ...Option) ([]Case, error) {
	cfg := newConfig(opts)
	if cfg.err != nil {
		return nil, cfg.err
	}
	return selected(cfg)
}

// selected returns the cases the options select.
func selected(cfg config) ([]Case, error) {
	var out []Case
	for _, p := range cfg.only {
		if !slices.ContainsFunc(cases, func(c Case) bool { return matchAny([]string{p}, c.Name) }) {
			return nil, fmt.Errorf("clientcheck: Only(%q): no case matches", p)
		}
	}
	for _, c := range cases {
		if (len(cfg.only) == 0 || matchAny(cfg.only, c.Name)) && !matchAny(cfg.skip, c.Name) {
			out = append(out, c)
		}
	}
	return out, nil
}

// caseEnv is what a case's builder builds from: the harness, its policy,
// the transport.
type caseEnv struct {
	h  Harness
	p  Policy
	tr Transport
}

// script makes the case's script of attempts.
func (e *caseEnv) script(name string, attempts ...scenario.Attempt) *scenario.Script {
	return &scenario.Script{Name: name, Attempts: attempts}
}

// accept is an accepted attempt that plays the Healthy steps, then steps,
// with the Rules beside them.
func (e *caseEnv) accept(steps ...scenario.Step) scenario.Attempt {
	return scenario.Attempt{
		Answer: scenario.Accept{},
		Steps:  append(slices.Clone(e.h.Healthy), steps...),
		Rules:  slices.Clone(e.h.Rules),
	}
}

// bare is an accepted attempt that plays steps at once, with the Rules
// beside them but no Healthy steps.
func (e *caseEnv) bare(steps ...scenario.Step) scenario.Attempt {
	return scenario.Attempt{Answer: scenario.Accept{}, Steps: steps, Rules: slices.Clone(e.h.Rules)}
}

// healthy is the last attempt of a case's script: a healthy connection,
// for every attempt the client makes from then on.
func (e *caseEnv) healthy() scenario.Attempt {
	a := e.accept()
	a.Repeat = true
	a.Label = "healthy"
	return a
}

// refuse is an attempt refused with status and header (key, value pairs).
func (e *caseEnv) refuse(status int, header ...string) scenario.Attempt {
	r := scenario.Refuse{Status: status}
	for i := 0; i+1 < len(header); i += 2 {
		if r.Header == nil {
			r.Header = http.Header{}
		}
		r.Header.Add(header[i], header[i+1])
	}
	return scenario.Attempt{Answer: r}
}

// step makes a step of an action.
func step(a scenario.Action) scenario.Step { return scenario.Step{Action: a} }

// inject makes a fault step.
func inject(f wstest.Fault) scenario.Step { return step(scenario.Inject{Fault: f}) }

// then is a script of attempts followed by the healthy one.
func (e *caseEnv) then(name string, attempts ...scenario.Attempt) caseRun {
	return caseRun{script: e.script(name, append(attempts, e.healthy())...)}
}

// failedByClient expects the client to have failed the connection of the
// first attempt, what says after what, before it was stopped: closed it,
// or gone away; neither kept it nor counted it as healthy.
func failedByClient(o *Outcome, what string) error {
	r, ok := first(o)
	if !ok || r.Outcome != wstest.Accepted {
		return nil // the backoff invariant says what came instead
	}
	if k := r.End.Kind; (k == wstest.ClientClosed || k == wstest.ClientGone) && r.End.Time.Before(o.StopAt) {
		return nil
	}
	return &Violation{Invariant: "expectation", Attempt: r.N, Problem: fmt.Sprintf(
		"the connection of #%d, %s, was %s, want it failed by the client (RFC 6455 §7.1.7)", r.N, what, how(r))}
}

// first is the attempt of o that came first, if any. (The log is in the
// order records were made: a failed TLS handshake is logged as it ends.)
func first(o *Outcome) (wstest.AttemptRecord, bool) {
	if len(o.Attempts) == 0 {
		return wstest.AttemptRecord{}, false
	}
	return slices.MinFunc(o.Attempts, func(a, b wstest.AttemptRecord) int { return a.Time.Compare(b.Time) }), true
}

// caseError is a failed case: its violations, then what happened.
type caseError struct {
	c   Case
	o   *Outcome
	err error
}

func (e *caseError) Error() string { return formatFailure(e.c, e.o, e.err) }

// Unwrap returns the violations.
func (e *caseError) Unwrap() error { return e.err }
