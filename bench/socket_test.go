package bench

import (
	"fmt"

	"github.com/wsdouble/wsdouble"
)

// socket is a wsdouble client under measurement. It is its own listener for
// the events a benchmark waits for and hands them over on channels, so a
// wait ends with an event (a failed connection ends with a close event) and
// never polls or sleeps. One listener value for every type keeps its cost
// per socket to a single allocation.
type socket struct {
	ws     wsdouble.IWebSocket
	opened chan struct{}
	msgs   chan int // the length of each message received
	closed chan wsdouble.CloseEvent
	err    error // the error event's cause; read after closed delivers
}

// newSocket makes a socket with ctor and listens to it. The opening
// handshake goes on in the background; waitOpen waits for its end.
func newSocket(ctor wsdouble.Constructor, url string) (*socket, error) {
	ws, err := ctor(url)
	if err != nil {
		return nil, fmt.Errorf("socket: constructor(%q): %w", url, err)
	}
	s := &socket{
		ws:     ws,
		opened: make(chan struct{}, 1),
		msgs:   make(chan int, 1),
		closed: make(chan wsdouble.CloseEvent, 1),
	}
	ws.AddEventListener(wsdouble.EventOpen, s)
	ws.AddEventListener(wsdouble.EventMessage, s)
	ws.AddEventListener(wsdouble.EventError, s)
	ws.AddEventListener(wsdouble.EventClose, s)
	return s, nil
}

// dialSocket makes a socket and waits until it is open.
func dialSocket(ctor wsdouble.Constructor, url string) (*socket, error) {
	s, err := newSocket(ctor, url)
	if err != nil {
		return nil, err
	}
	if err := s.waitOpen(); err != nil {
		return nil, err
	}
	return s, nil
}

// HandleEvent implements wsdouble.Listener. It runs on the socket's dispatch
// goroutine; the channels are buffered for the one event of each kind a
// benchmark has outstanding at a time.
func (s *socket) HandleEvent(e wsdouble.Event) {
	switch e := e.(type) {
	case wsdouble.OpenEvent:
		s.opened <- struct{}{}
	case wsdouble.MessageEvent:
		s.msgs <- len(e.Data)
	case wsdouble.ErrorEvent:
		s.err = e.Err
	case wsdouble.CloseEvent:
		s.closed <- e
	}
}

// waitOpen waits for the open event, or fails with the close event that
// came instead.
func (s *socket) waitOpen() error {
	// A Go caller adds listeners after the constructor returned, so the
	// open event may have come first. The ready state changes just before
	// the event is dispatched, to the listeners present then: Open here
	// means it was (the listener may have missed it); Connecting means our
	// listener will see it.
	switch s.ws.ReadyState() {
	case wsdouble.Open:
		return nil
	case wsdouble.Closed:
		return fmt.Errorf("socket: waiting for the open event: the socket closed before it could be seen")
	}
	select {
	case <-s.opened:
		return nil
	case e := <-s.closed:
		return fmt.Errorf("socket: waiting for the open event, got %v (error event: %v)", e, s.err)
	}
}

// waitMessage waits for a message of n bytes.
func (s *socket) waitMessage(n int) error {
	select {
	case got := <-s.msgs:
		if got != n {
			return fmt.Errorf("socket: waiting for a message: got %d bytes, want %d", got, n)
		}
		return nil
	case e := <-s.closed:
		return fmt.Errorf("socket: waiting for a message, got %v (error event: %v)", e, s.err)
	}
}

// startClose starts the closing handshake with code 1000.
func (s *socket) startClose() error {
	if err := s.ws.Close(wsdouble.CloseNormalClosure, ""); err != nil {
		return fmt.Errorf("socket: Close(1000): %w", err)
	}
	return nil
}

// waitClosed waits for the close event, which must report a clean close
// with code 1000.
func (s *socket) waitClosed() error {
	e := <-s.closed
	if e.Code != wsdouble.CloseNormalClosure || !e.WasClean {
		return fmt.Errorf("socket: after Close(1000): got %v (error event: %v), want close 1000 clean", e, s.err)
	}
	return nil
}

// close closes the socket and waits for the close event.
func (s *socket) close() error {
	if err := s.startClose(); err != nil {
		return err
	}
	return s.waitClosed()
}
