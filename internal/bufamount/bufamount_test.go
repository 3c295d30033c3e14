package bufamount

import (
	"errors"
	"testing"
)

// loop is a socket's event loop, run by hand: it counts the turns asked.
type loop struct {
	asked   int
	pending int // bytes the transport holds
}

func (l *loop) ScheduleTurn() { l.asked++ }

func newAmount(l *loop) *Amount {
	a := new(Amount)
	a.Init(PendingFunc(func() int { return l.pending }), l)
	return a
}

func send(t *testing.T, a *Amount, n int) {
	t.Helper()
	if err := a.Send(n, func() error { return nil }); err != nil {
		t.Fatal(err)
	}
}

func want(t *testing.T, what string, a *Amount, n int) {
	t.Helper()
	if got := a.Value(); got != n {
		t.Errorf("%s: Value: got %d, want %d", what, got, n)
	}
}

func TestCountsUntilATurn(t *testing.T) {
	l := &loop{}
	a := newAmount(l)
	send(t, a, 4)
	want(t, "right after Send, the transport having taken it all", a, 4)
	send(t, a, 1<<20)
	want(t, "after a second Send", a, 4+1<<20)
	if l.asked != 1 {
		t.Errorf("turns asked for two Sends before a turn: got %d, want 1", l.asked)
	}
	a.Turn()
	want(t, "after the turn", a, 0)
	send(t, a, 3)
	if l.asked != 2 {
		t.Errorf("turns asked after the turn ran and another Send: got %d, want 2", l.asked)
	}
}

func TestTurnShowsWhatTheTransportHolds(t *testing.T) {
	l := &loop{}
	a := newAmount(l)
	send(t, a, 100)
	l.pending = 60 // the transport took 40 bytes so far
	a.Turn()
	want(t, "after a turn with 60 bytes held", a, 60)
	l.pending = 0
	a.Taken()
	if l.asked != 2 {
		t.Errorf("Taken: turns asked: got %d, want 2", l.asked)
	}
	want(t, "after Taken, before the turn", a, 60)
	a.Turn()
	want(t, "after the turn", a, 0)
}

func TestNoTurnDuringATask(t *testing.T) {
	l := &loop{}
	a := newAmount(l)
	send(t, a, 7)
	a.BeginTask() // a dispatch begins with a turn
	want(t, "in a task begun after the transport took the bytes", a, 0)
	send(t, a, 4)
	want(t, "in the task, after Send", a, 4)
	if l.asked != 1 {
		t.Errorf("turns asked by a Send in a task: got %d, want none but the first Send's", l.asked)
	}
	a.Turn() // the turn the first Send asked for comes while the listener runs
	want(t, "in the task, after the turn asked for", a, 4)
	a.EndTask()
	want(t, "after the task", a, 0)
}

func TestDiscardedCountForGood(t *testing.T) {
	l := &loop{}
	a := newAmount(l)
	a.Discarded(3)
	a.Turn()
	a.BeginTask()
	a.EndTask()
	want(t, "discarded bytes after turns", a, 3)
	err := a.Send(5, func() error { return errors.New("broken pipe") })
	if err == nil {
		t.Fatal("Send: the write's error was lost")
	}
	a.Turn()
	want(t, "bytes of a failed write after a turn", a, 8)
}

func TestZeroValue(t *testing.T) {
	var a Amount
	send(t, &a, 2)
	a.Taken()
	a.Turn()
	want(t, "a zero Amount after a turn (no transport: it took everything)", &a, 0)
}
