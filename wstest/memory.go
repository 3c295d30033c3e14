package wstest

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble/internal/memconn"
)

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
	client, server := memconn.Pipe(memconn.Addr(fmt.Sprintf("memory-client-%d", n)), memconn.Addr(addr), 0)
	l := &oneConnListener{conn: server, closed: make(chan struct{})}
	server.OnClose(func() {
		l.close()
		s.mu.Lock()
		delete(s.transports, server)
		s.mu.Unlock()
	})
	s.transports[server] = struct{}{}
	s.mu.Unlock()
	hs := &http.Server{Handler: s, ErrorLog: log.New(io.Discard, "", 0)}
	s.track(memoryHTTPServer)
	go func() {
		defer s.untrack(memoryHTTPServer)
		hs.Serve(l)
	}()
	return client, nil
}

// oneConnListener hands out one connection, then blocks until it is
// closed: it lets http.Server serve a single in-memory connection and
// return when that connection ends.
type oneConnListener struct {
	mu       sync.Mutex
	conn     net.Conn
	accepted bool
	closed   chan struct{}
	once     sync.Once
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	if !l.accepted {
		l.accepted = true
		l.mu.Unlock()
		return l.conn, nil
	}
	l.mu.Unlock()
	<-l.closed
	return nil, net.ErrClosed
}

func (l *oneConnListener) close() { l.once.Do(func() { close(l.closed) }) }

func (l *oneConnListener) Close() error {
	l.close()
	return nil
}

func (l *oneConnListener) Addr() net.Addr { return l.conn.LocalAddr() }
