package wstest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// acceptor is what Server and FakeDialer share: the attempt log, the queue
// of attempts not yet taken, and the count of goroutines Close waits for.
// Its mutex guards the embedding type's state too.
type acceptor struct {
	name string // for messages: "Server", "FakeDialer"

	mu      sync.Mutex
	closed  bool
	auto    bool
	log     []*AttemptRecord // in order of N; with keep, the first keep, then the latest
	keep    int              // KeepAttempts; 0: every record
	forgot  int              // how many records between those were forgotten
	queue   []Attempt
	waiters []chan struct{}
	running map[tracked]int    // what Close waits for
	conns   map[*conn]struct{} // the connections open or ending
	// dispatching counts the fakeDispatch goroutines apart from running,
	// one per Fake: a counter costs less than a map entry made and
	// deleted per connection.
	dispatching int
	idle        []chan struct{}
}

func newAcceptor(name string, cfg config) acceptor {
	return acceptor{name: name, auto: cfg.auto, keep: cfg.keep, running: make(map[tracked]int), conns: make(map[*conn]struct{})}
}

// NextAttempt returns the next attempt no one has taken, waiting until one
// arrives or ctx is done. It fails with ErrClosed once the acceptor is
// closed, and at once on an acceptor made with AutoAccept.
func (a *acceptor) NextAttempt(ctx context.Context) (Attempt, error) {
	for {
		a.mu.Lock()
		if len(a.queue) > 0 {
			at := a.queue[0]
			n := copy(a.queue, a.queue[1:]) // queues are short: keep the array
			a.queue[n] = nil
			a.queue = a.queue[:n]
			a.mu.Unlock()
			return at, nil
		}
		if a.closed {
			a.mu.Unlock()
			return nil, ErrClosed
		}
		if a.auto {
			a.mu.Unlock()
			return nil, fmt.Errorf("wstest: %s.NextAttempt: this acceptor accepts every attempt itself (AutoAccept)", a.name)
		}
		ch := make(chan struct{})
		a.waiters = append(a.waiters, ch)
		a.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			a.mu.Lock()
			a.waiters = slices.DeleteFunc(a.waiters, func(c chan struct{}) bool { return c == ch })
			summary := summarize(a.log)
			a.mu.Unlock()
			return nil, fmt.Errorf("wstest: %s.NextAttempt: no new attempt before %w (%s)", a.name, context.Cause(ctx), summary)
		}
	}
}

// summarize describes a log for a timeout message.
func summarize(log []*AttemptRecord) string {
	if len(log) == 0 {
		return "no attempt has arrived at all"
	}
	last := log[len(log)-1]
	return fmt.Sprintf("%d attempts so far, all taken; the last, #%d, is %v", last.N, last.N, last.Outcome)
}

// Attempts returns a snapshot of the attempt log: every attempt, or with
// KeepAttempts the latest.
func (a *acceptor) Attempts() []AttemptRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]AttemptRecord, len(a.log))
	for i, r := range a.log {
		out[i] = *r
		out[i].Protocols = slices.Clone(r.Protocols)
		if r.header != "" {
			out[i].Header = r.header.unpack()
			out[i].header = ""
		}
		if r.count != nil {
			out[i].ToClient = int(r.count.toClient.Load())
			out[i].FromClient = int(r.count.fromClient.Load())
			out[i].count = nil
		}
	}
	return out
}

// addLocked appends a new record to the log. With KeepAttempts(n), a log
// of 3n records forgets all but the first n and the last n at once, so
// that forgetting costs one copy per n attempts. A forgotten record lives
// on while its attempt does.
func (a *acceptor) addLocked(rec *AttemptRecord) {
	rec.N = a.forgot + len(a.log) + 1
	a.log = append(a.log, rec)
	if a.keep > 0 && len(a.log) >= 3*a.keep {
		drop := len(a.log) - 2*a.keep
		n := a.keep + copy(a.log[a.keep:], a.log[a.keep+drop:])
		clear(a.log[n:])
		a.log = a.log[:n]
		a.forgot += drop
	}
}

// enqueueLocked offers at to NextAttempt.
func (a *acceptor) enqueueLocked(at Attempt) {
	a.queue = append(a.queue, at)
	if len(a.waiters) > 0 {
		close(a.waiters[0])
		a.waiters = a.waiters[1:]
	}
}

// liveConns returns the connections open or ending.
func (a *acceptor) liveConns() []*conn {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Collect(maps.Keys(a.conns))
}

