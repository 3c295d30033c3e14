package wstest

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/wsdouble/wsdouble"
)

// The message/ checks: what the server sends arrives as message events,
// whole and in order (WHATWG WebSockets: feedback from the protocol; RFC
// 6455 §6.2).

func checkMessageText(c *checker) error {
	return checkArrive(c, []wsdouble.Message{wsdouble.Text("héllo 👋")}, `message text "héllo 👋"`)
}

func checkMessageBinary(c *checker) error {
	return checkArrive(c, []wsdouble.Message{wsdouble.Binary([]byte{0, 0xff, 0x80, 'x'})}, "message binary [4]00ff8078")
}

func checkMessageEmpty(c *checker) error {
	return checkArrive(c, []wsdouble.Message{wsdouble.Text(""), wsdouble.Binary(nil)}, `message text ""`, "message binary [0]")
}

func checkMessageOrder(c *checker) error {
	ms := make([]wsdouble.Message, 100)
	for i := range ms {
		ms[i] = wsdouble.Text(fmt.Sprint("m", i))
		if i%2 == 1 {
			ms[i] = wsdouble.Binary([]byte{byte(i)})
		}
	}
	return checkArrive(c, ms, messageEvents(ms...)...)
}

// checkArrive opens a socket, has the server send ms, and expects the
// events want.
func checkArrive(c *checker, ms []wsdouble.Message, want ...string) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	if err := serverSends(p, ms...); err != nil {
		return err
	}
	return r.expect(c.ctx, want...)
}

func checkLargeMessages(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	big := make([]byte, 1<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	if err := serverSends(p, wsdouble.Binary(big)); err != nil {
		return err
	}
	var errs []error
	e, err := r.next(c.ctx)
	if err != nil {
		return err
	}
	if m, ok := e.ev.(wsdouble.MessageEvent); !ok || m.Message.Type != wsdouble.BinaryMessage || !bytes.Equal(m.Data, big) {
		errs = append(errs, fmt.Errorf("event: got %v, want the 1 MiB binary message", describe(e.ev)))
	}
	if err := r.ws.Send(wsdouble.Binary(big)); err != nil {
		return errors.Join(append(errs, fmt.Errorf("Send: %w", err))...)
	}
	m, err := c.receive(p)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	if !m.Equal(wsdouble.Binary(big)) {
		errs = append(errs, fmt.Errorf("message received: got %v, want the 1 MiB binary message", m))
	}
	return errors.Join(errs...)
}

func checkNoMessageAfterClose(c *checker) error {
	r, p, err := c.openWith(AcceptOptions{}, func(ws wsdouble.IWebSocket) {
		ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(wsdouble.Event) {
			ws.Close(1000, "")
		}))
	})
	if err != nil {
		return err
	}
	if err := serverSends(p, wsdouble.Text("first")); err != nil {
		return err
	}
	p.Send(wsdouble.Text("second")) // may fail: the server may have the client's close frame already
	return r.expect(c.ctx, `message text "first"`, "close 1000 clean")
}
