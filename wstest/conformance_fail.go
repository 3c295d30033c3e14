package wstest

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/wsdouble/wsdouble"
)

// The fail/ checks: a connection that fails or drops, and the events that
// tell (RFC 6455 §7.1.5, §7.1.7; WHATWG WebSockets: fail the WebSocket
// connection).

func checkRefused(c *checker) error {
	r, a, err := c.dialAttempt("")
	if err != nil {
		return err
	}
	if err := a.Refuse(http.StatusServiceUnavailable, http.Header{"Retry-After": {"7"}}, "busy"); err != nil {
		return fmt.Errorf("Refuse: %w", err)
	}
	if err := r.expect(c.ctx, "error", "close 1006 unclean"); err != nil {
		return err
	}
	events := r.all()
	var errs []error
	errs = append(errs,
		gotWant("ReadyState in the error listener", events[0].state, wsdouble.Closed),
		gotWant("ReadyState in the close listener", events[1].state, wsdouble.Closed))
	var herr *wsdouble.HandshakeError
	if ev := events[0].ev.(wsdouble.ErrorEvent); !errors.As(ev.Err, &herr) || herr.StatusCode != 503 {
		errs = append(errs, fmt.Errorf("ErrorEvent.Err: got %v, want a *wsdouble.HandshakeError with status 503", ev.Err))
	}
	rec := c.subject.Acceptor.Attempts()[a.N()-1]
	errs = append(errs, gotWant("attempt outcome", rec.Outcome, Refused), gotWant("attempt status", rec.Status, 503))
	return errors.Join(errs...)
}

func checkDrop(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	if err := p.Drop(); err != nil {
		return fmt.Errorf("Drop: %w", err)
	}
	// The transport closed under an open connection: RFC 6455 §7.1.5,
	// code 1006. WHATWG WebSockets fires error only when it must "fail
	// the WebSocket connection", which a plain drop is not; Chromium fires
	// none (see ./interop).
	if err := r.expect(c.ctx, "close 1006 unclean"); err != nil {
		return err
	}
	events := r.all()
	end, err := p.Wait(c.ctx)
	if err != nil {
		return err
	}
	// A socket that says why it closed (an Err method, as the real
	// client and the Fake have) must say it was a drop.
	var causeErr error
	if _, ok := r.ws.(interface{ Err() error }); ok {
		if cause := wsdouble.CloseCause(r.ws); !errors.Is(cause, io.ErrUnexpectedEOF) {
			causeErr = fmt.Errorf("Err(): got %v, want an error wrapping io.ErrUnexpectedEOF", cause)
		}
	}
	return errors.Join(
		gotWant("ReadyState in the close listener", events[1].state, wsdouble.Closed),
		gotWant("server's end", end.Kind, Dropped),
		causeErr,
	)
}
