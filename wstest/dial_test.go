package wstest_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"

	coder "github.com/coder/websocket"
	"github.com/gobwas/ws"

	"github.com/wsdouble/wsdouble/wstest"
)

// DialContext, and the HTTPClient and Dialer that dial with it, pick the
// transport by the address: the loopback listener's (URL's host and port)
// over TCP, any other in memory. One client reaches the Server both ways.
func TestDialContextPicksTheTransport(t *testing.T) {
	srv := wstest.NewServer(t)
	accepting(t, srv)
	url := srv.URL()
	dials := map[string]func(ctx context.Context, url string) error{
		"coder": func(ctx context.Context, url string) error {
			c, _, err := coder.Dial(ctx, url, &coder.DialOptions{HTTPClient: srv.HTTPClient()})
			if err == nil {
				c.CloseNow()
			}
			return err
		},
		"gobwas": func(ctx context.Context, url string) error {
			c, _, _, err := ws.Dialer{NetDial: srv.DialContext}.Dial(ctx, url)
			if err == nil {
				c.Close()
			}
			return err
		},
		"gorilla": func(ctx context.Context, url string) error {
			c, _, err := srv.Dialer().DialContext(ctx, url, nil)
			if err == nil {
				c.Close()
			}
			return err
		},
	}
	for _, name := range []string{"coder", "gobwas", "gorilla"} {
		for _, u := range []string{url, wstest.MemoryURL} {
			if err := dials[name](t.Context(), u); err != nil {
				t.Fatalf("%s, %s: %v", name, u, err)
			}
		}
	}
	log := srv.Attempts()
	if len(log) != 6 {
		t.Fatalf("got %d attempts, want 6:\n%s", len(log), wstest.Timeline(log))
	}
	for i, rec := range log {
		want := url
		if i%2 == 1 {
			want = wstest.MemoryURL
		}
		if rec.Outcome != wstest.Accepted || rec.URL != want {
			t.Errorf("attempt #%d: got %v at %s, want accepted at %s", rec.N, rec.Outcome, rec.URL, want)
		}
	}
}

// The addresses a client dials reach the transport DialContext says: the
// loopback listener over TCP, everything else in memory.
func TestDialContextTransports(t *testing.T) {
	srv := wstest.NewServer(t)
	host := strings.TrimSuffix(strings.TrimPrefix(srv.URL(), "ws://"), "/")
	for addr, network := range map[string]string{host: "tcp", "wstest.invalid:80": "memory", "127.0.0.1:1": "memory"} {
		c, err := srv.DialContext(t.Context(), "tcp", addr)
		if err != nil {
			t.Fatalf("DialContext %s: %v", addr, err)
		}
		if got := c.RemoteAddr().Network(); got != network {
			t.Errorf("DialContext %s: got a %s connection, want %s", addr, got, network)
		}
		c.Close()
	}
}

// HTTPClient is made once, in the bubble of its first call, and reaches
// the Server in memory there.
func TestHTTPClientInBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
		if first, second := srv.HTTPClient(), srv.HTTPClient(); first != second {
			t.Errorf("HTTPClient: got two clients, want the same one")
		}
		c, _, err := coder.Dial(t.Context(), wstest.MemoryURL, &coder.DialOptions{HTTPClient: srv.HTTPClient()})
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Write(t.Context(), coder.MessageText, []byte("hi")); err != nil {
			t.Fatal(err)
		}
		if _, data, err := c.Read(t.Context()); err != nil || string(data) != "hi" {
			t.Errorf("echo: got %q, %v; want hi", data, err)
		}
		c.Close(coder.StatusNormalClosure, "")
	})
}
