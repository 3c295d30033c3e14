package scenario_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// layersOf runs test on the fake and the in-memory server, each in a
// synctest bubble, with the acceptor, a constructor of clients that reach
// it, and their URL.
func layersOf(t *testing.T, test func(t *testing.T, acc wstest.Acceptor, ctor wsdouble.Constructor, url string)) {
	t.Run("fake", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			d := wstest.NewFakeDialer(t)
			test(t, d, d.Constructor(), "ws://heartbeat.test/")
		})
	})
	t.Run("memory", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := wstest.NewServer(t)
			test(t, srv, srv.Constructor(), wstest.MemoryURL)
		})
	})
}

// listen logs what a socket's listeners see.
func listen(ws wsdouble.IWebSocket) (log func() string, done <-chan struct{}) {
	var lines []string
	closed := make(chan struct{})
	l := wsdouble.ListenerFunc(func(e wsdouble.Event) {
		s := string(e.Type())
		switch e := e.(type) {
		case wsdouble.MessageEvent:
			s = e.String()
		case wsdouble.CloseEvent:
			s = e.String()
			defer close(closed)
		}
		lines = append(lines, s)
	})
	for _, typ := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
		ws.AddEventListener(typ, l)
	}
	return func() string { return strings.Join(lines, ", ") }, closed
}

// TestPingStepsOnEveryLayer: the server's ping comes back as the client's
// pong, on the Fake (which answers as a browser does) and the real client
// in memory; the report shows both, with the same lines on each layer,
// and the client's listeners see neither.
func TestPingStepsOnEveryLayer(t *testing.T) {
	s, err := scenario.New("heartbeat").
		Attempt().Accept().
		Ping([]byte("hb")).ExpectPong([]byte("hb")).
		Pong([]byte("u")).
		Ping([]byte{0xff}).ExpectPong(nil).
		Ping(nil).ExpectPong([]byte("other")).Within(time.Second).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	const want = `scenario "heartbeat": 1 attempts played, 1 mismatches
mismatches:
  attempt 1 (#1), step 7: want pong "other", got pong ""
timeline:
  attempt 1 (#1): accepted
    step 1 → ping "hb"
    step 2 expect pong "hb": ← pong "hb" ✓
    step 3 → pong "u" (unsolicited)
    step 4 → ping [1]ff
    step 5 expect a pong: ← pong [1]ff ✓
    step 6 → ping ""
    step 7 expect pong "other": ← pong "" ✗ got pong ""
    after the mismatch: close 1008 "wsdouble: attempt 1, step 7: want pong \"other\", got pong \"\""
    end: server closed 1008 "wsdouble: attempt 1, step 7: want pong \"other\", got pong \"\"" clean
`
	layersOf(t, func(t *testing.T, acc wstest.Acceptor, ctor wsdouble.Constructor, url string) {
		ws, err := ctor(url)
		if err != nil {
			t.Fatal(err)
		}
		log, done := listen(ws)
		rep, _ := scenario.Run(t.Context(), acc, s)
		<-done
		if got := rep.Outline(); got != want {
			t.Errorf("report:\n%s\nwant:\n%s", got, want)
		}
		if got, want := log(), `open, close 1008 "wsdouble: attempt 1, step 7: want pong \"other\", got pong \"\"" clean`; got != want {
			t.Errorf("the client's listeners saw %s, want %s", got, want)
		}
	})
}

// TestAnswerPingsStep: a gorilla client's pings are answered as the
// script says, late (scaled by TimeScale) and then not at all, and the
// expect_ping steps take them.
func TestAnswerPingsStep(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		s, err := scenario.New("answers").
			Attempt().Accept().
			AnswerPings(wstest.PongAfter(6 * time.Second)).ExpectPing([]byte("a")).
			AnswerPings(wstest.NoPong()).ExpectPing(nil).
			AnswerPings(wstest.PongAtOnce()).ExpectPing([]byte("c")).
			ExpectClose(0).
			Build()
		if err != nil {
			t.Fatal(err)
		}
		pb := scenario.Play(t, srv, s, scenario.TimeScale(0.5))
		c, _, err := srv.Dialer().Dial(wstest.MemoryURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		pongs := make(chan string, 10)
		start := time.Now()
		c.SetPongHandler(func(p string) error {
			pongs <- fmt.Sprintf("%s at +%v", p, time.Since(start))
			return nil
		})
		go c.ReadMessage()
		synctest.Wait()
		for _, p := range []string{"a", "b", "c"} {
			c.WriteControl(websocket.PingMessage, []byte(p), time.Now().Add(time.Second))
			time.Sleep(5 * time.Second)
		}
		var got []string
		for len(pongs) > 0 {
			got = append(got, <-pongs)
		}
		if strings.Join(got, ", ") != "a at +3s, c at +10s" {
			t.Errorf("pongs after %v, want after 3s (6s at half time) for a, none for b, at once for c", got)
		}
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(time.Second))
		rep, err := pb.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		const want = `    step 1 answer pings after 3s
    step 2 expect ping "a": ← ping "a" ✓
    step 3 answer no ping
    step 4 expect a ping: ← ping "b" ✓
    step 5 answer pings at once
    step 6 expect ping "c": ← ping "c" ✓
    step 7 expect the client to close ✓
`
		if got := rep.Outline(); !strings.Contains(got, want) {
			t.Errorf("report:\n%s\nwant the lines:\n%s", got, want)
		}
	})
}

