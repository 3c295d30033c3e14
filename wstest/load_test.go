package wstest_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

var (
	loadSize = flag.String("wsdouble.load", "", `size of TestLoadWithFaults: "short" (the default) or "long" `+
		`(1,000 clients × 100 messages on each transport); the environment variable WSDOUBLE_LOAD does the same`)
	loadSeed = flag.Uint64("wsdouble.load.seed", 1, "seed of the faults TestLoadWithFaults draws")
)

// loadConfig sizes one run of the load test.
type loadConfig struct {
	clients   int
	messages  int     // each client has this many messages echoed, in order
	window    int     // messages a client has in flight, unanswered
	faultRate float64 // the chance that an attempt is hit by a fault
	maxFaults int     // faults per client at most, so that every client finishes
	seed      uint64
	virtual   bool          // memory transport in a synctest bubble, else loopback in real time
	backoff   time.Duration // a client waits up to this long before it reconnects
	deadline  time.Duration // every client must be done by then
}

// TestLoadWithFaults: many clients each have messages echoed by one Server
// while seeded random faults hit some of their connection attempts: a
// refusal (503), a handshake abort, a drop (Peer.Drop), a reset
// (Peer.Reset), a DropAfterMessages fault (Peer.Inject), and once, halfway, a
// crash that drops every connection (DropAll). Every connection also gets a
// jittered latency (the Faults option), which must keep messages in order.
// Every client reconnects until all its messages came back, in order.
//
// Then three logs must agree, attempt by attempt: the server's attempt log
// (Server.Attempts: outcome, end, message counts), what the test's handler
// received and sent on each connection, and what each client's socket saw
// (a scenario.Recorder per client). Nothing is lost, duplicated or
// reordered within a connection, except that a connection that ended
// abruptly may lose the messages still in flight (its tail); every
// connection the test dropped or reset is logged as dropped or reset, and
// seen as such by its client; every other one was closed by its client,
// cleanly.
//
// The short form (the default, run by `go test ./...`) has 250 clients ×
// 40 messages on the in-memory transport in virtual time, and 100 clients ×
// 20 messages over loopback TCP in real time; a fault hits an attempt with
// probability 0.3, a client at most 4 times, so each kind of fault hits
// dozens of connections per run. The long form (-wsdouble.load=long, or
// WSDOUBLE_LOAD=long) has 1,000 clients × 100 messages on each transport.
// -wsdouble.load.seed changes the draws; a failure names the seed.
func TestLoadWithFaults(t *testing.T) {
	size := *loadSize
	if size == "" {
		size = os.Getenv("WSDOUBLE_LOAD")
	}
	var memory, loopback loadConfig
	switch size {
	case "", "short":
		memory = loadConfig{clients: 250, messages: 40}
		loopback = loadConfig{clients: 100, messages: 20, deadline: time.Minute}
	case "long":
		memory = loadConfig{clients: 1000, messages: 100}
		loopback = loadConfig{clients: 1000, messages: 100, deadline: 5 * time.Minute}
	default:
		t.Fatalf("-wsdouble.load=%q: want short or long", size)
	}
	for _, c := range []*loadConfig{&memory, &loopback} {
		c.window, c.faultRate, c.maxFaults, c.seed = 8, 0.3, 4, *loadSeed
	}
	// Virtual time costs nothing: a second of backoff, an hour to finish.
	memory.virtual, memory.backoff, memory.deadline = true, time.Second, time.Hour
	loopback.backoff = 20 * time.Millisecond

	t.Run("memory", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := wstest.NewServer(t, wstest.Faults(wstest.Latency(time.Millisecond).Jitter(time.Millisecond)))
			runLoad(t, memory, srv, srv.Constructor(), wstest.MemoryURL)
		})
	})
	t.Run("loopback", func(t *testing.T) {
		srv := wstest.NewServer(t, wstest.Faults(wstest.Latency(100*time.Microsecond).Jitter(100*time.Microsecond)))
		runLoad(t, loopback, srv, wsdouble.NewConstructor(), srv.URL())
	})
}

// loadFault is what the test does to one attempt.
type loadFault int

const (
	noFault     loadFault = iota
	refuseFault           // Refuse 503
	abortFault            // Abort the handshake
	dropFault             // Peer.Drop after some messages
	resetFault            // Peer.Reset after some messages
	injectFault           // Inject(DropAfterMessages(n))
)

func (f loadFault) String() string {
	return [...]string{"none", "refuse", "abort", "drop", "reset", "inject"}[f]
}

