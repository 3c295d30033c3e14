package wstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wsdouble/wsdouble"
)

// The checks, in order. Each cites the rule it checks.
var conformanceChecks = []ConformanceCheck{
	{"constructor/initial-state", "a new socket is CONNECTING with its URL, no protocol or extensions, binaryType blob and nothing buffered", checkInitialState},
	{"constructor/http-url", "an http: URL is accepted and reported as ws: (WHATWG: new WebSocket step 3)", checkHTTPURL},
	{"constructor/invalid-url", "a URL that is not absolute ws/wss/http/https, or has a fragment, is ErrInvalidURL and makes no socket", checkInvalidURL},
	{"constructor/invalid-protocols", "a repeated or non-token subprotocol is ErrInvalidProtocol", checkInvalidProtocols},
	{"open/event", "accepting fires exactly one open event, with readyState OPEN inside the listener", checkOpen},
	{"open/request", "the handshake asks for the socket's path and query and offers its subprotocols", checkRequest},
	{"open/protocol-chosen", "protocol is empty until open, then the subprotocol the server chose", checkProtocolChosen},
	{"open/protocol-none", "a client that offers no subprotocol opens when the server chooses none, with protocol empty", checkProtocolNone},
	{"open/protocol-missing", "a server that answers no subprotocol when the client offered some fails the connection: error, close 1006, no open (Fetch: establish a WebSocket connection)", checkProtocolMissing},
	{"open/protocol-not-offered", "a subprotocol the client did not offer fails the connection: error, close 1006 (RFC 6455 §4.1)", checkProtocolNotOffered},
	{"send/before-open", "send while CONNECTING is ErrInvalidState and sends nothing", checkSendBeforeOpen},
	{"send/text-and-binary", "sent messages reach the server in order, with their types", checkClientSend},
	{"send/invalid", "send of an unknown message type or invalid UTF-8 text is ErrInvalidMessage", checkSendInvalid},
	{"send/after-close", "send while CLOSING or CLOSED discards the data and grows bufferedAmount", checkSendAfterClose},
	{"send/buffered-in-task", "bufferedAmount counts every byte a listener sent, until it returns, even once the server has them; the next event's listener sees 0 (WHATWG: as of the last time the event loop reached step 1)", checkBufferedInTask},
	{"send/buffered-drains", "bufferedAmount falls to 0 once the server has the data, with no event to dispatch (a turn of the event loop of its own)", checkBufferedDrains},
	{"message/text", "a text message arrives as a message event with its text", checkMessageText},
	{"message/binary", "a binary message arrives as a message event with its bytes", checkMessageBinary},
	{"message/empty", "empty text and binary messages arrive", checkMessageEmpty},
	{"message/order", "100 messages arrive in the order sent", checkMessageOrder},
	{"message/large", "a 1 MiB message arrives whole in each direction", checkLargeMessages},
	{"message/none-after-close", "a message arriving after close() was called is not dispatched (WHATWG: readyState is not OPEN)", checkNoMessageAfterClose},
	{"close/server-code-and-reason", "a server close frame fires close with its code and reason, wasClean true, and no error", checkServerClose},
	{"close/server-no-status", "a server close frame without a code reads as 1005", checkServerCloseNoStatus},
	{"close/server-1012", "a server restarting (1012) fires close 1012, clean", checkServerClose1012},
	{"close/server-every-code", "every code a server may send (1000-1003, 1007-1014, 3000-4999) fires close with that code and reason, clean (RFC 6455 §7.4; 1014 too, as in Chromium)", checkServerEveryCode},
	{"close/client", "close() goes CLOSING at once, the server sees the code and reason, and close fires clean", checkClientClose},
	{"close/client-no-code", "close() without a code sends a close frame without one; both ends read 1005", checkClientCloseNoCode},
	{"close/client-reason-only", "close() with only a reason sends code 1000 (WHATWG: close the WebSocket)", checkClientCloseReasonOnly},
	{"close/invalid-code", "close() with a code other than 1000 or 3000-4999 is ErrInvalidCode and changes nothing", checkCloseInvalidCode},
	{"close/reason-too-long", "close() with a reason over 123 UTF-8 bytes is ErrReasonTooLong; 123 bytes is fine", checkReasonTooLong},
	{"close/twice", "a second close() does nothing: one close frame, one close event", checkCloseTwice},
	{"close/while-connecting", "close() while CONNECTING fails the connection: CLOSING at once, then error and close 1006, no open", checkCloseWhileConnecting},
	{"fail/refused", "a refused handshake fires error then close 1006 unclean, readyState CLOSED in both, the status in the error", checkRefused},
	{"fail/drop", "a connection dropped without a close frame fires close 1006 unclean and no error event (as browsers do); Err, if the socket has it, wraps io.ErrUnexpectedEOF", checkDrop},
	{"listener/once", "a listener added with Once runs for the first event only", checkOnce},
	{"listener/remove", "a removed listener is not called", checkRemove},
	{"listener/remove-during-dispatch", "a listener removed by an earlier one during a dispatch is not called for that event (DOM: removed flag)", checkRemoveDuringDispatch},
	{"listener/add-during-dispatch", "a listener added during a dispatch is not called for that event", checkAddDuringDispatch},
	{"listener/duplicate", "adding the same listener twice registers it once", checkDuplicate},
	{"listener/per-type", "the same listener is registered separately for each event type", checkPerType},
	{"listener/serial", "listener calls never overlap and follow message order", checkSerial},
	{"listener/reentrant-send", "a listener may call send; the message goes out", checkReentrantSend},
	{"listener/reentrant-close", "a listener may call close; the close event comes after the listener returns", checkReentrantClose},
	{"binary-type", "binaryType is blob by default, takes arraybuffer, ignores other values", checkBinaryType},
}

