package wstest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// receivePong waits up to within for the client's next pong.
func receivePong(t *testing.T, p wstest.Peer, within time.Duration) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), within)
	defer cancel()
	b, err := p.ReceivePong(ctx)
	return string(b), err
}

// TestPingIsAnsweredOnEveryLayer: the server's ping comes back as a pong
// of the same payload from every client: the Fake answers it as a browser
// does, and shows its listeners nothing; the real client (gorilla's ping
// handler) over both transports. A Stall holds the ping, and a Blackhole
// swallows it, as they do the close frames.
func TestPingIsAnsweredOnEveryLayer(t *testing.T) {
	forLayers(t, nil, func(e *env) {
		_, r, p := e.open()
		start := time.Now()
		if err := p.Ping([]byte("hb")); err != nil {
			e.t.Fatal(err)
		}
		if got, err := receivePong(e.t, p, e.d(10*time.Second)); got != "hb" || err != nil {
			e.t.Fatalf("ReceivePong: got %q, %v; want the ping's payload", got, err)
		}
		if e.layer.virtual && time.Since(start) != 0 {
			e.t.Errorf("pong after %v, want at once", time.Since(start))
		}

		e.inject(p, wstest.Stall(e.d(2*time.Second)))
		start = time.Now()
		p.Ping([]byte("held"))
		got, err := receivePong(e.t, p, e.d(10*time.Second))
		switch took := time.Since(start); {
		case got != "held" || err != nil:
			e.t.Errorf("ReceivePong through a stall: got %q, %v", got, err)
		case e.layer.virtual && took != 2*time.Second, took < e.d(2*time.Second):
			e.t.Errorf("pong through a 2s stall after %v", took)
		}

		e.inject(p, wstest.Blackhole().Only(wstest.ToClient))
		p.Ping([]byte("lost"))
		if got, err := receivePong(e.t, p, e.d(10*time.Second)); !errors.Is(err, context.DeadlineExceeded) {
			e.t.Errorf("ReceivePong through a blackhole: got %q, %v; want nothing", got, err)
		}
		if s := r.String(); s != "[]" {
			e.t.Errorf("the client's listeners saw %s, want nothing of pings and pongs", s)
		}
	})
}

// pingingClient is a gorilla client that reads on its own goroutine, so
// that its handlers answer pings and see pongs; it keeps the pongs it got,
// with their times.
type pingingClient struct {
	*websocket.Conn
	pongs chan timedPayload
	msgs  chan string
}

type timedPayload struct {
	data string
	at   time.Time
}

// client dials with gorilla, accepts, and returns the client and the
// Peer.
func (g *gorillaEnv) client() (*pingingClient, wstest.Peer) {
	c, p := g.open()
	gc := &pingingClient{Conn: c, pongs: make(chan timedPayload, 100), msgs: make(chan string, 100)}
	c.SetPongHandler(func(s string) error {
		gc.pongs <- timedPayload{s, time.Now()}
		return nil
	})
	go func() {
		for {
			_, b, err := c.ReadMessage()
			if err != nil {
				close(gc.msgs)
				return
			}
			gc.msgs <- string(b)
		}
	}()
	return gc, p
}

// ping sends a ping with payload s.
func (c *pingingClient) ping(s string) {
	c.WriteControl(websocket.PingMessage, []byte(s), time.Now().Add(time.Second))
}

// pong waits up to within for the next pong.
func (c *pingingClient) pong(within time.Duration) (timedPayload, bool) {
	t := time.NewTimer(within)
	defer t.Stop()
	select {
	case p := <-c.pongs:
		return p, true
	case <-t.C:
		return timedPayload{}, false
	}
}

