package wstest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// The fault table of the package docs, tested: each row is played by a
// gorilla client (over both transports) and by an IWebSocket (the Fake, and
// the real client over both transports), and what each saw, written down
// the same way, must be the row's text. On loopback, in real time, the
// durations are divided by 50 and the times are not compared.

// faultRow is one row: a fault and how to provoke it.
type faultRow struct {
	name    string // the first line of the row
	gorilla string // what a gorilla client sees
	socket  string // what a wsdouble.IWebSocket sees
	play    func(x *rowEnv)
}

// The units of the table: the clients' close timeout and the gorilla
// client's read deadline (renewed by each message), and the longest wait of
// a row.
const (
	tableCloseTimeout = 5 * time.Second
	tableReadDeadline = 10 * time.Second
)

var faultTable = []faultRow{
	{
		name:    "Latency(1s); the server sends a message",
		gorilla: "message +1s",
		socket:  "message +1s",
		play: func(x *rowEnv) {
			p := x.open()
			x.inject(p, wstest.Latency(x.d(time.Second)))
			p.Send(wsdouble.Text("late"))
			x.waitEvents(1)
		},
	},
	{
		name:    "Bandwidth(1000); the server sends 500 bytes twice",
		gorilla: "message +500ms, message +1s",
		socket:  "message +500ms, message +1s",
		play: func(x *rowEnv) {
			p := x.open()
			x.inject(p, wstest.Bandwidth(int(1000*time.Second/x.d(time.Second))))
			p.Send(wsdouble.Binary(make([]byte, 500)))
			p.Send(wsdouble.Binary(make([]byte, 500)))
			x.waitEvents(2)
		},
	},
	{
		name:    "Slicer(4, 1s); the server sends 12 bytes (3 frames)",
		gorilla: "message +2s",
		socket:  "message +2s",
		play: func(x *rowEnv) {
			p := x.open()
			x.inject(p, wstest.Slicer(4, x.d(time.Second)))
			p.Send(wsdouble.Text("hello, world"))
			x.waitEvents(1)
		},
	},
	{
		name:    "Blackhole(); the server sends, the client closes after 20s",
		gorilla: "read: timeout +10s",
		socket:  "close 1006 unclean (ErrCloseTimeout) +25s",
		play: func(x *rowEnv) {
			p := x.open()
			x.inject(p, wstest.Blackhole())
			p.Send(wsdouble.Text("lost"))
			x.sleep(20 * time.Second)
			x.clientClose()
			x.end()
		},
	},
	{
		name:    "Blackhole().Only(ToClient), then Drop (half-open); the client closes after 20s",
		gorilla: "read: timeout +10s",
		socket:  "close 1006 unclean (ErrCloseTimeout) +25s",
		play: func(x *rowEnv) {
			p := x.open()
			x.inject(p, wstest.Blackhole().Only(wstest.ToClient))
			p.Drop()
			x.sleep(20 * time.Second)
			x.clientClose()
			x.end()
		},
	},
	{
		name:    "SlowClose(2s); the client closes with 1000",
		gorilla: "read: close 1000 +2s",
		socket:  "close 1000 clean +2s",
		play: func(x *rowEnv) {
			p := x.open()
			x.inject(p, wstest.SlowClose(x.d(2*time.Second)))
			x.clientClose()
			x.end()
		},
	},
	{
		name:    "NoCloseReply(); the client closes with 1000",
		gorilla: "read: timeout +10s",
		socket:  "close 1006 unclean (ErrCloseTimeout) +5s",
		play: func(x *rowEnv) {
			p := x.open()
			x.inject(p, wstest.NoCloseReply())
			x.clientClose()
			x.end()
		},
	},
	{
		name:    "LimitData(100); the server sends 60 bytes twice",
		gorilla: "message, read: close 1006 (unexpected EOF)",
		socket:  "message, close 1006 unclean (unexpected EOF)",
		play: func(x *rowEnv) {
			p := x.open()
			x.inject(p, wstest.LimitData(100))
			p.Send(wsdouble.Binary(make([]byte, 60)))
			p.Send(wsdouble.Binary(make([]byte, 60)))
			x.end()
		},
	},
	{
		name:    "DropAfterMessages(2); the server sends 3",
		gorilla: "message, message, read: close 1006 (unexpected EOF)",
		socket:  "message, message, close 1006 unclean (unexpected EOF)",
		play: func(x *rowEnv) {
			p := x.open()
			x.inject(p, wstest.DropAfterMessages(2))
			for range 3 {
				p.Send(wsdouble.Text("m"))
			}
			x.end()
		},
	},
	{
		name:    "DropAfter(3s)",
		gorilla: "read: close 1006 (unexpected EOF) +3s",
		socket:  "close 1006 unclean (unexpected EOF) +3s",
		play: func(x *rowEnv) {
			p := x.open()
			x.inject(p, wstest.DropAfter(x.d(3*time.Second)))
			x.end()
		},
	},
	{
		name:    "Stall(2s); the server sends a message, then closes with 1000",
		gorilla: "message +2s, read: close 1000 +2s",
		socket:  "message +2s, close 1000 clean +2s",
		play: func(x *rowEnv) {
			p := x.open()
			x.inject(p, wstest.Stall(x.d(2*time.Second)))
			p.Send(wsdouble.Text("held"))
			p.Close(wsdouble.CloseNormalClosure, "")
			x.end()
		},
	},
	{
		name:    "Peer.Drop (for comparison: no fault, no close frame)",
		gorilla: "read: close 1006 (unexpected EOF)",
		socket:  "close 1006 unclean (unexpected EOF)",
		play: func(x *rowEnv) {
			p := x.open()
			p.Drop()
			x.end()
		},
	},
	{
		name:    "Peer.Reset (a TCP RST)",
		gorilla: "read: ECONNRESET",
		socket:  "close 1006 unclean (ECONNRESET)",
		play: func(x *rowEnv) {
			p := x.open()
			if err := p.Reset(); err != nil {
				x.t.Fatal(err)
			}
			x.end()
		},
	},
	{
		name:    "handshake: Accept 3s after the attempt came",
		gorilla: "open +3s",
		socket:  "open +3s",
		play: func(x *rowEnv) {
			x.dial()
			a := x.next()
			x.sleep(3 * time.Second)
			if _, err := a.Accept(wstest.AcceptOptions{}); err != nil {
				x.t.Fatal(err)
			}
			x.waitEvents(1)
		},
	},
	{
		name:    "handshake: no answer (hang); the client gives up after 20s",
		gorilla: "dial: timeout +20s",
		socket:  "error (ErrClosedBeforeOpen) +20s, close 1006 unclean +20s",
		play: func(x *rowEnv) {
			x.dial()
			x.next()
			x.sleep(20 * time.Second)
			x.clientClose()
			x.end()
		},
	},
	{
		name:    "handshake: Refuse(503, Retry-After: 5, body)",
		gorilla: "dial: bad handshake 503",
		socket:  "error (HandshakeError 503), close 1006 unclean",
		play: func(x *rowEnv) {
			x.dial()
			if err := x.next().Refuse(http.StatusServiceUnavailable, http.Header{"Retry-After": {"5"}}, "busy"); err != nil {
				x.t.Fatal(err)
			}
			x.end()
		},
	},
	{
		name:    "handshake: Abort (the connection closes mid-handshake)",
		gorilla: "dial: unexpected EOF",
		socket:  "error (unexpected EOF), close 1006 unclean",
		play: func(x *rowEnv) {
			x.dial()
			if err := x.next().Abort(); err != nil {
				x.t.Fatal(err)
			}
			x.end()
		},
	},
	{
		name:    "Down (the server stops accepting)",
		gorilla: "dial: ECONNREFUSED",
		socket:  "error (ECONNREFUSED), close 1006 unclean",
		play: func(x *rowEnv) {
			x.acc.(downer).Down()
			x.dial()
			x.end()
			x.acc.(downer).Up()
		},
	},
	{
		name:    "DropAll (a crash), an open connection",
		gorilla: "read: close 1006 (unexpected EOF)",
		socket:  "close 1006 unclean (unexpected EOF)",
		play: func(x *rowEnv) {
			p := x.open()
			x.acc.(downer).DropAll()
			x.end()
			x.endOf(p)
		},
	},
}

