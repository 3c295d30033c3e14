package wstest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble/internal/memconn"
)

// ErrClosed is returned by NextAttempt once the acceptor (a Server or a
// FakeDialer) is closed, and is the reason an attempt left pending then
// ends.
var ErrClosed = errors.New("wstest: acceptor closed")

// closeWaitReport is how long Close waits before it reports what it is
// still waiting for.
const closeWaitReport = 5 * time.Second

// Server is a WebSocket server for tests, built on gorilla/websocket's
// Upgrader, that lets the test answer each connection attempt and play the
// server's side of each connection.
//
// One server logic is reachable two ways:
//   - URL: ws://127.0.0.1:PORT/, real TCP on loopback through
//     net/http/httptest, for any client in any language;
//   - in memory: a connection made fresh for every dial, with real RFC
//     6455 frames and HTTP handshakes but no socket, which works inside a
//     testing/synctest bubble. MemoryURL is its URL by convention.
//
// Like httptest.Server.Client, the Server hands out a way in for each kind
// of client library, each of which reaches it either way by the URL it is
// given (URL over loopback, MemoryURL in memory; see DialContext):
//   - DialContext, a dial function, for libraries that take one: gobwas/ws
//     (ws.Dialer.NetDial), lxzan/gws (ClientOption.NewDialer), an
//     http.Transport;
//   - HTTPClient, an *http.Client, for libraries built on net/http:
//     coder/websocket (DialOptions.HTTPClient);
//   - Dialer, a *websocket.Dialer, for gorilla/websocket;
//   - Constructor, a wsdouble.Constructor, for code written against the
//     wsdouble contract.
//
// With the TLS option it serves wss:// on both transports, with a
// certificate of its own throwaway authority (TLSConfig, RootCAs), and
// SetTLSFault breaks its TLS handshakes as a broken server would.
//
// Attempts wait for NextAttempt unless the server was made with AutoAccept.
// Every attempt is logged (Attempts), with its time, request, outcome and
// how its connection ended.
//
// Inside a synctest bubble, make the Server in the bubble and use only the
// in-memory transport: a loopback socket is never durably blocked, so time
// would stop. The loopback listener opens on the first call to URL, never
// before.
type Server struct {
	acceptor // its mu guards the fields below too
	tb       TB
	cfg      config
	upgrader websocket.Upgrader

	pending map[*serverAttempt]struct{}
	// transports are the server ends of in-memory connections.
	transports map[*memconn.Conn]struct{}
	loopback   *httptest.Server
	listener   *loopbackPort
	url        string
	dials      int
	down       bool
	httpClient *http.Client // made by HTTPClient

	// The end of the test: testCtx is the context of the test the Server
	// was made for (nil if its TB has none), done when the test function
	// has returned; the Server then answers every attempt left pending
	// (endOfTest), before the test's cleanups run.
	testCtx     context.Context
	stopTestEnd func() bool   // stops endOfTest from running
	testEnded   chan struct{} // closed when endOfTest has run

	// TLS (tls.go): nil without the TLS option.
	tls        *serverTLS
	tlsFault   TLSFault
	handshakes map[net.Conn]tlsHandshake // TLS handshakes under way, by transport
}

var _ Acceptor = (*Server)(nil)

