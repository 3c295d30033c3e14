package wstest

import (
	"math/rand/v2"
	"sync"
	"time"
)

// appliedFault is a Fault applied to one connection, with its random
// source and what it has counted.
type appliedFault struct {
	Fault
	row     *faultRow
	at      time.Time // when it was applied
	rnd     *rand.Rand
	applies bool  // for faults drawn once
	count   int64 // bytes (LimitData) or messages (DropAfterMessages) so far
}

// connFaults are the faults applied to one connection, and the state of
// its links. Both the Server's connections and Fakes use it. Its methods
// take a nil receiver for a connection no fault was ever applied to.
type connFaults struct {
	mu      sync.Mutex
	list    []*appliedFault
	delayed bool                // a delaying fault was applied: to-client traffic goes through the pump
	free    [2]time.Time        // when each direction's link is free again (bandwidth)
	last    [2]time.Time        // the due time of the last message each way (order)
	timers  []*time.Timer       // DropAfter timers, stopped by heal
	onDrop  func(reason string) // drops the connection for a fault

	// wholeMessages: the connection has no frames (a Fake), so a slicer
	// holds the link for its gaps and delivers the message whole when its
	// last frame would have arrived, which is what a client observes.
	wholeMessages bool
}

func newConnFaults(wholeMessages bool, onDrop func(string)) *connFaults {
	return &connFaults{wholeMessages: wholeMessages, onDrop: onDrop}
}

func dirIndex(d Direction) int {
	if d == ToClient {
		return 0
	}
	return 1
}

// add applies faults. It returns an error, applying none, if one is
// invalid.
func (c *connFaults) add(faults ...Fault) error {
	for _, f := range faults {
		if err := f.Validate(); err != nil {
			return err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range faults {
		r := f.row()
		a := &appliedFault{Fault: f, row: r, at: time.Now(), rnd: f.rand()}
		a.applies = a.draw()
		c.list = append(c.list, a)
		c.delayed = c.delayed || r.delays
		if r.apply != nil {
			r.apply(c, a)
		}
	}
	return nil
}

func (a *appliedFault) draw() bool { return a.prob >= 1 || a.rnd.Float64() < a.prob }

// afterFunc runs fn after d, unless heal or the connection's end comes
// first (a fault's timer).
func (c *connFaults) afterFunc(d time.Duration, fn func()) {
	c.timers = append(c.timers, time.AfterFunc(d, fn))
}

// heal removes every fault. Traffic already delayed stays delayed.
func (c *connFaults) heal() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = nil
	for _, t := range c.timers {
		t.Stop()
	}
	c.timers = nil
}

// stop stops the faults' timers when the connection ends.
func (c *connFaults) stop() { c.heal() }

// usesPump reports whether to-client traffic must go through the pump.
func (c *connFaults) usesPump() bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.delayed
}

// verdict is what the faults do to one message.
type verdict struct {
	lost      bool      // blackholed
	drop      string    // drop the connection instead, for this fault
	dropAfter string    // deliver, then drop the connection, for this fault
	due       time.Time // deliver at
	slice     int       // ToClient: frame payload size, 0 for one frame
	gap       time.Duration
}

// msgFate is a message crossing a link as the faults' message hooks see
// it, and what they decide for it.
type msgFate struct {
	verdict
	size      int           // the message's bytes
	latency   time.Duration // the time it takes to arrive, once sent
	transmit  time.Duration // the time the link is busy sending it
	notBefore time.Time     // it is delivered no earlier
}

// message decides the fate of a message of size bytes going way dir.
func (c *connFaults) message(dir Direction, size int) verdict {
	if c == nil {
		return verdict{} // no fault: deliver now
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.list) == 0 && !c.delayed {
		return verdict{} // no fault: deliver now (a zero due time is due)
	}
	now := time.Now()
	m := msgFate{size: size}
	for _, a := range c.list {
		if a.dir&dir == 0 {
			continue
		}
		if a.row.message != nil {
			a.row.message(c, a, &m)
		}
		if a.row.until != nil {
			m.notBefore = later(m.notBefore, a.row.until(a))
		}
	}
	if m.lost || m.drop != "" {
		return m.verdict
	}
	// The link sends one message at a time (bandwidth), each then takes
	// the latency to arrive, and arrivals keep their order.
	i := dirIndex(dir)
	start := now
	if c.free[i].After(start) {
		start = c.free[i]
	}
	c.free[i] = start.Add(m.transmit)
	m.due = c.free[i].Add(m.latency)
	if m.notBefore.After(m.due) {
		m.due = m.notBefore
	}
	if c.last[i].After(m.due) {
		m.due = c.last[i]
	}
	c.last[i] = m.due
	return m.verdict
}