// TestClientPingsAreAnsweredAsTheTestSays: a gorilla client's pings reach
// the Peer (ReceivePing) and are answered as AnswerPings says: at once,
// after a delay, or never; the messages go on beside them, and an
// unsolicited pong reaches the client's pong handler.
func TestClientPingsAreAnsweredAsTheTestSays(t *testing.T) {
	forTransports(t, func(g *gorillaEnv) {
		d := func(x time.Duration) time.Duration {
			if g.virtual {
				return x
			}
			return x / 50
		}
		c, p := g.client()
		c.ping("1")
		c.WriteMessage(websocket.TextMessage, []byte("m"))
		if got, ok := c.pong(d(10 * time.Second)); !ok || got.data != "1" {
			g.t.Errorf("pong at once: got %q (%v)", got.data, ok)
		}
		if got, err := p.ReceivePing(g.t.Context()); string(got) != "1" || err != nil {
			g.t.Errorf("ReceivePing: got %q, %v", got, err)
		}
		if got, err := p.Receive(g.t.Context()); err != nil || string(got.Data) != "m" {
			g.t.Errorf("Receive beside the pings: got %v, %v", got, err)
		}

		p.AnswerPings(wstest.PongAfter(d(3 * time.Second)))
		start := time.Now()
		c.ping("2")
		got, ok := c.pong(d(10 * time.Second))
		switch took := got.at.Sub(start); {
		case !ok || got.data != "2":
			g.t.Errorf("delayed pong: got %q (%v)", got.data, ok)
		case g.virtual && took != 3*time.Second, took < d(3*time.Second):
			g.t.Errorf("pong after %v, want after 3s", took)
		}

		p.AnswerPings(wstest.NoPong())
		c.ping("3")
		if got, ok := c.pong(d(10 * time.Second)); ok {
			g.t.Errorf("NoPong: got pong %q", got.data)
		}
		for _, want := range []string{"2", "3"} {
			if got, err := p.ReceivePing(g.t.Context()); string(got) != want || err != nil {
				g.t.Errorf("ReceivePing: got %q, %v; want %q", got, err, want)
			}
		}

		p.Pong([]byte("unsolicited"))
		if got, ok := c.pong(d(10 * time.Second)); !ok || got.data != "unsolicited" {
			g.t.Errorf("unsolicited pong: got %q (%v)", got.data, ok)
		}
	})
}

// TestReceivePingKeepsTheLatest: pings the test never takes do not hold
// the connection back; the server end keeps the latest 64 for the Peer.
func TestReceivePingKeepsTheLatest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &gorillaEnv{t: t, virtual: true, srv: wstest.NewServer(t)}
		g.dialer, g.url = g.srv.Dialer(), wstest.MemoryURL
		c, p := g.client()
		for i := range 100 {
			c.ping(strconv.Itoa(i))
			c.pong(time.Second)
		}
		c.WriteMessage(websocket.TextMessage, []byte("after"))
		if m, err := p.Receive(t.Context()); err != nil || string(m.Data) != "after" {
			t.Fatalf("Receive after 100 pings: got %v, %v", m, err)
		}
		for i := 36; i < 100; i++ {
			if got, err := p.ReceivePing(t.Context()); string(got) != strconv.Itoa(i) || err != nil {
				t.Fatalf("ReceivePing: got %q, %v; want %d", got, err, i)
			}
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := p.ReceivePing(ctx)
		if want := "wstest: Peer.ReceivePing: no ping from the client before context deadline exceeded"; err == nil || err.Error() != want {
			t.Errorf("ReceivePing with none left: got %v, want %s", err, want)
		}
		p.Drop()
		if _, err := p.ReceivePong(t.Context()); !errors.Is(err, wstest.ErrPeerClosed) {
			t.Errorf("ReceivePong after the end: got %v, want ErrPeerClosed", err)
		}
	})
}

// TestClientControlFramesCrossFaults: a blackhole from the client loses
// its pings (unseen, unanswered); one to the client lets the Peer see
// them but swallows the pongs; a stall holds them and their answers.
func TestClientControlFramesCrossFaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &gorillaEnv{t: t, virtual: true, srv: wstest.NewServer(t)}
		g.dialer, g.url = g.srv.Dialer(), wstest.MemoryURL
		c, p := g.client()
		short := func() context.Context {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			t.Cleanup(cancel)
			return ctx
		}

		p.Inject(wstest.Blackhole().Only(wstest.FromClient))
		c.ping("lost")
		if got, ok := c.pong(10 * time.Second); ok {
			t.Errorf("a blackholed ping was answered: %q", got.data)
		}
		if got, err := p.ReceivePing(short()); err == nil {
			t.Errorf("the Peer received a blackholed ping %q", got)
		}

		p.Heal()
		p.Inject(wstest.Blackhole().Only(wstest.ToClient))
		c.ping("seen")
		if got, ok := c.pong(10 * time.Second); ok {
			t.Errorf("a pong came through a blackhole: %q", got.data)
		}
		if got, err := p.ReceivePing(short()); string(got) != "seen" || err != nil {
			t.Errorf("ReceivePing behind a blackhole to the client: got %q, %v", got, err)
		}

		p.Heal()
		p.Inject(wstest.Stall(2 * time.Second).Only(wstest.FromClient))
		start := time.Now()
		c.ping("held")
		if got, err := p.ReceivePing(short()); string(got) != "held" || err != nil || time.Since(start) != 2*time.Second {
			t.Errorf("ReceivePing through a stall: got %q, %v after %v; want it after 2s", got, err, time.Since(start))
		}
		if got, ok := c.pong(10 * time.Second); !ok || got.data != "held" || got.at.Sub(start) != 2*time.Second {
			t.Errorf("the pong of a stalled ping: got %q (%v) after %v; want it after 2s", got.data, ok, got.at.Sub(start))
		}
	})
}

