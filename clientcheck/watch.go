package clientcheck

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/wsdouble/wsdouble/scenario"
)

// watch follows a play through the player's progress, to tell when the
// run has settled (Settled) and when the client's connections have ended.
// The player reports on its own goroutines, one call at a time; the play's
// goroutine waits on the watch.
type watch struct {
	// What the script is, for telling when its last attempt is played.
	last        int  // the index of the script's last attempt, from 1
	lastSteps   int  // its steps
	lastAccepts bool // it is an accepted one
	// The windows, from the policy and the script.
	observe, quiet, onCue time.Duration

	mu        sync.Mutex
	activity  time.Time // the last attempt, answer, end or scripted step
	arrivals  int
	lastN     int           // the acceptor's number of the last attempt's first arrival
	lastAt    time.Time     // when it arrived
	reached   bool          // it has played its steps
	open      map[int]bool  // accepted connections open, hung attempts waiting
	signal    chan struct{} // has a value when something changed
	startedAt time.Time
}

func newWatch(s *scenario.Script, cfg config, p Policy) *watch {
	last := s.Attempts[len(s.Attempts)-1]
	_, accepts := last.Answer.(scenario.Accept)
	w := &watch{
		last: len(s.Attempts), lastSteps: len(last.Steps), lastAccepts: accepts,
		observe: cfg.observe, quiet: quietWindow(p, s), onCue: cfg.stopAfter,
		open: map[int]bool{}, signal: make(chan struct{}, 1), startedAt: time.Now(),
	}
	if w.observe == 0 {
		w.observe = observeWindow(p)
	}
	w.activity = w.startedAt
	return w
}

// observeWindow is how long a client is watched once the script's last
// attempt has played: long enough for a second attempt it should not
// make (twice its first retry delay), and for its keepalive to go off on
// a healthy connection.
func observeWindow(p Policy) time.Duration {
	return 2*p.retryWindow(1).hi + p.Keepalive
}

// quietWindow is how long nothing may happen before a client counts as
// stopped: longer than anything the policy lets it take (a delay, a
// handshake, noticing a dead connection) and than any pause of the script,
// with the observation window on top.
func quietWindow(p Policy, s *scenario.Script) time.Duration {
	return p.Keepalive + p.ConnectTimeout + 2*p.longestDelay() + longestPause(s) + observeWindow(p)
}

// longestPause is the longest a script makes anyone wait in one go: an
// After, a Wait, a Down, a rule's delay.
func longestPause(s *scenario.Script) time.Duration {
	var longest time.Duration
	for _, a := range s.Attempts {
		longest = max(longest, a.After)
		for _, st := range a.Steps {
			switch act := st.Action.(type) {
			case scenario.Wait:
				longest = max(longest, act.Duration)
			case scenario.Down:
				longest = max(longest, act.Duration)
			case scenario.Inject:
				longest = max(longest, act.Fault.Spec().Delay)
			}
		}
		for _, r := range a.Rules {
			longest = max(longest, r.Delay)
		}
	}
	return longest
}

// progress takes the player's report of one thing that happened.
func (w *watch) progress(p scenario.Progress) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch p.Kind {
	case scenario.AttemptArrived:
		w.arrived(p)
	case scenario.AttemptAnswered:
		w.answered(p)
	case scenario.ConnectionEnded:
		delete(w.open, p.N)
		w.reached = w.reached || p.N == w.lastN
	case scenario.StepDone:
		if !w.stepDone(p) {
			return // a message, or a rule's doing: no step of the script
		}
	}
	w.activity = time.Now()
	select {
	case w.signal <- struct{}{}:
	default:
	}
}

// arrived counts an attempt, and notes the first that the script's last
// attempt answers. Call with mu held.
func (w *watch) arrived(p scenario.Progress) {
	w.arrivals++
	if p.Attempt == w.last && w.lastN == 0 {
		w.lastN, w.lastAt = p.N, time.Now()
	}
}

// answered notes an accepted connection, or a hung attempt, as open until
// it ends or its client gives it up. Call with mu held.
func (w *watch) answered(p scenario.Progress) {
	if strings.HasPrefix(p.Answer, "accepted") || p.Answer == "hung" {
		w.open[p.N] = true
	}
	w.reached = w.reached || p.N == w.lastN && w.lastSteps == 0
}

// stepDone notes a step of the script done, and reports whether the entry
// was one. Call with mu held.
func (w *watch) stepDone(p scenario.Progress) bool {
	e := p.Entry
	if e.Step == 0 && e.Kind != scenario.AfterMismatch {
		return false
	}
	if p.N == w.lastN && (e.Step == w.lastSteps || e.Err != nil || e.Kind == scenario.AfterMismatch) {
		w.reached = true
	}
	return true
}

// due says when the run settles, as things stand, and why.
func (w *watch) due() (time.Time, Settled) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.arrivals > MaxAttempts:
		return time.Time{}, SettledFlood
	case w.onCue > 0 && w.lastN != 0:
		return w.lastAt.Add(w.onCue), SettledOnCue
	case w.reached && w.lastAccepts:
		return w.activity.Add(w.observe), SettledObserved
	}
	return w.activity.Add(w.quiet), SettledQuiet
}

// wait waits until the run settles, or ctx is done, and says why.
func (w *watch) wait(ctx context.Context) Settled {
	for {
		at, why := w.due()
		d := time.Until(at)
		if d <= 0 {
			return why
		}
		t := time.NewTimer(d)
		select {
		case <-w.signal:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return SettledDeadline
		}
		t.Stop()
	}
}

// waitEnded waits until no connection the script accepted is open, and
// no attempt it left hanging is still waiting, or grace has passed, or
// ctx is done.
func (w *watch) waitEnded(ctx context.Context, grace time.Duration) {
	t := time.NewTimer(grace)
	defer t.Stop()
	for {
		w.mu.Lock()
		n := len(w.open)
		w.mu.Unlock()
		if n == 0 {
			return
		}
		select {
		case <-w.signal:
		case <-t.C:
			return
		case <-ctx.Done():
			return
		}
	}
}