// counter is a Listener that counts events, ignoring the barrier message.
type counter struct{ n atomic.Int32 }

func (c *counter) HandleEvent(e wsdouble.Event) {
	if m, ok := e.(wsdouble.MessageEvent); ok && string(m.Data) == "barrier" {
		return
	}
	c.n.Add(1)
}

// barrier makes every listener call for the messages sent before it
// complete: dispatch is serial, so once the recorder (the first listener)
// sees the barrier, the listeners of earlier events have returned.
func (c *checker) barrier(r *recorder, p Peer) error {
	if err := p.Send(wsdouble.Text("barrier")); err != nil {
		return fmt.Errorf("server sending: %w", err)
	}
	return r.expect(c.ctx, `message text "barrier"`)
}

// closingOrLater checks the state right after Close returns. The browser
// shows CLOSING until the script yields; here the close event may already
// have been dispatched on the socket's own goroutine, so CLOSED is right
// too. (listener/reentrant-close checks CLOSING exactly, from a listener.)
func closingOrLater(s wsdouble.ReadyState) error {
	if s != wsdouble.Closing && s != wsdouble.Closed {
		return fmt.Errorf("ReadyState right after Close: got %v, want CLOSING (or CLOSED)", s)
	}
	return nil
}

func gotWant[T comparable](what string, got, want T) error {
	if got != want {
		return fmt.Errorf("%s: got %v, want %v", what, got, want)
	}
	return nil
}

func checkInitialState(c *checker) error {
	r, err := c.dial("path?q=1", "chat")
	if err != nil {
		return err
	}
	ws := r.ws
	return errors.Join(
		gotWant("ReadyState", ws.ReadyState(), wsdouble.Connecting),
		gotWant("URL", ws.URL(), c.subject.URL+"path?q=1"),
		gotWant("Protocol", ws.Protocol(), ""),
		gotWant("Extensions", ws.Extensions(), ""),
		gotWant("BinaryType", ws.BinaryType(), "blob"),
		gotWant("BufferedAmount", ws.BufferedAmount(), 0),
	)
}

func checkHTTPURL(c *checker) error {
	u := "http" + strings.TrimPrefix(c.subject.URL, "ws")
	ws, err := c.subject.New(u + "x")
	if err != nil {
		return fmt.Errorf("constructor(%q): got error %v, want a socket", u+"x", err)
	}
	c.sockets = append(c.sockets, newRecorder(ws))
	return gotWant("URL", ws.URL(), c.subject.URL+"x")
}

