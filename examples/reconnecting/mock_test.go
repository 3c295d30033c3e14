package reconnecting_test

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/mock/gomock"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/reconnecting"
	"github.com/wsdouble/wsdouble/mockws"
)

// Behaviours 4 and 11 again, with gomock mocks of the socket (mockws) in
// place of the fake. A mock does nothing by itself: the test states every
// call the client must make on it, in order (gomock.InOrder), and fires the
// socket's events by calling the listener the client registered, captured
// with DoAndReturn. This pins down the exact protocol between the client and
// its socket, which the fake leaves free. The bubble is only there so that
// Reconnect's "at once" can be checked on an exact clock.

// socket is a mock socket and the listeners the client registered on it.
type socket struct {
	*mockws.MockIWebSocket
	// added is the expectation of the client's four AddEventListener
	// calls, to put in a gomock.InOrder.
	added *gomock.Call

	mu        sync.Mutex
	listeners map[wsdouble.EventType]wsdouble.Listener
	ready     chan struct{} // closed once all four are registered
}

// newSocket returns a mock socket that expects the client to register a
// listener for each of the four events, and captures them (DoAndReturn).
func newSocket(ctrl *gomock.Controller) *socket {
	s := &socket{MockIWebSocket: mockws.NewMockIWebSocket(ctrl), listeners: map[wsdouble.EventType]wsdouble.Listener{}, ready: make(chan struct{})}
	s.added = s.EXPECT().AddEventListener(gomock.Any(), gomock.Any()).
		DoAndReturn(func(typ wsdouble.EventType, l wsdouble.Listener, _ ...wsdouble.ListenerOption) {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.listeners[typ] = l
			if len(s.listeners) == 4 {
				close(s.ready)
			}
		}).
		Times(4)
	return s
}

// fire dispatches e as the socket would: it waits until the client has
// registered its listeners, and calls the one for e's type.
func (s *socket) fire(e wsdouble.Event) {
	<-s.ready
	s.mu.Lock()
	l := s.listeners[e.Type()]
	s.mu.Unlock()
	l.HandleEvent(e)
}

// answerClose makes Close answer as a socket does: a close event follows.
func (s *socket) answerClose(code int, reason string) error {
	s.fire(wsdouble.CloseEvent{Code: code, WasClean: true})
	return nil
}

// mockDialer returns a Constructor that hands out socks in order.
func mockDialer(t *testing.T, socks ...*socket) wsdouble.Constructor {
	return func(url string, protocols ...string) (wsdouble.IWebSocket, error) {
		if len(socks) == 0 {
			t.Errorf("constructor called for %s once too often", url)
			return nil, wsdouble.ErrInvalidURL
		}
		ws := socks[0]
		socks = socks[1:] // only the client's goroutine calls it
		return ws, nil
	}
}

// Behaviour 4 with a mock: the queued messages reach the socket's Send, in
// order, before the client's open listener is called.
func TestSendQueuesWhileDisconnectedMock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctrl := gomock.NewController(t)
		ws := newSocket(ctrl)
		onOpen := mockws.NewMockListener(ctrl)
		opened := make(chan struct{})
		gomock.InOrder(
			ws.added,
			ws.EXPECT().Send(wsdouble.Text("one")).Return(nil),
			ws.EXPECT().Send(wsdouble.Text("two")).Return(nil),
			onOpen.EXPECT().HandleEvent(wsdouble.OpenEvent{}).Do(func(wsdouble.Event) { close(opened) }),
			ws.EXPECT().BufferedAmount().Return(0),
			ws.EXPECT().Send(wsdouble.Text("three")).Return(nil), // sent at once while open
			ws.EXPECT().Close(wsdouble.CloseNormalClosure, "bye").DoAndReturn(ws.answerClose),
		)

		opts := options
		opts.MaxEnqueuedMessages = 2
		c, err := reconnecting.New(mockDialer(t, ws), "ws://example.test/", opts)
		require.NoError(t, err)
		c.AddEventListener(wsdouble.EventOpen, onOpen)
		require.NoError(t, c.Send(wsdouble.Text("one")))
		require.NoError(t, c.Send(wsdouble.Text("two")))
		assert.ErrorIs(t, c.Send(wsdouble.Text("dropped")), reconnecting.ErrQueueFull)
		assert.Equal(t, 6, c.BufferedAmount(), "counted while queued; the socket is not asked")

		ws.fire(wsdouble.OpenEvent{})
		<-opened
		assert.Equal(t, 0, c.BufferedAmount())
		require.NoError(t, c.Send(wsdouble.Text("three")))
		require.NoError(t, c.Close(wsdouble.CloseNormalClosure, "bye"))
		<-c.Done()
	})
}

// Behaviour 11 with mocks: Reconnect closes the open socket, dispatches its
// close event at once, and makes the next one without delay; the old
// socket's own close event, when it comes, is not dispatched.
func TestReconnectOnOpenConnectionMock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctrl := gomock.NewController(t)
		ws1, ws2, ws3 := newSocket(ctrl), newSocket(ctrl), newSocket(ctrl)
		events := mockws.NewMockListener(ctrl)
		seen := make(chan wsdouble.Event, 10)
		see := func(e wsdouble.Event) { seen <- e }
		gomock.InOrder(
			ws1.added, // the first attempt fails
			events.EXPECT().HandleEvent(wsdouble.ErrorEvent{}).Do(see),
			events.EXPECT().HandleEvent(wsdouble.CloseEvent{Code: wsdouble.CloseAbnormalClosure}).Do(see),
			ws2.added, // the retry opens
			events.EXPECT().HandleEvent(wsdouble.OpenEvent{}).Do(see),
			ws2.EXPECT().Close(wsdouble.CloseNormalClosure, "reconnect").Return(nil), // Reconnect
			events.EXPECT().HandleEvent(wsdouble.CloseEvent{Code: wsdouble.CloseNormalClosure, Reason: "reconnect"}).Do(see),
			ws3.added,
			events.EXPECT().HandleEvent(wsdouble.OpenEvent{}).Do(see),
			ws3.EXPECT().Close(wsdouble.CloseNormalClosure, "").DoAndReturn(ws3.answerClose),
			events.EXPECT().HandleEvent(wsdouble.CloseEvent{Code: wsdouble.CloseNormalClosure, WasClean: true}),
		)

		c, err := reconnecting.New(mockDialer(t, ws1, ws2, ws3), "ws://example.test/", options)
		require.NoError(t, err)
		for _, typ := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventError, wsdouble.EventClose} {
			c.AddEventListener(typ, events)
		}
		ws1.fire(wsdouble.ErrorEvent{})
		ws1.fire(wsdouble.CloseEvent{Code: wsdouble.CloseAbnormalClosure})
		<-seen
		<-seen
		ws2.fire(wsdouble.OpenEvent{}) // made a second later
		<-seen
		require.Equal(t, 1, c.RetryCount())

		at := time.Now()
		require.NoError(t, c.Reconnect())
		<-seen // the close event
		<-ws3.ready
		assert.Zero(t, time.Since(at), "the new socket is made at once")
		assert.Equal(t, 0, c.RetryCount())
		ws2.fire(wsdouble.CloseEvent{Code: wsdouble.CloseNormalClosure, WasClean: true}) // late: not dispatched
		ws3.fire(wsdouble.OpenEvent{})
		<-seen

		require.NoError(t, c.Close(wsdouble.CloseNormalClosure, ""))
		<-c.Done()
	})
}
