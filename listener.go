package wsdouble

import (
	"reflect"
	"sync"
	"sync/atomic"
)

// Listener receives events, like the DOM's EventListener. A socket calls
// HandleEvent on its own dispatch goroutine, one event at a time.
//
// Listeners are identified by ==: adding the same listener twice for one
// type has no effect, and RemoveEventListener removes the listener equal to
// the one given. A listener whose dynamic type is not comparable (a func
// type, a struct holding a slice) can be added, but never matches another:
// it cannot be removed. Use ListenerFunc for functions.
type Listener interface {
	HandleEvent(Event)
}

// ListenerFunc wraps f in a new Listener. Each call returns a distinct
// listener (a pointer), so keep the result to remove it later:
//
//	l := wsdouble.ListenerFunc(func(e wsdouble.Event) { ... })
//	ws.AddEventListener(wsdouble.EventMessage, l)
//	ws.RemoveEventListener(wsdouble.EventMessage, l)
func ListenerFunc(f func(Event)) Listener { return &funcListener{f: f} }

type funcListener struct{ f func(Event) }

func (l *funcListener) HandleEvent(e Event) { l.f(e) }

// ListenerOption changes how AddEventListener registers a listener.
type ListenerOption interface {
	applyListener(*ListenerOptions)
}

// ListenerOptions is the result of applying ListenerOption values, the Go
// form of the DOM's AddEventListenerOptions. Implementations of IWebSocket
// outside this module read it with ApplyListenerOptions.
type ListenerOptions struct {
	// Once removes the listener just before it is first called.
	Once bool
}

type onceOption struct{}

func (onceOption) applyListener(o *ListenerOptions) { o.Once = true }

// Once makes the listener fire at most once: it is removed just before its
// first call, as with the DOM's {once: true}.
func Once() ListenerOption { return onceOption{} }

// ApplyListenerOptions returns the options opts select.
func ApplyListenerOptions(opts ...ListenerOption) ListenerOptions {
	var o ListenerOptions
	for _, opt := range opts {
		if opt != nil {
			opt.applyListener(&o)
		}
	}
	return o
}

// EventTarget is a list of listeners with the DOM's rules, the part of a
// WebSocket that AddEventListener, RemoveEventListener and event dispatch
// share. Every IWebSocket in this module keeps one; it is exported so that
// other implementations of the contract can too. The zero value is ready to
// use, and its methods are safe for concurrent use.
//
// The rules (DOM Standard, "add an event listener", "remove an event
// listener", "inner invoke"):
//   - a nil listener is ignored; adding a listener already present for the
//     type does nothing;
//   - DispatchEvent calls the listeners present when it starts, in the order
//     they were added; one added during the dispatch is not called for that
//     event, and one removed during it is not called if it has not been
//     already;
//   - a Once listener is removed just before it is called.
//
// EventTarget does not decide which goroutine dispatches; a socket calls
// DispatchEvent from its own dispatch goroutine so that listeners never run
// concurrently.
type EventTarget struct {
	mu sync.Mutex
	// list is only ever appended to in place (beyond the length a dispatch
	// may have loaded) or replaced by a copy, so a dispatch iterates the
	// slice it loaded without holding mu.
	list []*listenerEntry

	// The first listeners added live here, and so does the first list:
	// a socket usually has one listener per event type, and then costs
	// no allocation for them. A slot is used once, never again after its
	// listener is removed (a dispatch may still hold it, so it keeps its
	// listener until the target goes).
	firstList [4]*listenerEntry
	first     [4]listenerEntry
	used      int // slots of first taken
}

func (t *EventTarget) entries() []*listenerEntry {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.list
}

type listenerEntry struct {
	typ        EventType
	l          Listener
	comparable bool
	once       bool
	removed    atomic.Bool
}

func (e *listenerEntry) matches(typ EventType, l Listener, comparable bool) bool {
	return e.typ == typ && comparable && e.comparable &&
		reflect.TypeOf(e.l) == reflect.TypeOf(l) && e.l == l
}

func isComparable(l Listener) bool { return reflect.TypeOf(l).Comparable() }

// AddEventListener appends l to the listeners of typ.
func (t *EventTarget) AddEventListener(typ EventType, l Listener, opts ...ListenerOption) {
	if l == nil {
		return
	}
	o := ApplyListenerOptions(opts...)
	cmp := isComparable(l)
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range t.list {
		if e.matches(typ, l, cmp) {
			return
		}
	}
	if t.list == nil {
		t.list = t.firstList[:0]
	}
	var e *listenerEntry
	if t.used < len(t.first) {
		e = &t.first[t.used]
		t.used++
	} else {
		e = new(listenerEntry)
	}
	e.typ, e.l, e.comparable, e.once = typ, l, cmp, o.Once
	t.list = append(t.list, e)
}

// RemoveEventListener removes l from the listeners of typ, if present.
func (t *EventTarget) RemoveEventListener(typ EventType, l Listener) {
	if l == nil {
		return
	}
	cmp := isComparable(l)
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, e := range t.list {
		if e.matches(typ, l, cmp) {
			t.removeLocked(i)
			return
		}
	}
}

// removeLocked removes entry i into a new array: a dispatch in progress
// keeps iterating the old one.
func (t *EventTarget) removeLocked(i int) {
	t.list[i].removed.Store(true)
	list := make([]*listenerEntry, 0, len(t.list)-1)
	list = append(list, t.list[:i]...)
	t.list = append(list, t.list[i+1:]...)
}

func (t *EventTarget) remove(e *listenerEntry) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if e.removed.Load() {
		return false
	}
	for i, x := range t.list {
		if x == e {
			t.removeLocked(i)
			return true
		}
	}
	return false
}

// DispatchEvent calls, on the calling goroutine, every listener of
// e.Type() present when it starts. A listener that panics is not recovered.
func (t *EventTarget) DispatchEvent(e Event) {
	typ := e.Type()
	for _, entry := range t.entries() {
		if entry.typ != typ || entry.removed.Load() {
			continue
		}
		if entry.once && !t.remove(entry) {
			continue
		}
		entry.l.HandleEvent(e)
	}
}

// Len returns the number of listeners registered for typ.
func (t *EventTarget) Len(typ EventType) int {
	n := 0
	for _, e := range t.entries() {
		if e.typ == typ {
			n++
		}
	}
	return n
}
