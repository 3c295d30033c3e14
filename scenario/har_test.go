package scenario_test

import (
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
	tests := []struct{ name, src, want string }{
		{"not JSON", `{"log": `, "FromHAR: 1:9: unexpected end of JSON input"},
		{"wrong type", `{"log": {"entries": [{"response": {"status": "101"}}]}}`, "FromHAR: 1:51: log.entries.response.status: got a JSON string, want int"},
		{"no websocket", `{"log": {"entries": [{"request": {"url": "https://x/"}}]}}`, "no WebSocket entry"},
		{"bad opcode", `{"log": {"entries": [{"_resourceType": "websocket", "request": {"url": "wss://x/"}, "response": {"status": 101},
			"_webSocketMessages": [{"type": "receive", "time": 1, "opcode": 9, "data": ""}]}]}}`, "websocket entry 1 (wss://x/): message 1: unsupported opcode 9"},
		{"bad base64", `{"log": {"entries": [{"_resourceType": "websocket", "request": {"url": "wss://x/"}, "response": {"status": 101},
			"_webSocketMessages": [{"type": "receive", "time": 1, "opcode": 2, "data": "%%"}]}]}}`, "message 1: binary data is not base64"},
		{"bad type", `{"log": {"entries": [{"_resourceType": "websocket", "request": {"url": "wss://x/"}, "response": {"status": 101},
			"_webSocketMessages": [{"type": "sent", "time": 1, "opcode": 1, "data": ""}]}]}}`, `message 1: type "sent" is neither send nor receive`},
		{"messages on a refusal", `{"log": {"entries": [{"_resourceType": "websocket", "request": {"url": "wss://x/"}, "response": {"status": 403},
			"_webSocketMessages": [{"type": "receive", "time": 1, "opcode": 1, "data": ""}]}]}}`, "1 messages on a connection answered with status 403"},
		{"absurd times", `{"log": {"entries": [{"_resourceType": "websocket", "request": {"url": "wss://x/"}, "response": {"status": 101},
			"_webSocketMessages": [{"type": "receive", "time": 1, "opcode": 1, "data": ""}, {"type": "receive", "time": 9e10, "opcode": 1, "data": ""}]}]}}`, "message 2: time 9e+10 is not within"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := scenario.FromHAR(strings.NewReader(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("FromHAR: got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
