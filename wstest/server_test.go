package wstest_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// events records a socket's events as strings.
type events struct {
	mu   sync.Mutex
	list []string
	done chan struct{} // closed at the first close event
	once sync.Once
}

func watch(ws wsdouble.IWebSocket) *events {
	ev := &events{done: make(chan struct{})}
	l := wsdouble.ListenerFunc(func(e wsdouble.Event) {
		ev.mu.Lock()
		defer ev.mu.Unlock()
		s := fmt.Sprint(e)
		if _, ok := e.(wsdouble.ErrorEvent); ok {
			s = "error"
		}
		ev.list = append(ev.list, s)
		if _, ok := e.(wsdouble.CloseEvent); ok {
			ev.once.Do(func() { close(ev.done) })
		}
	})
	for _, typ := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
		ws.AddEventListener(typ, l)
	}
	return ev
}

func (ev *events) String() string {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return "[" + strings.Join(ev.list, ", ") + "]"
}

// opened returns a channel closed when ws's open event is dispatched.
func opened(ws wsdouble.IWebSocket) <-chan struct{} {
	ch := make(chan struct{})
	ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) { close(ch) }), wsdouble.Once())
	return ch
}

func mustDial(t *testing.T, srv *wstest.Server) (wsdouble.IWebSocket, *events) {
	t.Helper()
	ws, err := srv.Constructor()(wstest.MemoryURL)
	if err != nil {
		t.Fatal(err)
	}
	return ws, watch(ws)
}

func mustAttempt(t *testing.T, acc wstest.Acceptor) wstest.Attempt {
	t.Helper()
	a, err := acc.NextAttempt(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestAttemptLog makes one attempt of each outcome and checks the log
// records each exactly.
func TestAttemptLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		srv := wstest.NewServer(t)

		// #1 accepted, then dropped by the server after one message each way.
		ws1, ev1 := mustDial(t, srv)
		p1, err := mustAttempt(t, srv).Accept(wstest.AcceptOptions{})
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		ws1.Send(wsdouble.Text("up"))
		p1.Receive(t.Context())
		p1.Send(wsdouble.Text("down"))
		time.Sleep(time.Second)
		p1.Drop()
		<-ev1.done

		// #2 refused with 503.
		time.Sleep(time.Second)
		_, ev2 := mustDial(t, srv)
		if err := mustAttempt(t, srv).Refuse(503, nil, "busy"); err != nil {
			t.Fatal(err)
		}
		<-ev2.done

		// #3 left hanging until the client's handshake timeout gives up.
		time.Sleep(time.Second)
		d := srv.Dialer()
		d.HandshakeTimeout = 10 * time.Second
		ws3, _ := wsdouble.NewConstructor(wsdouble.WithDialer(d))(wstest.MemoryURL)
		ev3 := watch(ws3)
		a3 := mustAttempt(t, srv)
		<-ev3.done
		<-a3.Done()
		if _, err := a3.Accept(wstest.AcceptOptions{}); !errors.Is(err, wstest.ErrAttemptGone) {
			t.Errorf("Accept of an abandoned attempt: got %v, want ErrAttemptGone", err)
		}

		// #4 accepted, then closed by the client.
		ws4, ev4 := mustDial(t, srv)
		a4 := mustAttempt(t, srv)
		p4, _ := a4.Accept(wstest.AcceptOptions{})
		synctest.Wait()
		ws4.Close(4000, "done")
		<-ev4.done
		p4.Wait(t.Context())
		if err := a4.Refuse(500, nil, ""); !errors.Is(err, wstest.ErrAnswered) {
			t.Errorf("Refuse of an accepted attempt: got %v, want ErrAnswered", err)
		}

		// #5 accepted, then closed by the server with 1012.
		_, ev5 := mustDial(t, srv)
		p5, _ := mustAttempt(t, srv).Accept(wstest.AcceptOptions{})
		synctest.Wait()
		p5.Close(1012, "restart")
		<-ev5.done
		p5.Wait(t.Context())

		// #6 hung: never answered, still pending when the server closes.
		ws6, ev6 := mustDial(t, srv)
		mustAttempt(t, srv)
		// #7 accepted and open when the server closes.
		_, ev7 := mustDial(t, srv)
		mustAttempt(t, srv).Accept(wstest.AcceptOptions{})
		synctest.Wait()
		srv.Close()
		<-ev6.done
		<-ev7.done
		_ = ws6

		got := srv.Attempts()
		type row struct {
			outcome wstest.Outcome
			status  int
			end     string
			at      time.Duration
		}
		want := []row{
			{wstest.Accepted, 101, "dropped", 0},
			{wstest.Refused, 503, "not ended", 2 * time.Second},
			{wstest.Abandoned, 0, "not ended", 3 * time.Second},
			{wstest.Accepted, 101, `client closed 4000 "done" clean`, 13 * time.Second},
			{wstest.Accepted, 101, `server closed 1012 "restart" clean`, 13 * time.Second},
			{wstest.Hung, 0, "not ended", 13 * time.Second},
			{wstest.Accepted, 101, "shutdown", 13 * time.Second},
		}
		if len(got) != len(want) {
			t.Fatalf("log: got %d attempts, want %d", len(got), len(want))
		}
		for i, w := range want {
			g := got[i]
			// Answers given at the instant an attempt arrives take 1ns
			// (see wstest's "Listeners and the first event"): round.
			gr := row{g.Outcome, g.Status, g.End.String(), g.Time.Sub(start).Round(time.Millisecond)}
			if gr != w {
				t.Errorf("attempt #%d: got %+v, want %+v", i+1, gr, w)
			}
			if g.N != i+1 || g.URL != wstest.MemoryURL {
				t.Errorf("attempt #%d: N %d URL %q", i+1, g.N, g.URL)
			}
		}
		if got[0].ToClient != 1 || got[0].FromClient != 1 {
			t.Errorf("attempt #1 messages: got %d to client, %d from, want 1 and 1", got[0].ToClient, got[0].FromClient)
		}
		if d := got[0].End.Time.Sub(got[0].AnswerTime); d != time.Second {
			t.Errorf("attempt #1 ended %v after it was accepted, want 1s", d)
		}
		if got[2].AnswerTime.Sub(got[2].Time) != 10*time.Second {
			t.Errorf("attempt #3 was abandoned after %v, want the 10s handshake timeout", got[2].AnswerTime.Sub(got[2].Time))
		}
	})
}