func checkInvalidURL(c *checker) error {
	var errs []error
	for _, bad := range []string{"ftp://example.com/", c.subject.URL + "#frag", c.subject.URL + "#", "/relative/path", "ws://", "::not a url"} {
		ws, err := c.subject.New(bad)
		if !errors.Is(err, wsdouble.ErrInvalidURL) {
			errs = append(errs, fmt.Errorf("constructor(%q): got error %v, want ErrInvalidURL", bad, err))
		}
		if ws != nil {
			errs = append(errs, fmt.Errorf("constructor(%q): got a socket, want nil", bad))
			c.sockets = append(c.sockets, newRecorder(ws))
		}
	}
	return errors.Join(errs...)
}

func checkInvalidProtocols(c *checker) error {
	var errs []error
	for _, bad := range [][]string{{"a", "a"}, {"a b"}, {""}, {"a,b"}, {"é"}} {
		ws, err := c.subject.New(c.subject.URL, bad...)
		if !errors.Is(err, wsdouble.ErrInvalidProtocol) {
			errs = append(errs, fmt.Errorf("constructor(url, %q): got error %v, want ErrInvalidProtocol", bad, err))
		}
		if ws != nil {
			errs = append(errs, fmt.Errorf("constructor(url, %q): got a socket, want nil", bad))
			c.sockets = append(c.sockets, newRecorder(ws))
		}
	}
	return errors.Join(errs...)
}

func checkOpen(c *checker) error {
	r, _, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	ev := r.all()[0]
	return errors.Join(
		gotWant("ReadyState in the open listener", ev.state, wsdouble.Open),
		gotWant("ReadyState after open", r.ws.ReadyState(), wsdouble.Open),
		gotWant("Protocol", r.ws.Protocol(), ""),
		gotWant("Extensions", r.ws.Extensions(), ""),
		gotWant("BufferedAmount", r.ws.BufferedAmount(), 0),
	)
}

func checkRequest(c *checker) error {
	if _, err := c.dial("room/1?x=y", "chat", "superchat"); err != nil {
		return err
	}
	a, err := c.attempt()
	if err != nil {
		return err
	}
	return errors.Join(
		gotWant("request URI", a.Request().URL.RequestURI(), "/room/1?x=y"),
		gotWant("offered subprotocols", fmt.Sprint(a.Protocols()), "[chat superchat]"),
	)
}

func checkProtocolChosen(c *checker) error {
	r, err := c.dial("", "chat", "superchat")
	if err != nil {
		return err
	}
	before := r.ws.Protocol()
	a, err := c.attempt()
	if err != nil {
		return err
	}
	p, err := a.Accept(AcceptOptions{Subprotocol: "superchat"})
	if err != nil {
		return fmt.Errorf("Accept: %w", err)
	}
	c.peers = append(c.peers, p)
	if err := r.expect(c.ctx, "open"); err != nil {
		return err
	}
	return errors.Join(
		gotWant("Protocol before open", before, ""),
		gotWant("Protocol after open", r.ws.Protocol(), "superchat"),
		gotWant("Peer.Protocol", p.Protocol(), "superchat"),
	)
}

func checkProtocolNone(c *checker) error {
	r, _, err := c.open(AcceptOptions{Subprotocol: NoSubprotocol})
	if err != nil {
		return err
	}
	return gotWant("Protocol", r.ws.Protocol(), "")
}

func checkProtocolMissing(c *checker) error {
	r, err := c.dial("", "chat")
	if err != nil {
		return err
	}
	a, err := c.attempt()
	if err != nil {
		return err
	}
	if p, err := a.Accept(AcceptOptions{Subprotocol: NoSubprotocol}); err == nil {
		c.peers = append(c.peers, p)
	}
	return r.expect(c.ctx, "error", "close 1006 unclean")
}

func checkProtocolNotOffered(c *checker) error {
	r, err := c.dial("", "chat")
	if err != nil {
		return err
	}
	a, err := c.attempt()
	if err != nil {
		return err
	}
	if p, err := a.Accept(AcceptOptions{Subprotocol: "other"}); err == nil {
		c.peers = append(c.peers, p)
	}
	return r.expect(c.ctx, "error", "close 1006 unclean")
}

