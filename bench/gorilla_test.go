package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// gorillaEcho is the baselines' server: gorilla's Upgrader and the plain
// ReadMessage/WriteMessage loop, sending every message back until the
// connection ends. gorilla's default close handler answers a close frame.
type gorillaEcho struct {
	up       websocket.Upgrader
	handlers sync.WaitGroup // ServeHTTP calls still running
}

// ServeHTTP upgrades the request and echoes until the connection ends.
func (g *gorillaEcho) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.handlers.Add(1)
	defer g.handlers.Done()
	c, err := g.up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	for {
		mt, data, err := c.ReadMessage()
		if err != nil {
			return
		}
		if err := c.WriteMessage(mt, data); err != nil {
			return
		}
	}
}

// newGorillaLoopback starts a gorillaEcho on an httptest server (127.0.0.1,
// port 0) and returns its ws:// URL. Cleanup closes the server and waits for
// its handlers, so every client must be closed by then.
func newGorillaLoopback(b *testing.B) string {
	g := &gorillaEcho{}
	srv := httptest.NewUnstartedServer(g)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.Start()
	b.Cleanup(func() {
		srv.Close()
		g.handlers.Wait()
	})
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/"
}

// dialGorillaPipe connects a raw gorilla client to a gorillaEcho over
// net.Pipe: the client dials through a NetDialContext that returns one end,
// and a net/http server serves the other through a one-connection listener,
// the way wstest's in-memory transport serves its own. Cleanup closes the
// connection cleanly and waits for the server's goroutines.
func dialGorillaPipe(b *testing.B) *websocket.Conn {
	b.Helper()
	clientEnd, serverEnd := net.Pipe()
	g := &gorillaEcho{}
	l := newOneConnListener(serverEnd)
	hs := &http.Server{Handler: g, ErrorLog: log.New(io.Discard, "", 0)}
	served := make(chan struct{})
	go func() {
		defer close(served)
		hs.Serve(l)
	}()
	d := websocket.Dialer{
		NetDialContext:   func(context.Context, string, string) (net.Conn, error) { return clientEnd, nil },
		HandshakeTimeout: 45 * time.Second,
	}
	c, _, err := d.Dial("ws://pipe.invalid/", nil)
	if err != nil {
		clientEnd.Close()
		l.Close()
		<-served
		b.Fatalf("gorilla-pipe: dial: %v", err)
	}
	b.Cleanup(func() {
		if err := closeGorilla(c); err != nil {
			b.Error(err)
		}
		l.Close()
		<-served
		g.handlers.Wait()
	})
	return c
}

// closeGorilla runs the client's side of the closing handshake on c: a
// close frame with code 1000, then reads until the server's answer, then
// closes the transport.
func closeGorilla(c *websocket.Conn) error {
	defer c.Close()
	if err := c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")); err != nil {
		return fmt.Errorf("gorilla: writing the close frame: %w", err)
	}
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
			return fmt.Errorf("gorilla: waiting for the close frame: got %v, want close 1000", err)
		}
		return nil
	}
}

// oneConnListener hands out one connection, then blocks in Accept until it
// is closed, so that http.Server can serve a single net.Pipe end.
type oneConnListener struct {
	conn   chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newOneConnListener(c net.Conn) *oneConnListener {
	l := &oneConnListener{conn: make(chan net.Conn, 1), closed: make(chan struct{})}
	l.conn <- c
	return l
}

// Accept returns the connection the first time, then net.ErrClosed once
// the listener is closed.
func (l *oneConnListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conn:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close makes Accept return.
func (l *oneConnListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

// Addr returns the pipe's address.
func (l *oneConnListener) Addr() net.Addr { return pipeAddr{} }

// pipeAddr is the address of a net.Pipe end.
type pipeAddr struct{}

// Network returns "pipe".
func (pipeAddr) Network() string { return "pipe" }

// String returns "pipe".
func (pipeAddr) String() string { return "pipe" }
