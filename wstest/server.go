package wstest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/memconn"
)

// ErrServerClosed is returned by NextAttempt once the Server is closed, and
// by in-memory dials to a closed Server.
var ErrServerClosed = errors.New("wstest: server closed")

// errAutoAccept is returned by NextAttempt on a Server that answers attempts
// itself.
var errAutoAccept = errors.New("wstest: NextAttempt: this acceptor accepts every attempt itself (AutoAccept)")

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
//   - Dialer and Constructor: an in-memory connection made fresh for every
//     dial, with real RFC 6455 frames and HTTP handshakes but no socket,
//     which works inside a testing/synctest bubble.
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
	tb       TB
	cfg      config
	upgrader websocket.Upgrader

	mu      sync.Mutex
	closed  bool
	log     []*AttemptRecord
	queue   []*serverAttempt
	waiters []chan struct{}
	pending map[*serverAttempt]struct{}
	peers   map[*serverPeer]struct{}
	// transports are the server ends of in-memory connections.
	transports map[*memconn.Conn]struct{}
	running    map[string]int // what Close waits for, by description
	idle       []chan struct{}
	loopback   *httptest.Server
	url        string
	dials      int
}

var _ Acceptor = (*Server)(nil)

// NewServer starts a Server and registers its Close with tb.Cleanup.
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
		tb:         tb,
		cfg:        cfg,
		pending:    make(map[*serverAttempt]struct{}),
		peers:      make(map[*serverPeer]struct{}),
		transports: make(map[*memconn.Conn]struct{}),
		running:    make(map[string]int),
	}
	s.upgrader = websocket.Upgrader{
		Subprotocols:      cfg.subprotocols,
		EnableCompression: cfg.compression,
		CheckOrigin:       cfg.checkOrigin,
	}
	if s.upgrader.CheckOrigin == nil {
		s.upgrader.CheckOrigin = func(*http.Request) bool { return true }
	}
	tb.Cleanup(s.Close)
	return s
}

// URL returns the server's loopback address, ws://127.0.0.1:PORT/, opening
// the listener on first use. Any path and query reach the same server.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loopback == nil {
		if s.closed {
			s.tb.Errorf("wstest: Server.URL called after Close")
			return "ws://127.0.0.1:0/"
		}
		lb := httptest.NewUnstartedServer(s)
		lb.Config.ErrorLog = log.New(io.Discard, "", 0)
		lb.Start()
		s.loopback = lb
		s.url = "ws" + strings.TrimPrefix(lb.URL, "http") + "/"
	}
	return s.url
}

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

// NextAttempt returns the next attempt no one has taken, waiting until one
// arrives or ctx is done. It fails with ErrServerClosed once the server is
// closed, and at once on a server made with AutoAccept.
func (s *Server) NextAttempt(ctx context.Context) (Attempt, error) {
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			a := s.queue[0]
			s.queue = s.queue[1:]
			s.mu.Unlock()
			return a, nil
		}
		if s.closed {
			s.mu.Unlock()
			return nil, ErrServerClosed
		}
		if s.cfg.auto {
			s.mu.Unlock()
			return nil, errAutoAccept
		}
		ch := make(chan struct{})
		s.waiters = append(s.waiters, ch)
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			s.mu.Lock()
			s.waiters = slices.DeleteFunc(s.waiters, func(c chan struct{}) bool { return c == ch })
			summary := summarize(s.log)
			s.mu.Unlock()
			return nil, fmt.Errorf("wstest: NextAttempt: no new attempt before %w (%s)", context.Cause(ctx), summary)
		}
	}
}

// summarize describes a log for a timeout message.
func summarize(log []*AttemptRecord) string {
	if len(log) == 0 {
		return "no attempt has arrived at all"
	}
	last := log[len(log)-1]
	return fmt.Sprintf("%d attempts so far, all taken; the last, #%d, is %v", len(log), last.N, last.Outcome)
}

// Attempts returns a snapshot of the attempt log.
func (s *Server) Attempts() []AttemptRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]AttemptRecord, len(s.log))
	for i, r := range s.log {
		out[i] = *r
	}
	return out
}