func TestInvalidRequestsAreLoggedNotQueued(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		// Speak plain HTTP over the in-memory transport.
		get := func(h http.Header) *http.Response {
			conn, err := srv.Dialer().NetDialContext(t.Context(), "tcp", "wstest.invalid:80")
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			req, _ := http.NewRequest("GET", "http://wstest.invalid/plain", nil)
			req.Header = h
			req.Write(conn)
			resp, err := http.ReadResponse(bufio.NewReader(conn), req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp
		}
		if resp := get(http.Header{}); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain GET: got status %d, want 400", resp.StatusCode)
		}
		resp := get(http.Header{"Connection": {"Upgrade"}, "Upgrade": {"websocket"}, "Sec-Websocket-Version": {"8"},
			"Sec-Websocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}})
		if resp.StatusCode != http.StatusUpgradeRequired || resp.Header.Get("Sec-WebSocket-Version") != "13" {
			t.Errorf("version 8: got %d %v, want 426 with Sec-WebSocket-Version: 13", resp.StatusCode, resp.Header)
		}
		log := srv.Attempts()
		if len(log) != 2 || log[0].Outcome != wstest.Refused || log[0].Status != 400 || log[1].Status != 426 {
			t.Errorf("log: got %+v, want two refused entries (400, 426)", log)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		if a, err := srv.NextAttempt(ctx); err == nil {
			t.Errorf("NextAttempt: got %v, want no attempt (invalid requests are not queued)", a)
		}
	})
}

func TestNextAttemptTimeoutSaysWhatItSaw(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := srv.NextAttempt(ctx)
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no attempt has arrived at all") {
			t.Errorf("NextAttempt: got %v, want a deadline error saying nothing arrived", err)
		}
		ws, ev := mustDial(t, srv)
		mustAttempt(t, srv).Accept(wstest.AcceptOptions{})
		ctx, cancel = context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err = srv.NextAttempt(ctx)
		if err == nil || !strings.Contains(err.Error(), "1 attempts so far, all taken; the last, #1, is accepted") {
			t.Errorf("NextAttempt: got %v, want it to describe the last attempt", err)
		}
		ws.Close(1000, "")
		<-ev.done
	})
}

