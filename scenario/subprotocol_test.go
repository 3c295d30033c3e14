package scenario_test

import (
	"bytes"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// TestNoSubprotocol: "subprotocol": "" answers without one, in the file
// format and the builder alike (wstest.NoSubprotocol), and a client that
// offered one fails the connection, as a browser does (Fetch standard);
// without the field the acceptor speaks the client's protocol.
func TestNoSubprotocol(t *testing.T) {
	const file = `{"version": 1, "attempts": [{"accept": {"subprotocol": ""}}, {"accept": {}}]}`
	s, err := scenario.Parse(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Attempts[0].Answer.(scenario.Accept).Subprotocol; got != wstest.NoSubprotocol {
		t.Errorf("attempt 1: Subprotocol %q, want wstest.NoSubprotocol", got)
	}
	if got := s.Attempts[1].Answer.(scenario.Accept).Subprotocol; got != "" {
		t.Errorf("attempt 2: Subprotocol %q, want the acceptor's choice", got)
	}
	out, err := scenario.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`"subprotocol": ""`)) {
		t.Errorf("Marshal: got %s, want the attempt's \"subprotocol\": \"\"", out)
	}
	built, err := scenario.New("").Attempt().Accept().Subprotocol(wstest.NoSubprotocol).Attempt().Accept().Build()
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := scenario.Marshal(built); !bytes.Equal(b, out) {
		t.Errorf("the builder's script: got %s, want %s", b, out)
	}

	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		pb := scenario.Play(t, d, s)
		var got []string
		for range 2 {
			ws, err := d.Constructor()("ws://fake.test/", "chat")
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan string, 1)
			ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
				done <- "open " + ws.Protocol()
				ws.Close(1000, "")
			}))
			ws.AddEventListener(wsdouble.EventError, wsdouble.ListenerFunc(func(wsdouble.Event) { done <- "error" }))
			got = append(got, <-done)
			<-ws.(*wstest.Fake).Done()
		}
		if want := []string{"error", "open chat"}; strings.Join(got, ", ") != strings.Join(want, ", ") {
			t.Errorf("the client saw %q, want %q", got, want)
		}
		if _, err := pb.Wait(t.Context()); err != nil {
			t.Error(err)
		}
	})
}

// TestRecordedNoSubprotocol: an upstream, or a HAR's server, that answered
// no subprotocol to a client that offered one is recorded as
// wstest.NoSubprotocol, and the proxy answers the client so: the client
// fails as against the upstream itself (the acceptor's default would have
// spoken its protocol).
func TestRecordedNoSubprotocol(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		upstream := wstest.NewServer(t, wstest.AutoAccept(func(p wstest.Peer) { <-p.Done() }), wstest.Subprotocols("other"))
		proxy, err := scenario.NewProxy(t, "ws://upstream.test/", scenario.UpstreamDialer(upstream.Dialer()))
		if err != nil {
			t.Fatal(err)
		}
		ws, err := proxy.Constructor()(wstest.MemoryURL, "chat")
		if err != nil {
			t.Fatal(err)
		}
		events := make(chan string, 2)
		for _, typ := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventError, wsdouble.EventClose} {
			ws.AddEventListener(typ, wsdouble.ListenerFunc(func(e wsdouble.Event) { events <- string(e.Type()) }))
		}
		if got := <-events + " " + <-events; got != "error close" {
			t.Errorf("the client through the proxy saw %q, want error, close (no open)", got)
		}
		s, err := proxy.Script("x")
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Attempts[0].Answer.(scenario.Accept).Subprotocol; got != wstest.NoSubprotocol {
			t.Errorf("recorded subprotocol %q, want wstest.NoSubprotocol", got)
		}
	})

	const har = `{"log": {"version": "1.2", "entries": [{
	  "_resourceType": "websocket", "startedDateTime": "2026-11-20T10:00:02.000Z",
	  "request": {"method": "GET", "url": "wss://app.example/live", "headers": [{"name": "Sec-WebSocket-Protocol", "value": "v1"}]},
	  "response": {"status": 101, "headers": [{"name": "Upgrade", "value": "websocket"}]},
	  "_webSocketMessages": []}]}}`
	s, err := scenario.FromHAR(strings.NewReader(har))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Attempts[0].Answer.(scenario.Accept).Subprotocol; got != wstest.NoSubprotocol {
		t.Errorf("HAR: subprotocol %q, want wstest.NoSubprotocol", got)
	}
}