// TestPingErrors: what Ping, Pong and WriteFrame refuse.
func TestPingErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		_, ev := fakeDial(t, d)
		a := mustAttempt(t, d)
		f := a.(*wstest.FakeAttempt).Fake()
		if err := f.Peer().Ping(nil); !errors.Is(err, wstest.ErrPeerClosed) {
			t.Errorf("Ping before Accept: got %v, want ErrPeerClosed", err)
		}
		p, _ := a.Accept(wstest.AcceptOptions{})
		if err := p.Ping(make([]byte, 126)); !errors.Is(err, wsdouble.ErrInvalidMessage) {
			t.Errorf("Ping of 126 bytes: got %v, want ErrInvalidMessage", err)
		}
		if err := p.Pong(make([]byte, 125)); err != nil {
			t.Errorf("Pong of 125 bytes: %v", err)
		}
		err := p.WriteFrame(wstest.Frame{Opcode: wstest.OpText, Payload: []byte("x")})
		if !errors.Is(err, wstest.ErrNoWire) {
			t.Errorf("WriteFrame on a Fake: got %v, want ErrNoWire", err)
		}
		p.Drop()
		<-ev.done
		if err := p.Ping(nil); !errors.Is(err, wstest.ErrPeerClosed) {
			t.Errorf("Ping after Drop: got %v, want ErrPeerClosed", err)
		}
		// Nothing made the connection's control frames before its end.
		if _, err := p.ReceivePing(t.Context()); !errors.Is(err, wstest.ErrPeerClosed) {
			t.Errorf("ReceivePing after Drop: got %v, want ErrPeerClosed", err)
		}
		if got := fmt.Sprint(f.Events()); got != "[open close 1006 unclean]" {
			t.Errorf("the Fake's events: %s, want no trace of the pong", got)
		}
	})
}

// coderDialing dials srv in memory with a coder/websocket client, on a
// goroutine of its own: the caller answers the attempt, then calls the
// function returned, which waits for the connection. The connection is
// closed at the end of the test.
func coderDialing(t *testing.T, srv *wstest.Server) func() *coder.Conn {
	type dialed struct {
		c   *coder.Conn
		err error
	}
	ch := make(chan dialed, 1)
	go func() {
		hc := &http.Client{Transport: &http.Transport{DialContext: srv.Dialer().NetDialContext}}
		c, _, err := coder.Dial(t.Context(), wstest.MemoryURL, &coder.DialOptions{HTTPClient: hc})
		ch <- dialed{c, err}
	}()
	return func() *coder.Conn {
		t.Helper()
		d := <-ch
		if d.err != nil {
			t.Fatal(d.err)
		}
		t.Cleanup(func() { d.c.CloseNow() })
		return d.c
	}
}

// coderClient dials srv in memory with coder/websocket, accepts, and reads
// on a goroutine of its own (coder handles control frames as it reads).
func coderClient(t *testing.T, srv *wstest.Server) (*coder.Conn, wstest.Peer) {
	t.Helper()
	dialed := coderDialing(t, srv)
	p, err := mustAttempt(t, srv).Accept(wstest.AcceptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := dialed()
	go func() {
		for {
			if _, _, err := c.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	return c, p
}

// TestCoderPing: coder/websocket's Ping returns once the pong comes, and
// times out when the server answers none.
func TestCoderPing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		c, p := coderClient(t, srv)
		p.AnswerPings(wstest.PongAfter(2 * time.Second))
		start := time.Now()
		if err := c.Ping(t.Context()); err != nil || time.Since(start) != 2*time.Second {
			t.Errorf("coder Ping: %v after %v, want nil after 2s", err, time.Since(start))
		}
		if _, err := p.ReceivePing(t.Context()); err != nil {
			t.Errorf("ReceivePing: %v", err)
		}
		p.AnswerPings(wstest.NoPong())
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		if err := c.Ping(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("coder Ping with NoPong: got %v, want its deadline", err)
		}
		p.Close(wsdouble.CloseNormalClosure, "")
		p.Wait(t.Context())
	})
}
