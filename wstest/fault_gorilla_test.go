package wstest_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gobwas/ws"
	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/bubble"
	"github.com/wsdouble/wsdouble/wstest"
)

// These tests show what a client using gorilla/websocket directly sees of
// each fault, over both transports: the error it gets and the close code.

// gorillaEnv is a Server and a gorilla dialer that reaches it.
type gorillaEnv struct {
	t       *testing.T
	virtual bool
	srv     *wstest.Server
	dialer  *websocket.Dialer
	url     string
}

func forTransports(t *testing.T, test func(g *gorillaEnv)) {
	for _, name := range []string{"memory", "loopback"} {
		t.Run(name, func(t *testing.T) {
			run := func(t *testing.T) {
				g := &gorillaEnv{t: t, virtual: name == "memory", srv: wstest.NewServer(t)}
				if g.virtual {
					g.dialer, g.url = g.srv.Dialer(), wstest.MemoryURL
				} else {
					g.dialer, g.url = &websocket.Dialer{HandshakeTimeout: 5 * time.Second}, g.srv.URL()
				}
				test(g)
			}
			if name == "memory" {
				synctest.Test(t, run)
			} else {
				run(t)
			}
		})
	}
}

// open dials with gorilla and accepts; it returns the client's conn and
// the server's Peer.
func (g *gorillaEnv) open() (*websocket.Conn, wstest.Peer) {
	g.t.Helper()
	dialed := g.dialing()
	a, err := g.srv.NextAttempt(g.t.Context())
	if err != nil {
		g.t.Fatal(err)
	}
	p, err := a.Accept(wstest.AcceptOptions{})
	if err != nil {
		g.t.Fatal(err)
	}
	return dialed(), p
}

// dialing dials with gorilla on a goroutine of its own: the caller answers
// the attempt, then calls the function returned, which waits for the
// connection. The connection is closed at the end of the test.
func (g *gorillaEnv) dialing() func() *websocket.Conn {
	type dialed struct {
		c   *websocket.Conn
		err error
	}
	ch := make(chan dialed, 1)
	go func() {
		c, _, err := g.dialer.Dial(g.url, nil)
		ch <- dialed{c, err}
	}()
	return func() *websocket.Conn {
		g.t.Helper()
		d := <-ch
		if d.err != nil {
			g.t.Fatal(d.err)
		}
		g.t.Cleanup(func() { d.c.Close() })
		return d.c
	}
}

// read reads one message with a deadline.
func (g *gorillaEnv) read(c *websocket.Conn, within time.Duration) (string, error) {
	c.SetReadDeadline(time.Now().Add(within))
	_, data, err := c.ReadMessage()
	return string(data), err
}

func closeCode(err error) int {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestGorillaSeesDrop(t *testing.T) {
	forTransports(t, func(g *gorillaEnv) {
		c, p := g.open()
		p.Drop()
		_, err := g.read(c, time.Second)
		if closeCode(err) != websocket.CloseAbnormalClosure || !strings.Contains(err.Error(), "unexpected EOF") {
			g.t.Errorf("gorilla after a drop: %v, want a CloseError 1006 (unexpected EOF)", err)
		}
	})
}

func TestGorillaSeesReset(t *testing.T) {
	forTransports(t, func(g *gorillaEnv) {
		c, p := g.open()
		p.Reset()
		_, err := g.read(c, time.Second)
		if !errors.Is(err, syscall.ECONNRESET) {
			g.t.Errorf("gorilla after a reset: %v, want ECONNRESET (connection reset by peer)", err)
		}
	})
}

func TestGorillaSeesBlackhole(t *testing.T) {
	forTransports(t, func(g *gorillaEnv) {
		c, p := g.open()
		p.Inject(wstest.Blackhole())
		pong := make(chan struct{}, 1)
		c.SetPongHandler(func(string) error { pong <- struct{}{}; return nil })
		c.WriteControl(websocket.PingMessage, []byte("?"), time.Now().Add(time.Second))
		p.Send(wsdouble.Text("lost"))
		_, err := g.read(c, 200*time.Millisecond)
		if !isTimeout(err) {
			g.t.Errorf("gorilla reading through a blackhole: %v, want its read deadline to pass", err)
		}
		select {
		case <-pong:
			g.t.Error("a pong came through a blackhole")
		default:
		}
	})
}

func TestGorillaSeesNoCloseReply(t *testing.T) {
	forTransports(t, func(g *gorillaEnv) {
		c, p := g.open()
		p.Inject(wstest.NoCloseReply())
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(time.Second))
		_, err := g.read(c, 200*time.Millisecond)
		if !isTimeout(err) {
			g.t.Errorf("gorilla waiting for the close answer: %v, want its read deadline to pass", err)
		}
	})
}