// NewServer starts a Server and registers its Close with tb.Cleanup.
//
// When tb has a Context (testing.TB does), the Server stops waiting for the
// test when that context is done, that is when the test function has
// returned, before any cleanup runs: every attempt still pending is closed
// unanswered (logged Hung), and so is every attempt that arrives later, as
// is a TLS handshake SetTLSFault(HangTLSHandshake) holds. A client under
// test then fails its handshake at once instead of waiting out its own
// handshake timeout in a cleanup that stops it (45 s for gorilla/websocket,
// which stops watching its context once TCP is up), whichever order the
// cleanups run in. Connections already open are left to Close.
//
// Outside a test (an Example, a program such as the wsdouble command), tb
// may be nil: then the caller must call Close, and problems Close finds are
// logged to standard error.
func NewServer(tb TB, opts ...Option) *Server {
	if tb == nil {
		tb = standaloneTB{}
	}
	tb.Helper()
	cfg := buildConfig(opts)
	s := &Server{
		acceptor:   newAcceptor("Server", cfg),
		tb:         tb,
		cfg:        cfg,
		pending:    make(map[*serverAttempt]struct{}),
		transports: make(map[*memconn.Conn]struct{}),
	}
	s.upgrader = websocket.Upgrader{
		Subprotocols:      cfg.subprotocols,
		EnableCompression: cfg.compression,
		// ServeHTTP checks the Origin (cfg.checkOrigin) before the
		// request becomes an attempt; gorilla need not check it again.
		CheckOrigin: func(*http.Request) bool { return true },
	}
	if cfg.optErr != nil {
		tb.Fatalf("wstest: NewServer: %v", cfg.optErr)
	}
	if cfg.tls {
		t, err := newServerTLS(s)
		if err != nil {
			tb.Fatalf("wstest: NewServer: %v", err)
		}
		s.tls, s.handshakes = t, make(map[net.Conn]tlsHandshake)
	}
	tb.Cleanup(s.Close)
	if c, ok := tb.(interface{ Context() context.Context }); ok {
		s.testCtx, s.testEnded = c.Context(), make(chan struct{})
		s.stopTestEnd = context.AfterFunc(s.testCtx, s.endOfTest)
	}
	return s
}

// errTestEnded is why an attempt the test left pending, or that arrived
// after the test function returned, was closed unanswered.
var errTestEnded = errors.New("wstest: the test ended with the attempt unanswered")

// endOfTest runs when the test function has returned, before its
// cleanups: it closes every attempt still pending, unanswered (logged
// Hung), and every TLS handshake held by HangTLSHandshake. From then on
// the Server does the same to every new attempt as it arrives (testOver),
// and Close to the rest. A client under test thus fails its handshake at
// once, instead of waiting out its handshake timeout in a cleanup that
// stops it (gorilla/websocket 1.5.3, for one, watches its context only
// until TCP is up: 45 s by default), whatever order the cleanups run in.
func (s *Server) endOfTest() {
	defer close(s.testEnded)
	s.mu.Lock()
	pending := s.takePendingLocked()
	handshakes := s.hungHandshakesLocked()
	s.mu.Unlock()
	for _, c := range handshakes {
		c.Close()
	}
	for _, a := range pending {
		settle(a.rec.Time) // as in Close
		a.abandon(errTestEnded)
	}
}

// testOver reports whether the test function the Server was made for has
// returned.
func (s *Server) testOver() bool { return s.testCtx != nil && s.testCtx.Err() != nil }

// takePendingLocked returns the attempts not yet answered and takes them
// from NextAttempt's queue: the caller ends them.
func (s *Server) takePendingLocked() []*serverAttempt {
	pending := slices.Collect(maps.Keys(s.pending))
	clear(s.pending)
	s.queue = nil // every queued attempt is pending
	return pending
}

// Down stops the server accepting connections, as a server whose process
// is gone: the loopback listener is closed (dials get "connection
// refused", ECONNREFUSED) and in-memory dials fail with the same error.
// Connections already open stay open (DropAll drops them). Up brings the
// server back on the same address.
func (s *Server) Down() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = true
	if s.listener != nil {
		s.listener.down()
	}
}

// Up undoes Down: the server listens again, on the same address. It fails
// the test if that address was taken meanwhile.
func (s *Server) Up() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = false
	if s.listener != nil {
		if err := s.listener.listenAgain(); err != nil {
			s.tb.Errorf("wstest: Server.Up: listening on %v again: %v", s.listener.addr, err)
		}
	}
}