func checkSendBeforeOpen(c *checker) error {
	r, err := c.dial("")
	if err != nil {
		return err
	}
	var errs []error
	if err := r.ws.Send(wsdouble.Text("early")); !errors.Is(err, wsdouble.ErrInvalidState) {
		errs = append(errs, fmt.Errorf("Send while CONNECTING: got error %v, want ErrInvalidState", err))
	}
	errs = append(errs, gotWant("ReadyState after the failed Send", r.ws.ReadyState(), wsdouble.Connecting))
	a, err := c.attempt()
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	p, err := a.Accept(AcceptOptions{})
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("Accept: %w", err))...)
	}
	c.peers = append(c.peers, p)
	if err := r.expect(c.ctx, "open"); err != nil {
		return errors.Join(append(errs, err)...)
	}
	if err := r.ws.Send(wsdouble.Text("first")); err != nil {
		errs = append(errs, fmt.Errorf("Send when OPEN: %w", err))
	}
	m, err := c.receive(p)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	return errors.Join(append(errs, gotWant("first message received", m.String(), wsdouble.Text("first").String()))...)
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
	if err := r.ws.Send(wsdouble.Text("valid")); err != nil {
		errs = append(errs, fmt.Errorf("Send after refused ones: %w", err))
	}
	m, err := c.receive(p)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	return errors.Join(append(errs, gotWant("message received", m.String(), wsdouble.Text("valid").String()))...)
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
	_, p, err := c.openWith(func(ws wsdouble.IWebSocket) {
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
				select {
				case <-serverHasThem:
				case <-c.ctx.Done():
					rd.err = errors.New("the server never received the messages sent from the listener")
				}
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
	if err := p.Send(wsdouble.Text("send")); err != nil {
		return fmt.Errorf("server sending: %w", err)
	}
	for range 2 {
		if _, err := c.receive(p); err != nil {
			close(serverHasThem)
			return err
		}
	}
	close(serverHasThem)
	var rd readings
	select {
	case rd = <-inTask:
	case <-c.ctx.Done():
		return errors.New("the listener that sent never returned")
	}
	if rd.err != nil {
		return rd.err
	}
	if err := p.Send(wsdouble.Text("later")); err != nil {
		return fmt.Errorf("server sending: %w", err)
	}
	var afterTask int
	select {
	case afterTask = <-later:
	case <-c.ctx.Done():
		return errors.New(`no listener call for the message "later"`)
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

func checkMessageText(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	if err := p.Send(wsdouble.Text("héllo 👋")); err != nil {
		return fmt.Errorf("server sending: %w", err)
	}
	return r.expect(c.ctx, `message text "héllo 👋"`)
}

func checkMessageBinary(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	if err := p.Send(wsdouble.Binary([]byte{0, 0xff, 0x80, 'x'})); err != nil {
		return fmt.Errorf("server sending: %w", err)
	}
	return r.expect(c.ctx, "message binary [4]00ff8078")
}

func checkMessageEmpty(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	for _, m := range []wsdouble.Message{wsdouble.Text(""), wsdouble.Binary(nil)} {
		if err := p.Send(m); err != nil {
			return fmt.Errorf("server sending: %w", err)
		}
	}
	return r.expect(c.ctx, `message text ""`, "message binary [0]")
}

func checkMessageOrder(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	var want []string
	for i := range 100 {
		m := wsdouble.Text(fmt.Sprint("m", i))
		if i%2 == 1 {
			m = wsdouble.Binary([]byte{byte(i)})
		}
		if err := p.Send(m); err != nil {
			return fmt.Errorf("server sending: %w", err)
		}
		want = append(want, wsdouble.MessageEvent{Message: m}.String())
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
	if err := p.Send(wsdouble.Binary(big)); err != nil {
		return fmt.Errorf("server sending: %w", err)
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
	r, err := c.dial("")
	if err != nil {
		return err
	}
	r.ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(wsdouble.Event) {
		r.ws.Close(1000, "")
	}))
	a, err := c.attempt()
	if err != nil {
		return err
	}
	p, err := a.Accept(AcceptOptions{})
	if err != nil {
		return fmt.Errorf("Accept: %w", err)
	}
	c.peers = append(c.peers, p)
	if err := r.expect(c.ctx, "open"); err != nil {
		return err
	}
	if err := p.Send(wsdouble.Text("first")); err != nil {
		return fmt.Errorf("server sending: %w", err)
	}
	p.Send(wsdouble.Text("second")) // may fail: the server may have the client's close frame already
	return r.expect(c.ctx, `message text "first"`, "close 1000 clean")
}

func checkServerCloseWith(c *checker, code int, reason, want string) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	if err := p.Close(code, reason); err != nil {
		return fmt.Errorf("server Close: %w", err)
	}
	if err := r.expect(c.ctx, want); err != nil {
		return err
	}
	end, err := p.Wait(c.ctx)
	if err != nil {
		return err
	}
	wantCode := code
	if code == 0 {
		wantCode = wsdouble.CloseNoStatusReceived
	}
	return errors.Join(
		gotWant("ReadyState in the close listener", r.all()[1].state, wsdouble.Closed),
		gotWant("ReadyState after close", r.ws.ReadyState(), wsdouble.Closed),
		gotWant("server's end", end.String(), End{Kind: ServerClosed, Code: wantCode, Reason: reason, Clean: true}.String()),
	)
}

func checkServerClose(c *checker) error {
	return checkServerCloseWith(c, 4000, "bye", `close 4000 "bye" clean`)
}

func checkServerCloseNoStatus(c *checker) error {
	return checkServerCloseWith(c, 0, "", "close 1005 clean")
}

func checkServerClose1012(c *checker) error {
	return checkServerCloseWith(c, wsdouble.CloseServiceRestart, "restarting", `close 1012 "restarting" clean`)
}

func checkServerEveryCode(c *checker) error {
	codes := []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}
	var errs []error
	for _, code := range codes {
		reason := wsdouble.CloseCodeText(code)
		want := fmt.Sprintf("close %d %q clean", code, reason)
		if err := checkServerCloseWith(c, code, reason, want); err != nil {
			errs = append(errs, fmt.Errorf("code %d: %w", code, err))
		}
	}
	return errors.Join(errs...)
}

func checkClientCloseWith(c *checker, code int, reason string, wantEnd End, wantEvent string) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	if err := r.ws.Close(code, reason); err != nil {
		return fmt.Errorf("Close(%d, %q): %w", code, reason, err)
	}
	errs := []error{closingOrLater(r.ws.ReadyState())}
	if err := r.expect(c.ctx, wantEvent); err != nil {
		return errors.Join(append(errs, err)...)
	}
	end, err := p.Wait(c.ctx)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	return errors.Join(append(errs, gotWant("server's end", end.String(), wantEnd.String()))...)
}

func checkClientClose(c *checker) error {
	return checkClientCloseWith(c, 1000, "done", End{Kind: ClientClosed, Code: 1000, Reason: "done", Clean: true}, "close 1000 clean")
}

func checkClientCloseNoCode(c *checker) error {
	return checkClientCloseWith(c, 0, "", End{Kind: ClientClosed, Code: 1005, Clean: true}, "close 1005 clean")
}

func checkClientCloseReasonOnly(c *checker) error {
	return checkClientCloseWith(c, 0, "why", End{Kind: ClientClosed, Code: 1000, Reason: "why", Clean: true}, "close 1000 clean")
}

func checkCloseInvalidCode(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	var errs []error
	for _, code := range []int{-1, 999, 1001, 1004, 1005, 1006, 1011, 1015, 2999, 5000} {
		if err := r.ws.Close(code, ""); !errors.Is(err, wsdouble.ErrInvalidCode) {
			errs = append(errs, fmt.Errorf("Close(%d): got error %v, want ErrInvalidCode", code, err))
		}
	}
	errs = append(errs, gotWant("ReadyState after invalid Close calls", r.ws.ReadyState(), wsdouble.Open))
	if err := r.ws.Close(3000, ""); err != nil {
		errs = append(errs, fmt.Errorf("Close(3000): %w", err))
	}
	end, err := p.Wait(c.ctx)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	return errors.Join(append(errs, gotWant("server's end", end.String(), End{Kind: ClientClosed, Code: 3000, Clean: true}.String()))...)
}