// A client is what a row drives: a gorilla connection or an IWebSocket,
// both writing down what they see.
type client interface {
	dial(url string)
	close()
	trace() *trace
}

// trace is what a client saw, with times from its start.
type trace struct {
	mu    sync.Mutex
	start time.Time
	items []string
	at    []time.Duration
	wake  chan struct{}
	ended chan struct{} // the client is done: closed, failed, timed out
	once  sync.Once
}

func newTrace() *trace {
	return &trace{start: time.Now(), wake: make(chan struct{}), ended: make(chan struct{})}
}

func (tr *trace) add(item string, final bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.items = append(tr.items, item)
	tr.at = append(tr.at, time.Since(tr.start))
	close(tr.wake)
	tr.wake = make(chan struct{})
	if final {
		tr.once.Do(func() { close(tr.ended) })
	}
}

// restart forgets what was seen and restarts the clock.
func (tr *trace) restart() {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.start, tr.items, tr.at = time.Now(), nil, nil
}

// text writes the trace down; unit is what a table second is here.
func (tr *trace) text(unit time.Duration) string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var parts []string
	for i, it := range tr.items {
		// Rounded to the millisecond: answers come a nanosecond after
		// their attempt (see settle in acceptor.go).
		d := time.Duration(float64(tr.at[i]) * float64(time.Second) / float64(unit)).Truncate(time.Millisecond)
		if d > 0 {
			it += " +" + d.String()
		}
		parts = append(parts, it)
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// errClass names an error the way the table does.
func errClass(err error) string {
	var ce *websocket.CloseError
	var he *wsdouble.HandshakeError
	var ne net.Error
	switch {
	case errors.As(err, &ce):
		s := fmt.Sprintf("close %d", ce.Code)
		if ce.Code == websocket.CloseAbnormalClosure {
			s += " (" + ce.Text + ")"
		}
		return s
	case err == nil:
		return "no error"
	case errors.Is(err, wsdouble.ErrClosedBeforeOpen):
		return "ErrClosedBeforeOpen"
	case errors.Is(err, wsdouble.ErrCloseTimeout):
		return "ErrCloseTimeout"
	case errors.As(err, &he):
		return fmt.Sprintf("HandshakeError %d", he.StatusCode)
	case errors.Is(err, syscall.ECONNRESET):
		return "ECONNRESET"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "ECONNREFUSED"
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected EOF"
	case errors.Is(err, io.EOF):
		return "EOF"
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return err.Error()
}

// gorillaClient reads with a deadline renewed by every message, as a
// gorilla client with no pings would.
type gorillaClient struct {
	dialer   *websocket.Dialer
	deadline time.Duration
	tr       *trace
	mu       sync.Mutex
	conn     *websocket.Conn
	stopped  bool
	done     chan struct{}
}

func (g *gorillaClient) trace() *trace { return g.tr }

func (g *gorillaClient) dial(url string) {
	go func() {
		defer close(g.done)
		c, resp, err := g.dialer.Dial(url, nil)
		if err != nil {
			what := errClass(err)
			if errors.Is(err, websocket.ErrBadHandshake) && resp != nil {
				what = fmt.Sprintf("bad handshake %d", resp.StatusCode)
			}
			g.tr.add("dial: "+what, true)
			return
		}
		g.mu.Lock()
		g.conn = c
		stopped := g.stopped
		g.mu.Unlock()
		defer c.Close()
		if stopped {
			return
		}
		g.tr.add("open", false)
		for {
			c.SetReadDeadline(time.Now().Add(g.deadline))
			if _, _, err := c.ReadMessage(); err != nil {
				g.tr.add("read: "+errClass(err), true)
				return
			}
			g.tr.add("message", false)
		}
	}()
}

// close sends a close frame; the reader goes on until the answer.
func (g *gorillaClient) close() {
	g.mu.Lock()
	c := g.conn
	g.mu.Unlock()
	if c != nil {
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(time.Second))
	}
}

// stop ends the client at the end of the test.
func (g *gorillaClient) stop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.stopped = true
	if g.conn != nil {
		g.conn.Close()
	}
}

