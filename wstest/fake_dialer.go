package wstest

import (
	"context"
	"net"
	"slices"
	"syscall"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/memconn"
)

// FakeDialer makes Fakes: its Constructor is a wsdouble.Constructor whose
// every call returns a new Fake in Connecting and queues an Attempt for it.
// It is an Acceptor, like Server: the test takes attempts in order with
// NextAttempt and accepts, refuses or leaves each hanging, and Attempts
// returns the same kind of log.
//
// Inside a testing/synctest bubble, make the FakeDialer in the bubble: it and
// its Fakes are built only from channels, mutexes and timers, so the
// bubble's clock advances whenever the client under test waits. Using it
// from outside the bubble it was made in returns ErrWrongBubble rather than
// hanging the test or crashing it.
type FakeDialer struct {
	acceptor // its mu guards fakes, down, and the log's records
	tb       TB
	cfg      config
	guard    bubbleGuard
	fakes    []*Fake
	down     bool
}

var _ Acceptor = (*FakeDialer)(nil)

// NewFakeDialer returns a FakeDialer and registers its Close with
// tb.Cleanup. Options that apply: AutoAccept, Subprotocols, CloseTimeout,
// ClientCloseTimeout, Faults, InboxLimit. A nil tb is allowed outside
// tests; the caller must then call Close.
func NewFakeDialer(tb TB, opts ...Option) *FakeDialer {
	if tb == nil {
		tb = standaloneTB{}
	}
	tb.Helper()
	cfg := buildConfig(opts)
	if cfg.optErr != nil {
		tb.Fatalf("wstest: NewFakeDialer: %v", cfg.optErr)
	}
	d := &FakeDialer{
		acceptor: newAcceptor("FakeDialer", cfg),
		tb:       tb,
		cfg:      cfg,
		guard:    newBubbleGuard(),
	}
	tb.Cleanup(d.Close)
	return d
}

// Constructor returns the wsdouble.Constructor that makes Fakes.
func (d *FakeDialer) Constructor() wsdouble.Constructor { return d.dial }

func (d *FakeDialer) dial(url string, protocols ...string) (wsdouble.IWebSocket, error) {
	if err := d.guard.quick("FakeDialer.Constructor"); err != nil {
		if !d.guard.virtual {
			// Made outside any bubble: its test is still running, and
			// should hear of it even if the client swallows the error.
			d.tb.Errorf("%v", err)
		}
		return nil, err
	}
	u, err := wsdouble.ValidateURL(url)
	if err != nil {
		return nil, err
	}
	if err := wsdouble.ValidateProtocols(protocols); err != nil {
		return nil, err
	}
	f := newFake(d, u, slices.Clone(protocols), time.Now())
	a := &f.attempt
	d.mu.Lock()
	if d.closed || d.down {
		d.mu.Unlock()
		// Like a dial to a server that is gone: no attempt reaches it. The
		// failure is reported a nanosecond later, once the client listens
		// (see settle).
		f.conn.endUnanswered()
		f.mu.Lock()
		f.phase = clientSettled
		f.mu.Unlock()
		refused := &net.OpError{Op: "dial", Net: "memory", Addr: memconn.Addr(u), Err: syscall.ECONNREFUSED}
		time.AfterFunc(time.Nanosecond, func() { f.postFailed(refused) })
		return f, nil
	}
	d.addLocked(&f.rec)
	d.fakes = append(d.fakes, f)
	d.trackLocked(fakeDispatch)
	if !d.auto {
		d.enqueueLocked(a)
	}
	if d.auto {
		d.trackLocked(autoAcceptHandler)
	}
	d.mu.Unlock()
	if d.auto {
		// Accept on another goroutine: the answer waits for the client to
		// return from this constructor and listen (see settle).
		go func() {
			defer d.untrack(autoAcceptHandler)
			if p, err := a.Accept(AcceptOptions{}); err == nil && d.cfg.handler != nil {
				d.cfg.handler(p)
			}
		}()
	}
	return f, nil
}

// NextAttempt implements Acceptor. The attempts it returns are
// *FakeAttempt values.
func (d *FakeDialer) NextAttempt(ctx context.Context) (Attempt, error) {
	if err := d.guard.quick("FakeDialer.NextAttempt"); err != nil {
		return nil, err
	}
	return d.acceptor.NextAttempt(ctx)
}

// Fakes returns every Fake the Constructor has made, in order.
func (d *FakeDialer) Fakes() []*Fake {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.fakes)
}

// Close ends every connection and pending attempt (clients see an error
// and a close event with code 1006; pending attempts are logged as Hung),
// then waits until every Fake has dispatched its close event and every
// AutoAccept handler has returned, reporting with tb.Errorf if that takes
// more than 5 seconds. Later Constructor calls make Fakes that fail at
// once, as a dial to a server that is gone. Close is called by tb.Cleanup;
// calling it again does nothing.
func (d *FakeDialer) Close() {
	if err := d.guard.check("FakeDialer.Close"); err != nil {
		d.tb.Errorf("%v", err)
		return
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return
	}
	d.closeLocked()
	fakes := slices.Clone(d.fakes)
	d.mu.Unlock()
	for _, f := range fakes {
		f.shutdown(Shutdown)
	}
	d.waitIdle(d.tb)
}

// Down stops the dialer accepting connections, as a server that went down:
// a Fake made meanwhile fails at once (its error wraps
// syscall.ECONNREFUSED) and no attempt is logged. Connections already open
// stay open (DropAll drops them). Up brings it back.
func (d *FakeDialer) Down() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.down = true
}

// Up undoes Down.
func (d *FakeDialer) Up() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.down = false
}

// DropAll drops every open connection (no close frame: the clients see a
// close event with code 1006) and aborts every attempt not yet
// answered (logged as Aborted), as a server that crashed.
func (d *FakeDialer) DropAll() {
	d.mu.Lock()
	fakes := slices.Clone(d.fakes)
	d.queue = nil // every queued attempt is pending: aborted below
	d.mu.Unlock()
	for _, f := range fakes {
		f.shutdown(Dropped)
	}
}

// answer records the outcome of f's attempt.
func (d *FakeDialer) answer(f *Fake, o Outcome, status int, protocol string, err error) {
	now := time.Now()
	d.mu.Lock()
	f.rec.Outcome, f.rec.Status, f.rec.Protocol, f.rec.Err, f.rec.AnswerTime = o, status, protocol, err, now
	d.mu.Unlock()
	f.attempt.answered.Close()
}

// Attempts implements Acceptor.
func (d *FakeDialer) Attempts() []AttemptRecord {
	log := d.acceptor.Attempts()
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range log {
		// d.fakes and the log grow together: fake i made attempt i+1.
		log[i].Header = d.fakes[i].request().Header
	}
	return log
}
