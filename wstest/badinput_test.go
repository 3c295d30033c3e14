package wstest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// TestBadInput is the bad input of issue 8 in one table: each row is
// something an endpoint must refuse, sent by whoever can send it (the API
// of the real client and of the Fake, a Peer, a hand-written server to the
// real client, a hand-written client to the Server), with what must
// happen: a clear error, or the standard close code, and no panic, no hang.
// Every row runs in a synctest bubble (but for the handshakes over
// loopback): a hang is a deadlock the runtime reports at once, and the
// timeouts of the checks cost no wall time.
//
// Where the library does not follow the standard yet, the row says what it
// should do and is skipped as a KNOWN BUG (see knownbugs_test.go).
func TestBadInput(t *testing.T) {
	for _, code := range []int{0, 999, 1004, 1005, 1006, 1015, 2999, 5000} {
		t.Run("close code "+strconv.Itoa(code), func(t *testing.T) { badCloseCode(t, code) })
	}
	t.Run("close frame with a one-byte body", oneByteClose)
	t.Run("close reason of 124 bytes", badReason)
	t.Run("invalid UTF-8 text", badUTF8)
	t.Run("message over the read limit", overReadLimit)
	for _, h := range badHandshakes {
		t.Run(h.name, func(t *testing.T) { badHandshake(t, h) })
	}
	t.Run("subprotocol the server does not offer", unofferedSubprotocol)
	t.Run("scenario expecting JSON receives binary", jsonExpectedBinaryReceived)
}

// clientSide is one IWebSocket implementation with the server end it talks
// to.
type clientSide struct {
	name string
	// dial makes an acceptor with opts and a socket offering protocols,
	// its events watched; the attempt is not answered yet.
	dial func(t *testing.T, opts []wstest.Option, protocols ...string) (wsdouble.IWebSocket, *events, wstest.Acceptor)
}

var clientSides = []clientSide{
	{"client", func(t *testing.T, opts []wstest.Option, protocols ...string) (wsdouble.IWebSocket, *events, wstest.Acceptor) {
		srv := wstest.NewServer(t, opts...)
		ws, err := srv.Constructor()(wstest.MemoryURL, protocols...)
		if err != nil {
			t.Fatal(err)
		}
		return ws, watch(ws), srv
	}},
	{"fake", func(t *testing.T, opts []wstest.Option, protocols ...string) (wsdouble.IWebSocket, *events, wstest.Acceptor) {
		d := wstest.NewFakeDialer(t, opts...)
		ws, err := d.Constructor()("ws://fake.test/", protocols...)
		if err != nil {
			t.Fatal(err)
		}
		return ws, watch(ws), d
	}},
}