// loadConn is the server's side of one attempt, as the test's handler saw
// it.
type loadConn struct {
	n          int // the attempt's number in the server's log
	client     int
	conn       int // the client's count of its attempts, from 1
	fault      loadFault
	after      int  // dropFault, resetFault: messages received first; injectFault: n
	fired      bool // dropFault, resetFault: the handler dropped or reset it
	crashed    bool // open when DropAll ran
	answerErr  error
	got, sent  []string
	sendFailed int // Sends that failed (the connection had ended)
}

// loadServer plays the server: it takes every attempt, answers it as the
// seeded draw for (client, conn) says, and echoes on accepted connections.
type loadServer struct {
	cfg loadConfig
	srv *wstest.Server

	// acceptMu serializes answers with the crash, so that the connections
	// DropAll hits are exactly those accepted before it.
	acceptMu sync.Mutex

	mu       sync.Mutex
	conns    map[int]*loadConn // by attempt number
	live     map[int]bool      // accepted, handler still running
	faults   map[int]int       // by client: attempts hit so far
	received int               // messages received on all connections
	crashAt  int               // DropAll once received reaches this; 0 when done
	crashed  bool

	handlers sync.WaitGroup
}

// serve answers attempts until stop is done; the connections it accepts
// run until they end, or ctx is done.
func (s *loadServer) serve(ctx, stop context.Context) {
	for {
		a, err := s.srv.NextAttempt(stop)
		if err != nil {
			return
		}
		s.answer(ctx, a)
	}
}

func (s *loadServer) answer(ctx context.Context, a wstest.Attempt) {
	q := a.Request().URL.Query()
	client, _ := strconv.Atoi(q.Get("client"))
	conn, _ := strconv.Atoi(q.Get("conn"))
	c := &loadConn{n: a.N(), client: client, conn: conn}
	// The draw depends only on the seed, the client and its attempt, not
	// on the order in which attempts arrive.
	rnd := rand.New(rand.NewPCG(s.cfg.seed, uint64(client)<<32|uint64(conn)))
	s.mu.Lock()
	if s.faults[client] < s.cfg.maxFaults && rnd.Float64() < s.cfg.faultRate {
		s.faults[client]++
		c.fault = loadFault(1 + rnd.IntN(5))
		c.after = rnd.IntN(2 * s.cfg.window)
	}
	s.conns[c.n] = c
	s.mu.Unlock()

	s.acceptMu.Lock()
	defer s.acceptMu.Unlock()
	switch c.fault {
	case refuseFault:
		c.answerErr = a.Refuse(503, nil, "load test: refused")
		return
	case abortFault:
		c.answerErr = a.Abort()
		return
	}
	p, err := a.Accept(wstest.AcceptOptions{})
	if err != nil {
		c.answerErr = err
		return
	}
	if c.fault == injectFault {
		if err := p.Inject(wstest.DropAfterMessages(c.after)); err != nil {
			panic(err) // a valid fault
		}
	}
	s.mu.Lock()
	s.live[c.n] = true
	s.mu.Unlock()
	s.handlers.Add(1)
	go s.echo(ctx, p, c)
}

// echo echoes every message until the connection ends, dropping or
// resetting it first if the draw says so.
func (s *loadServer) echo(ctx context.Context, p wstest.Peer, c *loadConn) {
	defer s.handlers.Done()
	defer func() {
		s.mu.Lock()
		delete(s.live, c.n)
		s.mu.Unlock()
	}()
	fire := func() {
		if c.fired {
			return
		}
		c.fired = true
		switch c.fault {
		case dropFault:
			p.Drop()
		case resetFault:
			p.Reset()
		}
	}
	if (c.fault == dropFault || c.fault == resetFault) && c.after == 0 {
		fire()
	}
	for {
		m, err := p.Receive(ctx)
		if err != nil {
			p.Wait(ctx) // until the log has the end
			return
		}
		c.got = append(c.got, string(m.Data))
		if (c.fault == dropFault || c.fault == resetFault) && len(c.got) == c.after {
			fire()
		}
		if err := p.Send(m); err != nil {
			c.sendFailed++
		} else {
			c.sent = append(c.sent, string(m.Data))
		}
		s.mu.Lock()
		s.received++
		crash := s.crashAt > 0 && s.received >= s.crashAt
		if crash {
			s.crashAt = 0
		}
		s.mu.Unlock()
		if crash {
			s.crash()
		}
	}
}