func checkReasonTooLong(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	var errs []error
	for _, long := range []string{strings.Repeat("a", 124), strings.Repeat("é", 62)} {
		if err := r.ws.Close(1000, long); !errors.Is(err, wsdouble.ErrReasonTooLong) {
			errs = append(errs, fmt.Errorf("Close with a %d-byte reason: got error %v, want ErrReasonTooLong", len(long), err))
		}
	}
	errs = append(errs, gotWant("ReadyState after refused Close calls", r.ws.ReadyState(), wsdouble.Open))
	max := strings.Repeat("é", 61) + "a"
	if err := r.ws.Close(4999, max); err != nil {
		errs = append(errs, fmt.Errorf("Close with a 123-byte reason: %w", err))
	}
	end, err := p.Wait(c.ctx)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	return errors.Join(append(errs, gotWant("server's end", end.String(), End{Kind: ClientClosed, Code: 4999, Reason: max, Clean: true}.String()))...)
}

func checkCloseTwice(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	var errs []error
	if err := r.ws.Close(1000, "first"); err != nil {
		errs = append(errs, fmt.Errorf("first Close: %w", err))
	}
	if err := r.ws.Close(4000, "second"); err != nil {
		errs = append(errs, fmt.Errorf("second Close: got error %v, want nil", err))
	}
	if err := r.expect(c.ctx, "close 1000 clean"); err != nil {
		return errors.Join(append(errs, err)...)
	}
	if err := r.ws.Close(4000, "third"); err != nil {
		errs = append(errs, fmt.Errorf("Close when CLOSED: got error %v, want nil", err))
	}
	end, err := p.Wait(c.ctx)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	return errors.Join(append(errs, gotWant("server's end", end.String(), End{Kind: ClientClosed, Code: 1000, Reason: "first", Clean: true}.String()))...)
}

func checkCloseWhileConnecting(c *checker) error {
	r, err := c.dial("")
	if err != nil {
		return err
	}
	a, err := c.attempt()
	if err != nil {
		return err
	}
	if err := r.ws.Close(1000, ""); err != nil {
		return fmt.Errorf("Close: %w", err)
	}
	errs := []error{closingOrLater(r.ws.ReadyState())}
	if err := r.expect(c.ctx, "error", "close 1006 unclean"); err != nil {
		return errors.Join(append(errs, err)...)
	}
	select {
	case <-a.Done():
	case <-c.ctx.Done():
		return errors.Join(append(errs, errors.New("the server never saw the attempt end"))...)
	}
	log := c.subject.Acceptor.Attempts()
	errs = append(errs, gotWant("attempt outcome", log[a.N()-1].Outcome, Abandoned))
	if p, err := a.Accept(AcceptOptions{}); err == nil {
		c.peers = append(c.peers, p)
		errs = append(errs, errors.New("Accept after the client closed: got a Peer, want an error"))
	}
	return errors.Join(errs...)
}

func checkRefused(c *checker) error {
	r, err := c.dial("")
	if err != nil {
		return err
	}
	a, err := c.attempt()
	if err != nil {
		return err
	}
	if err := a.Refuse(http.StatusServiceUnavailable, http.Header{"Retry-After": {"7"}}, "busy"); err != nil {
		return fmt.Errorf("Refuse: %w", err)
	}
	if err := r.expect(c.ctx, "error", "close 1006 unclean"); err != nil {
		return err
	}
	events := r.all()
	var errs []error
	errs = append(errs,
		gotWant("ReadyState in the error listener", events[0].state, wsdouble.Closed),
		gotWant("ReadyState in the close listener", events[1].state, wsdouble.Closed))
	var herr *wsdouble.HandshakeError
	if ev := events[0].ev.(wsdouble.ErrorEvent); !errors.As(ev.Err, &herr) || herr.StatusCode != 503 {
		errs = append(errs, fmt.Errorf("ErrorEvent.Err: got %v, want a *wsdouble.HandshakeError with status 503", ev.Err))
	}
	rec := c.subject.Acceptor.Attempts()[a.N()-1]
	errs = append(errs, gotWant("attempt outcome", rec.Outcome, Refused), gotWant("attempt status", rec.Status, 503))
	return errors.Join(errs...)
}

