package wstest_test

import (
	"errors"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// TestServerAnswersExtensions: a Server answers with the
// Sec-WebSocket-Extensions value AcceptOptions.Extensions gives, on both
// transports, instead of refusing it.
func TestServerAnswersExtensions(t *testing.T) {
	forTransports(t, func(g *gorillaEnv) {
		type dialed struct {
			resp *http.Response
			err  error
		}
		ch := make(chan dialed, 1)
		go func() {
			c, resp, err := g.dialer.Dial(g.url, nil)
			if err == nil {
				c.Close()
			}
			ch <- dialed{resp, err}
		}()
		a, err := g.srv.NextAttempt(g.t.Context())
		if err != nil {
			g.t.Fatal(err)
		}
		if _, err := a.Accept(wstest.AcceptOptions{Extensions: "x-test; a=1"}); err != nil {
			g.t.Fatalf("Accept with Extensions: %v", err)
		}
		d := <-ch
		if d.err != nil {
			g.t.Fatal(d.err)
		}
		if got := d.resp.Header.Values("Sec-WebSocket-Extensions"); len(got) != 1 || got[0] != "x-test; a=1" {
			g.t.Errorf("Sec-WebSocket-Extensions: got %q, want the Accept's", got)
		}
	})
}

// TestUnofferedExtensionFailsTheConnection: an answer naming an
// extension the client did not offer fails the connection (Fetch
// standard, RFC 6455 §4.1): error, then close 1006, no open, on the Fake
// (which offers what a browser does) and the real client (which offers
// nothing); one it offered opens, and Extensions reports it.
func TestUnofferedExtensionFailsTheConnection(t *testing.T) {
	forLayers(t, nil, func(e *env) {
		ws, r := e.dial()
		a, err := e.acc.NextAttempt(e.t.Context())
		if err != nil {
			e.t.Fatal(err)
		}
		a.Accept(wstest.AcceptOptions{Extensions: "x-unoffered"})
		<-r.done
		if got := r.String(); got != "[error, close 1006 unclean]" {
			e.t.Errorf("events: %s, want the connection failed", got)
		}
		var herr *wsdouble.HandshakeError
		if err := r.err(0); !errors.As(err, &herr) || !errors.Is(err, wsdouble.ErrInvalidExtension) {
			e.t.Errorf("the error event's Err: %v, want a HandshakeError wrapping ErrInvalidExtension", err)
		}
		if ws.Extensions() != "" {
			e.t.Errorf("Extensions: %q, want none", ws.Extensions())
		}
	})
}

// TestFakeOffersWhatABrowserOffers: a Fake's handshake offers
// permessage-deflate, as Chromium's does, and opens with it.
func TestFakeOffersWhatABrowserOffers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		f, ev := fakeDial(t, d)
		a := mustAttempt(t, d)
		if got := a.Request().Header.Get("Sec-WebSocket-Extensions"); got != "permessage-deflate; client_max_window_bits" {
			t.Errorf("the Fake's offer: %q", got)
		}
		if _, err := a.Accept(wstest.AcceptOptions{Extensions: "permessage-deflate; server_no_context_takeover"}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got := f.Extensions(); got != "permessage-deflate; server_no_context_takeover" {
			t.Errorf("Extensions: %q", got)
		}
		f.Close(wsdouble.CloseNormalClosure, "")
		<-ev.done
	})
}

// TestRealClientTakesUpWhatItOffered: the real client whose dialer offers
// permessage-deflate opens when the Server's answer names it.
func TestRealClientTakesUpWhatItOffered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		dialer := srv.Dialer()
		dialer.EnableCompression = true
		ws, err := wsdouble.NewConstructor(wsdouble.WithDialer(dialer))(wstest.MemoryURL)
		if err != nil {
			t.Fatal(err)
		}
		ev := watch(ws)
		ext := "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
		if _, err := mustAttempt(t, srv).Accept(wstest.AcceptOptions{Extensions: ext}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if ws.ReadyState() != wsdouble.Open || ws.Extensions() != ext {
			t.Errorf("%v with Extensions %q, want OPEN with %q", ws.ReadyState(), ws.Extensions(), ext)
		}
		ws.Close(wsdouble.CloseNormalClosure, "")
		<-ev.done
	})
}