// DropAll drops every open connection (no close frame: clients see a close
// event with code 1006) and aborts every attempt not yet
// answered (logged as Aborted), as a server that crashed.
func (s *Server) DropAll() {
	s.mu.Lock()
	pending := slices.Collect(maps.Keys(s.pending))
	s.queue = nil // every queued attempt is pending: aborted below
	s.mu.Unlock()
	for _, a := range pending {
		a.Abort()
	}
	for _, c := range s.liveConns() {
		c.Drop()
	}
}

// Close ends every connection (dropping it, with no close frame), closes
// the loopback listener and waits for every handler to return. Attempts
// still pending are closed unanswered, at once, and logged as Hung, so
// that no client waits out its handshake timeout; the end of the test
// does the same before any cleanup runs (see NewServer). If something has
// not returned after 5 seconds, Close reports what with tb.Errorf and
// keeps waiting. Close is called by tb.Cleanup; calling it again does
// nothing.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closeLocked()
	pending := s.takePendingLocked()
	transports := slices.Collect(maps.Keys(s.transports))
	lb, hc := s.loopback, s.httpClient
	s.mu.Unlock()
	if s.stopTestEnd != nil && !s.stopTestEnd() {
		<-s.testEnded // endOfTest is running: it ends what it took
	}

	for _, a := range pending {
		settle(a.rec.Time) // a client that dialed at this instant may not listen yet
		a.abandon(ErrClosed)
	}
	if hc != nil {
		hc.CloseIdleConnections()
	}
	for _, c := range s.liveConns() {
		c.shutdown(Shutdown)
	}
	if lb != nil {
		lb.Close()
	}
	for _, c := range transports {
		c.Close()
	}
	s.waitIdle(s.tb)
}

// ServeHTTP answers one HTTP request: a WebSocket opening handshake becomes
// an attempt; anything else is answered with an error and logged as
// refused. Both transports call it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if status, reason := checkHandshake(r); status != 0 {
		s.logInvalid(r, status, reason)
		if status == http.StatusUpgradeRequired {
			w.Header().Set("Sec-WebSocket-Version", "13")
		}
		http.Error(w, reason, status)
		return
	}
	var rec *AttemptRecord
	if s.cfg.checkOrigin != nil {
		// The handshake is numbered before the check runs, so that the
		// check can tell which attempt it judges (AttemptNumber) and a
		// refusal keeps its place in the log. A closed Server reserves
		// nothing, and newAttempt answers 503.
		if rec = s.reserve(r); rec != nil && !s.originAllowed(r, rec) {
			s.refuse(rec, http.StatusForbidden, "origin not allowed")
			http.Error(w, "wstest: origin not allowed", http.StatusForbidden)
			return
		}
	}
	a := s.newAttempt(r, rec)
	if a == nil {
		http.Error(w, "wstest: server closed", http.StatusServiceUnavailable)
		return
	}
	what := attemptHandler(a.rec.N, r.URL.RequestURI())
	s.track(what)
	defer s.untrack(what)
	if s.cfg.auto {
		s.mu.Lock()
		a.answered = true
		s.mu.Unlock()
		settle(a.rec.Time)
		a.serve(w, r, &decision{accept: true, reply: make(chan acceptResult, 1)})
		return
	}
	s.mu.Lock()
	if s.testOver() {
		// No one will answer it: close it now (see endOfTest).
		s.mu.Unlock()
		a.finishUnanswered(w, Hung, errTestEnded)
		return
	}
	s.enqueueLocked(a)
	s.mu.Unlock()
	a.serve(w, r, nil)
}