func TestAutoAcceptEcho(t *testing.T) {
	for _, transport := range []string{"memory", "loopback"} {
		t.Run(transport, func(t *testing.T) {
			srv := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
			ctor, url := srv.Constructor(), wstest.MemoryURL
			if transport == "loopback" {
				ctor, url = wsdouble.New, srv.URL()
			}
			ws, _ := ctor(url)
			ev := watch(ws)
			opened := make(chan struct{})
			ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
				ws.Send(wsdouble.Text("one"))
				ws.Send(wsdouble.Binary([]byte{2}))
				close(opened)
			}))
			gotTwo := make(chan struct{})
			n := 0
			ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(wsdouble.Event) {
				if n++; n == 2 {
					close(gotTwo)
				}
			}))
			<-opened
			<-gotTwo
			ws.Close(1000, "")
			<-ev.done
			if got, want := ev.String(), `[open, message text "one", message binary [1]02, close 1000 clean]`; got != want {
				t.Errorf("events: got %s, want %s", got, want)
			}
			if _, err := srv.NextAttempt(t.Context()); err == nil || !strings.Contains(err.Error(), "AutoAccept") {
				t.Errorf("NextAttempt on an AutoAccept server: got %v, want an error naming AutoAccept", err)
			}
		})
	}
}

// fakeTB records what a helper reports, to test failure paths.
type fakeTB struct {
	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	panic("Fatalf")
}
func (f *fakeTB) Cleanup(fn func()) { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) runCleanups() {
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
}

func TestCloseReportsWhatHangs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tb := &fakeTB{}
		release := make(chan struct{})
		started := make(chan struct{})
		srv := wstest.NewServer(tb, wstest.AutoAccept(func(p wstest.Peer) {
			close(started)
			<-release
		}))
		ws, ev := mustDial(t, srv)
		<-started
		go func() {
			time.Sleep(10 * time.Second)
			close(release)
		}()
		start := time.Now()
		tb.runCleanups() // Close
		if d := time.Since(start); d != 10*time.Second {
			t.Errorf("Close returned after %v, want 10s (when the handler returned)", d)
		}
		if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "still waiting after 5s for: AutoAccept handler of attempt #1") {
			t.Errorf("reported: %q, want one report naming the AutoAccept handler", tb.errors)
		}
		<-ev.done
		_ = ws
	})
}

func TestServerClosedRefusesDials(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		srv.Close()
		ws, ev := mustDial(t, srv)
		<-ev.done
		if got, want := ev.String(), "[error, close 1006 unclean]"; got != want {
			t.Errorf("events: got %s, want %s", got, want)
		}
		if _, err := srv.NextAttempt(t.Context()); !errors.Is(err, wstest.ErrClosed) {
			t.Errorf("NextAttempt after Close: got %v, want ErrClosed", err)
		}
		_ = ws
	})
}

func TestPeerErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		ws, ev := mustDial(t, srv)
		p, _ := mustAttempt(t, srv).Accept(wstest.AcceptOptions{})
		if err := p.Close(1005, ""); !errors.Is(err, wsdouble.ErrInvalidCode) {
			t.Errorf("Close(1005): got %v, want ErrInvalidCode", err)
		}
		if err := p.Send(wsdouble.Message{Type: 5}); !errors.Is(err, wsdouble.ErrInvalidMessage) {
			t.Errorf("Send of type 5: got %v, want ErrInvalidMessage", err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		if _, err := p.Receive(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Receive with nothing sent: got %v, want DeadlineExceeded", err)
		}
		cancel()
		ws.Send(wsdouble.Text("last words"))
		synctest.Wait()
		p.Close(1000, "")
		<-ev.done
		p.Wait(t.Context())
		if err := p.Send(wsdouble.Text("x")); !errors.Is(err, wstest.ErrPeerClosed) {
			t.Errorf("Send after Close: got %v, want ErrPeerClosed", err)
		}
		if err := p.Drop(); !errors.Is(err, wstest.ErrPeerClosed) {
			t.Errorf("Drop after the end: got %v, want ErrPeerClosed", err)
		}
		// Messages that arrived before the end are still received.
		if m, err := p.Receive(t.Context()); err != nil || string(m.Data) != "last words" {
			t.Errorf("Receive after the end: got %v, %v; want the message sent before", m, err)
		}
		if _, err := p.Receive(t.Context()); !errors.Is(err, wstest.ErrPeerClosed) {
			t.Errorf("Receive once drained: got %v, want ErrPeerClosed", err)
		}
	})
}