// crash drops every connection at once.
func (s *loadServer) crash() {
	s.acceptMu.Lock()
	defer s.acceptMu.Unlock()
	s.mu.Lock()
	for n := range s.live {
		s.conns[n].crashed = true
	}
	s.crashed = true
	s.mu.Unlock()
	s.srv.DropAll()
}

// loadClient has its messages echoed, reconnecting until all came back.
type loadClient struct {
	id    int
	cfg   loadConfig
	rec   *scenario.Recorder
	url   string
	acked int // messages echoed back so far, in order
	conns int
	state string // for a timeout report
}

func loadMessage(client, seq int) string { return fmt.Sprintf("client %d message %d", client, seq) }

func (c *loadClient) run(ctx context.Context) error {
	ctor := c.rec.Constructor()
	rnd := rand.New(rand.NewPCG(c.cfg.seed, uint64(c.id)))
	for {
		c.conns++
		if c.conns > c.cfg.maxFaults+2 {
			return fmt.Errorf("client %d: attempt %d, but at most %d faults were drawn", c.id, c.conns, c.cfg.maxFaults)
		}
		ws, err := ctor(fmt.Sprintf("%sload?client=%d&conn=%d", c.url, c.id, c.conns))
		if err != nil {
			return err
		}
		done, err := c.session(ctx, ws)
		if err != nil || done {
			return err
		}
		c.state = "waiting to reconnect"
		backoff := time.NewTimer(time.Duration(rnd.Int64N(int64(c.cfg.backoff))))
		select {
		case <-backoff.C:
		case <-ctx.Done():
			backoff.Stop()
			return fmt.Errorf("client %d: %w while waiting to reconnect", c.id, context.Cause(ctx))
		}
	}
}

// session runs one connection: it keeps window messages in flight, checks
// that each echo is the oldest one unanswered, and closes once all came
// back. It reports whether the client is done.
func (c *loadClient) session(ctx context.Context, ws wsdouble.IWebSocket) (bool, error) {
	events := make(chan wsdouble.Event, c.cfg.window+4)
	l := wsdouble.ListenerFunc(func(e wsdouble.Event) { events <- e })
	for _, typ := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
		ws.AddEventListener(typ, l)
	}
	next := c.acked
	send := func() error {
		for next < c.cfg.messages && next < c.acked+c.cfg.window {
			if err := ws.Send(wsdouble.Text(loadMessage(c.id, next))); err != nil {
				return fmt.Errorf("client %d, attempt %d: Send: %w", c.id, c.conns, err)
			}
			next++
		}
		return nil
	}
	c.state = "connecting"
	for {
		var e wsdouble.Event
		select {
		case e = <-events:
		case <-ctx.Done():
			ws.Close(wsdouble.CloseNormalClosure, "")
			return false, fmt.Errorf("client %d, attempt %d: %w while %s", c.id, c.conns, context.Cause(ctx), c.state)
		}
		switch e := e.(type) {
		case wsdouble.OpenEvent:
			c.state = "open"
			if err := send(); err != nil {
				return false, err
			}
		case wsdouble.MessageEvent:
			if got, want := string(e.Data), loadMessage(c.id, c.acked); got != want {
				ws.Close(wsdouble.CloseNormalClosure, "")
				return false, fmt.Errorf("client %d, attempt %d: got %q, want %q: a message lost, duplicated or reordered", c.id, c.conns, got, want)
			}
			c.acked++
			if c.acked == c.cfg.messages {
				c.state = "closing"
				ws.Close(wsdouble.CloseNormalClosure, "done")
			} else if err := send(); err != nil {
				return false, err
			}
		case wsdouble.CloseEvent:
			// A connection that ends once everything came back is done,
			// even if a fault ended it before the closing handshake did.
			return c.acked == c.cfg.messages, nil
		}
	}
}

