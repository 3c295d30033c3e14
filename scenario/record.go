package scenario

import (
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/bubble"
	"github.com/wsdouble/wsdouble/internal/listenhold"
)

// Recorder records, from the client's side, what servers did to a client's
// sockets, and turns it into a Script that makes a server do it again. It
// wraps a Constructor: give the client Recorder.Constructor instead, run it
// against the real server, then call Script.
//
// Each socket becomes an attempt: refused (with the status, headers and body
// of a *wsdouble.HandshakeError), hung (the client gave up while
// connecting), or accepted with the subprotocol it got; on an accepted one
// every message the client sent becomes an Expect, every message it
// received a Send (after a Wait for the time in between), and the end a
// Close, a Drop or an ExpectClose, by who ended it and how.
type Recorder struct {
	ctor wsdouble.Constructor
	cfg  recordConfig

	mu      sync.Mutex
	sockets []*recordedSocket
}

// NewRecorder returns a Recorder of the sockets ctor makes.
func NewRecorder(ctor wsdouble.Constructor, opts ...RecordOption) *Recorder {
	return &Recorder{ctor: ctor, cfg: buildRecordConfig(opts)}
}

// Constructor returns a Constructor whose sockets are ctor's, recorded.
func (r *Recorder) Constructor() wsdouble.Constructor {
	return func(url string, protocols ...string) (wsdouble.IWebSocket, error) {
		start := time.Now()
		ws, err := r.ctor(url, protocols...)
		if err != nil {
			return nil, err
		}
		s := &recordedSocket{IWebSocket: ws, start: start, hold: listenhold.Start(bubble.ID() != 0)}
		l := wsdouble.ListenerFunc(s.event)
		for _, typ := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
			ws.AddEventListener(typ, l)
		}
		r.mu.Lock()
		r.sockets = append(r.sockets, s)
		r.mu.Unlock()
		return s, nil
	}
}

// Script returns the recording as a script named name: one attempt per
// socket made so far. The values of secret headers (see
// DefaultRedactedHeaders) are replaced by Redacted unless the Recorder was
// made with Unredacted, RedactFields redacts JSON fields in messages, and
// BeforeSave hooks run last.
func (r *Recorder) Script(name string) (*Script, error) {
	r.mu.Lock()
	sockets := slices.Clone(r.sockets)
	r.mu.Unlock()
	return recordedScript(r.cfg, name, sockets, "scenario: Recorder.Script: no socket was made")
}

// recordedSocket is a socket that logs what happens to it.
//
// It keeps the caller's listeners itself and dispatches to them after
// logging each event, on the socket's dispatch goroutine: were they added
// to the socket, the recorder's own listener, added first, would end the
// socket's hold (see internal/listenhold), and an event that comes before
// the caller has added its listeners (a refusal on loopback) would reach
// the recorder only. The recordedSocket holds such an event as the socket
// would have.
type recordedSocket struct {
	wsdouble.IWebSocket
	start  time.Time
	target wsdouble.EventTarget // the caller's listeners
	hold   *listenhold.Hold

	mu  sync.Mutex
	log []recorded
}

type recorded struct {
	at    time.Duration
	event wsdouble.Event    // what the socket dispatched, or
	sent  *wsdouble.Message // what the client sent, or
	close *Close            // the client's Close call
	state wsdouble.ReadyState
}

func (s *recordedSocket) add(r recorded) {
	r.at = time.Since(s.start)
	s.mu.Lock()
	s.log = append(s.log, r)
	s.mu.Unlock()
}

// remove takes back an entry that add logged for a call that then failed;
// id is the entry's sent or close pointer, unique to it.
func (s *recordedSocket) remove(id any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.log) - 1; i >= 0; i-- {
		if r := s.log[i]; (r.sent != nil && any(r.sent) == id) || (r.close != nil && any(r.close) == id) {
			s.log = append(s.log[:i], s.log[i+1:]...)
			return
		}
	}
}

// event logs e, then dispatches it to the caller's listeners.
func (s *recordedSocket) event(e wsdouble.Event) {
	s.add(recorded{event: e})
	if s.hold.Holding() {
		typ := e.Type()
		s.hold.Wait(func() bool { return s.target.Len(typ) > 0 })
	}
	s.target.DispatchEvent(e)
}