// closeLocked marks the acceptor closed and wakes every NextAttempt.
func (a *acceptor) closeLocked() {
	a.closed = true
	for _, ch := range a.waiters {
		close(ch)
	}
	a.waiters = nil
	a.queue = nil
}

// tracked is a goroutine Close waits for: what it is, and for a goroutine
// of one attempt, the attempt's number and, if it is the request's handler,
// the request URI. It is described (String) only in the hang report, so
// that tracking costs an attempt no formatting.
type tracked struct {
	what    string
	attempt int
	uri     string
}

func (t tracked) String() string {
	switch {
	case t.attempt == 0:
		return t.what
	case t.uri == "":
		return fmt.Sprintf("%s of attempt #%d", t.what, t.attempt)
	}
	return fmt.Sprintf("%s of attempt #%d (%s)", t.what, t.attempt, t.uri)
}

// What Close waits for, as the hang report names it.
var (
	fakeDispatch      = tracked{what: "the dispatch goroutine of a Fake (a listener has not returned)"}
	autoAcceptHandler = tracked{what: "an AutoAccept handler"}
	memoryHTTPServer  = tracked{what: "the HTTP server of an in-memory connection"}
)

// attemptHandler is the request handler of attempt n, for uri.
func attemptHandler(n int, uri string) tracked {
	return tracked{what: "the handler", attempt: n, uri: uri}
}

// attemptAutoAccept is the AutoAccept handler of attempt n.
func attemptAutoAccept(n int) tracked {
	return tracked{what: "AutoAccept handler", attempt: n}
}

// track counts a goroutine Close must wait for, described by what;
// untrack(what) ends it.
func (a *acceptor) track(what tracked) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.trackLocked(what)
}

func (a *acceptor) trackLocked(what tracked) {
	if what == fakeDispatch {
		a.dispatching++
		return
	}
	a.running[what]++
}

func (a *acceptor) untrack(what tracked) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if what == fakeDispatch {
		a.dispatching--
	} else if a.running[what]--; a.running[what] <= 0 {
		delete(a.running, what)
	}
	if a.idleLocked() {
		for _, ch := range a.idle {
			close(ch)
		}
		a.idle = nil
	}
}

// idleLocked reports whether nothing tracked is running.
func (a *acceptor) idleLocked() bool { return len(a.running) == 0 && a.dispatching <= 0 }

// waitIdle waits until nothing tracked is running. If that takes longer
// than closeWaitReport, it reports what it is waiting for with tb.Errorf
// and keeps waiting.
func (a *acceptor) waitIdle(tb TB) {
	a.mu.Lock()
	if a.idleLocked() {
		a.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	a.idle = append(a.idle, ch)
	a.mu.Unlock()
	t := time.NewTimer(closeWaitReport)
	defer t.Stop()
	select {
	case <-ch:
		return
	case <-t.C:
	}
	a.mu.Lock()
	var what []string
	add := func(t tracked, n int) {
		k := t.String()
		if n > 1 {
			k = fmt.Sprintf("%s (×%d)", k, n)
		}
		what = append(what, k)
	}
	for k, n := range a.running {
		add(k, n)
	}
	if a.dispatching > 0 {
		add(fakeDispatch, a.dispatching)
	}
	a.mu.Unlock()
	slices.Sort(what)
	tb.Errorf("wstest: %s.Close: still waiting after %v for: %s", a.name, closeWaitReport, strings.Join(what, "; "))
	<-ch
}

// settle delays an answer that would come at the very instant its attempt
// arrived by one nanosecond.
//
// In the browser, `new WebSocket()` never fires an event before the script
// that called it has finished: the script registers its listeners first.
// A Go client registers them after the Constructor returns, on its own
// goroutine, so an answer given at once (by AutoAccept, a scenario, or a
// test that accepts immediately) could open the socket before the client
// listens. Inside a testing/synctest bubble, virtual time only advances once
// every goroutine of the bubble is blocked, so once time has moved past the
// attempt's arrival the client has finished with its constructor; settle
// makes sure it has. Outside a bubble two readings of the clock are never
// equal, and settle does nothing.
func settle(arrived time.Time) {
	if !arrived.Before(virtualEpoch) {
		return // read on the real clock, which a later reading never equals
	}
	if time.Now().Equal(arrived) {
		time.Sleep(time.Nanosecond)
	}
}
