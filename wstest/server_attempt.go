package wstest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/wsdouble/wsdouble/internal/closeguard"
)

// serverAttempt is an Attempt of a Server. Its handler goroutine (serve)
// holds the HTTP request until the test answers it.
type serverAttempt struct {
	s   *Server
	rec *AttemptRecord
	req *http.Request

	// Made by the handler goroutine, so inside a synctest bubble they
	// belong to the bubble of the dial.
	decide chan decision // the answer, sent once
	done   chan struct{} // closed when answered or gone
	abort  chan error    // why the Server ends it unanswered (abandon), sent once

	// Guarded by s.mu.
	answered bool
	gone     bool
}

type decision struct {
	accept bool
	abort  bool
	opts   AcceptOptions
	status int
	header http.Header
	body   string
	reply  chan acceptResult
}

type acceptResult struct {
	peer *wireConn
	err  error
}

func (a *serverAttempt) N() int                 { return a.rec.N }
func (a *serverAttempt) Time() time.Time        { return a.rec.Time }
func (a *serverAttempt) Request() *http.Request { return a.req }
func (a *serverAttempt) Protocols() []string    { return append([]string(nil), a.rec.Protocols...) }
func (a *serverAttempt) Done() <-chan struct{}  { return a.done }

func (a *serverAttempt) Accept(opts AcceptOptions) (Peer, error) {
	res, err := a.answer(decision{accept: true, opts: opts})
	if err != nil {
		return nil, err
	}
	return res.peer, nil
}

func (a *serverAttempt) Refuse(status int, header http.Header, body string) error {
	if status < 200 || status > 599 {
		return fmt.Errorf("wstest: Refuse: status %d is not a final HTTP status other than 101", status)
	}
	_, err := a.answer(decision{status: status, header: header.Clone(), body: body})
	return err
}

func (a *serverAttempt) Abort() error {
	_, err := a.answer(decision{abort: true})
	return err
}

// answer hands d to the handler goroutine and waits for the result.
func (a *serverAttempt) answer(d decision) (acceptResult, error) {
	settle(a.rec.Time)
	a.s.mu.Lock()
	switch {
	case a.answered:
		a.s.mu.Unlock()
		return acceptResult{}, fmt.Errorf("%w (attempt #%d is %v)", ErrAnswered, a.rec.N, a.rec.Outcome)
	case a.gone:
		a.s.mu.Unlock()
		return acceptResult{}, fmt.Errorf("%w (attempt #%d is %v)", ErrAttemptGone, a.rec.N, a.rec.Outcome)
	}
	a.answered = true
	a.s.mu.Unlock()
	d.reply = make(chan acceptResult, 1)
	a.decide <- d // buffered; sent at most once
	res := <-d.reply
	return res, res.err
}

// abandon ends an attempt still pending, for err (ErrClosed,
// errTestEnded): it is closed unanswered and logged Hung. The caller took
// a from the Server's pending attempts, so that it is abandoned once.
func (a *serverAttempt) abandon(err error) { a.abort <- err }

// serve runs on the request's handler goroutine: it waits for the answer
// (or takes d, for AutoAccept), gives it, and for an accepted attempt runs
// the connection until it ends.
func (a *serverAttempt) serve(w http.ResponseWriter, r *http.Request, d *decision) {
	if d == nil {
		select {
		case dd := <-a.decide:
			d = &dd
		case <-r.Context().Done():
			a.finishUnanswered(w, Abandoned, fmt.Errorf("client went away: %w", context.Cause(r.Context())))
			return
		case err := <-a.abort:
			a.finishUnanswered(w, Hung, err)
			return
		}
	}
	if d.abort {
		a.setOutcome(Aborted, 0, "", nil)
		closeUnanswered(w)
		d.reply <- acceptResult{}
		return
	}
	if !d.accept {
		for k, v := range d.header {
			w.Header()[k] = v
		}
		w.WriteHeader(d.status)
		io.WriteString(w, d.body)
		a.setOutcome(Refused, d.status, "", nil)
		d.reply <- acceptResult{}
		return
	}
	a.accept(w, r, d)
}

