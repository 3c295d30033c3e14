package wstest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wsdouble/wsdouble"
)

// The constructor/ checks: what new WebSocket(url, protocols) returns at
// once, before any connection (WHATWG WebSockets: the WebSocket(url,
// protocols) constructor).

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
	if err != nil || ws == nil {
		return fmt.Errorf("constructor(%q): got %v, %v, want a socket", u+"x", ws, err)
	}
	c.track(ws)
	return gotWant("URL", ws.URL(), c.subject.URL+"x")
}

func checkInvalidURL(c *checker) error {
	var errs []error
	for _, bad := range []string{"ftp://example.com/", c.subject.URL + "#frag", c.subject.URL + "#", "/relative/path", "ws://", "::not a url"} {
		errs = append(errs, c.constructorRefuses(fmt.Sprintf("constructor(%q)", bad), wsdouble.ErrInvalidURL, "ErrInvalidURL", bad))
	}
	return errors.Join(errs...)
}

func checkInvalidProtocols(c *checker) error {
	var errs []error
	for _, bad := range [][]string{{"a", "a"}, {"a b"}, {""}, {"a,b"}, {"é"}} {
		errs = append(errs, c.constructorRefuses(fmt.Sprintf("constructor(url, %q)", bad), wsdouble.ErrInvalidProtocol, "ErrInvalidProtocol", c.subject.URL, bad...))
	}
	return errors.Join(errs...)
}

// constructorRefuses checks that the subject's constructor, given url and
// protocols, returns an error that is want (named wantName) and no socket.
// call names the call in the messages.
func (c *checker) constructorRefuses(call string, want error, wantName, url string, protocols ...string) error {
	ws, err := c.subject.New(url, protocols...)
	var errs []error
	if !errors.Is(err, want) {
		errs = append(errs, fmt.Errorf("%s: got error %v, want %s", call, err, wantName))
	}
	if ws != nil {
		errs = append(errs, fmt.Errorf("%s: got a socket, want nil", call))
		c.track(ws)
	}
	return errors.Join(errs...)
}
