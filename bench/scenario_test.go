package bench

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/bubbletest"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The backoff scenario: attempts 1 to 9 are refused with 503, the 10th is
// accepted, gets "hello" and is dropped, the 11th is refused. A client that
// waits 1 s doubling to 512 s between attempts makes the 11th 1023 s (about
// 17 minutes) after the first.
const (
	backoffRefusals = 9
	backoffMin      = time.Second
	backoffMax      = 512 * time.Second
	backoffSpan     = 1023 * time.Second
	backoffHello    = "hello"
)

// BenchmarkScenarioBackoff: one op plays the whole backoff scenario, about
// 17 minutes of virtual time, inside a testing/synctest bubble (one bubble
// for the b.N ops, see internal/bubbletest):
//
//	fake          scenario.Run on a wstest.FakeDialer, a reconnecting client on its Fakes
//	memory        scenario.Run on a wstest.Server, the client on real sockets in memory
//	gorilla-pipe  hand-written: a gorilla client in a sleep loop, a net/http server
//	              with a gorilla Upgrader, net.Pipe between them (baseline for memory)
//
// Each op checks that the client got the message and that the 11th attempt
// came 1023 s of virtual time after the first.
func BenchmarkScenarioBackoff(b *testing.B) {
	script := backoffScript(b)
	b.Run("fake", func(b *testing.B) {
		b.ReportAllocs()
		bubbletest.Run(b, func(t *testing.T) {
			for range b.N {
				d := wstest.NewFakeDialer(nil)
				playBackoff(t, d, d.Constructor(), "ws://backoff.invalid/", script)
				d.Close()
			}
		})
	})
	b.Run("memory", func(b *testing.B) {
		b.ReportAllocs()
		bubbletest.Run(b, func(t *testing.T) {
			for range b.N {
				srv := wstest.NewServer(nil)
				playBackoff(t, srv, srv.Constructor(), wstest.MemoryURL, script)
				srv.Close()
			}
		})
	})
	b.Run("gorilla-pipe", func(b *testing.B) {
		b.ReportAllocs()
		bubbletest.Run(b, func(t *testing.T) {
			for range b.N {
				if err := gorillaBackoff(); err != nil {
					t.Fatal(err)
				}
			}
		})
	})
}

// backoffScript is the scenario as a script.
func backoffScript(b *testing.B) *scenario.Script {
	sb := scenario.New("backoff")
	for range backoffRefusals {
		sb.Attempt().Refuse(http.StatusServiceUnavailable)
	}
	sb.Attempt().Accept().SendText(backoffHello).Drop()
	s, err := sb.Attempt().Refuse(http.StatusServiceUnavailable).Build()
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// playBackoff plays script on acc against a reconnecting client made with
// ctor, then stops the client.
func playBackoff(t *testing.T, acc wstest.Acceptor, ctor wsdouble.Constructor, url string, script *scenario.Script) {
	start := time.Now()
	r := startReconnector(ctor, url)
	_, err := scenario.Run(t.Context(), acc, script)
	took := time.Since(start)
	r.Stop()
	if err != nil {
		t.Fatal(err)
	}
	// Each answer given at the instant of its attempt waits 1 ns (see
	// wstest's settle): round those away.
	if got := took.Round(time.Millisecond); got != backoffSpan {
		t.Fatalf("backoff: the scenario took %v of virtual time, want %v", took, backoffSpan)
	}
	if got := r.Received(); got != 1 {
		t.Fatalf("backoff: the client got %d messages, want 1", got)
	}
}

// reconnector is the smallest reconnecting client: it connects, and each
// time the connection closes it waits backoffMin·2^(n-1), capped at
// backoffMax, for the n-th retry in a row, and connects again, until
// stopped. It counts the messages it receives.
type reconnector struct {
	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex
	received int
}

func startReconnector(ctor wsdouble.Constructor, url string) *reconnector {
	r := &reconnector{stop: make(chan struct{}), done: make(chan struct{})}
	go r.run(ctor, url)
	return r
}

func (r *reconnector) run(ctor wsdouble.Constructor, url string) {
	defer close(r.done)
	onMessage := wsdouble.ListenerFunc(func(wsdouble.Event) {
		r.mu.Lock()
		r.received++
		r.mu.Unlock()
	})
	for retries := 0; ; retries++ {
		if retries > 0 {
			select {
			case <-time.After(backoffDelay(retries)):
			case <-r.stop:
				return
			}
		}
		ws, err := ctor(url)
		if err != nil {
			return
		}
		closed := make(chan struct{})
		ws.AddEventListener(wsdouble.EventMessage, onMessage)
		ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) { close(closed) }))
		select {
		case <-closed:
		case <-r.stop:
			ws.Close(wsdouble.CloseNormalClosure, "")
			<-closed
			return
		}
	}
}

// backoffDelay is the wait before the n-th retry in a row.
func backoffDelay(retry int) time.Duration {
	if retry > 10 {
		return backoffMax
	}
	return min(backoffMin<<(retry-1), backoffMax)
}

// Stop stops the client and waits for it.
func (r *reconnector) Stop() {
	close(r.stop)
	<-r.done
}

// Received returns the number of messages received.
func (r *reconnector) Received() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.received
}

// gorillaBackoff is the scenario written by hand with gorilla and net/http,
// the least a test could do: a handler that counts attempts, refuses or
// accepts, and a client loop that dials and sleeps.
func gorillaBackoff() error {
	start := time.Now()
	l := newPipeListener()
	var attempts int
	up := websocket.Upgrader{}
	hs := &http.Server{
		ErrorLog: log.New(io.Discard, "", 0),
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			attempts++ // one attempt at a time: the client waits for each
			if attempts != backoffRefusals+1 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			c, err := up.Upgrade(w, r, nil)
			if err != nil {
				return
			}
			c.WriteMessage(websocket.TextMessage, []byte(backoffHello))
			c.NetConn().Close() // drop: no close frame
		}),
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		hs.Serve(l)
	}()
	defer func() {
		hs.Close()
		<-served
	}()
	d := websocket.Dialer{NetDialContext: l.dial, HandshakeTimeout: 45 * time.Second}
	received := 0
	for retries := 0; retries <= backoffRefusals+1; retries++ {
		if retries > 0 {
			time.Sleep(backoffDelay(retries))
		}
		c, resp, err := d.Dial("ws://pipe.invalid/", nil)
		if err != nil {
			if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
				return fmt.Errorf("gorilla backoff: attempt %d: %v", retries+1, err)
			}
			continue
		}
		for {
			_, m, err := c.ReadMessage()
			if err != nil {
				break
			}
			if string(m) == backoffHello {
				received++
			}
		}
		c.Close()
	}
	if received != 1 {
		return fmt.Errorf("gorilla backoff: the client got %d messages, want 1", received)
	}
	if got := time.Since(start).Round(time.Millisecond); got != backoffSpan {
		return fmt.Errorf("gorilla backoff: the scenario took %v of virtual time, want %v", got, backoffSpan)
	}
	return nil
}

// pipeListener is a net.Listener whose dial makes a net.Pipe and hands one
// end to Accept.
type pipeListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

// dial is a NetDialContext: it returns the client end of a new pipe once
// Accept has taken the server end.
func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.closed:
		return nil, net.ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Accept returns the server end of the next pipe.
func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

// Close makes Accept and dial fail.
func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

// Addr returns the pipe's address.
func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }
