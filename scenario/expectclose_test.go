package scenario_test

import (
	"strings"
	"testing"
	"testing/synctest"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// TestExpectCloseReadsOn: while an expect_close waits, the player reads
// what the client sends, so that a client that sent more than the inbox
// holds can still send its close frame; the messages are listed as extra.
func TestExpectCloseReadsOn(t *testing.T) {
	s, err := scenario.New("").Attempt().Accept().ExpectClose(wsdouble.CloseNormalClosure).Build()
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t, wstest.InboxLimit(2, 1<<20))
		pb := scenario.Play(t, srv, s)
		ws, err := srv.Constructor()(wstest.MemoryURL)
		if err != nil {
			t.Fatal(err)
		}
		ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
			for i := range 50 {
				ws.Send(wsdouble.Binary(make([]byte, 64<<10+i)))
			}
			ws.Close(wsdouble.CloseNormalClosure, "done")
		}))
		rep, err := pb.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		extra := 0
		for _, e := range rep.Attempts[0].Entries {
			if e.Action == "extra" {
				extra++
			}
		}
		if extra != 50 || !strings.Contains(rep.String(), "client closed 1000") {
			t.Errorf("got %d extra messages and report:\n%s\nwant 50, and the close", extra, rep)
		}
	})
}

// TestProxyRecordsNoExpectationForAViolation: a client that breaks the
// protocol through the proxy is failed by it (close 1002), and the
// recording has no expect_close 1006 for it, which a replay's end
// (ProtocolViolation) would not meet.
func TestProxyRecordsNoExpectationForAViolation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		upstream := wstest.NewServer(t, wstest.AutoAccept(func(p wstest.Peer) { <-p.Done() }))
		proxy, err := scenario.NewProxy(t, "ws://upstream.test/", scenario.UpstreamDialer(upstream.Dialer()))
		if err != nil {
			t.Fatal(err)
		}
		conn, _, err := proxy.Server().Dialer().Dial(wstest.MemoryURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		// A masked text frame "x" with RSV2 set (RFC 6455 §5.2).
		conn.NetConn().Write([]byte{0x80 | 0x20 | 0x1, 0x80 | 1, 0, 0, 0, 0, 'x'})
		_, _, err = conn.ReadMessage()
		if !websocket.IsCloseError(err, websocket.CloseProtocolError) {
			t.Fatalf("the client read %v, want close 1002 from the proxy", err)
		}
		synctest.Wait()
		s, err := proxy.Script("x")
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range s.Attempts[0].Steps {
			if _, ok := st.Action.(scenario.ExpectClose); ok {
				t.Errorf("recorded %v for a client the proxy failed, want no expectation", st.Action)
			}
		}
		if end := proxy.Server().Attempts()[0].End; end.Kind != wstest.ProtocolViolation {
			t.Errorf("the proxy's end: %v, want a protocol violation", end)
		}
	})
}
