package wstest

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/wsdouble/wsdouble"
)

// The listener/ checks: how listeners are added, removed and called (DOM
// Standard: EventTarget, dispatch), and what a listener may do to its own
// socket.

// openAndSend opens a socket whose listeners setup adds, has the server
// send n messages, and returns once every listener call for them returned.
func (c *checker) openAndSend(n int, setup func(ws wsdouble.IWebSocket)) error {
	r, p, err := c.openWith(AcceptOptions{}, setup)
	if err != nil {
		return err
	}
	return c.sendN(r, p, n)
}

// counter is a Listener that counts events, ignoring the barrier message.
type counter struct{ n atomic.Int32 }

func (c *counter) HandleEvent(e wsdouble.Event) {
	if m, ok := e.(wsdouble.MessageEvent); ok && string(m.Data) == "barrier" {
		return
	}
	c.n.Add(1)
}

func checkOnce(c *checker) error {
	once, always := &counter{}, &counter{}
	if err := c.openAndSend(2, func(ws wsdouble.IWebSocket) {
		ws.AddEventListener(wsdouble.EventMessage, once, wsdouble.Once())
		ws.AddEventListener(wsdouble.EventMessage, always)
	}); err != nil {
		return err
	}
	return errors.Join(
		gotWant("calls of the Once listener", once.n.Load(), 1),
		gotWant("calls of the plain listener", always.n.Load(), 2))
}

func checkRemove(c *checker) error {
	return c.checkCalls("calls of the removed listener", 1, 0, func(ws wsdouble.IWebSocket, l *counter) {
		ws.AddEventListener(wsdouble.EventMessage, l)
		ws.RemoveEventListener(wsdouble.EventMessage, l)
	})
}

func checkRemoveDuringDispatch(c *checker) error {
	return c.checkCalls("calls of the listener removed by an earlier one", 2, 0, func(ws wsdouble.IWebSocket, b *counter) {
		ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(wsdouble.Event) {
			ws.RemoveEventListener(wsdouble.EventMessage, b)
		}))
		ws.AddEventListener(wsdouble.EventMessage, b)
	})
}

func checkAddDuringDispatch(c *checker) error {
	var done atomic.Bool
	return c.checkCalls("calls of the listener added during the first message", 2, 1, func(ws wsdouble.IWebSocket, added *counter) {
		ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(wsdouble.Event) {
			if done.CompareAndSwap(false, true) {
				ws.AddEventListener(wsdouble.EventMessage, added)
			}
		}))
	})
}

func checkDuplicate(c *checker) error {
	return c.checkCalls("calls of a listener added twice, for 2 messages", 2, 2, func(ws wsdouble.IWebSocket, l *counter) {
		ws.AddEventListener(wsdouble.EventMessage, l)
		ws.AddEventListener(wsdouble.EventMessage, l)
	})
}

// checkCalls opens a socket, lets setup register a counter, has the server
// send n messages, and compares the counter's calls with want (what names
// them).
func (c *checker) checkCalls(what string, n int, want int32, setup func(ws wsdouble.IWebSocket, l *counter)) error {
	l := &counter{}
	if err := c.openAndSend(n, func(ws wsdouble.IWebSocket) { setup(ws, l) }); err != nil {
		return err
	}
	return gotWant(what, l.n.Load(), want)
}

func checkPerType(c *checker) error {
	l := &counter{}
	closed := make(chan struct{})
	r, p, err := c.openWith(AcceptOptions{}, func(ws wsdouble.IWebSocket) {
		ws.AddEventListener(wsdouble.EventMessage, l)
		ws.AddEventListener(wsdouble.EventClose, l)
		ws.RemoveEventListener(wsdouble.EventMessage, l)
		var once sync.Once // a subject that fires close twice is reported, not a panic
		ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) { once.Do(func() { close(closed) }) }))
	})
	if err != nil {
		return err
	}
	if err := c.sendN(r, p, 1); err != nil {
		return err
	}
	if err := p.Close(1000, ""); err != nil {
		return fmt.Errorf("server Close: %w", err)
	}
	if err := r.expect(c.ctx, "close 1000 clean"); err != nil {
		return err
	}
	// The counter runs before the listener that closes closed.
	if _, err := await(c.ctx, closed, "the last close listener never ran"); err != nil {
		return err
	}
	return gotWant("calls of the listener (removed for message, kept for close)", l.n.Load(), 1)
}

func checkSerial(c *checker) error {
	var inside atomic.Int32
	var overlaps atomic.Int32
	var order []string
	if err := c.openAndSend(50, func(ws wsdouble.IWebSocket) {
		for i := range 3 {
			ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) {
				if inside.Add(1) != 1 {
					overlaps.Add(1)
				}
				runtime.Gosched()
				if data := string(e.(wsdouble.MessageEvent).Data); i == 0 && data != "barrier" {
					order = append(order, data)
				}
				inside.Add(-1)
			}))
		}
	}); err != nil {
		return err
	}
	var want []string
	for i := range 50 {
		want = append(want, fmt.Sprint("m", i))
	}
	return errors.Join(
		gotWant("overlapping listener calls", overlaps.Load(), 0),
		gotWant("order seen by a listener", fmt.Sprint(order), fmt.Sprint(want)))
}

func checkReentrantSend(c *checker) error {
	r, p, err := c.openWith(AcceptOptions{}, func(ws wsdouble.IWebSocket) {
		ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) {
			ws.Send(wsdouble.Text("re: " + string(e.(wsdouble.MessageEvent).Data)))
		}))
	})
	if err != nil {
		return err
	}
	if err := serverSends(p, wsdouble.Text("ping")); err != nil {
		return err
	}
	if err := r.expect(c.ctx, `message text "ping"`); err != nil {
		return err
	}
	m, err := c.receive(p)
	if err != nil {
		return err
	}
	return gotWant("reply sent from the listener", m.String(), wsdouble.Text("re: ping").String())
}

func checkReentrantClose(c *checker) error {
	var returned atomic.Bool
	var stateAfterClose atomic.Int32
	seen := make(chan bool, 1) // whether the open listener had returned when close fired
	r, err := c.dial("")
	if err != nil {
		return err
	}
	r.ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
		r.ws.Close(4001, "from listener")
		stateAfterClose.Store(int32(r.ws.ReadyState()))
		returned.Store(true)
	}))
	r.ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) {
		seen <- returned.Load()
	}))
	p, err := c.accept(AcceptOptions{})
	if err != nil {
		return err
	}
	if err := r.expect(c.ctx, "open", "close 4001 clean"); err != nil {
		return err
	}
	end, err := p.Wait(c.ctx)
	if err != nil {
		return err
	}
	had, err := await(c.ctx, seen, "the close listener never ran")
	if err != nil {
		return err
	}
	return errors.Join(
		gotWant("ReadyState right after Close in the listener", wsdouble.ReadyState(stateAfterClose.Load()), wsdouble.Closing),
		gotWant("open listener had returned when close fired", had, true),
		gotWant("server's end", end.String(), End{Kind: ClientClosed, Code: 4001, Reason: "from listener", Clean: true}.String()))
}
