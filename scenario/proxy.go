package scenario

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// Proxy is a recording proxy: a wstest.Server that forwards every
// connection to an upstream WebSocket server and records both directions,
// the handshake's answer and how each connection ended. Script turns the
// recording into a script that plays the upstream's part.
//
// Point the client at URL (loopback) or Constructor (in memory); the proxy
// dials the upstream with the client's path (confined under the upstream
// URL's path: no ".." of the client's climbs out of it), query,
// subprotocols and headers (but those of the handshake itself).
//
// The upstream's answer to each attempt is recorded as it was: its 101 an
// Accept, another status a Refuse with its headers and body, a connection
// closed before any answer an Abort, and no answer (the recording stopped,
// the client gave up, or the dialer's HandshakeTimeout passed: the client
// then gets 504 Gateway Timeout from the proxy) a Hang, labelled with what
// happened. An upstream that cannot be reached (a refused connection, DNS,
// TLS) is answered and recorded 502 Bad Gateway. The proxy gives up an
// upstream handshake as soon as it closes or the client goes away.
type Proxy struct {
	srv      *wstest.Server
	upstream *url.URL
	dialer   *websocket.Dialer
	origin   func(*http.Request) bool
	cfg      recordConfig
	start    time.Time

	journalTo   io.Writer // from ProxyJournal
	journalName string
	journal     *journal // nil without a journal

	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	stopping atomic.Bool // Close has begun: what ends now is not recorded

	mu       sync.Mutex
	attempts []*proxied
}

// ProxyOption configures a Proxy.
type ProxyOption interface {
	applyProxy(*Proxy)
}

type upstreamDialer struct{ d *websocket.Dialer }

func (o upstreamDialer) applyProxy(p *Proxy) { p.dialer = o.d }

// UpstreamDialer sets the dialer the proxy reaches the upstream with
// (websocket.DefaultDialer by default), for example another
// wstest.Server's in-memory Dialer.
func UpstreamDialer(d *websocket.Dialer) ProxyOption { return upstreamDialer{d} }

type proxyCheckOrigin func(*http.Request) bool

func (o proxyCheckOrigin) applyProxy(p *Proxy) { p.origin = o }

// ProxyCheckOrigin sets the function that decides which handshake Origins
// the proxy admits, as wstest.CheckOrigin does for a wstest.Server: a
// refused one is answered 403 Forbidden by the proxy, is logged as refused
// in Server().Attempts, and never reaches the upstream or the recording.
// By default every Origin is admitted, for tests; a proxy that runs while
// a browser is open on the machine (wsdouble record) should use
// wstest.AllowOrigins.
func ProxyCheckOrigin(allow func(r *http.Request) bool) ProxyOption {
	return proxyCheckOrigin(allow)
}

// WithRecordOptions applies recording options (redaction, BeforeSave) to a
// Proxy.
func WithRecordOptions(opts ...RecordOption) ProxyOption {
	return proxyOptions(opts)
}

type proxyOptions []RecordOption

func (o proxyOptions) applyProxy(p *Proxy) {
	for _, r := range o {
		if r != nil {
			r.applyRecord(&p.cfg)
		}
	}
}

// NewProxy starts a recording proxy to upstream (a ws:// or wss:// URL) and
// registers its Close with tb.Cleanup (tb may be nil outside tests; then
// call Close). It admits every Origin unless given ProxyCheckOrigin.
func NewProxy(tb wstest.TB, upstream string, opts ...ProxyOption) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
		return nil, fmt.Errorf("scenario: NewProxy: upstream %q is not a ws:// or wss:// URL", upstream)
	}
	p := &Proxy{upstream: u, dialer: websocket.DefaultDialer, cfg: buildRecordConfig(nil), start: time.Now()}
	for _, o := range opts {
		if o != nil {
			o.applyProxy(p)
		}
	}
	if p.journalTo != nil {
		p.journal = &journal{w: p.journalTo, cfg: p.cfg}
		p.journal.start(p.journalName, p.start)
	}
	var srvOpts []wstest.Option
	if p.origin != nil {
		srvOpts = append(srvOpts, wstest.CheckOrigin(p.origin))
	}
	p.srv = wstest.NewServer(tb, srvOpts...)
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.wg.Add(1)
	go p.serve()
	if tb != nil {
		tb.Cleanup(p.Close)
	}
	return p, nil
}

// URL returns the proxy's loopback address.
func (p *Proxy) URL() string { return p.srv.URL() }