func checkDrop(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	if err := p.Drop(); err != nil {
		return fmt.Errorf("Drop: %w", err)
	}
	// The transport closed under an open connection: RFC 6455 §7.1.5,
	// code 1006. WHATWG WebSockets fires error only when it must "fail
	// the WebSocket connection", which a plain drop is not; Chromium fires
	// none (see ./interop).
	if err := r.expect(c.ctx, "close 1006 unclean"); err != nil {
		return err
	}
	events := r.all()
	end, err := p.Wait(c.ctx)
	if err != nil {
		return err
	}
	// A socket that says why it closed (an Err method, as the real
	// client and the Fake have) must say it was a drop.
	var causeErr error
	if _, ok := r.ws.(interface{ Err() error }); ok {
		if cause := wsdouble.CloseCause(r.ws); !errors.Is(cause, io.ErrUnexpectedEOF) {
			causeErr = fmt.Errorf("Err(): got %v, want an error wrapping io.ErrUnexpectedEOF", cause)
		}
	}
	return errors.Join(
		gotWant("ReadyState in the close listener", events[1].state, wsdouble.Closed),
		gotWant("server's end", end.Kind, Dropped),
		causeErr,
	)
}

// openWith dials, lets setup add listeners, accepts and waits for open.
func (c *checker) openWith(setup func(ws wsdouble.IWebSocket)) (*recorder, Peer, error) {
	r, err := c.dial("")
	if err != nil {
		return nil, nil, err
	}
	setup(r.ws)
	a, err := c.attempt()
	if err != nil {
		return nil, nil, err
	}
	p, err := a.Accept(AcceptOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("Accept: %w", err)
	}
	c.peers = append(c.peers, p)
	if err := r.expect(c.ctx, "open"); err != nil {
		return nil, nil, err
	}
	return r, p, nil
}

// sendN has the peer send n text messages m0, m1, … and waits until the
// recorder saw them and the barrier.
func (c *checker) sendN(r *recorder, p Peer, n int) error {
	var want []string
	for i := range n {
		m := wsdouble.Text(fmt.Sprint("m", i))
		if err := p.Send(m); err != nil {
			return fmt.Errorf("server sending: %w", err)
		}
		want = append(want, wsdouble.MessageEvent{Message: m}.String())
	}
	if err := r.expect(c.ctx, want...); err != nil {
		return err
	}
	return c.barrier(r, p)
}

func checkOnce(c *checker) error {
	once, always := &counter{}, &counter{}
	r, p, err := c.openWith(func(ws wsdouble.IWebSocket) {
		ws.AddEventListener(wsdouble.EventMessage, once, wsdouble.Once())
		ws.AddEventListener(wsdouble.EventMessage, always)
	})
	if err != nil {
		return err
	}
	if err := c.sendN(r, p, 2); err != nil {
		return err
	}
	return errors.Join(
		gotWant("calls of the Once listener", once.n.Load(), 1),
		gotWant("calls of the plain listener", always.n.Load(), 2))
}

func checkRemove(c *checker) error {
	l := &counter{}
	r, p, err := c.openWith(func(ws wsdouble.IWebSocket) {
		ws.AddEventListener(wsdouble.EventMessage, l)
		ws.RemoveEventListener(wsdouble.EventMessage, l)
	})
	if err != nil {
		return err
	}
	if err := c.sendN(r, p, 1); err != nil {
		return err
	}
	return gotWant("calls of the removed listener", l.n.Load(), 0)
}

func checkRemoveDuringDispatch(c *checker) error {
	b := &counter{}
	r, p, err := c.openWith(func(ws wsdouble.IWebSocket) {
		ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(wsdouble.Event) {
			ws.RemoveEventListener(wsdouble.EventMessage, b)
		}))
		ws.AddEventListener(wsdouble.EventMessage, b)
	})
	if err != nil {
		return err
	}
	if err := c.sendN(r, p, 2); err != nil {
		return err
	}
	return gotWant("calls of the listener removed by an earlier one", b.n.Load(), 0)
}

