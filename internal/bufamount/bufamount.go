package bufamount

import "sync"

// Amount is a socket's bufferedAmount. The zero value counts what is sent
// and discarded but never schedules a turn; Init gives it the socket's
// transport and event loop. Its methods are safe for concurrent use.
//
// Lock order: the write given to Send and the pending func run with the
// Amount's lock held, so they may take the transport's locks but must never
// call back into the Amount.
type Amount struct {
	mu sync.Mutex
	// pending reports the bytes of message data the transport has not
	// taken yet; nil means it takes everything at once. It is called with
	// mu held, so it may take only locks of its own.
	pending Pending
	loop    Loop // asked for a call of Turn

	atTurn    int // pending() as of the last turn
	since     int // bytes sent since the last turn
	discarded int // bytes Send discarded once the socket was closing: counted for good
	inTask    bool
	due       bool // a turn was asked for during a task: EndTask runs it
	asked     bool // schedule was called and Turn has not run since
}

// Loop is the socket's event loop, as an Amount sees it.
type Loop interface {
	// ScheduleTurn makes the socket call Turn soon, on any goroutine. It
	// is called without locks held, at most once between two calls of
	// Turn.
	ScheduleTurn()
}

// Pending reports the bytes of message data a socket's transport has not
// taken yet.
type Pending interface{ Pending() int }

// PendingFunc is a func that is a Pending.
type PendingFunc func() int

// Pending implements Pending.
func (f PendingFunc) Pending() int { return f() }

// Init sets how the count learns what the transport still holds (nil: it
// takes everything at once), and the loop it asks for turns.
func (a *Amount) Init(pending Pending, loop Loop) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending, a.loop = pending, loop
}

// SetPending replaces the func that reports what the transport holds (the
// real client knows its transport only once it has dialed).
func (a *Amount) SetPending(pending Pending) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending = pending
}

// Send runs write, which hands n bytes of message data to the transport
// without waiting, and counts them: they show until a turn finds the
// transport took them. No turn runs while write does, so the bytes are
// never counted twice nor missed. If write fails, the bytes never leave:
// they count for good, as discarded ones do.
func (a *Amount) Send(n int, write func() error) error {
	a.mu.Lock()
	err := write()
	if err != nil {
		a.discarded += n
		a.mu.Unlock()
		return err
	}
	a.since += n
	ask := a.askLocked()
	a.mu.Unlock()
	if ask {
		a.loop.ScheduleTurn()
	}
	return nil
}

// Discarded counts n bytes that Send discarded because the socket was
// closing or closed. The WHATWG standard counts them for good: they never
// leave the count.
func (a *Amount) Discarded(n int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.discarded += n
}

// Taken reports that the transport took bytes it held (a background write
// finished): a turn will show it.
func (a *Amount) Taken() {
	a.mu.Lock()
	ask := a.askLocked()
	a.mu.Unlock()
	if ask {
		a.loop.ScheduleTurn()
	}
}

func (a *Amount) askLocked() bool {
	if a.inTask {
		a.due = true // EndTask turns; no need to ask the loop
		return false
	}
	if a.asked || a.loop == nil {
		return false
	}
	a.asked = true
	return true
}

// Value returns the count as of the last turn, plus what was sent since.
func (a *Amount) Value() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.atTurn + a.since + a.discarded
}

// Turn is the turn of the event loop that schedule asked for: it brings
// the count up to date, at once, or when the task now running ends.
func (a *Amount) Turn() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked = false
	if a.inTask {
		a.due = true
		return
	}
	a.turnLocked()
}

// BeginTask starts a task of the socket's event loop (the dispatch of one
// event): a turn, then no change until EndTask but for what is sent.
func (a *Amount) BeginTask() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.turnLocked()
	a.inTask = true
}

// EndTask ends the task BeginTask started, and runs a turn asked for
// during it.
func (a *Amount) EndTask() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inTask = false
	if a.due {
		a.turnLocked()
	}
}

func (a *Amount) turnLocked() {
	a.due = false
	a.since = 0
	a.atTurn = 0
	if a.pending != nil {
		a.atTurn = a.pending.Pending()
	}
}