// Close ends every connection (dropping it, with no close frame), closes
// the loopback listener and waits for every handler to return. Attempts
// still pending are logged as Hung. If something has not returned after 5
// seconds, Close reports what with tb.Errorf and keeps waiting. Close is
// called by tb.Cleanup; calling it again does nothing.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	for _, ch := range s.waiters {
		close(ch)
	}
	s.waiters = nil
	s.queue = nil
	pending := make([]*serverAttempt, 0, len(s.pending))
	for a := range s.pending {
		pending = append(pending, a)
	}
	peers := make([]*serverPeer, 0, len(s.peers))
	for p := range s.peers {
		peers = append(peers, p)
	}
	transports := make([]*memconn.Conn, 0, len(s.transports))
	for c := range s.transports {
		transports = append(transports, c)
	}
	lb := s.loopback
	s.mu.Unlock()

	for _, a := range pending {
		a.abandon()
	}
	for _, p := range peers {
		p.shutdown()
	}
	if lb != nil {
		lb.Close()
	}
	for _, c := range transports {
		c.Close()
	}
	s.waitIdle()
}

func (s *Server) waitIdle() {
	s.mu.Lock()
	if len(s.running) == 0 {
		s.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	s.idle = append(s.idle, ch)
	s.mu.Unlock()
	t := time.NewTimer(closeWaitReport)
	defer t.Stop()
	select {
	case <-ch:
		return
	case <-t.C:
	}
	s.mu.Lock()
	var what []string
	for k, n := range s.running {
		if n > 1 {
			k = fmt.Sprintf("%s (×%d)", k, n)
		}
		what = append(what, k)
	}
	s.mu.Unlock()
	slices.Sort(what)
	s.tb.Errorf("wstest: Server.Close: still waiting after %v for: %s", closeWaitReport, strings.Join(what, "; "))
	<-ch
}

// track counts a goroutine Close must wait for; the returned func ends it.
func (s *Server) track(what string) (untrack func()) {
	s.mu.Lock()
	s.running[what]++
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.running[what]--; s.running[what] == 0 {
			delete(s.running, what)
		}
		if len(s.running) == 0 {
			for _, ch := range s.idle {
				close(ch)
			}
			s.idle = nil
		}
	}
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
	if !s.upgrader.CheckOrigin(r) {
		s.logInvalid(r, http.StatusForbidden, "origin not allowed")
		http.Error(w, "wstest: origin not allowed", http.StatusForbidden)
		return
	}
	a := s.newAttempt(r)
	if a == nil {
		http.Error(w, "wstest: server closed", http.StatusServiceUnavailable)
		return
	}
	defer s.track(fmt.Sprintf("handler of attempt #%d (%s)", a.rec.N, r.URL.RequestURI()))()
	if s.cfg.auto {
		a.answered = true
		a.serve(w, r, &decision{accept: true, reply: make(chan acceptResult, 1)})
		return
	}
	s.mu.Lock()
	s.queue = append(s.queue, a)
	if len(s.waiters) > 0 {
		close(s.waiters[0])
		s.waiters = s.waiters[1:]
	}
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
		for _, t := range strings.Split(v, ",") {
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

func (s *Server) logInvalid(r *http.Request, status int, reason string) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, &AttemptRecord{
		N: len(s.log) + 1, Time: now, URL: requestURL(r), Header: r.Header.Clone(),
		Protocols: websocket.Subprotocols(r), Outcome: Refused, AnswerTime: now,
		Status: status, Err: errors.New(reason),
	})
}

func (s *Server) newAttempt(r *http.Request) *serverAttempt {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	rec := &AttemptRecord{
		N: len(s.log) + 1, Time: now, URL: requestURL(r), Header: r.Header.Clone(),
		Protocols: websocket.Subprotocols(r),
	}
	s.log = append(s.log, rec)
	a := &serverAttempt{
		s:      s,
		rec:    rec,
		req:    r,
		decide: make(chan decision, 1),
		done:   make(chan struct{}),
		abort:  make(chan struct{}),
	}
	s.pending[a] = struct{}{}
	return a
}
