package main_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	cli "github.com/wsdouble/wsdouble/cmd/wsdouble"
)

const heartbeatScript = `{"version": 1, "name": "heartbeat", "attempts": [
  {"accept": {"extensions": "x-not-offered"}},
  {"accept": {}, "steps": [
    {"ping": {"text": "hb"}},
    {"expect_pong": {"text": "hb"}},
    {"answer_pings": false},
    {"expect_ping": {"text": "unanswered"}},
    {"raw": {"opcode": "close", "code": 4001, "text": "raw"}},
    {"expect_close": {}}
  ]}
]}`

// TestCheckControlSteps: check validates the heartbeat, raw and
// extensions parts of a script, and reports a bad one with its place.
func TestCheckControlSteps(t *testing.T) {
	path := writeScript(t, heartbeatScript)
	code, stdout, stderr := run(t, "", "check", path)
	if code != cli.ExitOK || stdout != path+`: ok: scenario "heartbeat", 2 attempts, 6 steps`+"\n" || stderr != "" {
		t.Errorf("check: %d %q %q", code, stdout, stderr)
	}
	code, _, stderr = run(t, `{"version": 1, "attempts": [{"accept": {}, "steps": [
  {"answer_pings": 5},
  {"raw": {"opcode": 16}}]}]}`, "check", "-")
	want := "wsdouble check: <stdin>:2:20: attempt 1, step 1: answer_pings: got a number, want true (at once), false (never) or a delay such as \"5s\"\n" +
		"wsdouble check: <stdin>:3:22: attempt 1, step 2: raw.opcode: 16 does not fit in 4 bits (0-15)\n"
	if code != cli.ExitInvalid || stderr != want {
		t.Errorf("check invalid: exit %d\n%s\nwant:\n%s", code, stderr, want)
	}
}

// TestServeControlSteps: serve plays the heartbeat and raw steps over
// loopback to a gorilla client, and its live timeline shows each: the
// ping and the client's pong, the client's ping left unanswered, the raw
// close frame; the first attempt's extension, which the client did not
// offer, is answered as written.
func TestServeControlSteps(t *testing.T) {
	c := start(t, "serve", "--once", "--listen", "127.0.0.1:0", writeScript(t, heartbeatScript))
	url := c.stdout.waitFor(t, urlLine)[1]
	first, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.Header.Get("Sec-WebSocket-Extensions"); got != "x-not-offered" {
		t.Errorf("Sec-WebSocket-Extensions: %q", got)
	}
	first.Close()

	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pongs := make(chan string, 1)
	conn.SetPongHandler(func(s string) error { pongs <- s; return nil })
	read := make(chan error, 1)
	go func() {
		_, _, err := conn.ReadMessage() // answers the ping, until the close
		read <- err
	}()
	c.stdout.waitFor(t, regexp.MustCompile(`answer no ping`))
	conn.WriteControl(websocket.PingMessage, []byte("unanswered"), time.Now().Add(time.Second))
	if err := <-read; !websocket.IsCloseError(err, 4001) {
		t.Errorf("the client read %v, want the raw close 4001", err)
	}
	select {
	case p := <-pongs:
		t.Errorf("a pong %q came, with answer_pings false", p)
	default:
	}
	if code := c.wait(t); code != cli.ExitOK {
		t.Fatalf("exit %d:\n%s", code, c.stdout)
	}
	out := c.stdout.String()
	for _, want := range []string{
		`step 1 → ping "hb"`,
		`step 2 expect pong "hb": ← pong "hb" ✓`,
		`step 3 answer no ping`,
		`step 4 expect ping "unanswered": ← ping "unanswered" ✓`,
		`step 5 → raw close FIN 4001 "raw"`,
		`step 6 expect the client to close ✓`,
		`end: client closed 4001 clean`, // gorilla echoes the code, not the reason
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the live timeline lacks %q:\n%s", want, out)
		}
	}
}