func runLoad(t *testing.T, cfg loadConfig, srv *wstest.Server, ctor wsdouble.Constructor, base string) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), cfg.deadline)
	defer cancel()
	s := &loadServer{cfg: cfg, srv: srv, conns: map[int]*loadConn{}, live: map[int]bool{}, faults: map[int]int{},
		crashAt: cfg.clients * cfg.messages / 2}
	serverCtx, stopServer := context.WithCancel(ctx)
	served := make(chan struct{})
	go func() {
		defer close(served)
		s.serve(ctx, serverCtx)
	}()

	clients := make([]*loadClient, cfg.clients)
	errs := make([]error, cfg.clients)
	var wg sync.WaitGroup
	for i := range clients {
		c := &loadClient{id: i + 1, cfg: cfg, rec: scenario.NewRecorder(ctor), url: base}
		clients[i] = c
		wg.Go(func() { errs[i] = c.run(ctx) })
	}
	wg.Wait()
	stopServer()
	<-served
	s.handlers.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		var b strings.Builder
		for i, e := range errs {
			if e == nil {
				continue
			}
			fmt.Fprintf(&b, "client %d: the server's log of its attempts:\n", i+1)
			for _, rec := range srv.Attempts() {
				if !strings.Contains(rec.URL, fmt.Sprintf("?client=%d&", i+1)) {
					continue
				}
				fault := "never taken"
				s.mu.Lock()
				if lc := s.conns[rec.N]; lc != nil {
					fault = fmt.Sprintf("fault %v after %d", lc.fault, lc.after)
				}
				s.mu.Unlock()
				fmt.Fprintf(&b, "  #%d %s: %v %d, end %v, %d messages to the client, %d from it; %s\n",
					rec.N, rec.URL, rec.Outcome, rec.Status, rec.End, rec.ToClient, rec.FromClient, fault)
			}
		}
		t.Fatalf("not every client finished (seed %d):\n%v\n%s", cfg.seed, err, b.String())
	}

	st := checkLoad(t, cfg, srv.Attempts(), s, clients)
	if !s.crashed {
		t.Errorf("DropAll never ran: %d messages received, want %d", s.received, cfg.clients*cfg.messages/2)
	}
	clock := "wall"
	if cfg.virtual {
		clock = "virtual"
	}
	t.Logf("seed %d: %d clients × %d messages in %v (%s); %s", cfg.seed, cfg.clients, cfg.messages, elapsed.Round(time.Millisecond), clock, st)
	if t.Failed() {
		t.Logf("replay with -wsdouble.load.seed=%d", cfg.seed)
	}
}

// loadStats tallies what happened.
type loadStats struct {
	attempts, refused, aborted, accepted int
	clientClosed, dropped, reset         int
	byFault                              map[string]int
	crashed, resent, lostTail            int
}

func (st loadStats) String() string {
	return fmt.Sprintf("%d attempts: %d refused, %d aborted, %d accepted; %d closed by the client, %d dropped "+
		"(handler %d, DropAfterMessages %d, DropAll %d), %d reset; %d messages resent after a fault, %d lost in the tail of a dropped connection",
		st.attempts, st.refused, st.aborted, st.accepted, st.clientClosed, st.dropped,
		st.byFault["drop"], st.byFault["inject"], st.crashed, st.reset, st.resent, st.lostTail)
}

