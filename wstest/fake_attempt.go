package wstest

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/latch"
)

// FakeAttempt is an Attempt of a FakeDialer.
type FakeAttempt struct {
	f        *Fake
	answered latch.Latch // answered, or gone
	replied  bool        // the test answered it (Accept, Refuse, Abort); f.mu guards it
}

var _ Attempt = (*FakeAttempt)(nil)

// Fake returns the client socket that made the attempt.
func (a *FakeAttempt) Fake() *Fake { return a.f }

// N implements Attempt.
func (a *FakeAttempt) N() int { return a.f.rec.N }

// Time implements Attempt.
func (a *FakeAttempt) Time() time.Time { return a.f.rec.Time }

// Request implements Attempt: the request a browser would have sent.
func (a *FakeAttempt) Request() *http.Request { return a.f.request() }

// Protocols implements Attempt.
func (a *FakeAttempt) Protocols() []string { return slices.Clone(a.f.rec.Protocols) }

// Done implements Attempt.
func (a *FakeAttempt) Done() <-chan struct{} { return a.answered.Done() }

// Accept implements Attempt. AcceptOptions.Extensions is what the Fake's
// Extensions reports, when it names only extensions a browser offers
// (permessage-deflate); another fails the connection, as the Fetch
// standard says (see wsdouble.ValidateExtensionsAnswer). The Fake
// compresses nothing: it has no wire.
func (a *FakeAttempt) Accept(opts AcceptOptions) (Peer, error) {
	f, d := a.f, a.f.d
	if err := d.guard.quick("Attempt.Accept"); err != nil {
		return nil, err
	}
	settle(f.rec.Time)
	f.mu.Lock()
	if err := a.unansweredLocked(); err != nil {
		f.mu.Unlock()
		return nil, err
	}
	a.replied = true
	protocol := chooseSubprotocol(d.cfg.subprotocols, f.rec.Protocols, opts)
	err := wsdouble.ValidateSubprotocolAnswer(f.rec.Protocols, protocol)
	if err == nil && opts.Extensions != "" {
		err = wsdouble.ValidateExtensionsAnswer([]string{browserExtensions}, []string{opts.Extensions})
	}
	if err != nil {
		// RFC 6455 §4.1 and the Fetch standard: the client fails the
		// connection.
		f.phase = clientSettled
		f.mu.Unlock()
		f.conn.open(protocol)
		d.answer(f, Accepted, http.StatusSwitchingProtocols, protocol, nil)
		f.conn.transportEnded(fmt.Errorf("the client failed the connection: %w", err))
		f.postFailed(&wsdouble.HandshakeError{StatusCode: http.StatusSwitchingProtocols, Header: http.Header{}, Err: err})
		return &f.conn, nil
	}
	f.phase = clientOpen
	f.extensions = opts.Extensions
	f.mu.Unlock()
	f.conn.open(protocol)
	// Logged before the open event can be dispatched: a listener that
	// reads the log finds the attempt accepted.
	d.answer(f, Accepted, http.StatusSwitchingProtocols, protocol, nil)
	f.loop.Post(fakeTask{kind: fakeOpen})
	return &f.conn, nil
}

// Abort implements Attempt: the client's error event (wrapping
// io.ErrUnexpectedEOF) and close event follow.
func (a *FakeAttempt) Abort() error {
	if err := a.fail("Attempt.Abort", Aborted, 0); err != nil {
		return err
	}
	a.f.postFailed(errFakeAbort)
	return nil
}

// Refuse implements Attempt. The client's ErrorEvent carries a
// *wsdouble.HandshakeError with the status, header and body.
func (a *FakeAttempt) Refuse(status int, header http.Header, body string) error {
	if status < 200 || status > 599 {
		return fmt.Errorf("wstest: Refuse: status %d is not a final HTTP status other than 101", status)
	}
	if err := a.fail("Attempt.Refuse", Refused, status); err != nil {
		return err
	}
	if header == nil {
		header = http.Header{}
	}
	a.f.postFailed(&wsdouble.HandshakeError{StatusCode: status, Header: header.Clone(), Body: []byte(body)})
	return nil
}

// fail answers the attempt with an outcome that never opens (Refused,
// Aborted) and logs it; the caller then posts the client's failure. op
// names the method in errors.
func (a *FakeAttempt) fail(op string, outcome Outcome, status int) error {
	f, d := a.f, a.f.d
	if err := d.guard.quick(op); err != nil {
		return err
	}
	settle(f.rec.Time)
	f.mu.Lock()
	if err := a.unansweredLocked(); err != nil {
		f.mu.Unlock()
		return err
	}
	a.replied = true
	f.phase = clientSettled
	f.mu.Unlock()
	f.conn.endUnanswered()
	d.answer(f, outcome, status, "", nil)
	return nil
}

// unansweredLocked says why the attempt cannot be answered, or nil. Call
// with f.mu held.
func (a *FakeAttempt) unansweredLocked() error {
	f := a.f
	switch {
	case a.replied:
		return fmt.Errorf("%w (attempt #%d)", ErrAnswered, f.rec.N)
	case f.phase != clientConnecting:
		return fmt.Errorf("%w (attempt #%d: the client went away, or the dialer was closed)", ErrAttemptGone, f.rec.N)
	}
	return nil
}
