package clientcheck

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// Transport is where a case's server end runs, and so what reaches the
// client: the three layers of wstest.
type Transport int

// The transports.
const (
	// TransportFake is a wstest.FakeDialer: the client gets a Constructor
	// of Fakes, and no wire. Cases that need frames on a wire are skipped.
	TransportFake Transport = iota
	// TransportMemory is a wstest.Server reached in memory: real
	// handshakes and frames, and every form of Target but a loopback URL.
	// Like the fake, it runs on virtual time inside a synctest bubble.
	TransportMemory
	// TransportLoopback is a wstest.Server on 127.0.0.1: any client, in
	// any language, on real time. It must not be used inside a bubble.
	TransportLoopback
)

// String returns "fake", "in memory" or "loopback".
func (tr Transport) String() string {
	switch tr {
	case TransportFake:
		return "fake"
	case TransportMemory:
		return "in memory"
	case TransportLoopback:
		return "loopback"
	}
	return fmt.Sprintf("Transport(%d)", int(tr))
}

// wire reports whether the transport carries real frames.
func (tr Transport) wire() bool { return tr != TransportFake }

// server is the server end of one case: the acceptor the script is played
// on, the target the client is given, and how to close it.
type server struct {
	acc    wstest.Acceptor
	target Target
	close  func()
}

// handshakeTimeout is the gorilla Dialer's, as websocket.DefaultDialer
// has it: a client that needs another sets its own.
const handshakeTimeout = 45 * time.Second

// newServer makes the server end of a case on tr, reporting what its
// Close finds through tb.
func newServer(tb wstest.TB, tr Transport) (*server, error) {
	switch tr {
	case TransportFake:
		d := wstest.NewFakeDialer(tb)
		return &server{acc: d, close: d.Close, target: Target{URL: wstest.MemoryURL, Constructor: d.Constructor()}}, nil
	case TransportMemory:
		srv := wstest.NewServer(tb)
		dialer := srv.Dialer()
		return &server{acc: srv, close: srv.Close, target: Target{
			URL:         wstest.MemoryURL,
			Constructor: srv.Constructor(),
			Dialer:      dialer,
			HTTPClient:  httpClient(dialer.NetDialContext),
			DialContext: dialer.NetDialContext,
		}}, nil
	case TransportLoopback:
		srv := wstest.NewServer(tb)
		nd := &net.Dialer{}
		return &server{acc: srv, close: srv.Close, target: Target{
			URL:         srv.URL(),
			Constructor: wsdouble.NewConstructor(),
			Dialer:      &websocket.Dialer{HandshakeTimeout: handshakeTimeout},
			HTTPClient:  httpClient(nd.DialContext),
			DialContext: nd.DialContext,
		}}, nil
	}
	return nil, fmt.Errorf("clientcheck: unknown %v", tr)
}

// httpClient is an HTTP client whose every connection is dialed by dial,
// kept by no one once the request is done: each handshake its own
// connection, as a WebSocket's is.
func httpClient(dial func(ctx context.Context, network, addr string) (net.Conn, error)) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true}}
}