func TestAcceptOptions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t, wstest.Subprotocols("b", "a"))
		ws, _ := srv.Constructor()(wstest.MemoryURL, "a", "b")
		a := mustAttempt(t, srv)
		p, err := a.Accept(wstest.AcceptOptions{Header: http.Header{"X-Served-By": {"test"}}})
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if ws.Protocol() != "b" || p.Protocol() != "b" {
			t.Errorf("protocol: client %q server %q, want the server's first preference b", ws.Protocol(), p.Protocol())
		}
		if err := a.Refuse(400, nil, ""); !errors.Is(err, wstest.ErrAnswered) {
			t.Errorf("Refuse after Accept: got %v, want ErrAnswered", err)
		}
		if err := mustRefuseBadStatus(t, srv); err == nil {
			t.Error("Refuse(101): got nil error")
		}
		ws.Close(1000, "")
	})
}

func mustRefuseBadStatus(t *testing.T, srv *wstest.Server) error {
	ws, ev := mustDial(t, srv)
	a := mustAttempt(t, srv)
	err := a.Refuse(101, nil, "")
	a.Refuse(404, nil, "")
	<-ev.done
	_ = ws
	return err
}

// TestAttemptLogHeader checks that the log keeps each handshake's header,
// and offered protocols, refused ones too, and that a caller who changes
// the header or the protocols Attempts returned does not change the log.
func TestAttemptLogHeader(t *testing.T) {
	srv := wstest.NewServer(t, wstest.AutoAccept(nil), wstest.CheckOrigin(func(r *http.Request) bool {
		return r.Header.Get("Origin") != "http://evil.example"
	}))
	for _, origin := range []string{"http://good.example", "http://evil.example"} {
		ws, err := wsdouble.NewConstructor(wsdouble.WithHeader(http.Header{"Origin": {origin}, "X-Trace": {"a", "b"}}))(srv.URL(), "chat")
		if err != nil {
			t.Fatal(err)
		}
		ev := watch(ws)
		if origin == "http://evil.example" {
			<-ev.done // refused
			continue
		}
		<-opened(ws)
		t.Cleanup(func() {
			ws.Close(wsdouble.CloseNormalClosure, "")
			<-ev.done
		})
	}
	log := srv.Attempts()
	if len(log) != 2 {
		t.Fatalf("log: got %d attempts, want 2", len(log))
	}
	for i, origin := range []string{"http://good.example", "http://evil.example"} {
		h := log[i].Header
		if got := h.Get("Origin"); got != origin {
			t.Errorf("attempt #%d: Origin %q, want %q", i+1, got, origin)
		}
		if got := h.Values("X-Trace"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
			t.Errorf("attempt #%d: X-Trace %q, want [a b]", i+1, got)
		}
		if got := log[i].Protocols; len(got) != 1 || got[0] != "chat" {
			t.Errorf("attempt #%d: Protocols %q, want [chat]", i+1, got)
		}
		if got := h.Get("Sec-Websocket-Version"); got != "13" {
			t.Errorf("attempt #%d: Sec-WebSocket-Version %q, want 13", i+1, got)
		}
		h.Set("Origin", "changed")
		h.Del("X-Trace")
		if len(log[i].Protocols) > 0 {
			log[i].Protocols[0] = "changed"
		}
	}
	for i, r := range srv.Attempts() {
		if r.Header.Get("Origin") == "changed" || len(r.Header.Values("X-Trace")) != 2 || slices.Contains(r.Protocols, "changed") {
			t.Errorf("attempt #%d: the log changed with the header Attempts returned: %v", i+1, r.Header)
		}
	}
}