// socketClient is an IWebSocket made by a Constructor.
type socketClient struct {
	ctor wsdouble.Constructor
	t    *testing.T
	tr   *trace
	ws   wsdouble.IWebSocket
}

func (s *socketClient) trace() *trace { return s.tr }

func (s *socketClient) dial(url string) {
	ws, err := s.ctor(url)
	if err != nil {
		s.t.Fatal(err)
	}
	s.ws = ws
	failed := false // an error event came: Err repeats its error
	l := wsdouble.ListenerFunc(func(ev wsdouble.Event) {
		switch ev := ev.(type) {
		case wsdouble.OpenEvent:
			s.tr.add("open", false)
		case wsdouble.MessageEvent:
			s.tr.add("message", false)
		case wsdouble.ErrorEvent:
			failed = true
			s.tr.add("error ("+errClass(ev.Err)+")", false)
		case wsdouble.CloseEvent:
			if err := wsdouble.CloseCause(ws); err != nil && !failed {
				s.tr.add(ev.String()+" ("+errClass(err)+")", true)
			} else {
				s.tr.add(ev.String(), true)
			}
		}
	})
	for _, typ := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
		ws.AddEventListener(typ, l)
	}
}

func (s *socketClient) close() { s.ws.Close(1000, "") }

// rowEnv is one row played by one client on one layer.
type rowEnv struct {
	t       *testing.T
	virtual bool
	acc     wstest.Acceptor
	url     string
	c       client
}

