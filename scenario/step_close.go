package scenario

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/wstest"
)

// The steps that end a connection: close, drop and expect_close.

// Close starts the closing handshake from the server with a code (0 for a
// close frame without one) and a reason.
type Close struct {
	Code   int
	Reason string
}

// Drop ends the connection without a close frame, as a dying server does.
type Drop struct{}

// ExpectClose waits for the connection to end from the client's side: a
// close frame from the client (Code 0 matches any code; 1005 a frame without
// one), or, with Code 1006, the client going away without one.
type ExpectClose struct {
	Code    int
	Timeout time.Duration
}

func init() {
	registerAction("close", decodeClose)
	registerAction("drop", noFields(Drop{}))
	registerAction("expect_close", decodeExpectClose)
}

// Name returns "close".
func (Close) Name() string { return "close" }

// Name returns "drop".
func (Drop) Name() string { return "drop" }

// Name returns "expect_close".
func (ExpectClose) Name() string { return "expect_close" }

func (c Close) validate() error { return wsdouble.ValidateServerClose(c.Code, c.Reason) }

func (Drop) validate() error { return nil }

func (e ExpectClose) validate() error {
	if e.Timeout < 0 {
		return fmt.Errorf("negative timeout %v", e.Timeout)
	}
	switch c := e.Code; {
	case c == 0, c == wsdouble.CloseNoStatusReceived, c == wsdouble.CloseAbnormalClosure:
	case wsdouble.ValidateServerClose(c, "") == nil:
	default:
		return fmt.Errorf("code %d is not one a client can close with (0 for any, 1005 for none, 1006 for no close frame)", c)
	}
	return nil
}

func (e ExpectClose) withTimeout(d time.Duration) Action {
	e.Timeout = d
	return e
}

func (c Close) play(s *stepRun) stepResult {
	s.e.Detail = closeText(c.Code, c.Reason)
	if err := s.p.Close(c.Code, c.Reason); err != nil {
		return s.refused("to "+s.e.Detail, err)
	}
	s.p.Wait(s.ctx) // the client answers, or the server's close timeout passes
	return stepNext
}

func (Drop) play(s *stepRun) stepResult {
	s.e.Detail = "drop"
	if err := s.p.Drop(); err != nil {
		return s.refused("to drop the connection", err)
	}
	s.p.Wait(s.ctx)
	return stepNext
}

// want says what the step waits for.
func (e ExpectClose) want() string {
	switch e.Code {
	case 0:
		return "the client to close"
	case wsdouble.CloseAbnormalClosure:
		return "the client to go away without a close frame"
	}
	return fmt.Sprintf("the client to close with %d", e.Code)
}

// met reports whether end is the one the step waits for.
func (e ExpectClose) met(end wstest.End) bool {
	switch e.Code {
	case 0:
		return end.Kind == wstest.ClientClosed
	case wsdouble.CloseAbnormalClosure:
		return end.Kind == wstest.ClientGone
	}
	return end.Kind == wstest.ClientClosed && end.Code == e.Code
}

func (e ExpectClose) play(s *stepRun) stepResult {
	timeout := s.r.timeout(e.Timeout)
	want := e.want()
	s.e.Kind, s.e.Detail = EndExpected, "expect "+want
	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	// Read on while waiting, as a server waiting for a close does: a
	// client that sent more than the inbox holds could not send its close
	// frame otherwise (backpressure). What it sends is extra.
	for {
		m, err := s.receive(ctx)
		if err != nil {
			break
		}
		s.entry(extraEntry(&m))
	}
	end, err := s.p.Wait(ctx)
	switch {
	case err != nil && s.stopped():
		return stepStopped
	case err != nil:
		return s.fail(want, "nothing within "+timeline.Duration(timeout))
	case !e.met(end):
		return s.fail(want, endText(end))
	}
	return stepEnded
}

// closeText describes a close frame, as reports show it.
func closeText(code int, reason string) string {
	switch {
	case code == 0:
		return "close (no code)"
	case reason == "":
		return fmt.Sprintf("close %d", code)
	}
	return fmt.Sprintf("close %d %q", code, reason)
}

func (c Close) encode() (json.RawMessage, error) {
	var kv []any
	if c.Code != 0 {
		kv = append(kv, "code", c.Code)
	}
	if c.Reason != "" {
		kv = append(kv, "reason", c.Reason)
	}
	return inlineObject(kv...), nil
}

func (Drop) encode() (json.RawMessage, error) { return inlineObject(), nil }

func (e ExpectClose) encode() (json.RawMessage, error) {
	var kv []any
	if e.Code != 0 {
		kv = append(kv, "code", e.Code)
	}
	if e.Timeout != 0 {
		kv = append(kv, "timeout", e.Timeout.String())
	}
	return inlineObject(kv...), nil
}

func decodeClose(d *decoder, n *node, field string) (Action, bool) {
	var c Close
	ok := d.object(n, field, objectField{"code", &c.Code}, objectField{"reason", &c.Reason})
	return c, ok
}

func decodeExpectClose(d *decoder, n *node, field string) (Action, bool) {
	var e ExpectClose
	ok := d.object(n, field, objectField{"code", &e.Code}, objectField{"timeout", &e.Timeout})
	return e, ok
}

// The steps that end a connection as the Builder's calls (see GoSource).

func (c Close) goCall(g *goCode) error {
	g.call("Close(%d, %s)", c.Code, goString(c.Reason))
	return nil
}

func (Drop) goCall(g *goCode) error {
	g.call("Drop()")
	return nil
}

func (e ExpectClose) goCall(g *goCode) error {
	g.call("ExpectClose(%d)", e.Code)
	if e.Timeout != 0 {
		g.call("Within(%s)", goDuration(e.Timeout))
	}
	return nil
}