// checkLoad holds the three logs against each other, and returns a
// summary.
func checkLoad(t *testing.T, cfg loadConfig, log []wstest.AttemptRecord, s *loadServer, clients []*loadClient) loadStats {
	t.Helper()
	st := loadStats{attempts: len(log), byFault: map[string]int{}}
	type key struct{ client, conn int }
	byKey := map[key]wstest.AttemptRecord{}
	for _, rec := range log {
		u, err := url.Parse(rec.URL)
		if err != nil {
			t.Fatalf("attempt #%d: URL %q: %v", rec.N, rec.URL, err)
		}
		client, _ := strconv.Atoi(u.Query().Get("client"))
		conn, _ := strconv.Atoi(u.Query().Get("conn"))
		k := key{client, conn}
		if _, dup := byKey[k]; dup {
			t.Errorf("attempt #%d: client %d made attempt %d twice", rec.N, client, conn)
		}
		byKey[k] = rec
		switch rec.Outcome {
		case wstest.Refused:
			st.refused++
		case wstest.Aborted:
			st.aborted++
		case wstest.Accepted:
			st.accepted++
		default:
			t.Errorf("attempt #%d (client %d, attempt %d): outcome %v, want every attempt answered", rec.N, client, conn, rec.Outcome)
		}
	}

	errorsLeft := 20 // enough to diagnose, not a flood
	fail := func(format string, args ...any) {
		t.Helper()
		if errorsLeft--; errorsLeft >= 0 {
			t.Errorf(format, args...)
		}
	}
	for _, c := range clients {
		script, err := c.rec.Script(fmt.Sprintf("client %d", c.id))
		if err != nil {
			fail("client %d: recording: %v", c.id, err)
			continue
		}
		if len(script.Attempts) != c.conns {
			fail("client %d: %d attempts recorded, but it made %d", c.id, len(script.Attempts), c.conns)
		}
		serverGot := map[string]bool{} // on earlier connections: what a client resends
		for i, ra := range script.Attempts {
			where := fmt.Sprintf("client %d, attempt %d", c.id, i+1)
			rec, ok := byKey[key{c.id, i + 1}]
			if !ok {
				fail("%s: recorded, but not in the server's log", where)
				continue
			}
			where += fmt.Sprintf(" (#%d)", rec.N)
			lc := s.conns[rec.N]
			if lc == nil {
				// DropAll aborts the attempts still queued for NextAttempt.
				if _, hung := ra.Answer.(scenario.Hang); !s.crashed || rec.Outcome != wstest.Aborted || !hung {
					fail("%s: in the log as %v, but the test never took it, and the client recorded %#v", where, rec.Outcome, ra.Answer)
				}
				continue
			}
			sent, received, end := splitRecording(ra)
			switch lc.fault {
			case refuseFault, abortFault:
				checkUnaccepted(fail, where, lc, rec, ra)
				continue
			}
			if lc.answerErr != nil {
				// DropAll aborted the attempt before it was accepted.
				if !s.crashed || rec.Outcome != wstest.Aborted || !(errors.Is(lc.answerErr, wstest.ErrAttemptGone) || errors.Is(lc.answerErr, wstest.ErrAnswered)) {
					fail("%s: Accept: %v; logged %v", where, lc.answerErr, rec.Outcome)
				}
				continue
			}
			if rec.Outcome != wstest.Accepted {
				fail("%s: accepted, but logged %v", where, rec.Outcome)
				continue
			}
			if _, ok := ra.Answer.(scenario.Accept); !ok {
				// A reset right after the 101 was written may destroy it
				// before the client reads it, as an RST does on TCP: the
				// client then never opened.
				if _, hung := ra.Answer.(scenario.Hang); !hung || rec.End.Kind != wstest.Reset || !lc.fired || len(lc.got) > 0 {
					fail("%s: accepted, but the client recorded %#v (fault %v after %d, fired %v; open at the crash %v; ended %v)",
						where, ra.Answer, lc.fault, lc.after, lc.fired, lc.crashed, rec.End)
				} else {
					st.reset++
				}
				continue
			}

			// Frames: the log's counts are what the handler saw; what the
			// server received is what the client sent, and what the client
			// received is what the server sent, but for the tail of a
			// connection that ended abruptly.
			abrupt := rec.End.Kind == wstest.Dropped || rec.End.Kind == wstest.Reset
			if rec.FromClient != len(lc.got) {
				msg := fmt.Sprintf("%s: log says %d messages from the client, but the Peer returned %d before the connection ended %v",
					where, rec.FromClient, len(lc.got), rec.End)
				fail("%s", msg)
			}
			if rec.ToClient < len(lc.sent) || rec.ToClient > len(lc.sent)+lc.sendFailed {
				fail("%s: log says %d messages to the client, the handler sent %d (and %d Sends failed)", where, rec.ToClient, len(lc.sent), lc.sendFailed)
			}
			checkPrefix(fail, where+": server received vs client sent", lc.got, sent, abrupt)
			checkPrefix(fail, where+": client received vs server sent", received, lc.sent, abrupt)
			if abrupt {
				st.lostTail += len(sent) - len(lc.got) + len(lc.sent) - len(received)
			}
			for _, m := range lc.got {
				if serverGot[m] {
					st.resent++
				}
			}
			for _, m := range lc.got {
				serverGot[m] = true
			}

			// Ends: every drop the test made is logged as one, and seen by
			// the client as one; every other connection its client closed.
			last := i+1 == len(script.Attempts)
			switch k := rec.End.Kind; {
			case k == wstest.ClientClosed:
				st.clientClosed++
				if rec.End.Code != wsdouble.CloseNormalClosure || rec.End.Reason != "done" || !last {
					fail("%s: ended %v, want the client's close 1000 \"done\" on its last connection", where, rec.End)
				}
				// A drop in the middle of the closing handshake leaves it
				// unclean; nothing else may.
				if !rec.End.Clean && !lc.crashed && rec.End.Fault == "" {
					fail("%s: ended %v: unclean, yet the test dropped nothing", where, rec.End)
				}
				if lc.fired {
					fail("%s: the test applied %v, but the log says %v", where, lc.fault, rec.End)
				}
				if end != "close" {
					fail("%s: the server logged the client's close, the client recorded %q", where, end)
				}
			case k == wstest.Dropped && lc.fired && lc.fault == dropFault:
				st.dropped++
				st.byFault["drop"]++
			case k == wstest.Reset && lc.fired && lc.fault == resetFault:
				st.reset++
			case k == wstest.Dropped && lc.fault == injectFault && rec.End.Fault != "":
				st.dropped++
				st.byFault["inject"]++
			case k == wstest.Dropped && lc.crashed && rec.End.Fault == "":
				st.dropped++
				st.crashed++
			default:
				fail("%s: ended %v (fault %v after %d, fired %v; open at the crash %v): not a drop the test made, nor the client's close",
					where, rec.End, lc.fault, lc.after, lc.fired, lc.crashed)
			}
			// The client saw each drop as a drop, but on its last
			// connection, where its own close may have come first.
			if abrupt && end != "drop" && !(end == "close" && last && c.acked == cfg.messages) {
				fail("%s: logged %v, but the client recorded %q", where, rec.End, end)
			}
		}
		if c.acked != cfg.messages {
			fail("client %d: %d messages echoed, want %d", c.id, c.acked, cfg.messages)
		}
	}
	if errorsLeft < 0 {
		t.Errorf("... and %d more", -errorsLeft)
	}
	return st
}

