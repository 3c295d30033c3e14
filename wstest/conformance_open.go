package wstest

import (
	"errors"
	"fmt"

	"github.com/wsdouble/wsdouble"
)

// The open/ checks: the opening handshake, as the server sees it and as
// the socket reports it (RFC 6455 §4.1, Fetch: establish a WebSocket
// connection).

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
	_, a, err := c.dialAttempt("room/1?x=y", "chat", "superchat")
	if err != nil {
		return err
	}
	return errors.Join(
		gotWant("request URI", a.Request().URL.RequestURI(), "/room/1?x=y"),
		gotWant("offered subprotocols", fmt.Sprint(a.Protocols()), "[chat superchat]"),
	)
}

func checkProtocolChosen(c *checker) error {
	var before string
	r, p, err := c.openWith(AcceptOptions{Subprotocol: "superchat"}, func(ws wsdouble.IWebSocket) {
		before = ws.Protocol()
	}, "chat", "superchat")
	if err != nil {
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
	return checkProtocolFails(c, NoSubprotocol)
}

func checkProtocolNotOffered(c *checker) error {
	return checkProtocolFails(c, "other")
}

// checkProtocolFails has a socket that offers "chat" answered with the
// subprotocol chosen (or none, for NoSubprotocol), which the socket must
// fail the connection for.
func checkProtocolFails(c *checker, chosen string) error {
	r, a, err := c.dialAttempt("", "chat")
	if err != nil {
		return err
	}
	if p, err := a.Accept(AcceptOptions{Subprotocol: chosen}); err == nil {
		c.peers = append(c.peers, p)
	}
	return r.expect(c.ctx, "error", "close 1006 unclean")
}

// checkExtensionNotOffered answers a socket's handshake with an extension
// no client offers, which it must fail the connection for.
func checkExtensionNotOffered(c *checker) error {
	r, a, err := c.dialAttempt("")
	if err != nil {
		return err
	}
	if p, err := a.Accept(AcceptOptions{Extensions: "x-wsdouble-not-offered"}); err == nil {
		c.peers = append(c.peers, p)
	}
	return r.expect(c.ctx, "error", "close 1006 unclean")
}