// open dials and accepts: it returns an open socket and its Peer.
func (s clientSide) open(t *testing.T, opts ...wstest.Option) (wsdouble.IWebSocket, *events, wstest.Peer) {
	t.Helper()
	ws, ev, acc := s.dial(t, opts)
	up := opened(ws)
	p, err := mustAttempt(t, acc).Accept(wstest.AcceptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	<-up
	return ws, ev, p
}

// closeAndWait closes ws normally, if it is still open, and waits for its
// close event.
func closeAndWait(ws wsdouble.IWebSocket, ev *events) {
	ws.Close(wsdouble.CloseNormalClosure, "")
	<-ev.done
}

// wantEnd waits for p's end and checks it.
func wantEnd(t *testing.T, p wstest.Peer, kind wstest.EndKind, code int) wstest.End {
	t.Helper()
	end, err := p.Wait(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if end.Kind != kind || end.Code != code {
		t.Errorf("the server's end: got %v, want %v %d", end, kind, code)
	}
	return end
}

// serverWithPeers is a Server that accepts every attempt and hands its
// Peer to the test.
func serverWithPeers(t *testing.T, opts ...wstest.Option) (*wstest.Server, <-chan wstest.Peer) {
	peers := make(chan wstest.Peer, 4)
	srv := wstest.NewServer(t, append(opts, wstest.AutoAccept(func(p wstest.Peer) {
		peers <- p
		<-p.Done()
	}))...)
	return srv, peers
}

// toClient has a hand-written server send frames to the real client: the
// client must fail the connection (an error event, then close 1006), and
// answer with a close frame whose code is returned.
func toClient(t *testing.T, frames ...[]byte) int {
	t.Helper()
	events, code := toClientEvents(t, frames...)
	if want := "[open, error, close 1006 unclean]"; events != want {
		t.Errorf("client events: got %s, want %s", events, want)
	}
	return code
}

// toClientEvents has a hand-written server send frames to the real
// client, and returns the client's events and the code of the close frame
// it answered with.
func toClientEvents(t *testing.T, frames ...[]byte) (string, int) {
	t.Helper()
	d, got := rawServer(frames...)
	ws, err := wsdouble.NewConstructor(wsdouble.WithDialer(d))(wstest.MemoryURL)
	if err != nil {
		t.Fatal(err)
	}
	ev := watch(ws)
	<-ev.done
	return ev.String(), <-got
}

// toServer has a hand-written client complete the handshake with a Server,
// send frames, and read until the server's close frame, whose code it
// returns (an error if none came within 10 s), with the server's end.
func toServer(t *testing.T, opts []wstest.Option, frames ...[]byte) (int, wstest.End, error) {
	t.Helper()
	srv, peers := serverWithPeers(t, opts...)
	c, err := dialRaw(t.Context(), srv)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.upgrade(); err != nil {
		t.Fatal(err)
	}
	p := <-peers
	for _, f := range frames {
		c.Write(f)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	code, _, readErr := readClose(c.br)
	c.Close()
	end, err := p.Wait(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return code, end, readErr
}

// badCloseCode: a code no one may send (RFC 6455 §7.4.1, §7.4.2): the
// APIs refuse it, as the browser's close() does (WHATWG WebSockets, "close
// the WebSocket", step 1: only 1000 and 3000-4999). On the wire, the
// server fails the connection with 1002 (protocol error); the client does
// as Chromium does (wsdouble.ValidateReceivedClose): it fails the
// connection with 1002 for 1005, 1006 and 1015, and receives every other
// code as sent, closing clean and echoing it. Code 0 is the API's "no
// code" (close() without arguments; a close frame without a body, which
// the receiver reads as 1005) but on the wire it is a code like the
// others, in the unused range 0-999.
func badCloseCode(t *testing.T, code int) {
	for _, side := range clientSides {
		t.Run(side.name+" Close", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ws, ev, p := side.open(t)
				err := ws.Close(code, "")
				if code == 0 {
					if err != nil {
						t.Fatalf("Close(0): %v, want no code", err)
					}
					<-ev.done
					if got, want := ev.String(), "[open, close 1005 clean]"; got != want {
						t.Errorf("events: got %s, want %s", got, want)
					}
					wantEnd(t, p, wstest.ClientClosed, wsdouble.CloseNoStatusReceived)
					return
				}
				if !errors.Is(err, wsdouble.ErrInvalidCode) {
					t.Errorf("Close(%d): got %v, want ErrInvalidCode", code, err)
				}
				if ws.ReadyState() != wsdouble.Open {
					t.Errorf("after a refused Close: %v, want OPEN", ws.ReadyState())
				}
				closeAndWait(ws, ev)
			})
		})
		t.Run(side.name+" Peer.Close", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ws, ev, p := side.open(t)
				err := p.Close(code, "")
				if code == 0 {
					if err != nil {
						t.Fatalf("Peer.Close(0): %v, want a close frame without a code", err)
					}
					<-ev.done
					if got, want := ev.String(), "[open, close 1005 clean]"; got != want {
						t.Errorf("events: got %s, want %s", got, want)
					}
					return
				}
				if !errors.Is(err, wsdouble.ErrInvalidCode) {
					t.Errorf("Peer.Close(%d): got %v, want ErrInvalidCode", code, err)
				}
				closeAndWait(ws, ev)
			})
		})
	}
	t.Run("close frame to the client", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			frame := rawFrame(true, 0x8, closePayload(code, ""), false, 2)
			if wsdouble.ValidateReceivedClose(code, "") != nil {
				if got := toClient(t, frame); got != websocket.CloseProtocolError {
					t.Errorf("the client answered close %d, want 1002", got)
				}
				return
			}
			events, echo := toClientEvents(t, frame)
			if want := fmt.Sprintf("[open, close %d clean]", code); events != want {
				t.Errorf("client events: got %s, want %s (as Chromium)", events, want)
			}
			if echo != code {
				t.Errorf("the client answered close %d, want its echo %d", echo, code)
			}
		})
	})
	t.Run("close frame to the server", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			got, end, err := toServer(t, nil, clientFrame(0x8, closePayload(code, "")))
			if err != nil || got != websocket.CloseProtocolError {
				t.Errorf("the server answered close %d (%v), want 1002", got, err)
			}
			if end.Err == nil || !strings.Contains(end.Err.Error(), "bad close code") {
				t.Errorf("the server's end: got %v, want an error naming the bad close code", end)
			}
		})
	})
}

