// Package reconnecting is a reconnecting WebSocket client written against the
// wsdouble contract, with the options and state machine of medplum's
// ReconnectingWebSocket (itself a fork of reconnecting-websocket), and its
// tests: every behaviour of the client tested with the test doubles of
// wsdouble, so that a reader can compare the ways to test such a client.
//
// It is an example to copy, but a complete one: safe for concurrent use, no
// goroutine left behind after Close, every wait a timer or a channel.
//
// # The client
//
// A Client takes a wsdouble.Constructor (wsdouble.New in production, a
// wstest.FakeDialer's or a wstest.Server's in tests) and holds one socket at
// a time:
//
//	c, err := reconnecting.New(wsdouble.New, "wss://example.com/ws", reconnecting.Options{
//		MinReconnectionDelay: time.Second,
//		MaxReconnectionDelay: 30 * time.Second,
//		Keepalive:            reconnecting.Keepalive{Interval: 10 * time.Second},
//		ShouldReconnect: func(ev wsdouble.CloseEvent, cause error) bool {
//			var refused *wsdouble.HandshakeError
//			return ev.Code != 4001 && !(errors.As(cause, &refused) && refused.StatusCode == 401)
//		},
//	})
//	c.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
//		c.Send(wsdouble.Text(`{"op":"subscribe"}`))
//	}))
//	...
//	c.Close(wsdouble.CloseNormalClosure, "bye")
//	<-c.Done()
//
// The first attempt is made at once. When a connection closes, or an attempt
// fails, the client waits and tries again: the n-th retry in a row waits
// min(MinReconnectionDelay × ReconnectionDelayGrowFactor^(n-1),
// MaxReconnectionDelay). The count of retries starts over only once a
// connection has stayed open MinUptime, so a server that accepts and drops
// at once sees the delay grow as if it refused. After MaxRetries retries in a
// row, or when ShouldReconnect says no, the client stops in CLOSED;
// Reconnect starts it again, and Close stops it for good.
//
// An attempt still CONNECTING after ConnectionTimeout is abandoned and counts
// as a failure, reported by an error event whose Err wraps
// ErrConnectionTimeout. With a Keepalive, the client sends a ping every
// Interval and replaces the connection when no pong came within Timeout
// (ErrKeepaliveTimeout): the only way to notice a half-open connection, where
// the server is gone but no close frame and no reset ever arrives.
//
// # What users see
//
// The Client is a wsdouble.IWebSocket: its listeners get the open, message,
// error and close events of every connection in turn, on the client's own
// goroutine, one at a time. Send queues messages while no connection is open
// and sends them, in order, when the next one opens, before the open
// listeners run, so that a listener that subscribes on open comes after
// them. BufferedAmount counts the queue.
//
// # The tests
//
// Each behaviour has a test named for it, run on the scriptable fake inside
// testing/synctest, where backoff delays of minutes take microseconds. Some
// are also run another way: as a scenario file played by the scenario
// package, with gomock mocks of the socket (mockws), or end to end against
// wstest.Server over loopback in real time. README.md's section "Testing a
// reconnecting client" is copied from TestBackoffGrowsAndCaps and
// TestAbruptDropReconnects, and a test keeps the two in sync.
package reconnecting
