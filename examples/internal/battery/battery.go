package battery

import (
	"context"
	"crypto/x509"
	_ "embed"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// Runner is a client under test: it runs until ctx is done, as
// reconnect.Run does.
type Runner interface {
	Run(ctx context.Context) error
}

// Subject is a client library under test.
type Subject struct {
	// New returns a client of srv at url, with opts. For a Server made
	// with TLS, the client trusts the Server's authority if trusted, and
	// the system's roots otherwise.
	New func(srv *wstest.Server, url string, trusted bool, opts reconnect.Options) Runner
}

// Endpoint is how a client that takes a dial function reaches srv:
// srv.DialContext, and for a Server made with TLS, if trusted, its
// TLSConfig.
func Endpoint(srv *wstest.Server, trusted bool) reconnect.Endpoint {
	e := reconnect.Endpoint{Dial: srv.DialContext}
	if trusted {
		e.TLSConfig = srv.TLSConfig()
	}
	return e
}

// subscribe is what the clients send first on every connection.
const subscribe = `{"op":"subscribe"}`

// virtual is the clients' policy on virtual time.
var virtual = reconnect.Options{
	Subscribe:  []byte(subscribe),
	PingPeriod: 10 * time.Second,
	PongWait:   25 * time.Second,
	MinDelay:   time.Second,
	MaxDelay:   8 * time.Second,
}

// policy is virtual's backoff, as AssertBackoff checks it.
var policy = wstest.Backoff{Min: time.Second, Factor: 2, Max: 8 * time.Second, ResetAfter: 25 * time.Second}

// realTime is the clients' policy over loopback, in milliseconds.
var realTime = reconnect.Options{
	Subscribe:  []byte(subscribe),
	PingPeriod: time.Second,
	MinDelay:   5 * time.Millisecond,
	MaxDelay:   40 * time.Millisecond,
}

// Run runs every case against the clients s makes, each a subtest.
func Run(t *testing.T, s Subject) {
	for _, c := range []struct {
		name string
		run  func(*testing.T, Subject)
	}{
		{"refusals", refusals},
		{"drop", drop},
		{"restart", restart},
		{"half-open", halfOpen},
		{"scenario", playScript},
	} {
		begin := time.Now() // the real clock: outside the bubble
		t.Run(c.name, func(t *testing.T) { synctest.Test(t, func(t *testing.T) { c.run(t, s) }) })
		t.Logf("%s: %v of wall time", c.name, time.Since(begin))
	}
	t.Run("loopback", func(t *testing.T) { loopback(t, s) })
	// The untrusted clients of the wss cases check the Server's
	// certificate against the system's roots, which crypto/x509 reads and
	// parses from disk the first time a process needs them: 20 ms, 100
	// under -race, for the whole process. Loaded here, that is not
	// counted against the first case that happens to use them.
	if _, err := x509.SystemCertPool(); err != nil {
		t.Logf("no system roots: %v", err)
	}
	begin := time.Now()
	t.Run("wss", func(t *testing.T) { wss(t, s) })
	t.Logf("wss: %v of wall time", time.Since(begin))
	t.Run("teardown", func(t *testing.T) { teardown(t, s) })
}

// client is a client under test, stopped at the end of its test at the
// latest.
type client struct {
	*Running
	t *testing.T
}

// start runs the client s makes until stop or the end of the test.
func start(t *testing.T, s Subject, srv *wstest.Server, url string, trusted bool, opts reconnect.Options) client {
	t.Helper()
	c := client{Start(opts, func(opts reconnect.Options) Runner { return s.New(srv, url, trusted, opts) }), t}
	t.Cleanup(c.stop)
	return c
}

// stop ends the client and waits for Run to return.
func (c client) stop() {
	if err := c.Stop(); !errors.Is(err, context.Canceled) {
		c.t.Errorf("Run: got %v, want context.Canceled", err)
	}
}

// next returns the client's next event that is not a message.
func (c client) next(t *testing.T, ctx context.Context) reconnect.Event {
	t.Helper()
	for {
		e, err := c.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if e.Kind != reconnect.Message {
			return e
		}
	}
}

// message returns the client's next event, which must be a message.
func (c client) message(t *testing.T, ctx context.Context) string {
	t.Helper()
	e, err := c.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	require.Equal(t, reconnect.Message, e.Kind, "got %v (%v), want a message", e.Kind, e.Err)
	return string(e.Data)
}

// accept accepts srv's next attempt and checks that the client
// subscribes first.
func accept(t *testing.T, ctx context.Context, srv *wstest.Server) wstest.Peer {
	t.Helper()
	a, err := srv.NextAttempt(ctx)
	require.NoError(t, err)
	p, err := a.Accept(wstest.AcceptOptions{})
	require.NoError(t, err)
	m, err := p.Receive(ctx)
	require.NoError(t, err)
	require.Equal(t, wsdouble.Text(subscribe), m, "the client's first message")
	return p
}

// open starts a client of srv at url, accepts its first attempt and waits
// until the client is connected.
func open(t *testing.T, ctx context.Context, s Subject, srv *wstest.Server, url string, opts reconnect.Options) (client, wstest.Peer) {
	t.Helper()
	c := start(t, s, srv, url, true, opts)
	p := accept(t, ctx, srv)
	require.Equal(t, reconnect.Connected, c.next(t, ctx).Kind)
	return c, p
}

// back accepts the client's next attempt, its n-th, and waits until the
// client is connected again.
func (c client) back(t *testing.T, ctx context.Context, srv *wstest.Server, n int) wstest.Peer {
	t.Helper()
	p := accept(t, ctx, srv)
	assert.Equal(t, reconnect.Event{Kind: reconnect.Connected, Attempt: n}, c.next(t, ctx))
	return p
}

// refusals: three refused attempts in a row, retried after 1, 2 and 4 s.
func refusals(t *testing.T, s Subject) {
	srv := wstest.NewServer(t)
	c := start(t, s, srv, wstest.MemoryURL, true, virtual)
	for range 3 {
		a, err := srv.NextAttempt(t.Context())
		require.NoError(t, err)
		require.NoError(t, a.Refuse(http.StatusServiceUnavailable, nil, "warming up"))
		ev := c.next(t, t.Context())
		assert.Equal(t, reconnect.DialFailed, ev.Kind)
		assert.Equal(t, http.StatusServiceUnavailable, ev.Status, "the refusal's status (%v)", ev.Err)
	}
	c.back(t, t.Context(), srv, 4)
	wstest.AssertBackoff(t, srv, policy)
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, wstest.Gaps(srv.Attempts()))
}

