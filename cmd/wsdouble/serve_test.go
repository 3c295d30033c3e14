package main_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble"
	cli "github.com/wsdouble/wsdouble/cmd/wsdouble"
)

// TestServeOnceTimeout: serve --once gives up after --timeout, says what
// the script was still waiting for, and exits 1; before, a client that
// never sent what an expect wanted, or never came, kept it running for
// ever.
func TestServeOnceTimeout(t *testing.T) {
	const twoAttempts = `{"version": 1, "name": "two", "attempts": [
  {"accept": {}, "steps": [{"expect": {"text": "hello", "timeout": "1h"}}]},
  {"accept": {}}
]}`
	for _, tt := range []struct {
		name    string
		connect bool
		pending string
	}{
		{"a step waits", true, `attempt 1 (#1), step 1: expect text "hello"`},
		{"no client", false, `attempt 1: its connection attempt never came`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := start(t, "serve", "--once", "--timeout", "300ms", "--listen", "127.0.0.1:0", writeScript(t, twoAttempts))
			url := c.stdout.waitFor(t, urlLine)[1]
			if tt.connect {
				cl := dial(t, url)
				cl.expect("open")
			}
			if code := c.wait(t); code != cli.ExitFailed {
				t.Errorf("exit %d, want 1:\n%s%s", code, c.stdout, c.stderr)
			}
			out := c.stdout.String()
			for _, want := range []string{"--timeout 300ms passed before the script was done", "it was still waiting for:\n    " + tt.pending + "\n"} {
				if !strings.Contains(out, want) {
					t.Errorf("the summary lacks %q:\n%s", want, out)
				}
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		c := start(t, "serve", "--once", "--json", "--timeout", "200ms", "--listen", "127.0.0.1:0", writeScript(t, twoAttempts))
		if code := c.wait(t); code != cli.ExitFailed {
			t.Errorf("exit %d, want 1", code)
		}
		lines := strings.Split(strings.TrimSpace(c.stdout.String()), "\n")
		var last struct {
			Summary struct {
				Timeout string   `json:"timeout"`
				Pending []string `json:"pending"`
				OK      bool     `json:"ok"`
			} `json:"summary"`
		}
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
			t.Fatal(err)
		}
		if s := last.Summary; s.Timeout != "200ms" || s.OK || len(s.Pending) != 1 || s.Pending[0] != "attempt 1: its connection attempt never came" {
			t.Errorf("summary: %+v", s)
		}
	})
}

// TestServeTimeoutUsage: --timeout is a duration of zero (no limit) or
// more, and only bounds --once; 2 minutes unless told.
func TestServeTimeoutUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--once", "--timeout", "-5s"}, "wsdouble serve: --timeout -5s is negative (0 means no limit)"},
		{[]string{"serve", "--timeout", "1m"}, "wsdouble serve: --timeout bounds --once: without --once serve runs until Ctrl-C"},
	} {
		code, _, stderr := run(t, "", tt.args...)
		if code != cli.ExitInvalid || strings.TrimSpace(stderr) != tt.want {
			t.Errorf("%v: exit %d, %q; want exit 2, %q", tt.args, code, stderr, tt.want)
		}
	}
	if _, out, _ := run(t, "", "serve", "--help"); !strings.Contains(out, "(default 2m0s)") || cli.DefaultOnceTimeout != 2*time.Minute {
		t.Errorf("--help does not give the 2 minute default:\n%s", out)
	}
}