func TestGorillaSeesLatencyAndSlices(t *testing.T) {
	forTransports(t, func(g *gorillaEnv) {
		c, p := g.open()
		d := 3 * time.Second
		if !g.virtual {
			d = 30 * time.Millisecond
		}
		p.Inject(wstest.Latency(d), wstest.Slicer(4, d))
		start := time.Now()
		p.Send(wsdouble.Text("hello, world"))
		got, err := g.read(c, time.Minute)
		if err != nil || got != "hello, world" {
			g.t.Fatalf("read: %q, %v", got, err)
		}
		// The latency, then two gaps between the three frames of 12 bytes.
		if took := time.Since(start); took < 3*d || g.virtual && took != 3*d {
			g.t.Errorf("took %v, want %v", took, 3*d)
		}
	})
}

func TestGorillaSeesLimitData(t *testing.T) {
	forTransports(t, func(g *gorillaEnv) {
		c, p := g.open()
		p.Inject(wstest.LimitData(10))
		p.Send(wsdouble.Text("12345"))
		p.Send(wsdouble.Text("1234567890"))
		if got, err := g.read(c, time.Second); got != "12345" || err != nil {
			g.t.Errorf("first read: %q %v", got, err)
		}
		if _, err := g.read(c, time.Second); closeCode(err) != websocket.CloseAbnormalClosure {
			g.t.Errorf("past the limit: %v, want a CloseError 1006", err)
		}
	})
}

func TestGorillaSeesServerDown(t *testing.T) {
	forTransports(t, func(g *gorillaEnv) {
		g.srv.Down()
		_, _, err := g.dialer.Dial(g.url, nil)
		if !errors.Is(err, syscall.ECONNREFUSED) {
			g.t.Errorf("dial while down: %v, want ECONNREFUSED", err)
		}
		g.srv.Up()
		c, _ := g.open()
		c.Close()
	})
}

func TestGorillaSeesHandshakeAbort(t *testing.T) {
	forTransports(t, func(g *gorillaEnv) {
		errc := make(chan error, 1)
		go func() {
			_, _, err := g.dialer.Dial(g.url, nil)
			errc <- err
		}()
		a, _ := g.srv.NextAttempt(g.t.Context())
		a.Abort()
		if err := <-errc; !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			g.t.Errorf("dial of an aborted handshake: %v, want EOF", err)
		}
	})
}

// TestSlicerSendsContinuationFrames reads the frames themselves.
func TestSlicerSendsContinuationFrames(t *testing.T) {
	srv := wstest.NewServer(t)
	conn, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(srv.URL(), "ws://"), "/"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	go func() {
		a, err := srv.NextAttempt(context.Background())
		if err != nil {
			return
		}
		p, _ := a.Accept(wstest.AcceptOptions{})
		p.Inject(wstest.Slicer(4, 0))
		p.Send(wsdouble.Binary([]byte("0123456789")))
	}()
	req, _ := http.NewRequest("GET", "http"+strings.TrimPrefix(srv.URL(), "ws"), nil)
	req.Header = http.Header{"Upgrade": {"websocket"}, "Connection": {"Upgrade"}, "Sec-Websocket-Version": {"13"}, "Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}
	req.Write(conn)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, req)
	if err != nil || resp.StatusCode != 101 {
		t.Fatalf("handshake: %v %v", resp, err)
	}
	var frames []string
	for len(frames) < 3 {
		h, err := ws.ReadHeader(br)
		if err != nil {
			t.Fatal(err)
		}
		payload := make([]byte, h.Length)
		io.ReadFull(br, payload)
		frames = append(frames, strings.Join([]string{opName(h.OpCode), string(payload), map[bool]string{true: "fin", false: "more"}[h.Fin]}, " "))
	}
	want := "binary 0123 more|continuation 4567 more|continuation 89 fin"
	if got := strings.Join(frames, "|"); got != want {
		t.Errorf("frames: %s, want %s", got, want)
	}
}

func opName(op ws.OpCode) string {
	switch op {
	case ws.OpContinuation:
		return "continuation"
	case ws.OpText:
		return "text"
	case ws.OpBinary:
		return "binary"
	}
	return "other"
}

// TestSlicerGapEndsWithTheConnection: a slicer's gap between fragments
// ends when the connection does. It slept through it: a goroutine of the
// Server outlived the connection and the Server's Close by the gap, and a
// synctest bubble that ended meanwhile panicked (deadlock: the main
// goroutine had exited, a goroutine of its bubble still slept).
func TestSlicerGapEndsWithTheConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := &gorillaEnv{t: t, virtual: true, srv: wstest.NewServer(t)}
		g.dialer, g.url = g.srv.Dialer(), wstest.MemoryURL
		c, p := g.open()
		p.Inject(wstest.Slicer(4, time.Hour))
		p.Send(wsdouble.Text("hello, world"))
		synctest.Wait() // the first fragment is out, the gap begins
		p.Reset()
		if _, err := g.read(c, time.Minute); err == nil {
			t.Fatal("read a message of a connection reset mid-message")
		}
		g.srv.Close()
		synctest.Wait()
		for _, gr := range bubble.Goroutines(bubble.ID()) {
			if strings.Contains(gr.Stack, "wireConn).deliver") {
				t.Errorf("a goroutine still delivers the sliced message after the connection ended:\n%s", gr.Stack)
			}
		}
	})
}