func checkAddDuringDispatch(c *checker) error {
	added := &counter{}
	var done atomic.Bool
	r, p, err := c.openWith(func(ws wsdouble.IWebSocket) {
		ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(wsdouble.Event) {
			if done.CompareAndSwap(false, true) {
				ws.AddEventListener(wsdouble.EventMessage, added)
			}
		}))
	})
	if err != nil {
		return err
	}
	if err := c.sendN(r, p, 2); err != nil {
		return err
	}
	return gotWant("calls of the listener added during the first message", added.n.Load(), 1)
}

func checkDuplicate(c *checker) error {
	l := &counter{}
	r, p, err := c.openWith(func(ws wsdouble.IWebSocket) {
		ws.AddEventListener(wsdouble.EventMessage, l)
		ws.AddEventListener(wsdouble.EventMessage, l)
	})
	if err != nil {
		return err
	}
	if err := c.sendN(r, p, 2); err != nil {
		return err
	}
	return gotWant("calls of a listener added twice, for 2 messages", l.n.Load(), 2)
}

func checkPerType(c *checker) error {
	l := &counter{}
	closed := make(chan struct{})
	r, p, err := c.openWith(func(ws wsdouble.IWebSocket) {
		ws.AddEventListener(wsdouble.EventMessage, l)
		ws.AddEventListener(wsdouble.EventClose, l)
		ws.RemoveEventListener(wsdouble.EventMessage, l)
		ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) { close(closed) }))
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
	select {
	case <-closed:
	case <-c.ctx.Done():
		return errors.New("the last close listener never ran")
	}
	return gotWant("calls of the listener (removed for message, kept for close)", l.n.Load(), 1)
}

func checkSerial(c *checker) error {
	var inside atomic.Int32
	var overlaps atomic.Int32
	var order []string
	r, p, err := c.openWith(func(ws wsdouble.IWebSocket) {
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
	})
	if err != nil {
		return err
	}
	if err := c.sendN(r, p, 50); err != nil {
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
	r, p, err := c.openWith(func(ws wsdouble.IWebSocket) {
		ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) {
			ws.Send(wsdouble.Text("re: " + string(e.(wsdouble.MessageEvent).Data)))
		}))
	})
	if err != nil {
		return err
	}
	if err := p.Send(wsdouble.Text("ping")); err != nil {
		return fmt.Errorf("server sending: %w", err)
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
	a, err := c.attempt()
	if err != nil {
		return err
	}
	p, err := a.Accept(AcceptOptions{})
	if err != nil {
		return fmt.Errorf("Accept: %w", err)
	}
	c.peers = append(c.peers, p)
	if err := r.expect(c.ctx, "open", "close 4001 clean"); err != nil {
		return err
	}
	end, err := p.Wait(c.ctx)
	if err != nil {
		return err
	}
	var had bool
	select {
	case had = <-seen:
	case <-c.ctx.Done():
		return errors.New("the close listener never ran")
	}
	return errors.Join(
		gotWant("ReadyState right after Close in the listener", wsdouble.ReadyState(stateAfterClose.Load()), wsdouble.Closing),
		gotWant("open listener had returned when close fired", had, true),
		gotWant("server's end", end.String(), End{Kind: ClientClosed, Code: 4001, Reason: "from listener", Clean: true}.String()))
}

func checkBinaryType(c *checker) error {
	r, p, err := c.open(AcceptOptions{})
	if err != nil {
		return err
	}
	ws := r.ws
	var got []string
	got = append(got, ws.BinaryType())
	ws.SetBinaryType("arraybuffer")
	got = append(got, ws.BinaryType())
	ws.SetBinaryType("nope")
	got = append(got, ws.BinaryType())
	if err := p.Send(wsdouble.Binary([]byte{7})); err != nil {
		return fmt.Errorf("server sending: %w", err)
	}
	if err := r.expect(c.ctx, "message binary [1]07"); err != nil {
		return err
	}
	ws.SetBinaryType("blob")
	got = append(got, ws.BinaryType())
	return gotWant("BinaryType: default, after arraybuffer, after nope, after blob", fmt.Sprint(got), fmt.Sprint([]string{"blob", "arraybuffer", "arraybuffer", "blob"}))
}
