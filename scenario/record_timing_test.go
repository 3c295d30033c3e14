package scenario_test

import (
	"sync"
	"testing"
	"testing/synctest"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// lateSocket returns from Send and Close only once the event each causes
// (the server's echo, the close event) has been dispatched to every
// listener added before the call. The contract allows it: events come on
// the socket's own goroutine, whenever the network delivers them, and a
// loaded machine delivers them before the caller runs again.
type lateSocket struct {
	wsdouble.IWebSocket
	events chan wsdouble.Event
}

func (s *lateSocket) listen() {
	if s.events == nil {
		s.events = make(chan wsdouble.Event, 4)
		l := wsdouble.ListenerFunc(func(e wsdouble.Event) { s.events <- e })
		s.IWebSocket.AddEventListener(wsdouble.EventMessage, l)
		s.IWebSocket.AddEventListener(wsdouble.EventClose, l)
	}
}

func (s *lateSocket) Send(m wsdouble.Message) error {
	s.listen()
	err := s.IWebSocket.Send(m)
	if err == nil {
		<-s.events // the echo
	}
	return err
}

func (s *lateSocket) Close(code int, reason string) error {
	s.listen()
	err := s.IWebSocket.Close(code, reason)
	if err == nil {
		<-s.events // the close event
	}
	return err
}

// TestRecorderOrdersCallsBeforeWhatTheyCause: a message the client sent
// comes before the answer to it in the recording, and its Close makes an
// ExpectClose, even when the answer or the close event is dispatched
// before Send or Close returns. (The Recorder used to log the call once it
// returned: the script then had the server answer before the client spoke,
// or read the client's close as the server's.)
func TestRecorderOrdersCallsBeforeWhatTheyCause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t, wstest.AutoAccept(wstest.Echo))
		rec := scenario.NewRecorder(func(url string, protocols ...string) (wsdouble.IWebSocket, error) {
			ws, err := d.Constructor()(url, protocols...)
			if err != nil {
				return nil, err
			}
			return &lateSocket{IWebSocket: ws}, nil
		})
		ws, err := rec.Constructor()("ws://late.test/")
		if err != nil {
			t.Fatal(err)
		}
		<-opened(ws)
		if err := ws.Send(wsdouble.Text("hello")); err != nil {
			t.Fatal(err)
		}
		if err := ws.Close(wsdouble.CloseNormalClosure, "bye"); err != nil {
			t.Fatal(err)
		}
		s, err := rec.Script("late")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, st := range s.Attempts[0].Steps {
			got = append(got, st.Action.Name())
		}
		want := []string{"expect", "send", "expect_close"}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Errorf("recorded steps: got %v, want %v", got, want)
		}
	})
}

// TestRecorderForgetsFailedCalls: a Send or Close the socket rejects is not
// recorded.
func TestRecorderForgetsFailedCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t, wstest.AutoAccept(wstest.Echo))
		rec := scenario.NewRecorder(d.Constructor())
		ws, err := rec.Constructor()("ws://forget.test/")
		if err != nil {
			t.Fatal(err)
		}
		<-opened(ws)
		if err := ws.Send(wsdouble.Message{Type: wsdouble.TextMessage, Data: []byte{0xff}}); err == nil {
			t.Error("Send of invalid UTF-8: got no error")
		}
		if err := ws.Close(1001, ""); err == nil {
			t.Error("Close(1001): got no error")
		}
		closed := make(chan struct{})
		ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) { close(closed) }))
		ws.Close(4000, "")
		<-closed
		s, err := rec.Script("forget")
		if err != nil {
			t.Fatal(err)
		}
		steps := s.Attempts[0].Steps
		if len(steps) != 1 {
			t.Fatalf("recorded %d steps, want only the close: %+v", len(steps), steps)
		}
		if c, ok := steps[0].Action.(scenario.ExpectClose); !ok || c.Code != 4000 {
			t.Errorf("recorded %+v, want ExpectClose 4000", steps[0].Action)
		}
	})
}

// eagerSocket has its connection fail at once: as soon as a close listener
// is added, it dispatches a close event, from a goroutine of its own, to
// the listeners it has at that moment; it has no hold of its own (see
// internal/listenhold), as if the hold had already let the event go.
type eagerSocket struct {
	wsdouble.IWebSocket // nil: the test calls only the methods below

	mu         sync.Mutex
	listeners  []wsdouble.Listener
	once       sync.Once
	started    chan struct{} // the listeners to call are chosen
	dispatched chan struct{}
}

func (s *eagerSocket) AddEventListener(typ wsdouble.EventType, l wsdouble.Listener, _ ...wsdouble.ListenerOption) {
	if typ != wsdouble.EventClose {
		return
	}
	s.mu.Lock()
	s.listeners = append(s.listeners, l)
	snapshot := append([]wsdouble.Listener(nil), s.listeners...)
	s.mu.Unlock()
	s.once.Do(func() {
		go func() {
			close(s.started)
			for _, l := range snapshot {
				l.HandleEvent(wsdouble.CloseEvent{Code: wsdouble.CloseAbnormalClosure})
			}
			close(s.dispatched)
		}()
	})
}

// TestRecorderKeepsTheListenHold: an event a socket dispatches before the
// caller of a recorded Constructor has added its listeners is held for
// them, as the real client holds it (internal/listenhold), though the
// Recorder's own listener was there first. (It used to reach the Recorder
// only: over loopback, a client of a recorded Constructor whose dial was
// refused within microseconds could miss its close event and wait
// forever.) Real time: the hold does nothing in a synctest bubble.
func TestRecorderKeepsTheListenHold(t *testing.T) {
	inner := &eagerSocket{started: make(chan struct{}), dispatched: make(chan struct{})}
	rec := scenario.NewRecorder(func(string, ...string) (wsdouble.IWebSocket, error) { return inner, nil })
	ws, err := rec.Constructor()("ws://eager.test/")
	if err != nil {
		t.Fatal(err)
	}
	<-inner.started // the event is being dispatched, to the Recorder only
	got := make(chan wsdouble.Event, 1)
	ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(e wsdouble.Event) { got <- e }))
	<-inner.dispatched
	select {
	case e := <-got:
		if e != (wsdouble.CloseEvent{Code: wsdouble.CloseAbnormalClosure}) {
			t.Errorf("the caller's listener got %v, want close 1006", e)
		}
	default:
		t.Error("the caller's close listener, added while the socket dispatched its close event, never got it")
	}
}