// badReason: a close reason over 123 bytes does not fit a control frame's
// 125 bytes (RFC 6455 §5.5): the APIs refuse it (WHATWG WebSockets, "close
// the WebSocket", step 2: SyntaxError), 123 bytes are fine; on the wire,
// the receiver fails the connection with 1002.
func badReason(t *testing.T) {
	long, max := strings.Repeat("r", 124), strings.Repeat("r", 123)
	for _, side := range clientSides {
		t.Run(side.name+" Close", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ws, ev, _ := side.open(t)
				if err := ws.Close(wsdouble.CloseNormalClosure, long); !errors.Is(err, wsdouble.ErrReasonTooLong) {
					t.Errorf("Close(1000, 124 bytes): got %v, want ErrReasonTooLong", err)
				}
				if err := ws.Close(wsdouble.CloseNormalClosure, max); err != nil {
					t.Errorf("Close(1000, 123 bytes): %v", err)
				}
				<-ev.done
				if got, want := ev.String(), `[open, close 1000 clean]`; got != want {
					t.Errorf("events: got %s, want %s", got, want)
				}
			})
		})
		t.Run(side.name+" Peer.Close", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, ev, p := side.open(t)
				if err := p.Close(wsdouble.CloseNormalClosure, long); !errors.Is(err, wsdouble.ErrReasonTooLong) {
					t.Errorf("Peer.Close(1000, 124 bytes): got %v, want ErrReasonTooLong", err)
				}
				if err := p.Close(4000, max); err != nil {
					t.Errorf("Peer.Close(4000, 123 bytes): %v", err)
				}
				<-ev.done
				if got, want := ev.String(), `[open, close 4000 "`+max+`" clean]`; got != want {
					t.Errorf("events: got %s, want %s", got, want)
				}
			})
		})
	}
	t.Run("close frame to the client", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			payload := closePayload(wsdouble.CloseNormalClosure, long)
			if got := toClient(t, rawFrame(true, 0x8, payload, false, uint64(len(payload)))); got != websocket.CloseProtocolError {
				t.Errorf("the client answered close %d, want 1002", got)
			}
		})
	})
	t.Run("close frame to the server", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			if got, _, err := toServer(t, nil, clientFrame(0x8, closePayload(wsdouble.CloseNormalClosure, long))); err != nil || got != websocket.CloseProtocolError {
				t.Errorf("the server answered close %d (%v), want 1002", got, err)
			}
		})
	})
}

// badUTF8: a text message must be UTF-8 (RFC 6455 §5.6); one that is not
// fails the connection (§8.1) with 1007 (§7.4.1). The client's API refuses
// to send one (a JavaScript string cannot hold it); a client receiving one
// fails the connection as the browser does (WHATWG WebSockets: an error
// event, then close 1006, since no close frame came back) and the server
// reads 1007.
func badUTF8(t *testing.T) {
	bad := wsdouble.Message{Type: wsdouble.TextMessage, Data: []byte("bad \xff\xfe")}
	for _, side := range clientSides {
		t.Run(side.name+" Send", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ws, ev, _ := side.open(t)
				if err := ws.Send(bad); !errors.Is(err, wsdouble.ErrInvalidMessage) {
					t.Errorf("Send: got %v, want ErrInvalidMessage", err)
				}
				closeAndWait(ws, ev)
			})
		})
		t.Run("Peer.Send to the "+side.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ws, ev, p := side.open(t)
				if err := p.Send(bad); err != nil {
					t.Fatalf("Peer.Send: %v (a Peer may send bad UTF-8: it plays a broken server)", err)
				}
				timeout := time.NewTimer(time.Minute)
				defer timeout.Stop()
				select {
				case <-ev.done:
				case <-timeout.C:
				}
				got, want := ev.String(), "[open, error, close 1006 unclean]"
				if got != want {
					closeAndWait(ws, ev)
					t.Fatalf("events: got %s, want %s", got, want)
				}
				wantEnd(t, p, wstest.ClientClosed, wsdouble.CloseInvalidFramePayloadData)
			})
		})
	}
	t.Run("text frame to the server", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			got, end, err := toServer(t, nil, clientFrame(0x1, bad.Data))
			if got != wsdouble.CloseInvalidFramePayloadData {
				t.Errorf("the server answered close %d (%v), want close 1007", got, err)
			}
			if end.Kind != wstest.ProtocolViolation || end.Code != wsdouble.CloseInvalidFramePayloadData || !errors.Is(end.Err, wstest.ErrInvalidUTF8) {
				t.Errorf("the server's end: got %v (%v), want a protocol violation 1007 wrapping ErrInvalidUTF8", end, end.Err)
			}
		})
	})
}

