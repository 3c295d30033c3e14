package wstest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/wsdouble/wsdouble"
)

// The close/ checks: the closing handshake begun by either end, and what
// close() accepts (RFC 6455 §5.5.1, §7; WHATWG WebSockets: close(code,
// reason)).

// closingOrLater checks the state right after Close returns. The browser
// shows CLOSING until the script yields; here the close event may already
// have been dispatched on the socket's own goroutine, so CLOSED is right
// too. (listener/reentrant-close checks CLOSING exactly, from a listener.)
func closingOrLater(s wsdouble.ReadyState) error {
	if s != wsdouble.Closing && s != wsdouble.Closed {
		return fmt.Errorf("ReadyState right after Close: got %v, want CLOSING (or CLOSED)", s)
	}
	return nil
}

func checkServerCloseWith(c *checker, code int, reason, want string) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	if err := p.Close(code, reason); err != nil {
		return fmt.Errorf("server Close: %w", err)
	}
	if err := r.expect(c.ctx, want); err != nil {
		return err
	}
	end, err := p.Wait(c.ctx)
	if err != nil {
		return err
	}
	wantCode := code
	if code == 0 {
		wantCode = wsdouble.CloseNoStatusReceived
	}
	return errors.Join(
		gotWant("ReadyState in the close listener", r.all()[1].state, wsdouble.Closed),
		gotWant("ReadyState after close", r.ws.ReadyState(), wsdouble.Closed),
		gotWant("server's end", end.String(), End{Kind: ServerClosed, Code: wantCode, Reason: reason, Clean: true}.String()),
	)
}

func checkServerClose(c *checker) error {
	return checkServerCloseWith(c, 4000, "bye", `close 4000 "bye" clean`)
}

func checkServerCloseNoStatus(c *checker) error {
	return checkServerCloseWith(c, 0, "", "close 1005 clean")
}

func checkServerClose1012(c *checker) error {
	return checkServerCloseWith(c, wsdouble.CloseServiceRestart, "restarting", `close 1012 "restarting" clean`)
}

func checkServerEveryCode(c *checker) error {
	codes := []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}
	var errs []error
	for _, code := range codes {
		if c.ctx.Err() != nil {
			errs = append(errs, fmt.Errorf("codes from %d on: not checked, the check's time is up (%v)", code, context.Cause(c.ctx)))
			break
		}
		reason := wsdouble.CloseCodeText(code)
		want := fmt.Sprintf("close %d %q clean", code, reason)
		if err := checkServerCloseWith(c, code, reason, want); err != nil {
			errs = append(errs, fmt.Errorf("code %d: %w", code, err))
		}
	}
	return errors.Join(errs...)
}

func checkClientCloseWith(c *checker, code int, reason string, wantEnd End, wantEvent string) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	if err := r.ws.Close(code, reason); err != nil {
		return fmt.Errorf("Close(%d, %q): %w", code, reason, err)
	}
	errs := []error{closingOrLater(r.ws.ReadyState())}
	if err := r.expect(c.ctx, wantEvent); err != nil {
		return errors.Join(append(errs, err)...)
	}
	return errors.Join(append(errs, c.serverEnd(p, wantEnd))...)
}

func checkClientClose(c *checker) error {
	return checkClientCloseWith(c, 1000, "done", End{Kind: ClientClosed, Code: 1000, Reason: "done", Clean: true}, "close 1000 clean")
}

func checkClientCloseNoCode(c *checker) error {
	return checkClientCloseWith(c, 0, "", End{Kind: ClientClosed, Code: 1005, Clean: true}, "close 1005 clean")
}

func checkClientCloseReasonOnly(c *checker) error {
	return checkClientCloseWith(c, 0, "why", End{Kind: ClientClosed, Code: 1000, Reason: "why", Clean: true}, "close 1000 clean")
}

func checkCloseInvalidCode(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	var errs []error
	for _, code := range []int{-1, 999, 1001, 1004, 1005, 1006, 1011, 1015, 2999, 5000} {
		if err := r.ws.Close(code, ""); !errors.Is(err, wsdouble.ErrInvalidCode) {
			errs = append(errs, fmt.Errorf("Close(%d): got error %v, want ErrInvalidCode", code, err))
		}
	}
	errs = append(errs, gotWant("ReadyState after invalid Close calls", r.ws.ReadyState(), wsdouble.Open))
	if err := r.ws.Close(3000, ""); err != nil {
		errs = append(errs, fmt.Errorf("Close(3000): %w", err))
	}
	return errors.Join(append(errs, c.serverEnd(p, End{Kind: ClientClosed, Code: 3000, Clean: true}))...)
}

func checkReasonTooLong(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	var errs []error
	for _, long := range []string{strings.Repeat("a", 124), strings.Repeat("é", 62)} {
		if err := r.ws.Close(1000, long); !errors.Is(err, wsdouble.ErrReasonTooLong) {
			errs = append(errs, fmt.Errorf("Close with a %d-byte reason: got error %v, want ErrReasonTooLong", len(long), err))
		}
	}
	errs = append(errs, gotWant("ReadyState after refused Close calls", r.ws.ReadyState(), wsdouble.Open))
	max := strings.Repeat("é", 61) + "a"
	if err := r.ws.Close(4999, max); err != nil {
		errs = append(errs, fmt.Errorf("Close with a 123-byte reason: %w", err))
	}
	return errors.Join(append(errs, c.serverEnd(p, End{Kind: ClientClosed, Code: 4999, Reason: max, Clean: true}))...)
}

func checkCloseTwice(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	var errs []error
	if err := r.ws.Close(1000, "first"); err != nil {
		errs = append(errs, fmt.Errorf("first Close: %w", err))
	}
	if err := r.ws.Close(4000, "second"); err != nil {
		errs = append(errs, fmt.Errorf("second Close: got error %v, want nil", err))
	}
	if err := r.expect(c.ctx, "close 1000 clean"); err != nil {
		return errors.Join(append(errs, err)...)
	}
	if err := r.ws.Close(4000, "third"); err != nil {
		errs = append(errs, fmt.Errorf("Close when CLOSED: got error %v, want nil", err))
	}
	return errors.Join(append(errs, c.serverEnd(p, End{Kind: ClientClosed, Code: 1000, Reason: "first", Clean: true}))...)
}

func checkCloseWhileConnecting(c *checker) error {
	r, a, err := c.dialAttempt("")
	if err != nil {
		return err
	}
	if err := r.ws.Close(1000, ""); err != nil {
		return fmt.Errorf("Close: %w", err)
	}
	errs := []error{closingOrLater(r.ws.ReadyState())}
	if err := r.expect(c.ctx, "error", "close 1006 unclean"); err != nil {
		return errors.Join(append(errs, err)...)
	}
	if _, err := await(c.ctx, a.Done(), "the server never saw the attempt end"); err != nil {
		return errors.Join(append(errs, err)...)
	}
	log := c.subject.Acceptor.Attempts()
	errs = append(errs, gotWant("attempt outcome", log[a.N()-1].Outcome, Abandoned))
	if p, err := a.Accept(AcceptOptions{}); err == nil {
		c.peers = append(c.peers, p)
		errs = append(errs, errors.New("Accept after the client closed: got a Peer, want an error"))
	}
	return errors.Join(errs...)
}
