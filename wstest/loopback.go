package wstest

// The loopback transport: a Server reached over TCP on 127.0.0.1 (URL), or
// on an address of the caller's (Listen), through net/http/httptest; and
// the port it listens on, which Down closes and Up opens again.

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
)

// URL returns the server's loopback address, ws://127.0.0.1:PORT/ (or
// wss:// for a Server made with TLS), opening the listener on first use.
// Any path and query reach the same server.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loopback == nil {
		if s.closed {
			s.tb.Errorf("wstest: Server.URL called after Close")
			return "ws://127.0.0.1:0/"
		}
		s.startLoopbackLocked(nil)
	}
	return s.url
}

// startLoopbackLocked serves on l, or on a port of 127.0.0.1 chosen by the
// system if l is nil.
func (s *Server) startLoopbackLocked(l net.Listener) {
	lb := httptest.NewUnstartedServer(s)
	lb.Config.ErrorLog = log.New(io.Discard, "", 0)
	if l != nil {
		lb.Listener.Close()
		lb.Listener = l
	}
	s.listener = newLoopbackPort(lb.Listener)
	lb.Listener = s.listener
	if s.down {
		s.listener.down()
	}
	scheme := "ws"
	if s.tls != nil {
		// Not httptest's StartTLS, which brings a certificate of its own:
		// net/http runs the handshake with the Server's, on the goroutine
		// that serves the connection, and ConnState logs one that fails.
		lb.Listener = tls.NewListener(s.listener, s.tls.config)
		lb.Config.ConnState = s.tlsConnState
		scheme = "wss"
	}
	lb.Start()
	s.loopback = lb
	s.url = scheme + strings.TrimPrefix(lb.URL, "http") + "/"
}

// ErrNotLoopback is returned by Listen for an address that is not on the
// loopback interface.
var ErrNotLoopback = errors.New("wstest: not a loopback address")

// Listen serves the loopback transport on addr ("127.0.0.1:8080",
// "[::1]:0", "localhost:9000") instead of a port chosen by the system, and
// returns the server's URL, which URL returns from then on. It is for
// serving a fixed address to clients outside the test (a browser, another
// process); tests should use URL, which never collides.
//
// addr must be a loopback address: a test double has no business being
// reachable from the network. ListenRemote takes any address. Listen fails
// if the server already serves loopback (URL or Listen was called), if it
// is closed, or if the address cannot be listened on (for example, in
// use).
func (s *Server) Listen(addr string) (string, error) {
	if err := checkLoopback(addr); err != nil {
		return "", err
	}
	return s.listen(addr)
}

// ListenRemote is Listen for any address, ":8080" (every interface)
// included. Whoever can reach the address can then connect: use it only on
// a network you trust.
func (s *Server) ListenRemote(addr string) (string, error) { return s.listen(addr) }

func (s *Server) listen(addr string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return "", fmt.Errorf("wstest: Server.Listen %s: %w", addr, ErrClosed)
	case s.loopback != nil:
		return "", fmt.Errorf("wstest: Server.Listen %s: already serving at %s", addr, s.url)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("wstest: Server.Listen: %w", err)
	}
	s.startLoopbackLocked(l)
	return s.url, nil
}

// checkLoopback accepts host:port where host is "localhost" or a loopback
// IP address.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("wstest: Server.Listen %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return fmt.Errorf("wstest: Server.Listen %q: %w (use 127.0.0.1, [::1] or localhost)", addr, ErrNotLoopback)
	}
	return nil
}

// loopbackPort is the net.Listener of a Server's loopback transport: Down
// closes the socket (so that dials are refused, as when a server process is gone)
// while Accept waits, and Up listens again on the same address.
type loopbackPort struct {
	addr net.Addr

	mu     sync.Mutex
	inner  net.Listener  // nil while down
	up     chan struct{} // closed when up again
	closed bool
}

func newLoopbackPort(l net.Listener) *loopbackPort {
	return &loopbackPort{addr: l.Addr(), inner: l}
}

func (l *loopbackPort) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		inner, up, closed := l.inner, l.up, l.closed
		l.mu.Unlock()
		if closed {
			return nil, net.ErrClosed
		}
		if inner == nil {
			<-up
			continue
		}
		c, err := inner.Accept()
		if err == nil {
			return c, nil
		}
		l.mu.Lock()
		wentDown := l.inner != inner && !l.closed
		l.mu.Unlock()
		if !wentDown {
			return nil, err
		}
	}
}

// down closes the socket; dials are refused until up.
func (l *loopbackPort) down() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inner == nil || l.closed {
		return
	}
	l.inner.Close()
	l.inner = nil
	l.up = make(chan struct{})
}

// listenAgain listens on the same address again.
func (l *loopbackPort) listenAgain() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inner != nil || l.closed {
		return nil
	}
	inner, err := net.Listen(l.addr.Network(), l.addr.String())
	if err != nil {
		return err
	}
	l.inner = inner
	close(l.up)
	return nil
}

func (l *loopbackPort) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.inner != nil {
		return l.inner.Close()
	}
	close(l.up)
	return nil
}

func (l *loopbackPort) Addr() net.Addr { return l.addr }
