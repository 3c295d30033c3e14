package clientcheck

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
)

// Harness is what the checker needs to know about a client: how to start
// and stop it, what a healthy session with it looks like from the server's
// side, and the reconnect policy it claims to follow.
type Harness struct {
	// Name names the client in reports.
	Name string

	// Start starts the client against target and returns a function that
	// stops it. Start returns once the client runs; the client then dials
	// target on its own, and reconnects on its own, as it would against a
	// real server. ctx is done once the case is over, after its checks:
	// a client's goroutines that watch it end then at the latest.
	//
	// stop asks the client to stop (close its connection, cancel its
	// timers) and returns once it has stopped, or ctx's error when ctx is
	// done first. A goroutine of the client still running after stop
	// returns is a leak, and fails the case.
	Start func(ctx context.Context, target Target) (stop func(ctx context.Context) error, err error)

	// Healthy are the steps a healthy client passes on every connection
	// the server accepts, played first: typically an Expect of the
	// message it subscribes with, within a time. None: an open
	// connection is healthy.
	Healthy []scenario.Step

	// Rules answer what a healthy client sends while connected (an
	// application-level heartbeat, requests a session needs answered).
	// Every accepted connection plays them, but those of the heartbeat
	// cases, which withhold or delay the answers.
	Rules []scenario.Rule

	// Policy is the reconnect policy the client claims.
	Policy Policy
}

// Target is the server end a case gives a client to connect to, in every
// form a client library takes. Fields a transport cannot provide are zero:
// on a FakeDialer, which has no wire, only URL and Constructor are set.
type Target struct {
	// URL is where to connect: ws:// (wss:// in the TLS cases), or
	// wstest.MemoryURL on the fake and the in-memory transport.
	URL string
	// Constructor makes sockets of the wsdouble contract that reach the
	// server: for clients written on wsdouble.IWebSocket.
	Constructor wsdouble.Constructor
	// Dialer is a gorilla/websocket dialer that reaches the server.
	Dialer *websocket.Dialer
	// HTTPClient is an HTTP client whose transport reaches the server:
	// for coder/websocket's DialOptions.HTTPClient.
	HTTPClient *http.Client
	// DialContext opens a connection to the server: for libraries that
	// take a net dialer (gobwas/ws, lxzan/gws).
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
	// TLS, in the TLS cases, is the client configuration that trusts the
	// server's certificate authority.
	TLS *tls.Config
	// Expose, called by Start, tells Play how to read the client's own
	// state (what it still holds to send, what it takes itself to be
	// subscribed to): Play calls state once the client has stopped, and
	// keeps what it returns as Outcome.State, for invariants of one's
	// own (Also). The checker's own invariants read only the server's
	// side.
	Expose func(state func() any)
}

// validate says what makes the harness unusable.
func (h *Harness) validate() error {
	if h.Start == nil {
		return errors.New("clientcheck: Harness: no Start")
	}
	for i, st := range h.Healthy {
		if st.Action == nil {
			return fmt.Errorf("clientcheck: Harness: Healthy step %d: no action", i+1)
		}
	}
	return h.Policy.validate()
}