// checkHandshake reports what is wrong with a request that should open a
// WebSocket (RFC 6455 §4.2.1), as an HTTP status and a message; status 0
// means nothing.
func checkHandshake(r *http.Request) (int, string) {
	switch {
	case r.Method != http.MethodGet:
		return http.StatusMethodNotAllowed, "wstest: not a WebSocket handshake: method is not GET"
	case !headerHasToken(r.Header, "Connection", "upgrade"):
		return http.StatusBadRequest, "wstest: not a WebSocket handshake: no 'upgrade' token in Connection"
	case !headerHasToken(r.Header, "Upgrade", "websocket"):
		return http.StatusBadRequest, "wstest: not a WebSocket handshake: no 'websocket' token in Upgrade"
	case r.Header.Get("Sec-WebSocket-Version") != "13":
		return http.StatusUpgradeRequired, "wstest: unsupported Sec-WebSocket-Version (want 13)"
	case !validKey(r.Header.Get("Sec-WebSocket-Key")):
		return http.StatusBadRequest, "wstest: not a WebSocket handshake: Sec-WebSocket-Key is not 16 bytes in base64"
	}
	return 0, ""
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

func validKey(k string) bool {
	// 16 bytes in base64 is 24 characters ending in "==".
	return len(k) == 24 && strings.HasSuffix(k, "==")
}

func requestURL(r *http.Request) string {
	scheme := "ws"
	if r.TLS != nil {
		scheme = "wss"
	}
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

// logInvalid logs r, which the Server refused with status for reason.
func (s *Server) logInvalid(r *http.Request, status int, reason string) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := newRecord(r, now)
	rec.refused(now, status, errors.New(reason))
	s.addLocked(rec)
}

// newRecord is the record of an attempt r that arrived at now, not yet
// numbered or answered.
func newRecord(r *http.Request, now time.Time) *AttemptRecord {
	return &AttemptRecord{
		Time: now, URL: requestURL(r), header: packHeader(r.Header),
		Protocols: websocket.Subprotocols(r),
	}
}

// reserve logs r as a pending attempt, not yet offered to the test, and
// returns its record; nil means the Server is closed.
func (s *Server) reserve(r *http.Request) *AttemptRecord {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	rec := newRecord(r, now)
	s.addLocked(rec)
	return rec
}

// originAllowed runs the origin check on r, whose reserved record is rec.
// A check that panics fails the test (net/http would recover the panic
// and, its log discarded here, hide it): the attempt is logged as aborted
// with the panic, and the connection is closed unanswered.
func (s *Server) originAllowed(r *http.Request, rec *AttemptRecord) bool {
	defer func() {
		if p := recover(); p != nil {
			err := fmt.Errorf("wstest: the origin check panicked: %v", p)
			s.mu.Lock()
			rec.Outcome, rec.AnswerTime, rec.Err = Aborted, time.Now(), err
			s.mu.Unlock()
			s.tb.Errorf("%v (attempt #%d)\n%s", err, rec.N, debug.Stack())
			panic(http.ErrAbortHandler)
		}
	}()
	return s.cfg.checkOrigin(r.WithContext(context.WithValue(r.Context(), attemptNumberKey{}, rec.N)))
}

// refuse records that the Server itself refused the reserved attempt rec.
func (s *Server) refuse(rec *AttemptRecord, status int, reason string) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	rec.refused(now, status, errors.New(reason))
}

// refused records that the Server answered the attempt with status at now,
// for err.
func (rec *AttemptRecord) refused(now time.Time, status int, err error) {
	rec.Outcome, rec.AnswerTime, rec.Status, rec.Err = Refused, now, status, err
}

// newAttempt makes the attempt of r, with the record rec reserved for it,
// or a new one if rec is nil, and offers it to Close; nil means the Server
// is closed (a reserved record is then logged as refused 503).
func (s *Server) newAttempt(r *http.Request, rec *AttemptRecord) *serverAttempt {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		if rec != nil {
			rec.refused(now, http.StatusServiceUnavailable, ErrClosed)
		}
		return nil
	}
	if rec == nil {
		rec = newRecord(r, now)
		s.addLocked(rec)
	}
	a := &serverAttempt{
		s:      s,
		rec:    rec,
		req:    r,
		decide: make(chan decision, 1),
		done:   make(chan struct{}),
		abort:  make(chan error, 1),
	}
	s.pending[a] = struct{}{}
	return a
}