// heldUntil returns the time before which nothing goes to the client: a
// fault's until, the latest of them (zero if none).
func (c *connFaults) heldUntil() time.Time {
	if c == nil {
		return time.Time{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var t time.Time
	for _, a := range c.list {
		if a.row.until != nil && a.dir&ToClient != 0 {
			t = later(t, a.row.until(a))
		}
	}
	return t
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// blackholed reports whether a blackhole drops everything way dir: pings,
// pongs and close frames too.
func (c *connFaults) blackholed(dir Direction) bool {
	if c == nil {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.blackholedLocked(dir)
}

func (c *connFaults) blackholedLocked(dir Direction) bool {
	for _, a := range c.list {
		if a.row.blackhole && a.dir&dir != 0 && a.prob >= 1 {
			return true
		}
	}
	return false
}

// control decides the fate of a control frame going way dir (a ping, a
// pong), as the close frames': lost behind a blackhole; otherwise due once
// every hold that way (a stall's until) is over, and not before the
// messages sent before it, for a link keeps its order. Latency, bandwidth
// and slices act on messages only, and control frames count for no
// LimitData or DropAfterMessages.
func (c *connFaults) control(dir Direction) (lost bool, due time.Time) {
	if c == nil {
		return false, time.Time{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.blackholedLocked(dir) {
		return true, time.Time{}
	}
	for _, a := range c.list {
		if a.row.until != nil && a.dir&dir != 0 {
			due = later(due, a.row.until(a))
		}
	}
	return false, later(due, c.last[dirIndex(dir)])
}

// closeFate is how the server answers the client's close frame, as the
// faults' closeReply hooks decide it.
type closeFate struct {
	delay time.Duration
	never bool
}

// closeReply says how the server answers the client's close frame: not at
// all (never), or after delay.
func (c *connFaults) closeReply() (delay time.Duration, never bool) {
	if c == nil {
		return 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var r closeFate
	for _, a := range c.list {
		if a.applies && a.row.closeReply != nil {
			a.row.closeReply(a, &r)
		}
	}
	return r.delay, r.never
}

// pump runs what is sent to the client in order, each thing at its due
// time, on a goroutine of its own started by the first schedule (so inside
// a synctest bubble it belongs to the bubble). It is what makes a message
// sent after a delayed one wait behind it, as on a network.
type pump struct {
	mu      sync.Mutex
	items   []pumpItem
	wake    chan struct{}
	done    chan struct{}
	started bool
	stopped bool
}

type pumpItem struct {
	due time.Time
	run func()
}

// schedule queues run for due (or right after what is already queued, if
// later). It returns false once the pump is stopped.
func (p *pump) schedule(due time.Time, run func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return false
	}
	if n := len(p.items); n > 0 && p.items[n-1].due.After(due) {
		due = p.items[n-1].due
	}
	p.items = append(p.items, pumpItem{due, run})
	if !p.started {
		p.started = true
		p.wake = make(chan struct{}, 1)
		p.done = make(chan struct{})
		go p.loop()
	}
	select {
	case p.wake <- struct{}{}:
	default:
	}
	return true
}

// pause waits d, on the pump's goroutine, unless the pump is stopped
// first (its connection ended), and reports whether d passed: a wait
// inside an item (a slicer's gap between fragments) must not outlive the
// connection, nor, in a synctest bubble, the bubble.
func (p *pump) pause(d time.Duration) bool {
	p.mu.Lock()
	done := p.done
	p.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}

// stop discards what is queued and ends the goroutine.
func (p *pump) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	p.stopped = true
	p.items = nil
	if p.started {
		close(p.done)
	}
}

func (p *pump) loop() {
	for {
		p.mu.Lock()
		if p.stopped {
			p.mu.Unlock()
			return
		}
		if len(p.items) == 0 {
			p.mu.Unlock()
			select {
			case <-p.wake:
				continue
			case <-p.done:
				return
			}
		}
		it := p.items[0]
		p.mu.Unlock()
		if d := time.Until(it.due); d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-p.done:
				t.Stop()
				return
			}
		}
		p.mu.Lock()
		if p.stopped {
			p.mu.Unlock()
			return
		}
		p.items[0] = pumpItem{}
		p.items = p.items[1:]
		p.mu.Unlock()
		it.run()
	}
}
