package clientcheck

import (
	"errors"
	"fmt"

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

// newServer makes the server end of a case on tr, serving wss:// when
// tls says so, reporting what its Close finds through tb.
func newServer(tb wstest.TB, tr Transport, tls bool) (*server, error) {
	switch tr {
	case TransportFake:
		if tls {
			return nil, errors.New("clientcheck: the fake serves no TLS")
		}
		d := wstest.NewFakeDialer(tb)
		return &server{acc: d, close: d.Close, target: Target{URL: wstest.MemoryURL, Constructor: d.Constructor()}}, nil
	case TransportMemory, TransportLoopback:
		var opts []wstest.Option
		url := wstest.MemoryURL
		if tls {
			opts, url = append(opts, wstest.TLS()), wstest.MemoryTLSURL
		}
		srv := wstest.NewServer(tb, opts...)
		if tr == TransportLoopback {
			url = srv.URL()
		}
		// Each way in reaches the Server by the URL: in memory, or over
		// loopback.
		return &server{acc: srv, close: srv.Close, target: Target{
			URL:         url,
			Constructor: srv.Constructor(),
			Dialer:      srv.Dialer(),
			HTTPClient:  srv.HTTPClient(),
			DialContext: srv.DialContext,
			TLS:         srv.TLSConfig(),
		}}, nil
	}
	return nil, fmt.Errorf("clientcheck: unknown %v", tr)
}
