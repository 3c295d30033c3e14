package wsdouble_test

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/memconn"
	"github.com/wsdouble/wsdouble/wstest"
)

// events records a socket's events, with the virtual time of each.
type events struct {
	mu    sync.Mutex
	start time.Time
	list  []string
	at    []time.Duration
	done  chan struct{}
}

func watch(ws wsdouble.IWebSocket) *events {
	ev := &events{start: time.Now(), done: make(chan struct{})}
	l := wsdouble.ListenerFunc(func(e wsdouble.Event) {
		ev.mu.Lock()
		defer ev.mu.Unlock()
		s := fmt.Sprint(e)
		if _, ok := e.(wsdouble.ErrorEvent); ok {
			s = "error"
		}
		ev.list = append(ev.list, s)
		ev.at = append(ev.at, time.Since(ev.start))
		if _, ok := e.(wsdouble.CloseEvent); ok {
			close(ev.done)
		}
	})
	for _, typ := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
		ws.AddEventListener(typ, l)
	}
	return ev
}

func (ev *events) String() string {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return "[" + strings.Join(ev.list, ", ") + "]"
}

// rawServer returns a Dialer whose every dial reaches a hand-written
// server over an in-memory connection: it completes the handshake, then
// runs handle. It lets a test play a server that misbehaves in ways
// wstest.Server does not.
func rawServer(handle func(conn net.Conn)) *websocket.Dialer {
	return &websocket.Dialer{NetDialContext: func(context.Context, string, string) (net.Conn, error) {
		c, s := memconn.Pipe(memconn.Addr("client"), memconn.Addr("server"), 0)
		go func() {
			defer s.Close()
			req, err := http.ReadRequest(bufio.NewReader(s))
			if err != nil {
				return
			}
			sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
			fmt.Fprintf(s, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
				base64.StdEncoding.EncodeToString(sum[:]))
			handle(s)
		}()
		return c, nil
	}}
}

func TestDialAndEcho(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo), wstest.Subprotocols("v2"))
		opened := make(chan struct{})
		ws, err := wsdouble.Dial(t.Context(), wstest.MemoryURL+"echo",
			wsdouble.WithDialer(srv.Dialer()),
			wsdouble.WithProtocols("v1", "v2"),
			wsdouble.WithHeader(http.Header{"Authorization": {"Bearer t"}}),
			wsdouble.WithListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) { close(opened) })))
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-opened:
		default:
			synctest.Wait()
			select {
			case <-opened:
			default:
				t.Fatal("WithListener's open listener was not called")
			}
		}
		if ws.ReadyState() != wsdouble.Open || ws.Protocol() != "v2" {
			t.Errorf("after Dial: state %v protocol %q, want OPEN v2", ws.ReadyState(), ws.Protocol())
		}
		if got := srv.Attempts()[0].Header.Get("Authorization"); got != "Bearer t" {
			t.Errorf("Authorization header seen by the server: got %q, want %q", got, "Bearer t")
		}
		ev := watch(ws)
		ws.Send(wsdouble.Text("ping"))
		synctest.Wait()
		ws.Close(1000, "")
		<-ev.done
		if got, want := ev.String(), `[message text "ping", close 1000 clean]`; got != want {
			t.Errorf("events: got %s, want %s", got, want)
		}
		<-ws.Done()
	})
}

func TestDialRefused(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		go func() {
			a, err := srv.NextAttempt(t.Context())
			if err == nil {
				a.Refuse(http.StatusUnauthorized, http.Header{"Www-Authenticate": {"Bearer"}}, "no token")
			}
		}()
		ws, err := wsdouble.Dial(t.Context(), wstest.MemoryURL, wsdouble.WithDialer(srv.Dialer()))
		var herr *wsdouble.HandshakeError
		if ws != nil || !errors.As(err, &herr) {
			t.Fatalf("Dial: got %v, %v; want nil, *HandshakeError", ws, err)
		}
		if herr.StatusCode != 401 || string(herr.Body) != "no token" || herr.Header.Get("Www-Authenticate") != "Bearer" {
			t.Errorf("HandshakeError: got %d %q %v", herr.StatusCode, herr.Body, herr.Header)
		}
		if got, want := herr.Error(), "wsdouble: handshake refused: 401 Unauthorized"; got != want {
			t.Errorf("Error(): got %q, want %q", got, want)
		}
	})
}