// TestServeOnceHangsUntilTheClientGivesUp: a hung last attempt under
// --once hangs until the client gives up, as it does on the Fake; serve
// reports it and exits then. Before, serve counted the attempt as answered
// and exited at once: the client saw error and close 1006 a few
// milliseconds after it dialled.
func TestServeOnceHangsUntilTheClientGivesUp(t *testing.T) {
	const hang = `{"version": 1, "name": "hang", "attempts": [{"hang": {}}]}`
	const patience = 500 * time.Millisecond
	c := start(t, "serve", "--once", "--listen", "127.0.0.1:0", writeScript(t, hang))
	url := c.stdout.waitFor(t, urlLine)[1]

	dialled := time.Now()
	cl := dial(t, url)
	var mu sync.Mutex
	var closedAfter time.Duration
	cl.ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) {
		mu.Lock()
		defer mu.Unlock()
		closedAfter = time.Since(dialled)
	}))
	c.stdout.waitFor(t, regexp.MustCompile(`attempt 1: hung`))
	giveUp := time.AfterFunc(patience, func() { cl.ws.Close(1000, "") })
	defer giveUp.Stop()
	cl.expect("error", "close 1006 unclean")
	mu.Lock()
	after := closedAfter
	mu.Unlock()
	if after < patience {
		t.Errorf("the client's attempt ended after %v, before it gave up (%v): serve cut it short", after, patience)
	}
	if code := c.wait(t); code != cli.ExitOK {
		t.Errorf("exit %d, want 0:\n%s", code, c.stdout)
	}
	out := c.stdout.String()
	for _, want := range []string{"#1   attempt 1: the client gave up", "summary: 1 pass, 1 attempt: 1 hung", "every expectation held"} {
		if !strings.Contains(out, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, out)
		}
	}
}

// TestServeTimelineShowsPayloadPrefixes: the live timeline, text and
// --json, shows the start of each payload and its size, never the whole
// payload: a client that sends megabytes does not get them printed back.
func TestServeTimelineShowsPayloadPrefixes(t *testing.T) {
	const echoOne = `{"version": 1, "name": "echo one", "attempts": [
  {"accept": {}, "steps": [{"echo": {"messages": 1}}, {"close": {"code": 4000}}]}
]}`
	big := strings.Repeat("é", 50000) // 100,000 bytes
	for _, asJSON := range []bool{false, true} {
		t.Run(fmt.Sprint("json=", asJSON), func(t *testing.T) {
			args := []string{"serve", "--once", "--listen", "127.0.0.1:0", writeScript(t, echoOne)}
			urlRE := urlLine
			if asJSON {
				args = append(args, "--json")
				urlRE = regexp.MustCompile(`"url":"(ws://127\.0\.0\.1:\d+/)"`)
			}
			c := start(t, args...)
			cl := dial(t, c.stdout.waitFor(t, urlRE)[1])
			cl.expect("open")
			cl.ws.Send(wsdouble.Text(big))
			if e := cl.next(); !strings.HasPrefix(e, "message text") {
				t.Fatalf("event %q, want the echo", e)
			}
			cl.expect("close 4000 clean")
			if code := c.wait(t); code != cli.ExitOK {
				t.Fatalf("exit %d:\n%s", code, c.stdout)
			}
			out := c.stdout.String()
			if len(out) > 4096 {
				t.Errorf("the timeline is %d bytes long for one 100,000-byte message; want a prefix of it", len(out))
			}
			if !asJSON {
				if want := `step 1 ↔ text [100000]"` + strings.Repeat("é", 32) + `"…`; !strings.Contains(out, want) {
					t.Errorf("the timeline lacks %q:\n%s", want, out)
				}
				return
			}
			for line := range strings.Lines(out) {
				var ev struct {
					Action  string `json:"action"`
					Message *struct {
						Type      string `json:"type"`
						Text      string `json:"text"`
						Size      int    `json:"size"`
						Truncated bool   `json:"truncated"`
					} `json:"message"`
				}
				if err := json.Unmarshal([]byte(line), &ev); err != nil {
					t.Fatal(err)
				}
				if ev.Action != "echo" {
					continue
				}
				if m := ev.Message; m == nil || m.Type != "text" || m.Size != len(big) || !m.Truncated || m.Text != strings.Repeat("é", 128) {
					t.Errorf("echo event: %s", line)
				}
				return
			}
			t.Errorf("no echo event:\n%s", out)
		})
	}
}