// overReadLimit: a message over an endpoint's read limit fails the
// connection with 1009 (RFC 6455 §7.4.1, §10.4), at once, even when only
// the frame's header has come: the payload is never awaited.
func overReadLimit(t *testing.T) {
	t.Run("to the client", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := wstest.NewServer(t)
			ws, err := srv.Constructor(wsdouble.WithReadLimit(1024))(wstest.MemoryURL)
			if err != nil {
				t.Fatal(err)
			}
			ev := watch(ws)
			p, err := mustAttempt(t, srv).Accept(wstest.AcceptOptions{})
			if err != nil {
				t.Fatal(err)
			}
			p.Send(wsdouble.Binary(make([]byte, 1025)))
			<-ev.done
			if got, want := ev.String(), "[open, error, close 1006 unclean]"; got != want {
				t.Errorf("events: got %s, want %s", got, want)
			}
			wantEnd(t, p, wstest.ClientClosed, wsdouble.CloseMessageTooBig)
		})
	})
	t.Run("to the server", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv, peers := serverWithPeers(t, wstest.ReadLimit(1024))
			ws, err := srv.Constructor()(wstest.MemoryURL)
			if err != nil {
				t.Fatal(err)
			}
			ev := watch(ws)
			up := opened(ws)
			p := <-peers
			<-up
			ws.Send(wsdouble.Binary(make([]byte, 1025)))
			<-ev.done
			if got, want := ev.String(), `[open, close 1009 "message of at least 1025 bytes, over the read limit of 1024" clean]`; got != want {
				t.Errorf("events: got %s, want %s", got, want)
			}
			end, _ := p.Wait(t.Context())
			if end.Kind != wstest.ProtocolViolation || end.Code != wsdouble.CloseMessageTooBig || !errors.Is(end.Err, websocket.ErrReadLimit) {
				t.Errorf("the server's end: got %v (%v), want a protocol violation 1009 wrapping websocket.ErrReadLimit", end, end.Err)
			}
		})
	})
	t.Run("frame header claiming 2^62 bytes", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			got, _, err := toServer(t, nil, rawFrame(true, 0x2, nil, true, 1<<62))
			if err != nil || got != wsdouble.CloseMessageTooBig {
				t.Errorf("the server answered close %d (%v), want 1009", got, err)
			}
		})
	})
	t.Run("frame header claiming 2^63 bytes", func(t *testing.T) {
		// RFC 6455 §5.2: the most significant bit of a 64-bit length
		// must be 0: a protocol error (1002), at once. gorilla alone
		// sends no close frame, and calls it over the read limit.
		synctest.Test(t, func(t *testing.T) {
			got, end, err := toServer(t, nil, rawFrame(true, 0x2, nil, true, 1<<63))
			if err != nil || got != websocket.CloseProtocolError {
				t.Errorf("the server answered close %d (%v), want 1002", got, err)
			}
			if end.Kind != wstest.ProtocolViolation || end.Code != websocket.CloseProtocolError {
				t.Errorf("the server's end: got %v, want a protocol violation 1002", end)
			}
		})
	})
}

