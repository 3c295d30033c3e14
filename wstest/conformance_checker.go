package wstest

import (
	"context"
	"errors"
	"fmt"

	"github.com/wsdouble/wsdouble"
)

// checker is the state of one running check: what it runs against, and
// the sockets and server ends it made, which cleanup ends.
type checker struct {
	ctx     context.Context
	subject Subject
	sockets []*recorder
	peers   []Peer
}

// dial makes a socket through the subject and records its events.
func (c *checker) dial(path string, protocols ...string) (*recorder, error) {
	ws, err := c.subject.New(c.subject.URL+path, protocols...)
	if err != nil {
		return nil, fmt.Errorf("constructor: %w", err)
	}
	if ws == nil {
		return nil, errors.New("constructor: got a nil socket and no error")
	}
	return c.track(ws), nil
}

// track records the events of ws, a socket the subject made, and leaves
// it to cleanup to close.
func (c *checker) track(ws wsdouble.IWebSocket) *recorder {
	r := newRecorder(ws)
	c.sockets = append(c.sockets, r)
	return r
}

// attempt takes the next attempt from the subject's acceptor.
func (c *checker) attempt() (Attempt, error) {
	a, err := c.subject.Acceptor.NextAttempt(c.ctx)
	if err != nil {
		return nil, fmt.Errorf("waiting for the connection attempt: %w", err)
	}
	return a, nil
}

// dialAttempt dials and takes the attempt the socket makes.
func (c *checker) dialAttempt(path string, protocols ...string) (*recorder, Attempt, error) {
	r, err := c.dial(path, protocols...)
	if err != nil {
		return nil, nil, err
	}
	a, err := c.attempt()
	if err != nil {
		return nil, nil, err
	}
	return r, a, nil
}

// accept takes the next attempt and accepts it with opts, leaving the
// server end to cleanup.
func (c *checker) accept(opts AcceptOptions) (Peer, error) {
	a, err := c.attempt()
	if err != nil {
		return nil, err
	}
	p, err := a.Accept(opts)
	if err != nil {
		return nil, fmt.Errorf("Accept: %w", err)
	}
	c.peers = append(c.peers, p)
	return p, nil
}

// open dials, accepts with opts and waits for the open event.
func (c *checker) open(opts AcceptOptions) (*recorder, Peer, error) {
	return c.openWith(opts, nil)
}

// openWith dials offering protocols and lets setup, if not nil, act on the
// new socket (add listeners, read its state) before the server takes the
// attempt; then it accepts with opts and waits for the open event.
func (c *checker) openWith(opts AcceptOptions, setup func(ws wsdouble.IWebSocket), protocols ...string) (*recorder, Peer, error) {
	r, err := c.dial("", protocols...)
	if err != nil {
		return nil, nil, err
	}
	if setup != nil {
		setup(r.ws)
	}
	p, err := c.accept(opts)
	if err != nil {
		return nil, nil, err
	}
	if err := r.expect(c.ctx, "open"); err != nil {
		return nil, nil, err
	}
	return r, p, nil
}

// receive waits for the next message the peer receives.
func (c *checker) receive(p Peer) (wsdouble.Message, error) {
	m, err := p.Receive(c.ctx)
	if err != nil {
		return m, fmt.Errorf("server receiving: %w", err)
	}
	return m, nil
}

// serverSends has the peer send ms, in order.
func serverSends(p Peer, ms ...wsdouble.Message) error {
	for _, m := range ms {
		if err := p.Send(m); err != nil {
			return fmt.Errorf("server sending: %w", err)
		}
	}
	return nil
}

// messageEvents describes the message events ms make, as expect takes them.
func messageEvents(ms ...wsdouble.Message) []string {
	want := make([]string, len(ms))
	for i, m := range ms {
		want[i] = wsdouble.MessageEvent{Message: m}.String()
	}
	return want
}

// barrier makes every listener call for the messages sent before it
// complete: dispatch is serial, so once the recorder (the first listener)
// sees the barrier, the listeners of earlier events have returned.
func (c *checker) barrier(r *recorder, p Peer) error {
	if err := serverSends(p, wsdouble.Text("barrier")); err != nil {
		return err
	}
	return r.expect(c.ctx, `message text "barrier"`)
}

// sendN has the peer send n text messages m0, m1, … and waits until the
// recorder saw them and the barrier.
func (c *checker) sendN(r *recorder, p Peer, n int) error {
	ms := make([]wsdouble.Message, n)
	for i := range ms {
		ms[i] = wsdouble.Text(fmt.Sprint("m", i))
	}
	if err := serverSends(p, ms...); err != nil {
		return err
	}
	if err := r.expect(c.ctx, messageEvents(ms...)...); err != nil {
		return err
	}
	return c.barrier(r, p)
}

// serverEnd waits until the peer's connection ends and compares how with
// want.
func (c *checker) serverEnd(p Peer, want End) error {
	end, err := p.Wait(c.ctx)
	if err != nil {
		return err
	}
	return gotWant("server's end", end.String(), want.String())
}

// cleanup closes every socket of the check, waits for their close events
// and for every peer to end, and checks no socket dispatched an event after
// its close event.
func (c *checker) cleanup() error {
	var errs []error
	for _, r := range c.sockets {
		r.ws.Close(0, "")
	}
	for _, r := range c.sockets {
		if err := r.waitClosed(c.ctx); err != nil {
			errs = append(errs, fmt.Errorf("cleanup: %w", err))
		}
	}
	for _, p := range c.peers {
		select {
		case <-p.Done():
		case <-c.ctx.Done():
			p.Drop()
			errs = append(errs, errors.New("cleanup: the server end did not see the connection end"))
		}
	}
	for _, r := range c.sockets {
		errs = append(errs, r.invariants())
	}
	return errors.Join(errs...)
}

// gotWant is nil when got is want, else the error "what: got X, want Y".
func gotWant[T comparable](what string, got, want T) error {
	if got != want {
		return fmt.Errorf("%s: got %v, want %v", what, got, want)
	}
	return nil
}

// await returns what ch delivers or, if the check's time runs out first,
// the error never, which says what never happened.
func await[T any](ctx context.Context, ch <-chan T, never string) (T, error) {
	select {
	case v := <-ch:
		return v, nil
	case <-ctx.Done():
		var zero T
		return zero, errors.New(never)
	}
}
