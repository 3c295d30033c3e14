package wstest

// The in-memory transport: a Server reached through an in-memory net.Conn
// made fresh for every dial (Dialer, Constructor), with real HTTP
// handshakes and RFC 6455 frames, on the dialing goroutine's clock.

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/memconn"
)

// Constructor returns a wsdouble.Constructor whose sockets are real clients
// (wsdouble.WebSocket) connected to this server through the in-memory
// transport. The URL given to it may have any host; its path and query are
// those the server sees. Options are passed to wsdouble.NewConstructor
// after the in-memory dialer, so they may add headers or timeouts but
// should not replace the dialer.
func (s *Server) Constructor(opts ...wsdouble.Option) wsdouble.Constructor {
	return wsdouble.NewConstructor(append([]wsdouble.Option{wsdouble.WithDialer(s.Dialer())}, opts...)...)
}

// MemoryURL is a URL to give a Server's in-memory Constructor or Dialer by
// convention. The in-memory transport ignores the host; the .invalid domain
// never resolves, so the URL fails fast if it reaches a real dialer by
// mistake.
const MemoryURL = "ws://wstest.invalid/"

// Dialer returns a new gorilla/websocket Dialer that reaches this server
// through the in-memory transport, whatever the URL's host. Every dial makes
// a fresh connection, and the goroutines that serve it, on the dialing
// goroutine: inside a synctest bubble they belong to the bubble. The Dialer's
// HandshakeTimeout is 45 seconds, as for websocket.DefaultDialer; the caller
// may change any field but NetDialContext.
func (s *Server) Dialer() *websocket.Dialer {
	return &websocket.Dialer{
		NetDialContext:   s.dialMemory,
		HandshakeTimeout: 45 * time.Second,
	}
}

// dialMemory makes an in-memory connection and serves its server end with
// a net/http server of its own, so that handshakes go through the same
// net/http code as on loopback.
//
// The http.Server's Serve runs on the dialing goroutine and returns at
// once: it hands the connection to a goroutine of its own and finds the
// one-connection listener exhausted. That goroutine, which runs the
// handler, is then the only one serving the connection; Close waits for it
// until it hijacks the connection (the handler takes over) or closes it.
func (s *Server) dialMemory(ctx context.Context, network, addr string) (net.Conn, error) {
	s.mu.Lock()
	if s.closed || s.down {
		s.mu.Unlock()
		// The in-memory counterpart of a refused TCP connection. It is not
		// instant (see settle): the client hears of it once it listens.
		time.Sleep(time.Nanosecond)
		return nil, &net.OpError{Op: "dial", Net: "memory", Addr: memconn.Addr(addr), Err: syscall.ECONNREFUSED}
	}
	s.dials++
	n := s.dials
	client, server := memconn.Pipe(memconn.Addr("memory-client-"+strconv.Itoa(n)), memconn.Addr(addr), 0)
	server.OnClose(func() {
		s.mu.Lock()
		delete(s.transports, server)
		s.mu.Unlock()
	})
	s.transports[server] = struct{}{}
	s.trackLocked(memoryHTTPServer)
	s.mu.Unlock()
	var once sync.Once
	hs := &http.Server{
		Handler:  s,
		ErrorLog: discardLog,
		// HTTP/1.1 only: net/http would otherwise set up HTTP/2 for every
		// new Server, which costs more than the handshake.
		Protocols: http1Only,
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateHijacked || st == http.StateClosed {
				once.Do(func() { s.untrack(memoryHTTPServer) })
			}
		},
	}
	hs.Serve(&oneConnListener{conn: server})
	return client, nil
}

// discardLog is the ErrorLog of the in-memory HTTP servers.
var discardLog = log.New(io.Discard, "", 0)

// http1Only is the Protocols of the in-memory HTTP servers.
var http1Only = func() *http.Protocols {
	p := new(http.Protocols)
	p.SetHTTP1(true)
	return p
}()

// oneConnListener hands out one connection, then fails: http.Server.Serve
// starts serving the connection and returns.
type oneConnListener struct {
	conn     net.Conn
	accepted bool
}

// errServed ends http.Server.Serve once it has its one connection.
var errServed = errors.New("wstest: the in-memory connection is being served")

func (l *oneConnListener) Accept() (net.Conn, error) {
	if l.accepted {
		return nil, errServed
	}
	l.accepted = true
	return l.conn, nil
}

func (l *oneConnListener) Close() error { return nil }

func (l *oneConnListener) Addr() net.Addr { return l.conn.LocalAddr() }