// badHandshakes are opening handshakes a server must refuse, with the
// status RFC 6455 §4.2.1-§4.2.2 gives, before any attempt reaches the test.
var badHandshakes = []struct {
	name   string
	header func() http.Header
	status int
	body   string
	hdr    http.Header // the answer must carry these
}{
	{"handshake without Upgrade", func() http.Header { h := upgradeHeader(); h.Del("Upgrade"); return h },
		http.StatusBadRequest, "no 'websocket' token in Upgrade", nil},
	{"plain HTTP GET", func() http.Header { return http.Header{} },
		http.StatusBadRequest, "not a WebSocket handshake", nil},
	{"wrong Sec-WebSocket-Version", func() http.Header { h := upgradeHeader(); h.Set("Sec-WebSocket-Version", "8"); return h },
		// §4.2.2 step 4, §4.4: 426 with the versions the server speaks.
		http.StatusUpgradeRequired, "Sec-WebSocket-Version", http.Header{"Sec-Websocket-Version": {"13"}}},
	{"bad Sec-WebSocket-Key", func() http.Header { h := upgradeHeader(); h.Set("Sec-WebSocket-Key", "short"); return h },
		http.StatusBadRequest, "Sec-WebSocket-Key", nil},
}

func badHandshake(t *testing.T, h struct {
	name   string
	header func() http.Header
	status int
	body   string
	hdr    http.Header
}) {
	check := func(t *testing.T, srv *wstest.Server, c *rawConn) {
		t.Helper()
		defer c.Close()
		resp, body, err := c.request(h.header())
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != h.status || !strings.Contains(body, h.body) {
			t.Errorf("answer: %s %q, want %d with %q", resp.Status, body, h.status, h.body)
		}
		for k, v := range h.hdr {
			if got := resp.Header.Values(k); strings.Join(got, ",") != strings.Join(v, ",") {
				t.Errorf("answer header %s: got %q, want %q", k, got, v)
			}
		}
		log := srv.Attempts()
		if len(log) != 1 || log[0].Outcome != wstest.Refused || log[0].Status != h.status || log[0].Err == nil {
			t.Errorf("log: got %+v, want one refused attempt, status %d, with the reason", log, h.status)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
		defer cancel()
		if a, err := srv.NextAttempt(ctx); err == nil {
			t.Errorf("NextAttempt: got #%d, want nothing: a bad handshake never reaches the test", a.N())
		}
	}
	t.Run("memory", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := wstest.NewServer(t)
			c, err := dialRaw(t.Context(), srv)
			if err != nil {
				t.Fatal(err)
			}
			check(t, srv, c)
		})
	})
	t.Run("loopback", func(t *testing.T) {
		srv := wstest.NewServer(t)
		c, err := dialRawLoopback(srv)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		check(t, srv, c)
	})
}

