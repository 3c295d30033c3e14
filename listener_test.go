package wsdouble_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wsdouble/wsdouble"
)

type logListener struct {
	name string
	log  *[]string
}

func (l *logListener) HandleEvent(e wsdouble.Event) { *l.log = append(*l.log, l.name) }

// funcType is a comparable-looking but non-comparable listener: a func type.
type funcType func(wsdouble.Event)

func (f funcType) HandleEvent(e wsdouble.Event) { f(e) }

// sliceListener is a struct listener holding a slice: not comparable.
type sliceListener struct {
	log  *[]string
	tags []string
}

func (l sliceListener) HandleEvent(e wsdouble.Event) {
	*l.log = append(*l.log, strings.Join(l.tags, "+"))
}

func TestEventTargetOrderAndDuplicates(t *testing.T) {
	var log []string
	var et wsdouble.EventTarget
	a, b := &logListener{"a", &log}, &logListener{"b", &log}
	et.AddEventListener(wsdouble.EventOpen, a)
	et.AddEventListener(wsdouble.EventOpen, b)
	et.AddEventListener(wsdouble.EventOpen, a) // duplicate: ignored
	et.AddEventListener(wsdouble.EventOpen, nil)
	et.DispatchEvent(wsdouble.OpenEvent{})
	et.DispatchEvent(wsdouble.CloseEvent{}) // no close listeners
	if got, want := fmt.Sprint(log), "[a b]"; got != want {
		t.Errorf("calls: got %s, want %s", got, want)
	}
	if got := et.Len(wsdouble.EventOpen); got != 2 {
		t.Errorf("Len: got %d, want 2", got)
	}
}

func TestEventTargetRemoveByIdentity(t *testing.T) {
	var log []string
	var et wsdouble.EventTarget
	a := &logListener{"a", &log}
	sameFields := &logListener{"a", &log} // equal fields, different pointer
	et.AddEventListener(wsdouble.EventMessage, a)
	et.AddEventListener(wsdouble.EventClose, a)
	et.RemoveEventListener(wsdouble.EventMessage, sameFields) // not the same listener
	et.RemoveEventListener(wsdouble.EventMessage, nil)
	et.DispatchEvent(wsdouble.MessageEvent{})
	et.RemoveEventListener(wsdouble.EventMessage, a)
	et.DispatchEvent(wsdouble.MessageEvent{})
	et.DispatchEvent(wsdouble.CloseEvent{}) // still registered for close
	if got, want := fmt.Sprint(log), "[a a]"; got != want {
		t.Errorf("calls: got %s, want %s", got, want)
	}
}

func TestEventTargetOnce(t *testing.T) {
	var log []string
	var et wsdouble.EventTarget
	once := &logListener{"once", &log}
	et.AddEventListener(wsdouble.EventMessage, once, wsdouble.Once())
	et.AddEventListener(wsdouble.EventMessage, &logListener{"always", &log})
	et.DispatchEvent(wsdouble.MessageEvent{})
	et.DispatchEvent(wsdouble.MessageEvent{})
	if got, want := fmt.Sprint(log), "[once always always]"; got != want {
		t.Errorf("calls: got %s, want %s", got, want)
	}
	// A once listener that dispatches re-entrantly is not called twice.
	log = nil
	reentrant := wsdouble.ListenerFunc(func(e wsdouble.Event) {
		log = append(log, "r")
		et.DispatchEvent(e)
	})
	et.AddEventListener(wsdouble.EventOpen, reentrant, wsdouble.Once())
	et.DispatchEvent(wsdouble.OpenEvent{})
	if got, want := fmt.Sprint(log), "[r]"; got != want {
		t.Errorf("re-entrant once calls: got %s, want %s", got, want)
	}
}

func TestEventTargetChangesDuringDispatch(t *testing.T) {
	var log []string
	var et wsdouble.EventTarget
	b := &logListener{"b", &log}
	c := &logListener{"c", &log}
	et.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(wsdouble.Event) {
		log = append(log, "a")
		et.RemoveEventListener(wsdouble.EventMessage, b) // not yet called: skipped
		et.AddEventListener(wsdouble.EventMessage, c)    // added: not called this time
	}))
	et.AddEventListener(wsdouble.EventMessage, b)
	et.DispatchEvent(wsdouble.MessageEvent{})
	if got, want := fmt.Sprint(log), "[a]"; got != want {
		t.Errorf("first dispatch: got %s, want %s", got, want)
	}
	log = nil
	et.DispatchEvent(wsdouble.MessageEvent{})
	if got, want := fmt.Sprint(log), "[a c]"; got != want {
		t.Errorf("second dispatch: got %s, want %s", got, want)
	}
}

func TestEventTargetNonComparableListeners(t *testing.T) {
	var log []string
	var et wsdouble.EventTarget
	f := funcType(func(wsdouble.Event) { log = append(log, "f") })
	s := sliceListener{&log, []string{"s"}}
	// Neither may panic; neither can be removed or de-duplicated.
	et.AddEventListener(wsdouble.EventOpen, f)
	et.AddEventListener(wsdouble.EventOpen, f)
	et.AddEventListener(wsdouble.EventOpen, s)
	et.RemoveEventListener(wsdouble.EventOpen, f)
	et.RemoveEventListener(wsdouble.EventOpen, s)
	et.DispatchEvent(wsdouble.OpenEvent{})
	if got, want := fmt.Sprint(log), "[f f s]"; got != want {
		t.Errorf("calls: got %s, want %s", got, want)
	}
}

func TestListenerFuncDistinct(t *testing.T) {
	f := func(wsdouble.Event) {}
	if wsdouble.ListenerFunc(f) == wsdouble.ListenerFunc(f) {
		t.Error("two ListenerFunc calls returned equal listeners; want distinct")
	}
}

func TestEventStrings(t *testing.T) {
	tests := []struct {
		e    wsdouble.Event
		want string
	}{
		{wsdouble.OpenEvent{}, "open"},
		{wsdouble.MessageEvent{Message: wsdouble.Text("hi")}, `message text "hi"`},
		{wsdouble.ErrorEvent{}, "error"},
		{wsdouble.ErrorEvent{Err: fmt.Errorf("boom")}, "error: boom"},
		{wsdouble.CloseEvent{Code: 1000, WasClean: true}, "close 1000 clean"},
		{wsdouble.CloseEvent{Code: 4000, Reason: "bye"}, `close 4000 "bye" unclean`},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(tt.e); got != tt.want {
			t.Errorf("%#v: got %q, want %q", tt.e, got, tt.want)
		}
	}
	types := map[wsdouble.EventType]wsdouble.Event{
		wsdouble.EventOpen: wsdouble.OpenEvent{}, wsdouble.EventMessage: wsdouble.MessageEvent{},
		wsdouble.EventError: wsdouble.ErrorEvent{}, wsdouble.EventClose: wsdouble.CloseEvent{},
	}
	for typ, e := range types {
		if e.Type() != typ {
			t.Errorf("%T.Type(): got %q, want %q", e, e.Type(), typ)
		}
	}
}
