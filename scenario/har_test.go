package scenario_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

func loadHAR(t *testing.T, path string) *scenario.Script {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := scenario.FromHAR(f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestFromChromeHAR(t *testing.T) {
	s := loadHAR(t, "testdata/har/chrome.har")
	b, _ := scenario.Marshal(s)
	want := `{
  "version": 1,
  "name": "har from WebInspector",
  "description": "Redacted by wsdouble: the values of headers Set-Cookie are REDACTED.",
  "attempts": [
    {
      "label": "/live",
      "refuse": {
        "status": 503,
        "headers": {
          "Retry-After": "1",
          "Set-Cookie": "REDACTED"
        },
        "body": "busy"
      }
    },
    {
      "label": "/live",
      "accept": {
        "subprotocol": "v1"
      },
      "steps": [
        {"expect": {"text": "{\"op\":\"subscribe\",\"id\":1}"}},
        {"wait": "2s"},
        {"send": {"text": "ping"}},
        {"expect": {"text": "pong"}},
        {"wait": "1s"},
        {"send": {"binary": "CQ=="}}
      ]
    }
  ]
}
`
	if string(b) != want {
		t.Errorf("imported:\n%s\nwant:\n%s", b, want)
	}
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		pb := scenario.Play(t, d, s)
		c := startClient(d.Constructor(), "ws://app.test/live?room=7", time.Second)
		rep, err := pb.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait() // the client has the last message
		c.Stop()
		want := `socket 1: error, close 1006 unclean
socket 2: open, message text "ping", message binary [1]09, close 1000 clean`
		if got := c.Log(); got != want {
			t.Errorf("client saw:\n%s\nwant:\n%s", got, want)
		}
		if at := rep.Attempts[1].Entries[4].At - rep.Attempts[1].AnsweredAt; at.Round(time.Millisecond) != 3*time.Second {
			t.Errorf("the binary message came %v after the open, want 3s as recorded", at)
		}
	})
}

func TestFromPlaywrightHAR(t *testing.T) {
	s := loadHAR(t, "testdata/har/playwright.har")
	if len(s.Attempts) != 1 {
		t.Fatalf("imported %d attempts, want 1", len(s.Attempts))
	}
	var kinds []string
	for _, st := range s.Attempts[0].Steps {
		kinds = append(kinds, st.Action.Name())
	}
	if got, want := strings.Join(kinds, " "), "expect wait send expect wait send wait drop"; got != want {
		t.Errorf("steps: %s, want %s", got, want)
	}
	if w := s.Attempts[0].Steps[1].Action.(scenario.Wait).Duration; w != 2*time.Second {
		t.Errorf("first wait: %v, want 2s (the file's times are milliseconds)", w)
	}
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		pb := scenario.Play(t, d, s)
		c := startClient(d.Constructor(), "ws://127.0.0.1:8080/live", time.Hour)
		if _, err := pb.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		c.Stop()
		want := `socket 1: open, message text "ping", message binary [1]09, close 1006 unclean`
		if got := c.Log(); got != want {
			t.Errorf("client saw:\n%s\nwant:\n%s", got, want)
		}
	})
}

func TestFromHARErrors(t *testing.T) {
	// ws is an entry of a websocket with these messages.
	ws := func(status int, msgs string) string {
		return fmt.Sprintf(`{"_resourceType": "websocket", "request": {"url": "wss://x/"}, "response": {"status": %d}, "_webSocketMessages": [%s]}`, status, msgs)
	}
	page := `{"request": {"url": "https://x/"}, "response": {"status": 200}}`
	ok := `{"type": "receive", "time": 1, "opcode": 1, "data": "x"}`
	// entries puts e fourth, after a page and two good websockets: errors
	// name it by its index in log.entries, 3.
	entries := func(e string) string {
		return `{"log": {"entries": [` + page + `, ` + ws(101, ok) + `, ` + ws(101, "") + `, ` + e + `]}}`
	}
	tests := []struct{ name, src, want string }{
		{"not JSON", `{"log": `, "scenario: FromHAR: 1:9: unexpected end of JSON input"},
		{"not an object", `[]`, "scenario: FromHAR: the file: got a JSON array, want an object"},
		{"entries not an array", `{"log": {"entries": {}}}`, "scenario: FromHAR: log.entries: got a JSON object, want an array"},
		{"wrong type", entries(`{"response": {"status": "101"}}`), "scenario: FromHAR: log.entries[3].response.status: got a JSON string, want an integer"},
		{"wrong header type", entries(`{"request": {"headers": [{"name": 1}]}}`), "scenario: FromHAR: log.entries[3].request.headers[0].name: got a JSON number, want a string"},
		{"messages not an array", entries(`{"_webSocketMessages": 7}`), "scenario: FromHAR: log.entries[3]._webSocketMessages: got a JSON number, want an array"},
		{"wrong message type", entries(ws(101, ok+`, `+ok+`, {"opcode": "1"}`)), "scenario: FromHAR: log.entries[3]._webSocketMessages[2].opcode: got a JSON string, want an integer"},
		{"wrong time type", entries(ws(101, `{"time": true}`)), "scenario: FromHAR: log.entries[3]._webSocketMessages[0].time: got a JSON bool, want a number"},
		{"no websocket", `{"log": {"entries": [` + page + `]}}`, "scenario: FromHAR: no WebSocket entry"},
		// Messages are sorted by time; the error names the message by its
		// place in the file.
		{"bad opcode", entries(ws(101, `{"type": "receive", "time": 3, "opcode": 1, "data": ""}, `+ok+`, {"type": "receive", "time": 2, "opcode": 9, "data": ""}`)),
			"scenario: FromHAR: log.entries[3]._webSocketMessages[2].opcode: unsupported opcode 9 (want 1, 2 or -1)"},
		{"bad base64", entries(ws(101, ok+`, {"type": "receive", "time": 1, "opcode": 2, "data": "%%"}`)),
			"scenario: FromHAR: log.entries[3]._webSocketMessages[1].data: binary data (opcode 2) is not base64: illegal base64 data at input byte 0"},
		{"bad type", entries(ws(101, `{"type": "sent", "time": 1, "opcode": 1, "data": ""}`)),
			`scenario: FromHAR: log.entries[3]._webSocketMessages[0].type: "sent" is neither send nor receive`},
		{"messages on a refusal", entries(ws(403, ok)), "scenario: FromHAR: log.entries[3]._webSocketMessages: 1 messages on a connection answered with status 403"},
		{"bad body", entries(`{"_resourceType": "websocket", "response": {"status": 403, "content": {"text": "%%", "encoding": "base64"}}}`),
			"scenario: FromHAR: log.entries[3].response.content.text: not base64: illegal base64 data at input byte 0"},
		{"absurd times", entries(ws(101, ok+`, {"type": "receive", "time": 9e10, "opcode": 1, "data": ""}`)),
			"scenario: FromHAR: log.entries[3]._webSocketMessages[1].time: 9e+10 is not within 2592000 s of the previous message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scenario.FromHAR(strings.NewReader(tt.src))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("FromHAR:\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}