// drop: the server dies (no close frame) a minute into the connection;
// the client notices at once, and is back a second later.
func drop(t *testing.T, s Subject) {
	srv := wstest.NewServer(t)
	c, p := open(t, t.Context(), s, srv, wstest.MemoryURL, virtual)
	require.NoError(t, p.Send(wsdouble.Text("hello")))
	assert.Equal(t, "hello", c.message(t, t.Context()))

	time.Sleep(time.Minute) // pings go back and forth meanwhile
	dropped := time.Now()
	require.NoError(t, p.Drop())
	ev := c.next(t, t.Context())
	assert.Equal(t, reconnect.Disconnected, ev.Kind)
	assert.Zero(t, ev.Code, "a drop has no close frame (%v)", ev.Err)
	assert.Equal(t, dropped, time.Now(), "noticed at once")

	c.back(t, t.Context(), srv, 2)
	assert.Equal(t, time.Second, srv.Attempts()[1].Time.Sub(dropped), "back after MinDelay")
	wstest.AssertBackoff(t, srv, policy)
}

// restart: the server restarts (close 1012); the client sees the code,
// comes back, and subscribes again on the new connection.
func restart(t *testing.T, s Subject) {
	srv := wstest.NewServer(t)
	c, p := open(t, t.Context(), s, srv, wstest.MemoryURL, virtual)
	require.NoError(t, p.Close(wsdouble.CloseServiceRestart, "deploy"))
	ev := c.next(t, t.Context())
	assert.Equal(t, reconnect.Disconnected, ev.Kind)
	assert.Equal(t, wsdouble.CloseServiceRestart, ev.Code, "the close code (%v)", ev.Err)
	end, err := p.Wait(t.Context())
	require.NoError(t, err)
	assert.True(t, end.Clean, "the client answered the close frame: %v", end)

	c.back(t, t.Context(), srv, 2) // accept checks the new subscription
	wstest.AssertBackoff(t, srv, policy)
}

// halfOpen: the server goes silent without closing (a blackhole: no
// frame either way, pings unanswered, no FIN). No sign of life comes
// within PongWait, and the client redials.
func halfOpen(t *testing.T, s Subject) {
	srv := wstest.NewServer(t)
	c, p := open(t, t.Context(), s, srv, wstest.MemoryURL, virtual)
	begin := time.Now()

	time.Sleep(25 * time.Second) // pings at 10 s and 20 s are answered
	require.NoError(t, p.Inject(wstest.Blackhole()))

	ev := c.next(t, t.Context())
	assert.Equal(t, reconnect.Disconnected, ev.Kind)
	assert.ErrorIs(t, ev.Err, reconnect.ErrPongTimeout)
	// The pings at 30 s and 40 s go unanswered; at 45 s, 25 s after the
	// last pong, the client gives up.
	assert.Equal(t, 45*time.Second, time.Since(begin))

	c.back(t, t.Context(), srv, 2)
	assert.Equal(t, 46*time.Second, srv.Attempts()[1].Time.Sub(begin), "redialed MinDelay later")
}

//go:embed testdata/restart.json
var restartJSON string