// Constructor returns a real client Constructor reaching the proxy in
// memory (any URL host; the path and query are forwarded).
func (p *Proxy) Constructor() wsdouble.Constructor { return p.srv.Constructor() }

// Server returns the proxy's server side, for its attempt log.
func (p *Proxy) Server() *wstest.Server { return p.srv }

// Close stops the proxy: it ends every connection both ways and waits for
// its goroutines.
func (p *Proxy) Close() {
	p.stopping.Store(true)
	p.cancel()
	p.srv.Close()
	p.mu.Lock()
	for _, a := range p.attempts {
		a.closeUpstream()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		a, err := p.srv.NextAttempt(p.ctx)
		if err != nil {
			return
		}
		p.mu.Lock()
		pa := newProxied(len(p.attempts)+1, a.Time().Sub(p.start), p.journal)
		p.attempts = append(p.attempts, pa)
		p.mu.Unlock()
		p.journal.attempt(pa.n, "", nil)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.forward(a, pa)
			if !p.stopping.Load() {
				p.journal.attempt(pa.n, "end", nil)
			}
		}()
	}
}

// proxied is the recording of one forwarded attempt.
type proxied struct {
	at time.Duration
	n  int // the attempt's number, from 1

	mu       sync.Mutex
	t        transcript // and, through its hooks, the journal
	upstream *websocket.Conn
	closing  bool // one side has started closing; the other's answer is not a step
}

// newProxied starts the recording of attempt n, which came at at; its
// parts go to j as they are recorded (j may be nil).
func newProxied(n int, at time.Duration, j *journal) *proxied {
	pa := &proxied{at: at, n: n}
	if j != nil {
		// Under pa.mu, so that the journal has the parts in their order.
		pa.t.onAnswer = func(a Attempt) { j.attempt(n, "answer", &a) }
		pa.t.onSteps = func(steps []Step) { j.attempt(n, "steps", &Attempt{Answer: Accept{}, Steps: steps}) }
	}
	return pa
}

// answer records the upstream's answer, given at at (label says more
// about a Hang).
func (pa *proxied) answer(at time.Duration, ans Answer, label string) {
	pa.mu.Lock()
	defer pa.mu.Unlock()
	pa.t.answer(at, at-pa.at, ans, label)
}

// attempt returns the attempt recorded so far: a Hang until the upstream
// answers.
func (pa *proxied) attempt() Attempt {
	pa.mu.Lock()
	a := pa.t.attempt()
	pa.mu.Unlock()
	if a.Answer == nil {
		a.Answer = Hang{}
		a.Label = "recorded: no answer from the upstream yet"
	}
	return a
}

func (pa *proxied) closeUpstream() {
	pa.mu.Lock()
	c := pa.upstream
	pa.mu.Unlock()
	if c != nil {
		c.Close()
	}
}

// record records what happened on the connection.
func (pa *proxied) record(f func(t *transcript)) {
	pa.mu.Lock()
	defer pa.mu.Unlock()
	f(&pa.t)
}

// endsFirst reports whether the side that calls it is the first to end
// the connection: the other side's end is then its answer, not a step.
func (pa *proxied) endsFirst() bool {
	pa.mu.Lock()
	defer pa.mu.Unlock()
	first := !pa.closing
	pa.closing = true
	return first
}

// upstreamURL is the URL the proxy dials for a client's request: the
// client's path under the upstream's, and the client's query as it is.
//
// The client's path is confined under the upstream's: it is resolved
// against the root before it is joined, so that no ".." climbs out of it
// (/../../etc/passwd behind ws://host/api reaches /api/etc/passwd, never
// /etc/passwd), as RFC 3986 §5.2.4 removes dot-segments. The path is the
// percent-decoded one, so "%2e%2e" is a ".." too (RFC 3986 §6.2.2.2) and an
// encoded slash ("%2f") a separator; empty segments ("//") are dropped. The
// proxy confines rather than refuses: the client gets the upstream's answer
// for the confined path (most often 404), and the recording shows it.
func (p *Proxy) upstreamURL(a wstest.Attempt) string {
	req := a.Request().URL
	u := *p.upstream
	u.RawPath = "" // the path is re-encoded from u.Path
	u.Path = confinePath(p.upstream.Path, req.Path)
	u.RawQuery = req.RawQuery
	return u.String()
}

// confinePath joins the decoded client path p under prefix, so that the
// result never leaves prefix. A trailing slash of p is kept.
func confinePath(prefix, p string) string {
	// path.Clean drops ".." at the start of a rooted path: "/.." is "/".
	out := path.Join("/", prefix, path.Clean("/"+p))
	if strings.HasSuffix(p, "/") && out != "/" {
		out += "/"
	}
	return out
}

