package wstest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/wsdouble/wsdouble"
)

// recorded is one event as a listener saw it.
type recorded struct {
	ev    wsdouble.Event
	state wsdouble.ReadyState // ReadyState during the listener call
}

// recorder records every event of a socket, and whether two listener calls
// ever overlapped.
type recorder struct {
	ws wsdouble.IWebSocket

	inside     atomic.Int32
	overlapped atomic.Bool

	mu     sync.Mutex
	events []recorded
	cursor int
	wake   chan struct{}
	closed chan struct{}
}

func newRecorder(ws wsdouble.IWebSocket) *recorder {
	r := &recorder{ws: ws, wake: make(chan struct{}), closed: make(chan struct{})}
	l := wsdouble.ListenerFunc(r.handle)
	for _, t := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
		ws.AddEventListener(t, l)
	}
	return r
}

func (r *recorder) handle(e wsdouble.Event) {
	if r.inside.Add(1) != 1 {
		r.overlapped.Store(true)
	}
	defer r.inside.Add(-1)
	st := r.ws.ReadyState()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, recorded{e, st})
	close(r.wake)
	r.wake = make(chan struct{})
	if _, ok := e.(wsdouble.CloseEvent); ok {
		select {
		case <-r.closed:
		default:
			close(r.closed)
		}
	}
}

// next returns the next event not yet consumed, waiting for it.
func (r *recorder) next(ctx context.Context) (recorded, error) {
	for {
		r.mu.Lock()
		if r.cursor < len(r.events) {
			e := r.events[r.cursor]
			r.cursor++
			r.mu.Unlock()
			return e, nil
		}
		wake := r.wake
		seen := describeAll(r.events)
		r.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return recorded{}, fmt.Errorf("no further event before %v; events so far: %s", context.Cause(ctx), seen)
		}
	}
}

// expect consumes the next len(want) events and compares their
// descriptions with want.
func (r *recorder) expect(ctx context.Context, want ...string) error {
	got := make([]string, 0, len(want))
	for range want {
		e, err := r.next(ctx)
		if err != nil {
			return fmt.Errorf("events: got %s, want %s (%v)", list(got), list(want), err)
		}
		got = append(got, describe(e.ev))
	}
	if !slices.Equal(got, want) {
		return fmt.Errorf("events: got %s, want %s", list(got), list(want))
	}
	return nil
}

func (r *recorder) waitClosed(ctx context.Context) error {
	select {
	case <-r.closed:
		return nil
	case <-ctx.Done():
		r.mu.Lock()
		defer r.mu.Unlock()
		return fmt.Errorf("no close event before %v; events: %s", context.Cause(ctx), describeAll(r.events))
	}
}

// all returns every event recorded so far.
func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// invariants checks what must hold of any socket's whole event history.
func (r *recorder) invariants() error {
	var errs []error
	if r.overlapped.Load() {
		errs = append(errs, errors.New("listeners: two listener calls overlapped, want one at a time"))
	}
	events := r.all()
	opens, closes := 0, 0
	for i, e := range events {
		switch e.ev.(type) {
		case wsdouble.OpenEvent:
			opens++
		case wsdouble.CloseEvent:
			closes++
			if i != len(events)-1 {
				errs = append(errs, fmt.Errorf("events: got %s after the close event, want nothing", list(describeEach(events[i+1:]))))
			}
		}
	}
	if opens > 1 {
		errs = append(errs, fmt.Errorf("open events: got %d, want at most 1", opens))
	}
	if closes > 1 {
		errs = append(errs, fmt.Errorf("close events: got %d, want at most 1", closes))
	}
	return errors.Join(errs...)
}

// describe names an event for comparison: error events without their cause,
// message events with their type and data.
func describe(e wsdouble.Event) string {
	switch e := e.(type) {
	case wsdouble.ErrorEvent:
		return "error"
	case fmt.Stringer:
		return e.String()
	case nil:
		return "<nil>"
	}
	return string(e.Type())
}

func describeEach(rs []recorded) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = describe(r.ev)
	}
	return out
}

func describeAll(rs []recorded) string { return list(describeEach(rs)) }

func list(s []string) string { return "[" + strings.Join(s, ", ") + "]" }
