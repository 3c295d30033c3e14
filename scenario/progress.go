package scenario

import (
	"context"
	"sync"
	"time"

	"github.com/wsdouble/wsdouble/wstest"
)

// ProgressKind says what a Progress reports.
type ProgressKind string

// What a run reports as it goes.
const (
	// AttemptArrived: a client's attempt arrived and the script's attempt
	// Attempt will answer it.
	AttemptArrived ProgressKind = "attempt"
	// AttemptAnswered: the attempt was answered (Answer says how).
	AttemptAnswered ProgressKind = "answer"
	// StepDone: a step finished, or a message went by (Entry).
	StepDone ProgressKind = "step"
	// ConnectionEnded: an accepted connection ended, or a hung attempt
	// was given up by the client (End).
	ConnectionEnded ProgressKind = "end"
)

// Progress is one thing that happened in a run, reported as it happens to
// the function given to OnProgress: the same lines as the Report's
// timeline, live.
type Progress struct {
	Kind ProgressKind
	// At is the time since the run started.
	At time.Duration
	// Attempt is the index of the script's attempt, from 1; N the
	// attempt's number in the acceptor's log.
	Attempt, N int
	// Client and ClientAttempt are the AttemptReport's.
	Client        string
	ClientAttempt int
	Label         string
	// Answer is set for AttemptAnswered: "accepted v1", "refused 503".
	Answer string
	// Entry is set for StepDone.
	Entry *Entry
	// End is set for ConnectionEnded.
	End *wstest.End
}

// OnProgress calls f with each thing that happens during the run, as it
// happens: attempts arriving, answers, steps and messages, ends of
// connections. Calls are made one at a time, in order, from the run's own
// goroutines; f must not block for long. The CLI's live timeline is built
// on it.
func OnProgress(f func(Progress)) Option {
	return optionFunc(func(c *runConfig) { c.progress = f })
}

// live is the part of a runner that reports progress.
type live struct {
	f      func(Progress)
	mu     sync.Mutex // serializes calls to f
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // watchers of connection ends
}

func newLive(f func(Progress)) *live {
	l := &live{f: f}
	l.ctx, l.cancel = context.WithCancel(context.Background())
	return l
}

func (l *live) report(p Progress) {
	if l.f == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.f(p)
}

// watch reports the end of an accepted connection, or of a hung attempt,
// when it comes before the run is over.
func (l *live) watch(r *runner, ar int, done <-chan struct{}, end func() *wstest.End) {
	if l.f == nil {
		return
	}
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		select {
		case <-done:
		case <-l.ctx.Done():
			select {
			case <-done: // ended as the run did: still report it
			default:
				return
			}
		}
		r.mu.Lock()
		a := r.rep.Attempts[ar]
		r.mu.Unlock()
		e := end()
		at := r.now()
		if e.Kind != wstest.NotEnded {
			at = e.Time.Sub(r.start)
		}
		l.report(Progress{Kind: ConnectionEnded, At: at, Attempt: a.Attempt, N: a.N, Client: a.Client, ClientAttempt: a.ClientAttempt, Label: a.Label, End: e})
	}()
}

// stop ends the watchers: the run is over.
func (l *live) stop() {
	l.cancel()
	l.wg.Wait()
}