// errClientGone cancels an upstream dial whose client gave up waiting.
var errClientGone = errors.New("the client gave up")

func (p *Proxy) forward(a wstest.Attempt, pa *proxied) {
	now := func() time.Duration { return time.Since(p.start) }
	// ctx lives as long as the upstream connection: when it is done, that
	// connection closes.
	ctx, cancel := context.WithCancelCause(p.ctx)
	defer cancel(nil)
	conn, resp, err := p.dial(ctx, cancel, a)
	if err != nil {
		at := now()
		after := (at - pa.at).Round(time.Millisecond)
		var ne net.Error
		switch {
		case p.ctx.Err() != nil:
			// Close stopped the recording: the upstream had not answered
			// yet, and the client is answered by the closing server.
			pa.answer(at, Hang{}, fmt.Sprintf("recorded: no answer from the upstream when the recording stopped, %v after the attempt", after))
		case errors.Is(err, errClientGone):
			pa.answer(at, Hang{}, fmt.Sprintf("recorded: no answer from the upstream when the client gave up, %v after the attempt", after))
		case resp == nil && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()):
			// The dialer's HandshakeTimeout: the upstream hung. The client
			// hears so from the proxy; the recording is of the upstream.
			pa.answer(at, Hang{}, fmt.Sprintf("recorded: no answer from the upstream in %v", after))
			a.Refuse(http.StatusGatewayTimeout, nil, fmt.Sprintf("wsdouble proxy: no answer from the upstream in %v", after))
		case resp == nil && errors.Is(err, errUpstreamAborted):
			pa.answer(at, Abort{}, "")
			a.Abort()
		default:
			ans := refused(http.StatusBadGateway, nil, "wsdouble proxy: upstream unreachable: "+err.Error())
			if resp != nil {
				body, _ := io.ReadAll(resp.Body)
				ans = refused(resp.StatusCode, resp.Header, string(body))
			}
			pa.answer(at, ans, "")
			a.Refuse(ans.Status, ans.Header, ans.Body)
		}
		return
	}
	// The upstream answered no subprotocol to a client that offered some:
	// the client must fail the connection as it would against the
	// upstream itself (Fetch), and so must a replay's.
	acc := accepted(conn.Subprotocol(), len(a.Protocols()) > 0, resp.Header)
	at := now()
	pa.mu.Lock()
	pa.upstream = conn
	pa.mu.Unlock()
	pa.answer(at, acc, "")
	peer, err := a.Accept(wstest.AcceptOptions{Subprotocol: acc.Subprotocol, Header: acc.Header})
	if err != nil {
		conn.Close()
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		p.upstreamToClient(conn, peer, pa, now)
	}()
	p.clientToUpstream(conn, peer, pa, now)
	<-done
}

// dial opens the upstream connection for a: with the client's path, query,
// subprotocols and headers. It gives up, at once, when ctx is done (the
// proxy closes) or the client goes away (then it cancels ctx with
// errClientGone). gorilla's Dialer watches its context only until the TCP
// connection is up, and then waits for the handshake's answer until its
// HandshakeTimeout (45 s by default): so the connection is made to close
// itself when ctx is done.
func (p *Proxy) dial(ctx context.Context, cancel context.CancelCauseFunc, a wstest.Attempt) (*websocket.Conn, *http.Response, error) {
	dialed := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-a.Done(): // answered by nobody else, so the client is gone
			cancel(errClientGone)
		case <-dialed:
		}
	}()
	d := *p.dialer
	d.Subprotocols = a.Protocols()
	netDial := d.NetDialContext
	if netDial == nil && d.NetDial != nil {
		nd := d.NetDial
		netDial = func(_ context.Context, network, addr string) (net.Conn, error) { return nd(network, addr) }
	}
	if netDial == nil {
		var nd net.Dialer
		netDial = nd.DialContext
	}
	var connected atomic.Bool
	d.NetDialContext = closeOnCancel(ctx, &connected, netDial)
	if d.NetDialTLSContext != nil {
		d.NetDialTLSContext = closeOnCancel(ctx, &connected, d.NetDialTLSContext)
	}
	conn, resp, err := d.DialContext(ctx, p.upstreamURL(a), forwardHeader(a.Request().Header))
	close(dialed)
	<-watched
	switch {
	case err == nil || resp != nil:
	case context.Cause(ctx) == errClientGone:
		err = fmt.Errorf("%w: %w", errClientGone, err)
	case connected.Load() && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)):
		err = fmt.Errorf("%w: %w", errUpstreamAborted, err)
	}
	return conn, resp, err
}