// unofferedSubprotocol: a server that supports none of the client's
// subprotocols accepts without one (RFC 6455 §4.2.2 step 5.4: the header is
// then absent), and the client fails the connection: the Fetch standard
// ("establish a WebSocket connection") fails a response without a
// subprotocol when some were requested, as Chromium does (./interop); a
// server that chooses one the client did not offer makes the client fail
// the connection too (RFC 6455 §4.1, the client's step 6 of the response).
// Both: an error event wrapping a *wsdouble.HandshakeError that wraps
// wsdouble.ErrInvalidProtocol, then close 1006. A client that offers none
// opens with protocol "".
func unofferedSubprotocol(t *testing.T) {
	for _, side := range clientSides {
		t.Run(side.name+": none in common", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ws, ev, acc := side.dial(t, []wstest.Option{wstest.Subprotocols("v1")}, "v9")
				var errEvent wsdouble.ErrorEvent
				ws.AddEventListener(wsdouble.EventError, wsdouble.ListenerFunc(func(e wsdouble.Event) { errEvent = e.(wsdouble.ErrorEvent) }))
				if _, err := mustAttempt(t, acc).Accept(wstest.AcceptOptions{}); err != nil {
					t.Fatal(err)
				}
				<-ev.done
				if got, want := ev.String(), "[error, close 1006 unclean]"; got != want {
					t.Errorf("events: got %s, want %s", got, want)
				}
				var herr *wsdouble.HandshakeError
				if !errors.As(errEvent.Err, &herr) || !errors.Is(herr, wsdouble.ErrInvalidProtocol) || !strings.Contains(herr.Err.Error(), "no subprotocol") {
					t.Errorf("error event: got %v, want a HandshakeError saying the server answered no subprotocol", errEvent.Err)
				}
				if rec := acc.Attempts()[0]; rec.Protocol != "" {
					t.Errorf("log: protocol %q, want none", rec.Protocol)
				}
			})
		})
		t.Run(side.name+": NoSubprotocol", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, ev, acc := side.dial(t, nil, "v1")
				if _, err := mustAttempt(t, acc).Accept(wstest.AcceptOptions{Subprotocol: wstest.NoSubprotocol}); err != nil {
					t.Fatal(err)
				}
				<-ev.done
				if got, want := ev.String(), "[error, close 1006 unclean]"; got != want {
					t.Errorf("events: got %s, want %s", got, want)
				}
			})
		})
		t.Run(side.name+": none offered, none chosen", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ws, ev, acc := side.dial(t, []wstest.Option{wstest.Subprotocols("v1")})
				up := opened(ws)
				p, err := mustAttempt(t, acc).Accept(wstest.AcceptOptions{})
				if err != nil {
					t.Fatal(err)
				}
				<-up
				if ws.Protocol() != "" || p.Protocol() != "" || acc.Attempts()[0].Protocol != "" {
					t.Errorf("protocol: client %q, server %q, log %q; want none", ws.Protocol(), p.Protocol(), acc.Attempts()[0].Protocol)
				}
				closeAndWait(ws, ev)
			})
		})
		t.Run(side.name+": the acceptor's default speaks the client's protocol", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ws, ev, acc := side.dial(t, nil, "v2", "v1")
				up := opened(ws)
				if _, err := mustAttempt(t, acc).Accept(wstest.AcceptOptions{}); err != nil {
					t.Fatal(err)
				}
				<-up
				if ws.Protocol() != "v2" {
					t.Errorf("protocol: got %q, want v2, the client's first offer", ws.Protocol())
				}
				closeAndWait(ws, ev)
			})
		})
		t.Run(side.name+": the server chooses one not offered", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ws, ev, acc := side.dial(t, nil, "v1")
				var errEvent wsdouble.ErrorEvent
				ws.AddEventListener(wsdouble.EventError, wsdouble.ListenerFunc(func(e wsdouble.Event) { errEvent = e.(wsdouble.ErrorEvent) }))
				mustAttempt(t, acc).Accept(wstest.AcceptOptions{Subprotocol: "v9"})
				<-ev.done
				if got, want := ev.String(), "[error, close 1006 unclean]"; got != want {
					t.Errorf("events: got %s, want %s", got, want)
				}
				var herr *wsdouble.HandshakeError
				if !errors.As(errEvent.Err, &herr) || herr.Err == nil || !strings.Contains(herr.Err.Error(), "did not offer") {
					t.Errorf("error event: got %v, want a HandshakeError saying v9 was not offered", errEvent.Err)
				}
			})
		})
	}
}

// jsonExpectedBinaryReceived: a script step that expects a JSON text gets
// a binary message that holds the same JSON. The report shows the
// mismatch, naming both; Run returns, and returns an error.
func jsonExpectedBinaryReceived(t *testing.T) {
	script, err := scenario.New("expects JSON").Attempt().Accept().ExpectJSON(`{"op":"subscribe"}`).Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, side := range clientSides {
		t.Run(side.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ws, ev, acc := side.dial(t, nil)
				ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
					ws.Send(wsdouble.Binary([]byte(`{"op":"subscribe"}`)))
				}))
				rep, err := scenario.Run(t.Context(), acc, script)
				if err == nil {
					t.Fatalf("Run: no error; report:\n%v", rep)
				}
				if len(rep.Mismatches) != 1 || !strings.Contains(rep.Mismatches[0].Want, "JSON") || !strings.Contains(rep.Mismatches[0].Got, "binary") {
					t.Errorf("mismatches: got %+v, want one: JSON wanted, binary got", rep.Mismatches)
				}
				closeAndWait(ws, ev)
			})
		})
	}
}

// oneByteClose: a close frame whose body is one byte cannot hold a code
// (RFC 6455 §5.5.1): the client fails the connection with 1002, as
// Chromium does (gorilla alone would read it as no code, 1005).
func oneByteClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		if got := toClient(t, rawFrame(true, 0x8, []byte{3}, false, 1)); got != websocket.CloseProtocolError {
			t.Errorf("the client answered close %d, want 1002", got)
		}
	})
}
