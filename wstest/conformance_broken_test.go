package wstest_test

import (
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// broken wraps a socket and rewrites what its listeners see, to prove the
// conformance checker notices.
type broken struct {
	wsdouble.IWebSocket
	target    wsdouble.EventTarget
	sendFirst bool // Send succeeds while CONNECTING
	anyCode   bool // Close accepts any code
	noOnce    bool // Once is ignored
	nilHTTP   bool // the constructor returns no socket and no error for an http: URL
}

func (b *broken) AddEventListener(typ wsdouble.EventType, l wsdouble.Listener, opts ...wsdouble.ListenerOption) {
	if b.noOnce {
		opts = nil
	}
	b.target.AddEventListener(typ, l, opts...)
}

func (b *broken) RemoveEventListener(typ wsdouble.EventType, l wsdouble.Listener) {
	b.target.RemoveEventListener(typ, l)
}

func (b *broken) Send(m wsdouble.Message) error {
	if b.sendFirst && b.ReadyState() == wsdouble.Connecting {
		return nil
	}
	return b.IWebSocket.Send(m)
}

func (b *broken) Close(code int, reason string) error {
	if b.anyCode && wsdouble.ValidateClose(code, "") != nil {
		code = 1000
	}
	return b.IWebSocket.Close(code, reason)
}

// brokenConstructor wraps every socket of ctor; transform rewrites each
// event before the wrapper's listeners see it (emit dispatches).
func brokenConstructor(ctor wsdouble.Constructor, setup func(*broken), transform func(e wsdouble.Event, emit func(wsdouble.Event))) wsdouble.Constructor {
	return func(url string, protocols ...string) (wsdouble.IWebSocket, error) {
		b := &broken{}
		setup(b)
		if b.nilHTTP && strings.HasPrefix(url, "http") {
			return nil, nil
		}
		ws, err := ctor(url, protocols...)
		if err != nil {
			return nil, err
		}
		b.IWebSocket = ws
		l := wsdouble.ListenerFunc(func(e wsdouble.Event) { transform(e, b.target.DispatchEvent) })
		for _, typ := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
			ws.AddEventListener(typ, l)
		}
		return b, nil
	}
}

func passThrough(e wsdouble.Event, emit func(wsdouble.Event)) { emit(e) }

func TestConformanceCatchesBrokenImplementations(t *testing.T) {
	closeBeforeError := func() func(wsdouble.Event, func(wsdouble.Event)) {
		var held wsdouble.Event
		return func(e wsdouble.Event, emit func(wsdouble.Event)) {
			switch e.(type) {
			case wsdouble.ErrorEvent:
				held = e
			case wsdouble.CloseEvent:
				emit(e)
				if held != nil {
					emit(held)
				}
			default:
				emit(e)
			}
		}
	}
	no1005 := func(e wsdouble.Event, emit func(wsdouble.Event)) {
		if c, ok := e.(wsdouble.CloseEvent); ok && c.Code == wsdouble.CloseNoStatusReceived {
			c.Code = wsdouble.CloseNormalClosure
			e = c
		}
		emit(e)
	}
	// errorOnDrop fires an error before every close 1006, as the real
	// client once did (the browser does not after an open connection
	// drops).
	errorOnDrop := func() func(wsdouble.Event, func(wsdouble.Event)) {
		failed := false
		return func(e wsdouble.Event, emit func(wsdouble.Event)) {
			switch e := e.(type) {
			case wsdouble.ErrorEvent:
				failed = true
			case wsdouble.CloseEvent:
				if e.Code == wsdouble.CloseAbnormalClosure && !failed {
					emit(wsdouble.ErrorEvent{})
				}
			}
			emit(e)
		}
	}
	// closeTwice dispatches every close event twice.
	closeTwice := func() func(wsdouble.Event, func(wsdouble.Event)) {
		return func(e wsdouble.Event, emit func(wsdouble.Event)) {
			emit(e)
			if _, ok := e.(wsdouble.CloseEvent); ok {
				emit(e)
			}
		}
	}
	none := func(*broken) {}
	tests := []struct {
		name      string
		setup     func(*broken)
		transform func() func(wsdouble.Event, func(wsdouble.Event))
		mustFail  []string
		mustPass  []string
	}{
		{"close-before-error", none, closeBeforeError,
			[]string{"fail/refused", "close/while-connecting", "open/protocol-not-offered"},
			[]string{"message/text", "close/server-code-and-reason", "fail/drop"}},
		{"error-on-drop", none, errorOnDrop,
			[]string{"fail/drop"},
			[]string{"fail/refused", "close/while-connecting"}},
		{"no-1005", none, func() func(wsdouble.Event, func(wsdouble.Event)) { return no1005 },
			[]string{"close/server-no-status", "close/client-no-code"},
			[]string{"close/client", "fail/drop"}},
		{"send-while-connecting", func(b *broken) { b.sendFirst = true }, func() func(wsdouble.Event, func(wsdouble.Event)) { return passThrough },
			[]string{"send/before-open"},
			[]string{"send/text-and-binary"}},
		{"any-close-code", func(b *broken) { b.anyCode = true }, func() func(wsdouble.Event, func(wsdouble.Event)) { return passThrough },
			[]string{"close/invalid-code"},
			[]string{"close/client"}},
		{"once-ignored", func(b *broken) { b.noOnce = true }, func() func(wsdouble.Event, func(wsdouble.Event)) { return passThrough },
			[]string{"listener/once"},
			[]string{"listener/remove"}},
		// The checker reports these, where it used to panic.
		{"close-twice", none, closeTwice,
			[]string{"listener/per-type", "close/server-code-and-reason", "message/text"},
			[]string{"constructor/invalid-url"}},
		{"nil-for-http", func(b *broken) { b.nilHTTP = true }, func() func(wsdouble.Event, func(wsdouble.Event)) { return passThrough },
			[]string{"constructor/http-url"},
			[]string{"constructor/initial-state"}},
	}
	checks := wstest.ConformanceChecks()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var failed []string
			for _, cc := range checks {
				if !slices.Contains(tt.mustFail, cc.Name) && !slices.Contains(tt.mustPass, cc.Name) {
					continue
				}
				synctest.Test(t, func(t *testing.T) {
					err := cc.Run(t.Context(), func() (wstest.Subject, error) {
						srv := wstest.NewServer(t)
						ctor := brokenConstructor(srv.Constructor(), tt.setup, tt.transform())
						return wstest.Subject{New: ctor, URL: wstest.MemoryURL, Acceptor: srv, Close: srv.Close}, nil
					})
					if err != nil {
						t.Logf("%v", err)
						failed = append(failed, cc.Name)
					}
				})
			}
			for _, name := range tt.mustFail {
				if !slices.Contains(failed, name) {
					t.Errorf("check %s passed, want it to fail", name)
				}
			}
			for _, name := range tt.mustPass {
				if slices.Contains(failed, name) {
					t.Errorf("check %s failed, want it to pass (the breakage does not touch it)", name)
				}
			}
		})
	}
}
