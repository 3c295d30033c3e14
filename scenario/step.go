package scenario

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/wstest"
)

// Step is one thing the server does on an accepted connection.
type Step struct {
	// Label names the step in reports.
	Label string
	// Action is what the step does: Send, Expect, Wait, Echo, Close, Drop,
	// ExpectClose, a fault (Inject, Reset, Heal, Down, DropAll), a
	// heartbeat (Ping, Pong, ExpectPing, ExpectPong, AnswerPings) or Raw.
	Action Action
}

// Action is what a step does. Its name is the key of the step in the file
// format ("send", "expect", ...).
//
// Every action is a type of this package, and carries all of itself: how
// it plays, how it is read from and written to the file format, and how
// the Builder adds it (GoSource), beside the type, in a file of its
// family: step_message.go (send, expect, wait, echo), step_close.go
// (close, drop, expect_close), step_fault.go (the faults, reset, heal,
// down, drop_all), step_clients.go (broadcast, gather), step_heartbeat.go
// (ping, pong, expect_ping, expect_pong, answer_pings), step_raw.go (raw).
// Adding one is its type, its
// registration (registerAction) and its tests: the player, the file format
// and the builder's Step take it as it is.
type Action interface {
	// Name is the action's key in the file format.
	Name() string
	validate() error
	// play runs the action on s's connection and fills in s's entry.
	play(s *stepRun) stepResult
	// encode returns the action's value in the file format, compact.
	encode() (json.RawMessage, error)
	// goCall writes the Builder's calls that add the step (see GoSource).
	goCall(g *goCode) error
}

// actionDecoder decodes the value n of a step whose action is field.
type actionDecoder func(d *decoder, n *node, field string) (Action, bool)

// actionDecoders are the actions the file format knows, by name: each
// registers itself beside its type.
var actionDecoders = map[string]actionDecoder{}

// registerAction makes an action known to the file format by name. It
// runs in an init function, beside the action's type.
func registerAction(name string, decode actionDecoder) {
	if _, dup := actionDecoders[name]; dup {
		panic("scenario: two actions named " + name)
	}
	actionDecoders[name] = decode
}

// actionNames lists the names of the actions, sorted, for errors.
func actionNames() []string {
	names := make([]string, 0, len(actionDecoders))
	for k := range actionDecoders {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// stepResult is what a step leaves the attempt to do.
type stepResult int

const (
	// stepNext: go on with the next step.
	stepNext stepResult = iota
	// stepEnded: the connection ended as the script said (the client
	// closed as expected, an echo ran until the end); no step is left to
	// play.
	stepEnded
	// stepFailed: the client did not meet the step; the attempt ends (see
	// endAfterMismatch).
	stepFailed
	// stepStopped: the run was stopped while the step ran.
	stepStopped
)

// stepRun is a step being played: its connection, its entry in the
// report, and what its play needs of the runner. The runner plays an
// attempt's steps with one.
type stepRun struct {
	ctx   context.Context
	r     *runner
	p     wstest.Peer
	ar    int    // the attempt's index in the report
	label string // the step's label
	// e is the step's entry, which play fills in; the runner adds it to
	// the report when play returns.
	e Entry
	// m is the mismatch, when play returns stepFailed.
	m Mismatch
	// group is the batch of connections the attempt answers together.
	group group
	// rules are the attempt's rules at play, or nil: they receive the
	// client's messages, and hand the steps what they do not take.
	rules *ruleSet
}

// receive returns the client's next message for the steps: from the
// Peer, or, when the attempt has rules, what the rules did not take.
func (s *stepRun) receive(ctx context.Context) (wsdouble.Message, error) {
	if s.rules != nil {
		return s.rules.receive(ctx)
	}
	return s.p.Receive(ctx)
}

// fail notes that the client did not meet the step: it wanted want and
// got got.
func (s *stepRun) fail(want, got string) stepResult {
	return s.mismatch(want, got, errors.New("got "+got))
}

// mismatch notes that the client did not meet the step, err saying what
// it did instead.
func (s *stepRun) mismatch(want, got string, err error) stepResult {
	s.e.Err = err
	s.m = s.r.mismatch(s.ar, s.e.Step, s.label, want, got)
	return stepFailed
}

// stopped reports whether the run was stopped, and notes it.
func (s *stepRun) stopped() bool {
	if s.ctx.Err() != nil {
		s.e.Stopped = true
		return true
	}
	return false
}

// refused is the result of a step whose Peer refused to act with err: a
// stop when the run was stopped, else a mismatch wanting want, with how
// the connection had ended.
func (s *stepRun) refused(want string, err error) stepResult {
	if s.stopped() {
		return stepStopped
	}
	return s.fail(want, connectionState(s.p, err))
}

// awaited is the result of a step that waited up to timeout for what the
// client sends and got err: ok (and stepNext) when err is nil; else a
// stop, or a mismatch wanting want, with how the connection ended or that
// nothing came in time.
func (s *stepRun) awaited(err error, want string, timeout time.Duration) (stepResult, bool) {
	switch {
	case err == nil:
		return stepNext, true
	case s.stopped():
		return stepStopped, false
	case errors.Is(err, wstest.ErrPeerClosed):
		return s.fail(want, connectionState(s.p, err)), false
	}
	return s.fail(want, "nothing within "+timeline.Duration(timeout)), false
}

// did is the result of a step that did what detail says, or failed to
// with err.
func (s *stepRun) did(detail string, err error) stepResult {
	s.e.Detail = detail
	if err == nil {
		return stepNext
	}
	if s.stopped() {
		return stepStopped
	}
	return s.fail("to "+detail, err.Error())
}

// entry adds another entry to the attempt's timeline: a message the step
// moved.
func (s *stepRun) entry(e Entry) {
	e.At = s.r.now()
	s.r.entry(s.ar, e)
}

// connectionState describes why a Peer refused to act: how its
// connection ended, when it has.
func connectionState(p wstest.Peer, err error) string {
	select {
	case <-p.Done():
		if end, werr := p.Wait(context.Background()); werr == nil { // done: returns at once
			return "the connection had ended (" + endText(end) + ")"
		}
	default:
	}
	return err.Error()
}

// noFields decodes the value of an action that takes no fields: {}.
func noFields(act Action) actionDecoder {
	return func(d *decoder, n *node, field string) (Action, bool) { return act, d.fields(n, field) }
}

// timed is an action with a timeout, which AttemptBuilder.Within sets.
type timed interface {
	withTimeout(d time.Duration) Action
}