// errUpstreamAborted is a dial's error when the upstream closed the
// connection before it answered the handshake.
var errUpstreamAborted = errors.New("the upstream closed the connection without an answer")

// closeOnCancel wraps a dial function so that the connections it makes
// are closed when ctx is done; connected is set once one is made.
func closeOnCancel(ctx context.Context, connected *atomic.Bool, dial func(ctx context.Context, network, addr string) (net.Conn, error)) func(context.Context, string, string) (net.Conn, error) {
	return func(dctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		connected.Store(true)
		context.AfterFunc(ctx, func() { c.Close() })
		return c, nil
	}
}

// upstreamToClient forwards what the upstream sends: messages, then its
// close frame or its disappearance.
func (p *Proxy) upstreamToClient(conn *websocket.Conn, peer wstest.Peer, pa *proxied, now func() time.Duration) {
	for {
		mt, data, err := conn.ReadMessage()
		if err != nil {
			if p.stopping.Load() {
				return // Close closed it: the upstream did nothing
			}
			if !pa.endsFirst() {
				return // the client started closing: this is the upstream's answer
			}
			at := now()
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure {
				pa.record(func(t *transcript) { t.serverClosed(at, ce.Code, ce.Text) })
				code := ce.Code
				if code == websocket.CloseNoStatusReceived {
					code = 0
				}
				peer.Close(code, ce.Text)
			} else {
				pa.record(func(t *transcript) { t.dropped(at) })
				peer.Drop()
			}
			return
		}
		m := wsdouble.Message{Type: wsdouble.MessageType(mt), Data: data}
		at := now()
		pa.record(func(t *transcript) { t.toClient(at, m) })
		peer.Send(m)
	}
}

// clientToUpstream forwards what the client sends: messages, then its close
// frame or its disappearance.
func (p *Proxy) clientToUpstream(conn *websocket.Conn, peer wstest.Peer, pa *proxied, now func() time.Duration) {
	for {
		m, err := peer.Receive(p.ctx)
		if err != nil {
			// The client went, or Close is ending the connection: either
			// way it ends soon. An end the client caused before Close is
			// recorded even if Close came before this goroutine saw it.
			end, _ := peer.Wait(context.Background())
			if end.Kind == wstest.Shutdown {
				conn.Close() // the recording stopped with the connection open
				return
			}
			if !pa.endsFirst() {
				conn.Close()
				return
			}
			at := now()
			switch end.Kind {
			case wstest.ClientClosed:
				pa.record(func(t *transcript) { t.clientClosed(at, end.Code) })
				payload := []byte{}
				if end.Code != wsdouble.CloseNoStatusReceived {
					payload = websocket.FormatCloseMessage(end.Code, end.Reason)
				}
				conn.WriteControl(websocket.CloseMessage, payload, time.Now().Add(time.Second))
				// The upstream answers; upstreamToClient sees it and stops.
				conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			case wstest.ProtocolViolation:
				// The proxy failed the client (close 1002, 1007 or 1009);
				// a replay's server fails it the same way, without an
				// expectation, and the upstream never saw the frame.
				conn.Close()
			default:
				pa.record(func(t *transcript) { t.clientGone(at) })
				conn.Close()
			}
			return
		}
		at := now()
		pa.record(func(t *transcript) { t.fromClient(at, m) })
		if err := conn.WriteMessage(int(m.Type), m.Data); err != nil {
			return
		}
	}
}

// Script returns the recording as a script named name, one attempt per
// connection the proxy has seen, redacted as configured.
func (p *Proxy) Script(name string) (*Script, error) {
	p.mu.Lock()
	attempts := slices.Clone(p.attempts)
	p.mu.Unlock()
	return recordedScript(p.cfg, name, attempts, "scenario: Proxy.Script: no connection has been recorded")
}

// forwardHeader keeps the request headers the upstream should see: all but
// those of the WebSocket handshake and hop-by-hop ones, which the dialer
// sets itself.
func forwardHeader(h map[string][]string) map[string][]string {
	out := map[string][]string{}
	for k, vs := range h {
		switch k {
		case "Upgrade", "Connection", "Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Extensions",
			"Sec-Websocket-Protocol", "Host", "Content-Length", "Transfer-Encoding", "Te", "Trailer", "Keep-Alive":
			continue
		}
		out[k] = vs
	}
	return out
}