// AddEventListener implements wsdouble.WebSocketLike.
func (s *recordedSocket) AddEventListener(typ wsdouble.EventType, l wsdouble.Listener, opts ...wsdouble.ListenerOption) {
	s.target.AddEventListener(typ, l, opts...)
	s.hold.Added()
}

// RemoveEventListener implements wsdouble.WebSocketLike.
func (s *recordedSocket) RemoveEventListener(typ wsdouble.EventType, l wsdouble.Listener) {
	s.target.RemoveEventListener(typ, l)
}

// Send records a message the client sends while open: it reaches the
// server. It is logged before the socket sends it: what the message causes
// (the server's answer, dispatched on the socket's own goroutine) may be
// logged before Send returns, and must come after it.
func (s *recordedSocket) Send(m wsdouble.Message) error {
	if s.IWebSocket.ReadyState() != wsdouble.Open {
		return s.IWebSocket.Send(m)
	}
	sent := &wsdouble.Message{Type: m.Type, Data: append([]byte(nil), m.Data...)}
	s.add(recorded{sent: sent})
	err := s.IWebSocket.Send(m)
	if err != nil {
		s.remove(sent)
	}
	return err
}

// Close records the client's close call, before the socket closes (its
// close event may be dispatched before Close returns).
func (s *recordedSocket) Close(code int, reason string) error {
	state := s.IWebSocket.ReadyState()
	if state != wsdouble.Connecting && state != wsdouble.Open {
		return s.IWebSocket.Close(code, reason)
	}
	c := &Close{Code: code, Reason: reason}
	s.add(recorded{close: c, state: state})
	err := s.IWebSocket.Close(code, reason)
	if err != nil {
		s.remove(c)
	}
	return err
}

// attempt turns the log into the server's side of the connection.
func (s *recordedSocket) attempt() Attempt {
	s.mu.Lock()
	log := append([]recorded(nil), s.log...)
	s.mu.Unlock()

	var t transcript
	openAt, opened := s.answer(&t, log)
	if !opened {
		return t.attempt()
	}
	var clientClose *Close
	for _, r := range log {
		if r.at < openAt {
			continue
		}
		switch {
		case r.sent != nil:
			t.fromClient(r.at, *r.sent)
		case r.close != nil:
			clientClose = r.close
		}
		switch e := r.event.(type) {
		case wsdouble.MessageEvent:
			t.toClient(r.at, e.Message)
		case wsdouble.CloseEvent:
			switch {
			case clientClose != nil:
				t.clientClosed(r.at, wireCode(clientClose.Code, clientClose.Reason))
			case e.WasClean:
				t.serverClosed(r.at, e.Code, e.Reason)
			default:
				t.dropped(r.at)
			}
		}
	}
	return t.attempt()
}

// answer records in t how the handshake was answered, as the log shows it,
// and returns when the socket opened, if it did.
func (s *recordedSocket) answer(t *transcript, log []recorded) (openAt time.Duration, opened bool) {
	gaveUp := false
	label := "recorded: no answer from the server"
	for _, r := range log {
		switch e := r.event.(type) {
		case wsdouble.OpenEvent:
			t.answer(r.at, r.at, accepted(s.Protocol(), false, nil), "")
			return r.at, true
		case wsdouble.ErrorEvent:
			var herr *wsdouble.HandshakeError
			if errors.As(e.Err, &herr) && herr.StatusCode != 101 {
				t.answer(r.at, r.at, refused(herr.StatusCode, herr.Header, string(herr.Body)), "")
				return 0, false
			}
			if e.Err != nil {
				label = "recorded: " + e.Err.Error()
			}
		}
		gaveUp = gaveUp || r.close != nil && r.state == wsdouble.Connecting
	}
	if gaveUp {
		label = "" // the client closed while connecting: a hang it gave up on
	}
	// Else it failed before any HTTP answer (refused connection, DNS,
	// TLS): the nearest a script can say is that nothing answered.
	t.answer(0, 0, Hang{}, label)
	return 0, false
}

// wireCode is the code a client's Close(code, reason) puts in its close
// frame, as the server reads it (WHATWG WebSockets, "close the WebSocket").
func wireCode(code int, reason string) int {
	switch {
	case code != 0:
		return code
	case reason != "":
		return wsdouble.CloseNormalClosure
	}
	return wsdouble.CloseNoStatusReceived
}