// TestExpectPingOfABrowser: a browser never pings; expect_ping waits its
// timeout and mismatches, and so do expect_pong when no ping was sent.
func TestExpectPingOfABrowser(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		s, err := scenario.New("browser").
			Attempt().Accept().ExpectPing(nil).Within(30 * time.Second).
			Build()
		if err != nil {
			t.Fatal(err)
		}
		ws, _ := d.Constructor()("ws://browser.test/")
		_, done := listen(ws)
		rep, _ := scenario.Run(t.Context(), d, s)
		<-done
		if len(rep.Mismatches) != 1 || rep.Mismatches[0].Error() != "attempt 1 (#1), step 1: want a ping, got nothing within 30s" {
			t.Errorf("mismatches: %v", rep.Mismatches)
		}
	})
}

// TestRawStep: a raw frame reaches the real client as written (a close
// code a browser receives clean, 999; one it must fail the connection
// for, 1005), and a Fake, which has no wire, refuses it with a mismatch
// that says so.
func TestRawStep(t *testing.T) {
	s, err := scenario.New("raw").
		Attempt().Accept().Raw(wstest.Frame{Opcode: wstest.OpClose, Payload: wstest.ClosePayload(999, []byte("odd"))}).ExpectClose(0).
		Attempt().Accept().Raw(wstest.Frame{Opcode: wstest.OpClose, Payload: wstest.ClosePayload(1005, nil)}).ExpectClose(wsdouble.CloseProtocolError).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("memory", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := wstest.NewServer(t)
			logs := make(chan string, 2)
			go func() {
				for range 2 {
					ws, _ := srv.Constructor()(wstest.MemoryURL)
					log, done := listen(ws)
					<-done
					logs <- log()
				}
			}()
			rep, err := scenario.Run(t.Context(), srv, s)
			if err != nil {
				t.Fatal(err)
			}
			const want = `    step 1 → raw close FIN 999 "odd"
    step 2 expect the client to close ✓
    end: client closed 999 "odd" clean
  attempt 2 (#2): accepted
    step 1 → raw close FIN 1005 ""
    step 2 expect the client to close with 1002 ✓
`
			if got := rep.Outline(); !strings.Contains(got, want) {
				t.Errorf("report:\n%s\nwant the lines:\n%s", got, want)
			}
			if got := <-logs + "; " + <-logs; got != `open, close 999 "odd" clean; open, error, close 1006 unclean` {
				t.Errorf("the clients saw %s", got)
			}
		})
	})
	t.Run("fake", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			d := wstest.NewFakeDialer(t)
			ws, _ := d.Constructor()("ws://raw.test/")
			_, done := listen(ws)
			one, err := scenario.New("one").Attempt().Accept().Raw(wstest.Frame{Opcode: wstest.OpText}).Build()
			if err != nil {
				t.Fatal(err)
			}
			rep, _ := scenario.Run(t.Context(), d, one)
			<-done
			want := `attempt 1 (#1), step 1: want to write raw text FIN "", got wstest: Peer.WriteFrame: ` + wstest.ErrNoWire.Error()
			if len(rep.Mismatches) != 1 || rep.Mismatches[0].Error() != want {
				t.Errorf("mismatches: %v, want %s", rep.Mismatches, want)
			}
		})
	})
}

