package wstest

// The in-memory transport: a Server reached through an in-memory net.Conn
// made fresh for every dial (DialContext, and what dials with it: Dialer,
// HTTPClient, Constructor), with real HTTP handshakes (and TLS ones, for a
// Server made with TLS) and RFC 6455 frames, on the dialing goroutine's
// clock.

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/wsdouble/wsdouble/internal/memconn"
)

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
		ConnState: func(c net.Conn, st http.ConnState) {
			s.tlsConnState(c, st) // logged before Close stops waiting
			if st == http.StateHijacked || st == http.StateClosed {
				once.Do(func() { s.untrack(memoryHTTPServer) })
			}
		},
	}
	var l net.Listener = &oneConnListener{conn: server}
	if s.tls != nil {
		// net/http runs the handshake, on the goroutine that serves the
		// connection, as on loopback.
		l = tls.NewListener(l, s.tls.config)
	}
	hs.Serve(l)
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