// d scales a table duration for the layer.
func (x *rowEnv) d(v time.Duration) time.Duration {
	if x.virtual {
		return v
	}
	return v / 50
}

func (x *rowEnv) sleep(v time.Duration) { time.Sleep(x.d(v)) }

func (x *rowEnv) dial() { x.c.dial(x.url) }

func (x *rowEnv) next() wstest.Attempt {
	x.t.Helper()
	a, err := x.acc.NextAttempt(x.t.Context())
	if err != nil {
		x.t.Fatal(err)
	}
	return a
}

// open dials, accepts, waits for the client to open and restarts its
// trace: a row's times count from the open connection.
func (x *rowEnv) open() wstest.Peer {
	x.t.Helper()
	x.dial()
	p, err := x.next().Accept(wstest.AcceptOptions{})
	if err != nil {
		x.t.Fatal(err)
	}
	x.waitEvents(1)
	x.c.trace().restart()
	return p
}

func (x *rowEnv) inject(p wstest.Peer, f wstest.Fault) {
	x.t.Helper()
	if err := p.Inject(f); err != nil {
		x.t.Fatal(err)
	}
}

func (x *rowEnv) clientClose() { x.c.close() }

func (x *rowEnv) waitEvents(n int) {
	x.t.Helper()
	tr := x.c.trace()
	ctx, cancel := context.WithTimeout(x.t.Context(), time.Minute)
	defer cancel()
	for {
		tr.mu.Lock()
		got, wake := len(tr.items), tr.wake
		tr.mu.Unlock()
		if got >= n {
			return
		}
		select {
		case <-wake:
		case <-ctx.Done():
			x.t.Fatalf("waited for %d events, got %s", n, tr.text(time.Second))
		}
	}
}

// end waits until the client is done.
func (x *rowEnv) end() {
	x.t.Helper()
	select {
	case <-x.c.trace().ended:
	case <-time.After(time.Hour):
		x.t.Fatalf("the client is still going after an hour: %s", x.c.trace().text(time.Second))
	}
}

func (x *rowEnv) endOf(p wstest.Peer) {
	if _, err := p.Wait(x.t.Context()); err != nil {
		x.t.Fatal(err)
	}
}

var tableTimes = regexp.MustCompile(` \+[0-9.hmsµn]+`)

