package wstest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wsdouble/wsdouble"
)

// The send/ checks: what send() does in each state, and how
// bufferedAmount counts what it queued (WHATWG WebSockets: send(data),
// bufferedAmount).

func checkSendBeforeOpen(c *checker) error {
	var errs []error
	r, p, err := c.openWith(AcceptOptions{}, func(ws wsdouble.IWebSocket) {
		if err := ws.Send(wsdouble.Text("early")); !errors.Is(err, wsdouble.ErrInvalidState) {
			errs = append(errs, fmt.Errorf("Send while CONNECTING: got error %v, want ErrInvalidState", err))
		}
		errs = append(errs, gotWant("ReadyState after the failed Send", ws.ReadyState(), wsdouble.Connecting))
	})
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	return errors.Join(append(errs, c.sendArrives(r, p, wsdouble.Text("first"), "Send when OPEN", "first message received"))...)
}

func checkClientSend(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	sent := []wsdouble.Message{wsdouble.Text("a"), wsdouble.Binary([]byte{1, 2, 0xff}), wsdouble.Text("✓ done")}
	for _, m := range sent {
		if err := r.ws.Send(m); err != nil {
			return fmt.Errorf("Send(%v): %w", m, err)
		}
	}
	var errs []error
	for i, want := range sent {
		got, err := c.receive(p)
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		if !got.Equal(want) {
			errs = append(errs, fmt.Errorf("message %d received: got %v, want %v", i, got, want))
		}
	}
	return errors.Join(errs...)
}

func checkSendInvalid(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	var errs []error
	for _, bad := range []wsdouble.Message{{Type: 9, Data: []byte("x")}, {Type: wsdouble.TextMessage, Data: []byte{'a', 0xff}}} {
		if err := r.ws.Send(bad); !errors.Is(err, wsdouble.ErrInvalidMessage) {
			errs = append(errs, fmt.Errorf("Send(%v): got error %v, want ErrInvalidMessage", bad, err))
		}
	}
	return errors.Join(append(errs, c.sendArrives(r, p, wsdouble.Text("valid"), "Send after refused ones", "message received"))...)
}

// sendArrives has the socket send m and checks the peer receives it next;
// send names the Send and received the comparison in the messages.
func (c *checker) sendArrives(r *recorder, p Peer, m wsdouble.Message, send, received string) error {
	var sendErr error
	if err := r.ws.Send(m); err != nil {
		sendErr = fmt.Errorf("%s: %w", send, err)
	}
	got, err := c.receive(p)
	if err != nil {
		return errors.Join(sendErr, err)
	}
	return errors.Join(sendErr, gotWant(received, got.String(), m.String()))
}

func checkSendAfterClose(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	ws := r.ws
	var errs []error
	if err := ws.Close(1000, ""); err != nil {
		return fmt.Errorf("Close: %w", err)
	}
	if err := ws.Send(wsdouble.Text("abc")); err != nil {
		errs = append(errs, fmt.Errorf("Send while CLOSING: got error %v, want nil", err))
	}
	errs = append(errs, gotWant("BufferedAmount after a 3-byte Send while CLOSING", ws.BufferedAmount(), 3))
	if err := r.expect(c.ctx, "close 1000 clean"); err != nil {
		return errors.Join(append(errs, err)...)
	}
	if err := ws.Send(wsdouble.Binary([]byte{1, 2, 3, 4, 5})); err != nil {
		errs = append(errs, fmt.Errorf("Send while CLOSED: got error %v, want nil", err))
	}
	errs = append(errs, gotWant("BufferedAmount after a further 5-byte Send while CLOSED", ws.BufferedAmount(), 8))
	if m, err := p.Receive(c.ctx); !errors.Is(err, ErrPeerClosed) {
		errs = append(errs, fmt.Errorf("server receiving: got %v, %v; want nothing received (ErrPeerClosed)", m, err))
	}
	return errors.Join(errs...)
}

// bufferedLarge is the large message of the buffered-amount checks: 1 MiB,
// more than a transport takes in one write.
const bufferedLarge = 1 << 20

func checkBufferedInTask(c *checker) error {
	type readings struct {
		afterSmall, afterLarge, afterServerHasThem int
		err                                        error
	}
	serverHasThem := make(chan struct{})
	inTask := make(chan readings, 1)
	later := make(chan int, 1)
	_, p, err := c.openWith(AcceptOptions{}, func(ws wsdouble.IWebSocket) {
		ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) {
			switch string(e.(wsdouble.MessageEvent).Data) {
			case "send":
				var rd readings
				ws.Send(wsdouble.Text("abcd"))
				rd.afterSmall = ws.BufferedAmount()
				ws.Send(wsdouble.Binary(make([]byte, bufferedLarge)))
				rd.afterLarge = ws.BufferedAmount()
				// Still in the listener (the task), while the server
				// receives both: the count must not fall.
				_, rd.err = await(c.ctx, serverHasThem, "the server never received the messages sent from the listener")
				rd.afterServerHasThem = ws.BufferedAmount()
				inTask <- rd
			case "later":
				later <- ws.BufferedAmount()
			}
		}))
	})
	if err != nil {
		return err
	}
	if err := serverSends(p, wsdouble.Text("send")); err != nil {
		return err
	}
	for range 2 {
		if _, err := c.receive(p); err != nil {
			close(serverHasThem)
			return err
		}
	}
	close(serverHasThem)
	rd, err := await(c.ctx, inTask, "the listener that sent never returned")
	if err != nil {
		return err
	}
	if rd.err != nil {
		return rd.err
	}
	if err := serverSends(p, wsdouble.Text("later")); err != nil {
		return err
	}
	afterTask, err := await(c.ctx, later, `no listener call for the message "later"`)
	if err != nil {
		return err
	}
	return errors.Join(
		gotWant("BufferedAmount in the listener after a 4-byte Send", rd.afterSmall, 4),
		gotWant("BufferedAmount in the listener after a further 1 MiB Send", rd.afterLarge, 4+bufferedLarge),
		gotWant("BufferedAmount in the listener once the server has both", rd.afterServerHasThem, 4+bufferedLarge),
		gotWant("BufferedAmount in the next event's listener", afterTask, 0),
	)
}

func checkBufferedDrains(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	if err := r.ws.Send(wsdouble.Binary(make([]byte, bufferedLarge))); err != nil {
		return fmt.Errorf("Send: %w", err)
	}
	if n := r.ws.BufferedAmount(); n < 0 || n > bufferedLarge {
		return fmt.Errorf("BufferedAmount right after a 1 MiB Send: got %d, want 0..%d", n, bufferedLarge)
	}
	if _, err := c.receive(p); err != nil {
		return err
	}
	// No event comes: the count falls at a turn of the socket's event
	// loop of its own, soon. Nothing notifies it, so poll.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		n := r.ws.BufferedAmount()
		if n == 0 {
			return nil
		}
		select {
		case <-tick.C:
		case <-c.ctx.Done():
			return fmt.Errorf("BufferedAmount once the server has the 1 MiB, with no event since: got %d until %v, want 0", n, context.Cause(c.ctx))
		}
	}
}