// TestAcceptExtensions: an accept that names an extension the client did
// not offer fails the connection, on every layer, as the Fetch standard
// says; one a browser offers opens the Fake, whose Extensions reports it.
func TestAcceptExtensions(t *testing.T) {
	s, err := scenario.New("extensions").Attempt().Accept().Extensions("x-unoffered").ExpectClose(wsdouble.CloseAbnormalClosure).Build()
	if err != nil {
		t.Fatal(err)
	}
	layersOf(t, func(t *testing.T, acc wstest.Acceptor, ctor wsdouble.Constructor, url string) {
		ws, _ := ctor(url)
		log, done := listen(ws)
		rep, err := scenario.Run(t.Context(), acc, s)
		<-done
		if err != nil || log() != "error, close 1006 unclean" {
			t.Errorf("the client saw %s; report:\n%v", log(), rep)
		}
	})
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		ws, _ := d.Constructor()("ws://extensions.test/")
		_, done := listen(ws)
		ok, _ := scenario.New("deflate").Attempt().Accept().Extensions("permessage-deflate").Close(1000, "").Build()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		scenario.Run(ctx, d, ok)
		<-done
		if got := ws.Extensions(); got != "permessage-deflate" {
			t.Errorf("Extensions: %q", got)
		}
	})
}

// TestControlStepParseErrors: the heartbeat and raw steps, and
// accept.extensions, are read as strictly as the others, each error with
// its line, column, attempt, step and field.
func TestControlStepParseErrors(t *testing.T) {
	step := func(s string) string {
		return `{"version": 1, "attempts": [{"accept": {}, "steps": [` + s + `]}]}`
	}
	for _, tt := range []struct {
		name, src, want string
	}{
		{"ping too long", step(`{"ping": {"text": "` + strings.Repeat("p", 126) + `"}}`), "1:63: attempt 1, step 1: ping: payload of 126 bytes, over the 125 of a control frame"},
		{"ping text and binary", step(`{"ping": {"text": "a", "binary": "AA=="}}`), "attempt 1, step 1: ping: want text or binary, not both"},
		{"ping unknown field", step(`{"ping": {"data": "a"}}`), "attempt 1, step 1: ping.data: unknown field"},
		{"pong not base64", step(`{"pong": {"binary": "%"}}`), "attempt 1, step 1: pong.binary: not base64"},
		{"expect_pong negative timeout", step(`{"expect_pong": {"timeout": "-1s"}}`), "attempt 1, step 1: expect_pong.timeout: negative duration"},
		{"answer_pings number", step(`{"answer_pings": 5}`), `attempt 1, step 1: answer_pings: got a number, want true (at once), false (never) or a delay such as "5s"`},
		{"answer_pings bad delay", step(`{"answer_pings": "soon"}`), `attempt 1, step 1: answer_pings: bad duration "soon"`},
		{"raw without opcode", step(`{"raw": {}}`), "attempt 1, step 1: raw.opcode: missing"},
		{"raw opcode 16", step(`{"raw": {"opcode": 16}}`), "attempt 1, step 1: raw.opcode: 16 does not fit in 4 bits (0-15)"},
		{"raw opcode name", step(`{"raw": {"opcode": "data"}}`), `attempt 1, step 1: raw.opcode: "data" is not continuation, text, binary, close, ping or pong`},
		{"raw code too large", step(`{"raw": {"opcode": "close", "code": 65536}}`), "attempt 1, step 1: raw.code: 65536 does not fit in 2 bytes (0-65535)"},
		{"raw text and payload", step(`{"raw": {"opcode": "text", "text": "a", "payload": "AA=="}}`), "attempt 1, step 1: raw: want text or payload, not both"},
		{"raw mask of 3 bytes", step(`{"raw": {"opcode": "text", "mask": "AQID"}}`), `attempt 1, step 1: raw.mask: want a 4-byte key in base64`},
		{"raw fin a string", step(`{"raw": {"opcode": "text", "fin": "no"}}`), "attempt 1, step 1: raw.fin: got a string, want true or false"},
		{"extensions a number", `{"version": 1, "attempts": [{"accept": {"extensions": 1}}]}`, "attempt 1: accept.extensions: got a number, want a string"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scenario.Parse(strings.NewReader(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse: got %v, want an error containing %q", err, tt.want)
			}
		})
	}
	s := &scenario.Script{Attempts: []scenario.Attempt{{Answer: scenario.Accept{Extensions: "a\r\nX-Injected: 1"}}}}
	if err := s.Validate(); err == nil || !strings.Contains(err.Error(), "hold a line break") {
		t.Errorf("Validate of extensions with a line break: got %v", err)
	}
}