// playRow plays row with the client kind on layer, and returns what it saw.
func playRow(t *testing.T, row faultRow, kind, layer string) string {
	var out string
	run := func(t *testing.T) {
		x := &rowEnv{t: t, virtual: layer != "loopback"}
		tr := newTrace()
		closeTimeout := x.d(tableCloseTimeout)
		if !x.virtual {
			// On real time, a margin a loaded machine keeps: the 100 ms
			// of a fiftieth left SlowClose(2s)'s 40 ms reply 60 ms, and
			// the close timed out under a parallel go test ./... The
			// loopback rows' times are not compared.
			closeTimeout *= 4
		}
		switch layer {
		case "fake":
			d := wstest.NewFakeDialer(t, wstest.ClientCloseTimeout(closeTimeout))
			x.acc, x.url = d, "ws://fake.test/"
			x.c = &socketClient{ctor: d.Constructor(), t: t, tr: tr}
		default:
			srv := wstest.NewServer(t)
			x.acc = srv
			var dialer websocket.Dialer
			var ctor wsdouble.Constructor
			if layer == "memory" {
				dialer, ctor, x.url = *srv.Dialer(), srv.Constructor(wsdouble.WithCloseTimeout(closeTimeout)), wstest.MemoryURL
			} else {
				ctor, x.url = wsdouble.NewConstructor(wsdouble.WithCloseTimeout(closeTimeout)), srv.URL()
			}
			if kind == "gorilla" {
				dialer.HandshakeTimeout = x.d(20 * time.Second)
				gc := &gorillaClient{dialer: &dialer, deadline: x.d(tableReadDeadline), tr: tr, done: make(chan struct{})}
				t.Cleanup(func() { gc.stop(); <-gc.done })
				x.c = gc
			} else {
				x.c = &socketClient{ctor: ctor, t: t, tr: tr}
			}
		}
		row.play(x)
		out = tr.text(x.d(time.Second))
		if kind == "socket" && layer != "fake" {
			// Let the real client's goroutines end before the bubble does.
			x.c.(*socketClient).ws.Close(1000, "")
			<-tr.ended
		}
	}
	if layer == "loopback" {
		run(t)
		return tableTimes.ReplaceAllString(out, "")
	}
	synctest.Test(t, run)
	return out
}

func TestFaultTable(t *testing.T) {
	for _, row := range faultTable {
		t.Run(row.name, func(t *testing.T) {
			for _, kind := range []string{"gorilla", "socket"} {
				want := row.gorilla
				layers := []string{"memory", "loopback"}
				if kind == "socket" {
					want, layers = row.socket, []string{"fake", "memory", "loopback"}
				}
				for _, layer := range layers {
					t.Run(kind+"/"+layer, func(t *testing.T) {
						w := want
						if layer == "loopback" {
							w = tableTimes.ReplaceAllString(w, "")
						}
						if got := playRow(t, row, kind, layer); got != w {
							t.Errorf("saw %q, want %q", got, w)
						}
					})
				}
			}
		})
	}
}

// renderedFaultRows writes each row of the table as the package docs show it.
func renderedFaultRows() []string {
	rows := make([]string, len(faultTable))
	for i, row := range faultTable {
		rows[i] = fmt.Sprintf("//\t%s\n//\t  gorilla:    %s\n//\t  IWebSocket: %s\n", row.name, row.gorilla, row.socket)
	}
	return rows
}

// TestFaultTableInDocs: the rows doc.go shows are rows TestFaultTable
// plays, as it plays them; a fault's own row need not be in the docs.
func TestFaultTableInDocs(t *testing.T) {
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	played := map[string]string{}
	for _, row := range renderedFaultRows() {
		played[strings.SplitN(row, "\n", 2)[0]] = row
	}
	shown := 0
	for _, block := range strings.Split(string(src), "//\n") {
		if !strings.Contains(block, "//\t  gorilla:    ") {
			continue
		}
		name := strings.SplitN(block, "\n", 2)[0]
		if want, ok := played[name]; !ok {
			t.Errorf("doc.go shows %q, which TestFaultTable does not play", name)
		} else if block != want {
			t.Errorf("doc.go shows:\n%s\nTestFaultTable plays:\n%s", block, want)
		}
		shown++
	}
	if shown < 10 {
		t.Errorf("doc.go shows %d rows of the fault table, want at least 10", shown)
	}
}