// playScript: the server's side is testdata/restart.json, played by the
// scenario package: a refusal, a drop, a restart; the test only drives
// the client and checks what it did.
func playScript(t *testing.T, s Subject) {
	script, err := scenario.Parse(strings.NewReader(restartJSON))
	require.NoError(t, err)
	srv := wstest.NewServer(t)
	pb := scenario.Play(t, srv, script)
	c := start(t, s, srv, wstest.MemoryURL, true, virtual)
	var got []string
	for back := false; !back; {
		e, err := c.Next(t.Context())
		if err != nil {
			t.Fatalf("%v; the client did: %q", err, got)
		}
		got = append(got, e.String())
		back = e.Kind == reconnect.Message && string(e.Data) == "welcome back"
	}
	c.stop() // the client closes with 1000, which the script expects
	_, err = pb.Wait(t.Context())
	require.NoError(t, err) // on a mismatch, the error is the whole report
	assert.Equal(t, []string{"#1 dial failed 503", "#2 connected", `#2 message "tick 1"`, "#2 disconnected",
		"#3 connected", `#3 message "tick 2"`, "#3 disconnected 1012", "#4 connected", `#4 message "welcome back"`}, got)
	wstest.AssertBackoff(t, srv, policy)
}

// loopback: a drop over TCP on 127.0.0.1, in real time, with delays of
// milliseconds. Every wait has a deadline; times are logged, not
// asserted.
func loopback(t *testing.T, s Subject) {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	srv := wstest.NewServer(t)
	c, p := open(t, ctx, s, srv, srv.URL(), realTime)
	require.NoError(t, p.Send(wsdouble.Text("hello")))
	assert.Equal(t, "hello", c.message(t, ctx))
	require.NoError(t, p.Drop())
	assert.Equal(t, reconnect.Disconnected, c.next(t, ctx).Kind)
	c.back(t, ctx, srv, 2)
	c.stop()
	t.Logf("back %v after the drop (MinDelay %v)", wstest.Gaps(srv.Attempts())[0], realTime.MinDelay)
}

// wss: a Server made with TLS, in memory and over loopback: a client that
// trusts its authority connects; one that does not fails its dial with
// x509's "certificate signed by unknown authority", as against a real
// server.
func wss(t *testing.T, s Subject) {
	for _, tr := range []struct {
		name   string
		bubble bool
	}{{"memory", true}, {"loopback", false}} {
		t.Run(tr.name, func(t *testing.T) {
			test := func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				srv := wstest.NewServer(t, wstest.TLS())
				url := wstest.MemoryTLSURL
				if !tr.bubble {
					url = srv.URL()
				}
				c, p := open(t, ctx, s, srv, url, virtual)
				require.NoError(t, p.Send(wsdouble.Text("over TLS")))
				assert.Equal(t, "over TLS", c.message(t, ctx))
				assert.True(t, strings.HasPrefix(srv.Attempts()[0].URL, "wss://"), "the attempt's URL")

				untrusted := start(t, s, srv, url, false, virtual)
				ev := untrusted.next(t, ctx)
				var unknown x509.UnknownAuthorityError
				assert.Equal(t, reconnect.DialFailed, ev.Kind)
				assert.ErrorAs(t, ev.Err, &unknown)
				untrusted.stop()
				c.stop()
			}
			begin := time.Now()
			if tr.bubble {
				synctest.Test(t, test)
			} else {
				test(t)
			}
			t.Logf("%v of wall time", time.Since(begin))
		})
	}
}

// teardown: a test over loopback ends with the client's attempt pending.
// The client's stop, a cleanup that runs before the Server's Close, waits
// for Run to return; the Server answered the attempt when the test
// ended, so that the client's dial failed at once instead of waiting out
// its handshake timeout (45 s for gorilla, 5 s for gws).
func teardown(t *testing.T, s Subject) {
	var srv *wstest.Server
	var ended time.Time
	var stopped time.Duration
	t.Run("test", func(t *testing.T) {
		srv = wstest.NewServer(t)
		t.Cleanup(func() { stopped = time.Since(ended) }) // after the client's stop
		start(t, s, srv, srv.URL(), true, realTime)
		_, err := srv.NextAttempt(t.Context())
		require.NoError(t, err)
		ended = time.Now() // and the attempt stays pending
	})
	// A bound far above the figure (well under a millisecond) and far
	// below a handshake timeout.
	assert.Less(t, stopped, time.Second, "the client's stop waited for its dial")
	// Hung when the Server answered first; a client that watches its
	// context during the handshake may have gone first (abandoned).
	rec := srv.Attempts()[0]
	assert.Contains(t, []wstest.Outcome{wstest.Hung, wstest.Abandoned}, rec.Outcome, "the attempt (%v)", rec.Err)
	t.Logf("the client stopped %v after the test; the attempt: %v (%v)", stopped, rec.Outcome, rec.Err)
}