// accept completes the handshake as d says, and runs the connection until
// it ends.
func (a *serverAttempt) accept(w http.ResponseWriter, r *http.Request, d *decision) {
	up := a.s.upgrader
	up.Subprotocols = nil // gorilla then takes the choice from the header
	header := d.opts.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	header.Del("Sec-WebSocket-Protocol")
	protocol := chooseSubprotocol(a.s.cfg.subprotocols, a.rec.Protocols, d.opts)
	if protocol != "" {
		header.Set("Sec-WebSocket-Protocol", protocol)
	}
	deflate := a.s.cfg.compression && offersDeflate(r.Header)
	if d.opts.Extensions != "" {
		answerExtensions(&up, header, d.opts.Extensions)
		deflate = false
	}
	uw := &upgradeWatch{ResponseWriter: w, limit: a.s.cfg.readLimit, deflate: deflate}
	uw.accepted = func() { a.record(Accepted, http.StatusSwitchingProtocols, protocol, nil) }
	up.Error = uw.refuse
	conn, err := up.Upgrade(uw, r, header)
	if err != nil {
		err = fmt.Errorf("wstest: Accept: upgrade failed: %w", err)
		switch {
		case uw.status != 0:
			a.setOutcome(Refused, uw.status, "", err)
		case uw.early:
			// gorilla closes such a connection without an answer.
			a.setOutcome(Aborted, 0, "", fmt.Errorf("wstest: Accept: the client sent data before its handshake was answered (RFC 6455 §4.1): %w", err))
		default:
			// The 101 could not be written: the client is gone.
			a.setOutcome(Abandoned, 0, "", err)
		}
		d.reply <- acceptResult{err: err}
		return
	}
	p := newWireConn(a, conn, uw.guard)
	a.closeDone() // logged Accepted when gorilla hijacked the connection
	d.reply <- acceptResult{peer: p}
	if a.s.cfg.auto && a.s.cfg.handler != nil {
		what := attemptAutoAccept(a.rec.N)
		a.s.track(what)
		go func() {
			defer a.s.untrack(what)
			a.s.cfg.handler(p)
		}()
	}
	p.readLoop()
}

// finishUnanswered ends an attempt that got no answer, and any answer that
// raced with its end. The transport is closed without a response, as a
// server that vanished would.
func (a *serverAttempt) finishUnanswered(w http.ResponseWriter, o Outcome, err error) {
	a.s.mu.Lock()
	a.gone = true
	answered := a.answered
	a.s.mu.Unlock()
	a.setOutcome(o, 0, "", err)
	if answered {
		// An answer is on its way (answer sends it after marking the
		// attempt answered); tell its caller the attempt is gone.
		d := <-a.decide
		d.reply <- acceptResult{err: fmt.Errorf("%w (attempt #%d is %v)", ErrAttemptGone, a.rec.N, o)}
	}
	closeUnanswered(w)
}

// closeUnanswered closes the connection of a request without writing a
// response.
func closeUnanswered(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if c, _, err := hj.Hijack(); err == nil {
			c.Close()
		}
	}
}

func (a *serverAttempt) setOutcome(o Outcome, status int, protocol string, err error) {
	a.record(o, status, protocol, err)
	a.closeDone()
}

// record logs how the attempt was answered. It may run twice: an upgrade
// logged Accepted before its 101 is written (so that a client that has read
// it finds it so in the log) is logged again if the write fails.
func (a *serverAttempt) record(o Outcome, status int, protocol string, err error) {
	now := time.Now()
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	a.rec.Outcome, a.rec.Status, a.rec.Protocol, a.rec.Err = o, status, protocol, err
	a.rec.AnswerTime = now
}

// closeDone marks the attempt answered (Done), once its outcome is logged.
func (a *serverAttempt) closeDone() {
	a.s.mu.Lock()
	defer a.s.mu.Unlock()
	delete(a.s.pending, a)
	close(a.done)
}

// upgradeWatch is the ResponseWriter an accepted attempt hands to gorilla's
// Upgrade, so that the attempt log can say how a failed upgrade ended:
// answered with an error status (gorilla's Upgrader.Error), or closed
// without an answer because the client sent data before the handshake was
// answered. It hands gorilla the connection wrapped in a frameCheck, which
// gorilla then reads the client's frames through.
type upgradeWatch struct {
	http.ResponseWriter
	status  int              // the status of the error answer gorilla wrote, or 0
	early   bool             // the client sent bytes before the handshake was answered
	limit   int64            // the read limit, for frames
	deflate bool             // permessage-deflate will be negotiated, for frames
	frames  *frameCheck      // what Hijack gave gorilla
	guard   *closeguard.Conn // under frames, on the transport
	// accepted logs the attempt accepted: gorilla hijacks the connection
	// once it has checked the request, then writes the 101.
	accepted func()
}

// refuse is the Upgrader's Error: it answers as gorilla does by default,
// and keeps the status.
func (u *upgradeWatch) refuse(w http.ResponseWriter, _ *http.Request, status int, reason error) {
	u.status = status
	w.Header().Set("Sec-WebSocket-Version", "13")
	http.Error(w, "wstest: "+reason.Error(), status)
}

// Hijack implements http.Hijacker, as gorilla's Upgrade requires.
func (u *upgradeWatch) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := u.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("wstest: the ResponseWriter cannot be hijacked")
	}
	c, brw, err := hj.Hijack()
	if err != nil {
		return c, brw, err
	}
	if brw.Reader.Buffered() > 0 {
		u.early = true
	} else {
		u.accepted()
	}
	// gorilla reads from what it is given (it resets brw.Reader, when it
	// keeps it, to read from it): everything after the handshake.
	// Under the frameCheck, a closeguard hands gorilla, which refuses
	// 1014, the echo of a server's own close 1014 as 1000.
	u.guard = closeguard.Server(c)
	u.frames = newFrameCheck(u.guard, u.limit, u.deflate)
	return u.frames, brw, nil
}
