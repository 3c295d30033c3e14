package wstest

// The ways a client reaches a Server, as httptest.Server.Client does for
// an HTTP client: a dial function, an *http.Client, a gorilla Dialer and a
// wsdouble.Constructor, each for the client libraries that take one.

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
)

// MemoryURL is a URL to give a Server's in-memory Constructor or Dialer by
// convention. The in-memory transport ignores the host; the .invalid domain
// never resolves, so the URL fails fast if it reaches a real dialer by
// mistake. A Server made with TLS takes MemoryTLSURL.
const MemoryURL = "ws://wstest.invalid/"

// DialContext connects to the Server, as net.Dialer.DialContext does to a
// real one, for client libraries that take a dial function: gobwas/ws
// (ws.Dialer.NetDial), lxzan/gws (ClientOption.NewDialer, through a
// Dial(network, addr) adapter), an http.Transport's DialContext, and
// gorilla/websocket (Dialer.NetDialContext, which Dialer sets).
//
// The address picks the transport, so that one client reaches the Server
// either way by the URL it is given:
//   - the address of the Server's loopback listener (the host and port of
//     URL, once URL or Listen has opened it) is dialed over TCP;
//   - every other address, such as MemoryURL's "wstest.invalid:80",
//     reaches the Server through the in-memory transport: a connection
//     made fresh for this dial, served by goroutines made on the dialing
//     goroutine, which inside a testing/synctest bubble belong to the
//     bubble.
//
// It returns the raw connection: a client speaks TLS over it to a Server
// made with TLS (the libraries above do so for a wss:// URL). Like a real
// dial, it fails with ECONNREFUSED while the Server is Down or closed.
func (s *Server) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	s.mu.Lock()
	loopback := s.listener != nil && addr == s.listener.addr.String()
	s.mu.Unlock()
	if loopback {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
	return s.dialMemory(ctx, network, addr)
}

// HTTPClient returns an HTTP client that reaches the Server, for client
// libraries built on net/http, such as coder/websocket
// (DialOptions.HTTPClient): its transport dials with DialContext (so
// MemoryURL reaches the Server in memory and URL over loopback) and, for a
// Server made with TLS, trusts the Server's authority (TLSConfig). It
// speaks HTTP/1.1 only, which WebSocket handshakes need, and uses no
// proxy.
//
// Every call returns the same client, made by the first; inside a
// testing/synctest bubble, call it in the bubble the Server was made in.
// Close closes the client's idle connections.
func (s *Server) HTTPClient() *http.Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.httpClient == nil {
		s.httpClient = &http.Client{Transport: &http.Transport{
			DialContext:     s.DialContext,
			TLSClientConfig: s.TLSConfig(),
			Protocols:       http1Only,
		}}
	}
	return s.httpClient
}

// Dialer returns a new gorilla/websocket Dialer that reaches this server,
// in memory or over loopback as DialContext says: MemoryURL (MemoryTLSURL
// with TLS) in memory, URL over loopback. For a Server made with TLS, its
// TLSClientConfig trusts the Server's authority. Every dial made in memory
// makes a fresh connection, and the goroutines that serve it, on the
// dialing goroutine: inside a synctest bubble they belong to the bubble.
// The Dialer's HandshakeTimeout is 45 seconds, as for
// websocket.DefaultDialer; the caller may change any field but
// NetDialContext.
func (s *Server) Dialer() *websocket.Dialer {
	return &websocket.Dialer{
		NetDialContext:   s.DialContext,
		TLSClientConfig:  s.TLSConfig(),
		HandshakeTimeout: 45 * time.Second,
	}
}

// Constructor returns a wsdouble.Constructor whose sockets are real clients
// (wsdouble.WebSocket) that reach this server as Dialer does: MemoryURL
// (MemoryTLSURL with TLS) in memory, URL over loopback. Any other host
// reaches it in memory too; the path and query are those the server sees.
// Options are passed to wsdouble.NewConstructor after the Server's Dialer,
// so they may add headers or timeouts but should not replace the dialer.
func (s *Server) Constructor(opts ...wsdouble.Option) wsdouble.Constructor {
	return wsdouble.NewConstructor(append([]wsdouble.Option{wsdouble.WithDialer(s.Dialer())}, opts...)...)
}