func TestDialContextExpires(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		start := time.Now()
		_, err := wsdouble.Dial(ctx, wstest.MemoryURL, wsdouble.WithDialer(srv.Dialer()))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Dial: got %v, want context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d != 3*time.Second {
			t.Errorf("Dial returned after %v, want 3s", d)
		}
		synctest.Wait()
		if got := srv.Attempts()[0].Outcome; got != wstest.Abandoned {
			t.Errorf("attempt outcome: got %v, want abandoned", got)
		}
	})
}

func TestDialConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = wsdouble.Dial(t.Context(), "ws://"+addr+"/")
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Dial to a closed port: got %v, want ECONNREFUSED", err)
	}
}

func TestNewInvalidArguments(t *testing.T) {
	ws, err := wsdouble.New("ftp://example.com/")
	if ws != nil || !errors.Is(err, wsdouble.ErrInvalidURL) {
		t.Errorf("New(ftp URL): got %v, %v; want a nil interface and ErrInvalidURL", ws, err)
	}
	ws, err = wsdouble.NewConstructor()("ws://example.com/", "a", "a")
	if ws != nil || !errors.Is(err, wsdouble.ErrInvalidProtocol) {
		t.Errorf("Constructor(dup protocols): got %v, %v; want a nil interface and ErrInvalidProtocol", ws, err)
	}
	if _, err := wsdouble.Dial(t.Context(), "not a url"); !errors.Is(err, wsdouble.ErrInvalidURL) {
		t.Errorf("Dial(bad URL): got %v, want ErrInvalidURL", err)
	}
}

func TestCloseRightAfterNew(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		ws, err := srv.Constructor()(wstest.MemoryURL)
		if err != nil {
			t.Fatal(err)
		}
		ev := watch(ws)
		ws.Close(1000, "")
		if ws.ReadyState() != wsdouble.Closing {
			t.Errorf("state right after Close: got %v, want CLOSING", ws.ReadyState())
		}
		<-ev.done
		if got, want := ev.String(), "[error, close 1006 unclean]"; got != want {
			t.Errorf("events: got %s, want %s", got, want)
		}
	})
}

func TestCloseTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The server completes the handshake, then never reads: the client's
		// close frame is never answered.
		dialer := rawServer(func(conn net.Conn) { io.Copy(io.Discard, conn) })
		ws, err := wsdouble.Dial(t.Context(), "ws://raw/", wsdouble.WithDialer(dialer), wsdouble.WithCloseTimeout(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		ev := watch(ws)
		ws.Close(1000, "")
		<-ev.done
		if got, want := ev.String(), "[close 1006 unclean]"; got != want {
			t.Errorf("events: got %s, want %s", got, want)
		}
		if ev.at[0] != 2*time.Second {
			t.Errorf("close event after %v, want the 2s close timeout", ev.at[0])
		}
	})
}

// TestDefaultCloseTimeout: with no close timeout set, a socket waits a
// minute for the answer to its close frame, as Chromium does
// (net/websockets/websocket_channel.cc; measured in headless Chromium 156:
// close 1006 unclean 60.9 s after close() to a server that never answers):
// the real client, and the Fake, which follows it.
func TestDefaultCloseTimeout(t *testing.T) {
	if wsdouble.DefaultCloseTimeout != time.Minute {
		t.Errorf("DefaultCloseTimeout: got %v, want Chromium's minute", wsdouble.DefaultCloseTimeout)
	}
	for _, side := range []struct {
		name string
		dial func(t *testing.T) wsdouble.IWebSocket
	}{
		{"real client", func(t *testing.T) wsdouble.IWebSocket {
			dialer := rawServer(func(conn net.Conn) { io.Copy(io.Discard, conn) })
			ws, err := wsdouble.Dial(t.Context(), "ws://raw/", wsdouble.WithDialer(dialer))
			if err != nil {
				t.Fatal(err)
			}
			return ws
		}},
		{"fake", func(t *testing.T) wsdouble.IWebSocket {
			d := wstest.NewFakeDialer(t, wstest.Faults(wstest.NoCloseReply()))
			ws, err := d.Constructor()("ws://fake.test/")
			if err != nil {
				t.Fatal(err)
			}
			opened := make(chan struct{})
			ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) { close(opened) }))
			a, err := d.NextAttempt(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Accept(wstest.AcceptOptions{}); err != nil {
				t.Fatal(err)
			}
			<-opened
			return ws
		}},
	} {
		t.Run(side.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ws := side.dial(t)
				ev := watch(ws)
				ws.Close(1000, "")
				<-ev.done
				if got, want := ev.String(), "[close 1006 unclean]"; got != want {
					t.Errorf("events: got %s, want %s", got, want)
				}
				if ev.at[0] != time.Minute {
					t.Errorf("close event after %v, want a minute", ev.at[0])
				}
				if err := wsdouble.CloseCause(ws); !errors.Is(err, wsdouble.ErrCloseTimeout) {
					t.Errorf("CloseCause: got %v, want ErrCloseTimeout", err)
				}
			})
		})
	}
}

func TestReadLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		ws, err := wsdouble.NewConstructor(wsdouble.WithDialer(srv.Dialer()), wsdouble.WithReadLimit(1024))(wstest.MemoryURL)
		if err != nil {
			t.Fatal(err)
		}
		ev := watch(ws)
		a, _ := srv.NextAttempt(t.Context())
		p, _ := a.Accept(wstest.AcceptOptions{})
		p.Send(wsdouble.Binary(make([]byte, 1024)))
		p.Send(wsdouble.Binary(make([]byte, 1025)))
		<-ev.done
		if got, want := ev.String(), "[open, message binary [1024]"+strings.Repeat("00", 32)+"…, error, close 1006 unclean]"; got != want {
			t.Errorf("events: got %s, want %s", got, want)
		}
		end, _ := p.Wait(t.Context())
		if end.Code != wsdouble.CloseMessageTooBig {
			t.Errorf("server's end: got %v, want the client's close 1009", end)
		}
	})
}

func TestInvalidUTF8FromServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		ws, _ := srv.Constructor()(wstest.MemoryURL)
		ev := watch(ws)
		a, _ := srv.NextAttempt(t.Context())
		p, _ := a.Accept(wstest.AcceptOptions{})
		p.Send(wsdouble.Message{Type: wsdouble.TextMessage, Data: []byte("bad \xff")})
		<-ev.done
		if got, want := ev.String(), "[open, error, close 1006 unclean]"; got != want {
			t.Errorf("events: got %s, want %s", got, want)
		}
		end, _ := p.Wait(t.Context())
		if end.Code != wsdouble.CloseInvalidFramePayloadData {
			t.Errorf("server's end: got %v, want the client's close 1007", end)
		}
	})
}

func TestBufferedAmountDrains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		ws, _ := srv.Constructor()(wstest.MemoryURL)
		a, _ := srv.NextAttempt(t.Context())
		p, _ := a.Accept(wstest.AcceptOptions{})
		synctest.Wait() // the open event has been dispatched
		for range 10 {
			if err := ws.Send(wsdouble.Binary(make([]byte, 100))); err != nil {
				t.Fatal(err)
			}
		}
		if n := ws.BufferedAmount(); n < 0 || n > 1000 {
			t.Errorf("BufferedAmount right after 10 sends of 100 bytes: got %d, want 0..1000", n)
		}
		synctest.Wait() // the writer has written everything
		if n := ws.BufferedAmount(); n != 0 {
			t.Errorf("BufferedAmount once written: got %d, want 0", n)
		}
		for range 10 {
			if _, err := p.Receive(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		ws.Close(1000, "")
	})
}

func TestCompressionExtension(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t, wstest.Compression(), wstest.AutoAccept(wstest.Echo))
		d := srv.Dialer()
		d.EnableCompression = true
		ws, err := wsdouble.Dial(t.Context(), wstest.MemoryURL, wsdouble.WithDialer(d))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(ws.Extensions(), "permessage-deflate") {
			t.Errorf("Extensions: got %q, want permessage-deflate", ws.Extensions())
		}
		ev := watch(ws)
		ws.Send(wsdouble.Text(strings.Repeat("compressible ", 100)))
		synctest.Wait()
		ws.Close(1000, "")
		<-ev.done
		if got := ev.String(); !strings.HasPrefix(got, "[message text [1300]") {
			t.Errorf("events: got %s, want the echoed message first", got)
		}
	})
}