// checkUnaccepted checks an attempt the test refused or aborted.
func checkUnaccepted(fail func(string, ...any), where string, lc *loadConn, rec wstest.AttemptRecord, ra scenario.Attempt) {
	if lc.answerErr != nil && !errors.Is(lc.answerErr, wstest.ErrAttemptGone) && !errors.Is(lc.answerErr, wstest.ErrAnswered) {
		fail("%s: %v: %v", where, lc.fault, lc.answerErr)
		return
	}
	switch {
	case lc.fault == refuseFault && lc.answerErr == nil:
		if rec.Outcome != wstest.Refused || rec.Status != 503 {
			fail("%s: refused with 503, logged %v %d", where, rec.Outcome, rec.Status)
		}
		if r, ok := ra.Answer.(scenario.Refuse); !ok || r.Status != 503 || r.Body != "load test: refused" {
			fail("%s: refused with 503, the client recorded %#v", where, ra.Answer)
		}
	default: // aborted, by the test or by the crash
		if rec.Outcome != wstest.Aborted {
			fail("%s: aborted, logged %v", where, rec.Outcome)
		}
		if _, ok := ra.Answer.(scenario.Hang); !ok {
			fail("%s: aborted, the client recorded %#v, want no answer", where, ra.Answer)
		}
	}
	if rec.ToClient != 0 || rec.FromClient != 0 || len(ra.Steps) != 0 {
		fail("%s: not accepted, yet messages: %d to the client, %d from it, %d steps recorded", where, rec.ToClient, rec.FromClient, len(ra.Steps))
	}
}

// splitRecording returns what the client sent and received on a recorded
// connection, and how it saw the end: "close" (its own close), "drop" (no
// close frame) or "server close".
func splitRecording(a scenario.Attempt) (sent, received []string, end string) {
	for _, st := range a.Steps {
		switch act := st.Action.(type) {
		case scenario.Expect:
			if m, ok := act.Match.(scenario.Exact); ok {
				sent = append(sent, string(m.Message.Data))
			}
		case scenario.Send:
			received = append(received, string(act.Message.Data))
		case scenario.ExpectClose:
			end = "close"
		case scenario.Drop:
			end = "drop"
		case scenario.Close:
			end = "server close"
		}
	}
	return sent, received, end
}

// checkPrefix checks that got is want, or, when the connection ended
// abruptly, a prefix of it.
func checkPrefix(fail func(string, ...any), what string, got, want []string, abrupt bool) {
	n := min(len(got), len(want))
	for i := range n {
		if got[i] != want[i] {
			fail("%s: message %d: got %q, want %q (lost, duplicated or reordered)", what, i+1, got[i], want[i])
			return
		}
	}
	switch {
	case len(got) > len(want):
		fail("%s: %d messages, only %d were sent; the extra: %s", what, len(got), len(want), strings.Join(got[n:], ", "))
	case len(got) < len(want) && !abrupt:
		fail("%s: %d messages of %d, yet the connection ended cleanly; missing: %s", what, len(got), len(want), strings.Join(want[n:], ", "))
	}
}
