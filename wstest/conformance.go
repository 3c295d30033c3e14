package wstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsdouble/wsdouble"
)

// Subject is an implementation of wsdouble.IWebSocket under test by the
// conformance checker, with the server end it talks to.
type Subject struct {
	// New makes client sockets.
	New wsdouble.Constructor
	// URL is passed to New. It must be a ws:// URL ending in "/"; checks may
	// append a path.
	URL string
	// Acceptor is the server end: every socket New makes arrives as its
	// next attempt, and its log records it.
	Acceptor Acceptor
	// Close, if not nil, is called when the check is done with the subject.
	Close func()
}

// ConformanceCheck is one check of the browser semantics an IWebSocket must
// have (WHATWG WebSockets standard, RFC 6455, DOM Standard).
type ConformanceCheck struct {
	// Name identifies the check, as "area/what", for example
	// "close/server-code-and-reason".
	Name string
	// Doc says what the check asserts.
	Doc string
	run func(c *checker) error
}

// checkTimeout bounds one check, in case an implementation never delivers
// an event. Inside a synctest bubble it costs no wall time.
const checkTimeout = 10 * time.Second

// Run runs the check against a subject made by newSubject and returns what
// failed, as one error whose lines read "name: got X, want Y". The
// subject's Close is called before Run returns.
func (cc ConformanceCheck) Run(ctx context.Context, newSubject func() (Subject, error)) error {
	s, err := newSubject()
	if err != nil {
		return fmt.Errorf("%s: making the subject: %w", cc.Name, err)
	}
	if s.Close != nil {
		defer s.Close()
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	c := &checker{ctx: ctx, subject: s}
	errs := []error{cc.run(c)}
	errs = append(errs, c.cleanup())
	if err := errors.Join(errs...); err != nil {
		var lines []string
		for _, l := range strings.Split(err.Error(), "\n") {
			lines = append(lines, cc.Name+": "+l)
		}
		return errors.New(strings.Join(lines, "\n"))
	}
	return nil
}

// ConformanceChecks returns every check, in a fixed order.
func ConformanceChecks() []ConformanceCheck { return slices.Clone(conformanceChecks) }

// CheckConformance runs every check, each against a fresh subject, and
// returns every failure joined into one error (nil when all pass). It takes
// no testing.T: use AssertConformance in a test, or run the checks one by
// one as subtests:
//
//	for _, cc := range wstest.ConformanceChecks() {
//		t.Run(cc.Name, func(t *testing.T) {
//			if err := cc.Run(t.Context(), newSubject); err != nil {
//				t.Error(err)
//			}
//		})
//	}
func CheckConformance(ctx context.Context, newSubject func() (Subject, error)) error {
	var errs []error
	for _, cc := range conformanceChecks {
		errs = append(errs, cc.Run(ctx, newSubject))
	}
	return errors.Join(errs...)
}

// AssertConformance runs CheckConformance and reports the failures with
// t.Errorf. It returns whether every check passed.
func AssertConformance(t TB, newSubject func() (Subject, error)) bool {
	t.Helper()
	if err := CheckConformance(context.Background(), newSubject); err != nil {
		t.Errorf("wstest: conformance:\n%v", err)
		return false
	}
	return true
}

// checker is the state of one running check.
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
	r := newRecorder(ws)
	c.sockets = append(c.sockets, r)
	return r, nil
}

// attempt takes the next attempt from the subject's acceptor.
func (c *checker) attempt() (Attempt, error) {
	a, err := c.subject.Acceptor.NextAttempt(c.ctx)
	if err != nil {
		return nil, fmt.Errorf("waiting for the connection attempt: %w", err)
	}
	return a, nil
}

// open dials, accepts with opts and waits for the open event.
func (c *checker) open(opts AcceptOptions, protocols ...string) (*recorder, Peer, error) {
	r, err := c.dial("", protocols...)
	if err != nil {
		return nil, nil, err
	}
	a, err := c.attempt()
	if err != nil {
		return nil, nil, err
	}
	p, err := a.Accept(opts)
	if err != nil {
		return nil, nil, fmt.Errorf("Accept: %w", err)
	}
	c.peers = append(c.peers, p)
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

// recorded is one event as a listener saw it.
type recorded struct {
	ev    wsdouble.Event
	state wsdouble.ReadyState // ReadyState during the listener call
}

// recorder records every event of a socket, and whether two listener calls
// ever overlapped.
type recorder struct {
	ws wsdouble.IWebSocket

	inside     atomic.Int32
	overlapped atomic.Bool

	mu     sync.Mutex
	events []recorded
	cursor int
	wake   chan struct{}
	closed chan struct{}
}

func newRecorder(ws wsdouble.IWebSocket) *recorder {
	r := &recorder{ws: ws, wake: make(chan struct{}), closed: make(chan struct{})}
	l := wsdouble.ListenerFunc(r.handle)
	for _, t := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
		ws.AddEventListener(t, l)
	}
	return r
}

func (r *recorder) handle(e wsdouble.Event) {
	if r.inside.Add(1) != 1 {
		r.overlapped.Store(true)
	}
	defer r.inside.Add(-1)
	st := r.ws.ReadyState()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, recorded{e, st})
	close(r.wake)
	r.wake = make(chan struct{})
	if _, ok := e.(wsdouble.CloseEvent); ok {
		select {
		case <-r.closed:
		default:
			close(r.closed)
		}
	}
}

// next returns the next event not yet consumed, waiting for it.
func (r *recorder) next(ctx context.Context) (recorded, error) {
	for {
		r.mu.Lock()
		if r.cursor < len(r.events) {
			e := r.events[r.cursor]
			r.cursor++
			r.mu.Unlock()
			return e, nil
		}
		wake := r.wake
		seen := describeAll(r.events)
		r.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return recorded{}, fmt.Errorf("no further event before %v; events so far: %s", context.Cause(ctx), seen)
		}
	}
}

// expect consumes the next len(want) events and compares their
// descriptions with want.
func (r *recorder) expect(ctx context.Context, want ...string) error {
	got := make([]string, 0, len(want))
	for range want {
		e, err := r.next(ctx)
		if err != nil {
			return fmt.Errorf("events: got %s, want %s (%v)", list(got), list(want), err)
		}
		got = append(got, describe(e.ev))
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("events: got %s, want %s", list(got), list(want))
	}
	return nil
}

func (r *recorder) waitClosed(ctx context.Context) error {
	select {
	case <-r.closed:
		return nil
	case <-ctx.Done():
		r.mu.Lock()
		defer r.mu.Unlock()
		return fmt.Errorf("no close event before %v; events: %s", context.Cause(ctx), describeAll(r.events))
	}
}

// all returns every event recorded so far.
func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// invariants checks what must hold of any socket's whole event history.
func (r *recorder) invariants() error {
	var errs []error
	if r.overlapped.Load() {
		errs = append(errs, errors.New("listeners: two listener calls overlapped, want one at a time"))
	}
	events := r.all()
	opens, closes := 0, 0
	for i, e := range events {
		switch e.ev.(type) {
		case wsdouble.OpenEvent:
			opens++
		case wsdouble.CloseEvent:
			closes++
			if i != len(events)-1 {
				errs = append(errs, fmt.Errorf("events: got %s after the close event, want nothing", list(describeEach(events[i+1:]))))
			}
		}
	}
	if opens > 1 {
		errs = append(errs, fmt.Errorf("open events: got %d, want at most 1", opens))
	}
	if closes > 1 {
		errs = append(errs, fmt.Errorf("close events: got %d, want at most 1", closes))
	}
	return errors.Join(errs...)
}

// describe names an event for comparison: error events without their cause,
// message events with their type and data.
func describe(e wsdouble.Event) string {
	switch e := e.(type) {
	case wsdouble.ErrorEvent:
		return "error"
	case fmt.Stringer:
		return e.String()
	case nil:
		return "<nil>"
	}
	return string(e.Type())
}

func describeEach(rs []recorded) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = describe(r.ev)
	}
	return out
}

func describeAll(rs []recorded) string { return list(describeEach(rs)) }

func list(s []string) string { return "[" + strings.Join(s, ", ") + "]" }
