package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	cli "github.com/wsdouble/wsdouble/cmd/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// output is a Writer the test can wait on, line by line.
type output struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	wake chan struct{}
}

func newOutput() *output { return &output{wake: make(chan struct{})} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	close(o.wake)
	o.wake = make(chan struct{})
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

// waitFor waits until the output matches re, and returns the first match's
// submatches.
func (o *output) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		o.mu.Lock()
		m := re.FindStringSubmatch(o.buf.String())
		wake := o.wake
		o.mu.Unlock()
		if m != nil {
			return m
		}
		select {
		case <-wake:
		case <-deadline:
			t.Fatalf("no %v in the output:\n%s", re, o)
		}
	}
}

// cmd is a run of Main in the background.
type cmd struct {
	stdout, stderr *output
	cancel         context.CancelFunc
	done           chan int
}

func start(t *testing.T, args ...string) *cmd {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &cmd{stdout: newOutput(), stderr: newOutput(), cancel: cancel, done: make(chan int, 1)}
	go func() { c.done <- cli.Main(ctx, args, cli.Env{Stdout: c.stdout, Stderr: c.stderr}) }()
	t.Cleanup(func() {
		cancel()
		<-c.done
	})
	return c
}

// stop is Ctrl-C: it returns the exit code.
func (c *cmd) stop(t *testing.T) int {
	t.Helper()
	c.cancel()
	return c.wait(t)
}

func (c *cmd) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-c.done:
		c.done <- code // for the cleanup
		return code
	case <-time.After(20 * time.Second):
		t.Fatalf("still running:\n%s\n%s", c.stdout, c.stderr)
		return -1
	}
}

var urlLine = regexp.MustCompile(`at (ws://127\.0\.0\.1:\d+/)`)

// run runs Main to the end.
func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = cli.Main(context.Background(), args, cli.Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
	return code, out.String(), errOut.String()
}

// client is a Go client of a served scenario: it logs every event.
type client struct {
	t      *testing.T
	ws     wsdouble.IWebSocket
	events chan string
}

func dial(t *testing.T, url string) *client {
	t.Helper()
	ws, err := wsdouble.New(url)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, ws: ws, events: make(chan string, 100)}
	l := wsdouble.ListenerFunc(func(e wsdouble.Event) {
		s := fmt.Sprint(e)
		if _, ok := e.(wsdouble.ErrorEvent); ok {
			s = "error"
		}
		c.events <- s
	})
	for _, typ := range []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose} {
		ws.AddEventListener(typ, l)
	}
	t.Cleanup(func() {
		ws.Close(1000, "")
		if w, ok := ws.(*wsdouble.WebSocket); ok {
			<-w.Done()
		}
	})
	return c
}

func (c *client) next() string {
	c.t.Helper()
	select {
	case e := <-c.events:
		return e
	case <-time.After(10 * time.Second):
		c.t.Fatal("no event in 10s")
		return ""
	}
}

func (c *client) expect(want ...string) {
	c.t.Helper()
	for _, w := range want {
		if got := c.next(); got != w {
			c.t.Fatalf("event %q, want %q", got, w)
		}
	}
}

// TestServeDefault: the built-in flaky echo server, as a new user meets it,
// with a Go client going through one whole pass and into the next.
func TestServeDefault(t *testing.T) {
	c := start(t, "serve", "--listen", "127.0.0.1:0")
	url := c.stdout.waitFor(t, urlLine)[1]

	echo := func(cl *client, n int) {
		for i := range n {
			msg := fmt.Sprintf("m%d", i)
			if err := cl.ws.Send(wsdouble.Text(msg)); err != nil {
				t.Fatal(err)
			}
			cl.expect(fmt.Sprintf("message text %q", msg))
		}
	}
	// Attempt 1: five echoes, then a drop.
	c1 := dial(t, url)
	c1.expect("open")
	echo(c1, 5)
	c1.expect("close 1006 unclean")
	// Attempt 2: refused with 503.
	c2 := dial(t, url)
	c2.expect("error", "close 1006 unclean")
	// Attempt 3: five echoes, then a restart.
	c3 := dial(t, url)
	c3.expect("open")
	echo(c3, 5)
	c3.expect(`close 1012 "service restart" clean`)
	// Then it starts over.
	c4 := dial(t, url)
	c4.expect("open")
	echo(c4, 1)
	c.stdout.waitFor(t, regexp.MustCompile(`#4 +attempt 1: step 1 ↔ text "m0"`))

	if code := c.stop(t); code != cli.ExitOK {
		t.Errorf("exit %d, want 0:\n%s%s", code, c.stdout, c.stderr)
	}
	out := c.stdout.String()
	for _, want := range []string{
		`serving scenario "flaky-echo" (3 attempts) at ` + url,
		`#1   attempt 1 "echo, then drop": accepted`,
		`#1   attempt 1: step 1 ↔ text "m4"`,
		`#1   attempt 1: end: dropped`,
		`#2   attempt 2 "overloaded": refused 503`,
		`#3   attempt 3: step 2 close 1012 "service restart"`,
		`#3   attempt 3: end: server closed 1012 "service restart" clean`,
		"the script starts over (pass 2)",
		"summary: 2 passes, 4 attempts: 3 accepted, 1 refused 503",
		"every expectation held",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour codes in output that is not a terminal:\n%q", out)
	}
	if c.stderr.String() != "" {
		t.Errorf("stderr: %s", c.stderr)
	}
}

func writeScript(t *testing.T, src string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "script.json")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const helloScript = `{"version": 1, "name": "hello", "attempts": [
  {"accept": {}, "steps": [
    {"expect": {"text": "hello", "timeout": "5s"}},
    {"send": {"text": "welcome"}},
    {"close": {"code": 4000, "reason": "bye"}}
  ]}
]}`

// TestServeOnceExitCodes: --once exits when the script is done, 0 if every
// expectation held and 1 if not.
func TestServeOnceExitCodes(t *testing.T) {
	for _, tt := range []struct {
		send   string
		events []string // what the client sees
		code   int
		want   string
	}{
		{"hello", []string{`message text "welcome"`, `close 4000 "bye" clean`}, cli.ExitOK, "every expectation held"},
		// A mismatch ends the attempt (see scenario.MismatchCloseCode).
		{"goodbye", []string{`close 1008 "wsdouble: attempt 1, step 1: want text \"hello\", got text \"goodbye\"" clean`}, cli.ExitFailed, `1 unmet expectations:
    attempt 1 (#1), step 1: want text "hello", got text "goodbye"`},
	} {
		t.Run(tt.send, func(t *testing.T) {
			c := start(t, "serve", "--once", "--listen", "127.0.0.1:0", writeScript(t, helloScript))
			url := c.stdout.waitFor(t, urlLine)[1]
			cl := dial(t, url)
			cl.expect("open")
			cl.ws.Send(wsdouble.Text(tt.send))
			cl.expect(tt.events...)
			if code := c.wait(t); code != tt.code {
				t.Errorf("exit %d, want %d:\n%s", code, tt.code, c.stdout)
			}
			if !strings.Contains(c.stdout.String(), tt.want) {
				t.Errorf("the summary lacks %q:\n%s", tt.want, c.stdout)
			}
		})
	}
	t.Run("stopped before the end", func(t *testing.T) {
		c := start(t, "serve", "--once", "--listen", "127.0.0.1:0", writeScript(t, helloScript))
		c.stdout.waitFor(t, urlLine)
		if code := c.stop(t); code != cli.ExitFailed {
			t.Errorf("exit %d, want 1 (the script was not played)", code)
		}
		if !strings.Contains(c.stdout.String(), "stopped before the script was complete") {
			t.Errorf("summary:\n%s", c.stdout)
		}
	})
}

// TestServeJSON: --json prints one JSON object per line, each with its
// event and time.
func TestServeJSON(t *testing.T) {
	c := start(t, "serve", "--once", "--json", "--listen", "127.0.0.1:0", writeScript(t, helloScript))
	m := c.stdout.waitFor(t, regexp.MustCompile(`"url":"(ws://127\.0\.0\.1:\d+/)"`))
	cl := dial(t, m[1])
	cl.expect("open")
	cl.ws.Send(wsdouble.Text("hello"))
	cl.expect(`message text "welcome"`, `close 4000 "bye" clean`)
	if code := c.wait(t); code != cli.ExitOK {
		t.Fatalf("exit %d", code)
	}
	var events []string
	for line := range strings.Lines(c.stdout.String()) {
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not JSON: %q: %v", line, err)
		}
		if _, ok := ev["time"].(string); !ok {
			t.Errorf("no time: %s", line)
		}
		e := ev["event"].(string)
		switch e {
		case "step":
			e += ":" + ev["action"].(string)
			if msg, ok := ev["message"].(map[string]any); ok {
				e += ":" + msg["text"].(string)
			}
			if ok, has := ev["ok"].(bool); has {
				e += fmt.Sprint(":", ok)
			}
		case "answer":
			e += ":" + ev["answer"].(string)
		case "end":
			e += ":" + ev["end"].(map[string]any)["text"].(string)
		case "summary":
			e += fmt.Sprint(":", ev["summary"].(map[string]any)["ok"])
		}
		events = append(events, e)
	}
	want := `listening attempt answer:accepted step:expect:hello:true step:send:welcome step:close end:server closed 4000 "bye" clean summary:true`
	if got := strings.Join(events, " "); got != want {
		t.Errorf("events:\n%s\nwant:\n%s\n%s", got, want, c.stdout)
	}
}

func TestCheck(t *testing.T) {
	valid := writeScript(t, helloScript)
	code, stdout, stderr := run(t, "", "check", valid)
	if code != cli.ExitOK || stdout != valid+": ok: scenario \"hello\", 1 attempt, 3 steps\n" || stderr != "" {
		t.Errorf("check valid: %d %q %q", code, stdout, stderr)
	}
	// Several errors in one file: every one, each with its position.
	code, _, stderr = run(t, `{"version": 1, "attempts": [{"refuse": {"status": 42}},
 {"accept": {}, "steps": [{"wait": "x"}]}]}`, "check", "-")
	want := "wsdouble check: <stdin>:1:51: attempt 1: refuse.status: 42 is not a final HTTP status other than 101 (200-599)\n" +
		"wsdouble check: <stdin>:2:36: attempt 2, step 1: wait: bad duration \"x\" (want a string such as \"2s\" or \"1m30s\")\n"
	if code != cli.ExitInvalid || stderr != want {
		t.Errorf("check invalid stdin: exit %d\n%s\nwant:\n%s", code, stderr, want)
	}
	// The embedded default is valid.
	if _, err := cli.DefaultScript(); err != nil {
		t.Errorf("the default scenario: %v", err)
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"serve", "--help"}, {"help", "record"}, {"import-har", "-h"}, {"check", "--help"}, {"exam", "--help"}} {
		code, stdout, _ := run(t, "", args...)
		if code != cli.ExitOK || !strings.Contains(stdout, "Usage:") {
			t.Errorf("%v: exit %d:\n%s", args, code, stdout)
		}
		if len(args) > 1 && args[0] != "help" && !strings.Contains(stdout, "Examples:") {
			t.Errorf("%v: no examples:\n%s", args, stdout)
		}
	}
	code, stdout, _ := run(t, "", "version")
	if code != cli.ExitOK || !regexp.MustCompile(`^wsdouble \S+ \(go1\.\d+.*, \w+/\w+\)\n$`).MatchString(stdout) {
		t.Errorf("version: %d %q", code, stdout)
	}
}

// TestRecordToStdout records to the standard output, which then holds the
// script and nothing else: the banner goes to the standard error.
func TestRecordToStdout(t *testing.T) {
	upstream := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
	rec := start(t, "record", "--upstream", upstream.URL(), "--listen", "127.0.0.1:0", "--out", "-")
	url := rec.stderr.waitFor(t, regexp.MustCompile(`through (ws://127\.0\.0\.1:\d+/)`))[1]
	cl := dial(t, url)
	cl.expect("open")
	cl.ws.Send(wsdouble.Text("one"))
	cl.expect(`message text "one"`)
	cl.ws.Close(wsdouble.CloseNormalClosure, "")
	cl.expect("close 1000 clean")
	if code := rec.stop(t); code != cli.ExitOK {
		t.Fatalf("record: exit %d\n%s%s", code, rec.stdout, rec.stderr)
	}
	s, err := scenario.Parse(strings.NewReader(rec.stdout.String()))
	if err != nil {
		t.Fatalf("the standard output is not a script: %v\n%s", err, rec.stdout)
	}
	if len(s.Attempts) != 1 {
		t.Errorf("recorded %d attempts, want 1", len(s.Attempts))
	}
}

// TestRecordThenServe records a session with an echo server through the
// CLI's proxy, checks the file, and serves it back to the same client.
func TestRecordThenServe(t *testing.T) {
	upstream := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
	out := filepath.Join(t.TempDir(), "recorded.json")
	rec := start(t, "record", "--upstream", upstream.URL(), "--listen", "127.0.0.1:0", "--out", out, "--name", "echo session")
	url := rec.stdout.waitFor(t, regexp.MustCompile(`through (ws://127\.0\.0\.1:\d+/)`))[1]

	session := func(url string) {
		cl := dial(t, url)
		cl.expect("open")
		for _, m := range []string{"one", "two"} {
			cl.ws.Send(wsdouble.Text(m))
			cl.expect(fmt.Sprintf("message text %q", m))
		}
		cl.ws.Close(4001, "done")
		cl.expect("close 4001 clean") // the server echoes the code, not the reason (RFC 6455 §5.5.1)
	}
	session(url)
	if code := rec.stop(t); code != cli.ExitOK {
		t.Fatalf("record: exit %d\n%s%s", code, rec.stdout, rec.stderr)
	}
	if !strings.Contains(rec.stderr.String(), `wrote scenario "echo session", 1 attempt, to `+out) {
		t.Errorf("record said: %s", rec.stderr)
	}
	if code, stdout, stderr := run(t, "", "check", out); code != cli.ExitOK {
		t.Fatalf("check of the recording: %d %s %s", code, stdout, stderr)
	}
	s, err := scenario.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, st := range s.Attempts[0].Steps {
		if st.Action.Name() != "wait" { // the recorded pauses
			steps = append(steps, st.Action.Name())
		}
	}
	if got := strings.Join(steps, " "); got != "expect send expect send expect_close" {
		t.Errorf("recorded steps: %s", got)
	}

	// Served back, it satisfies the same client.
	srv := start(t, "serve", "--once", "--time-scale", "0", "--listen", "127.0.0.1:0", out)
	session(srv.stdout.waitFor(t, urlLine)[1])
	if code := srv.wait(t); code != cli.ExitOK {
		t.Errorf("serving the recording: exit %d\n%s", code, srv.stdout)
	}
}

func TestImportHAR(t *testing.T) {
	out := filepath.Join(t.TempDir(), "from-har.json")
	code, _, stderr := run(t, "", "import-har", "--out", out, "--name", "chrome", "../../scenario/testdata/har/chrome.har")
	if code != cli.ExitOK || !strings.Contains(stderr, `wrote scenario "chrome"`) {
		t.Fatalf("import-har: %d %s", code, stderr)
	}
	if code, stdout, stderr := run(t, "", "check", out); code != cli.ExitOK {
		t.Errorf("check: %d %s %s", code, stdout, stderr)
	}
	// To stdout, piped into check.
	code, stdout, _ := run(t, "", "import-har", "../../scenario/testdata/har/playwright.har")
	if code != cli.ExitOK {
		t.Fatal(code)
	}
	if code, out, stderr := run(t, stdout, "check", "-"); code != cli.ExitOK {
		t.Errorf("check -: %d %s %s", code, out, stderr)
	}
	if strings.Contains(stdout, "Bearer") || strings.Contains(stdout, "session=") {
		t.Errorf("secrets in the imported script:\n%s", stdout)
	}
}

// handshake opens a WebSocket to url with the given Origin ("" for none)
// and returns the handshake's status.
func handshake(t *testing.T, url, origin string) int {
	t.Helper()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, resp, err := websocket.DefaultDialer.DialContext(ctx, url, h)
	if resp == nil {
		t.Fatalf("handshake with Origin %q: no answer: %v", origin, err)
	}
	if c != nil {
		c.Close()
	}
	return resp.StatusCode
}

const acceptAll = `{"version": 1, "name": "accept all", "attempts": [{"accept": {}, "repeat": true}]}`

// TestServeOrigin: by default serve admits clients with no Origin and
// pages on loopback, and refuses other Origins with 403, in the timeline;
// --origin admits more.
func TestServeOrigin(t *testing.T) {
	script := writeScript(t, acceptAll)
	t.Run("default", func(t *testing.T) {
		c := start(t, "serve", "--listen", "127.0.0.1:0", script)
		url := c.stdout.waitFor(t, urlLine)[1]
		port := url[strings.LastIndex(url, ":")+1 : len(url)-1]
		for _, tt := range []struct {
			origin string
			want   int
		}{
			{"https://evil.example", http.StatusForbidden},
			{"", http.StatusSwitchingProtocols},
			{"http://127.0.0.1:" + port, http.StatusSwitchingProtocols},
			{"http://localhost:3000", http.StatusSwitchingProtocols},
			{"null", http.StatusForbidden},
		} {
			if got := handshake(t, url+"feed", tt.origin); got != tt.want {
				t.Errorf("Origin %q: status %d, want %d", tt.origin, got, tt.want)
			}
		}
		c.stdout.waitFor(t, regexp.MustCompile(`from origin "null": refused 403`))
		if code := c.stop(t); code != cli.ExitOK {
			t.Errorf("exit %d, want 0:\n%s%s", code, c.stdout, c.stderr)
		}
		out := c.stdout.String()
		for _, want := range []string{
			// Refused handshakes keep their numbers in the server's log.
			`#1   handshake for /feed from origin "https://evil.example": refused 403, origin not allowed (--origin evil.example admits it)`,
			`#5   handshake for /feed from origin "null": refused 403, origin not allowed (--origin null admits it)`,
			`#2   attempt 1: accepted`, // #1 is the refused handshake
			"summary: 1 pass, 3 attempts: 3 accepted",
			"2 handshakes refused for their origin (see --origin)",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("the timeline lacks %q:\n%s", want, out)
			}
		}
	})
	for _, tt := range []struct {
		flags  []string
		origin string
	}{
		{[]string{"--origin", "evil.example"}, "https://evil.example"},
		{[]string{"--origin", "a.example", "--origin", "https://*.EXAMPLE"}, "https://evil.example"},
		{[]string{"--origin", "null"}, "null"},
		{[]string{"--origin", "*"}, "null"},
	} {
		t.Run(strings.Join(tt.flags, " "), func(t *testing.T) {
			c := start(t, append(append([]string{"serve", "--listen", "127.0.0.1:0"}, tt.flags...), script)...)
			url := c.stdout.waitFor(t, urlLine)[1]
			if got := handshake(t, url, tt.origin); got != http.StatusSwitchingProtocols {
				t.Errorf("Origin %q: status %d, want 101", tt.origin, got)
			}
			if got := handshake(t, url, "https://other.invalid"); got != http.StatusForbidden && tt.flags[1] != "*" {
				t.Errorf("Origin https://other.invalid: status %d, want 403", got)
			}
		})
	}
	t.Run("json", func(t *testing.T) {
		c := start(t, "serve", "--json", "--listen", "127.0.0.1:0", script)
		url := c.stdout.waitFor(t, regexp.MustCompile(`"url":"(ws://127\.0\.0\.1:\d+/)"`))[1]
		if got := handshake(t, url+"x?y=1", "https://evil.example"); got != http.StatusForbidden {
			t.Errorf("status %d, want 403", got)
		}
		line := c.stdout.waitFor(t, regexp.MustCompile(`\{"time".*"event":"refused".*\}`))[0]
		var ev map[string]any
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"n": 1.0, "url": "/x?y=1", "origin": "https://evil.example", "answer": "refused 403", "detail": "origin not allowed"}
		for k, v := range want {
			if ev[k] != v {
				t.Errorf("%s: got %v, want %v in %s", k, ev[k], v, line)
			}
		}
		c.stop(t)
		if !strings.Contains(c.stdout.String(), `"origins_refused":1`) {
			t.Errorf("the summary lacks origins_refused:\n%s", c.stdout)
		}
	})
}

// TestRecordOrigin: record refuses a foreign Origin before it reaches the
// upstream, says so on stderr, and records only what it forwarded.
func TestRecordOrigin(t *testing.T) {
	upstream := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
	out := filepath.Join(t.TempDir(), "recorded.json")
	rec := start(t, "record", "--upstream", upstream.URL(), "--listen", "127.0.0.1:0", "--out", out, "--origin", "*.example.com")
	url := rec.stdout.waitFor(t, regexp.MustCompile(`through (ws://127\.0\.0\.1:\d+/)`))[1]
	if got := handshake(t, url+"feed", "https://evil.example"); got != http.StatusForbidden {
		t.Errorf("foreign Origin: status %d, want 403", got)
	}
	if n := len(upstream.Attempts()); n != 0 {
		t.Errorf("the upstream saw %d attempts, want 0", n)
	}
	for _, origin := range []string{"", "http://127.0.0.1:5500", "https://app.example.com"} {
		if got := handshake(t, url, origin); got != http.StatusSwitchingProtocols {
			t.Errorf("Origin %q: status %d, want 101", origin, got)
		}
	}
	if code := rec.stop(t); code != cli.ExitOK {
		t.Fatalf("record: exit %d\n%s%s", code, rec.stdout, rec.stderr)
	}
	want := `wsdouble record: refused a handshake for /feed from origin "https://evil.example" (403, not forwarded); --origin evil.example admits it` + "\n"
	if got := rec.stderr.String(); !strings.HasPrefix(got, want) {
		t.Errorf("stderr:\n%s\nwant it to start with:\n%s", got, want)
	}
	if !strings.Contains(rec.stderr.String(), "3 attempts") {
		t.Errorf("want the 3 admitted attempts recorded, stderr:\n%s", rec.stderr)
	}
}

// TestRecordRedacts: record keeps no value of a header whose name says it
// carries a secret, nor of the JSON fields given to --redact-field, says
// so in the scenario, and leaves nothing beside --out but the scenario.
func TestRecordRedacts(t *testing.T) {
	upstream := wstest.NewServer(t)
	script, err := scenario.New("upstream").
		Attempt().Accept().Header("X-Auth-Token", "t0k3n").Header("X-Server", "up").
		SendText(`{"user":"ann","password":"hunter2","nested":{"Password":"x"}}`).
		ExpectText("bye").Close(4000, "done").
		Build()
	if err != nil {
		t.Fatal(err)
	}
	scenario.Play(t, upstream, script)
	dir := t.TempDir()
	out := filepath.Join(dir, "redacted.json")
	rec := start(t, "record", "--upstream", upstream.URL(), "--listen", "127.0.0.1:0", "--out", out, "--redact-field", "password")
	url := rec.stdout.waitFor(t, regexp.MustCompile(`through (ws://127\.0\.0\.1:\d+/)`))[1]
	if _, err := os.Stat(out + ".journal"); err != nil {
		t.Errorf("no journal while recording: %v", err)
	}
	cl := dial(t, url)
	cl.expect("open", `message text "{\"user\":\"ann\",\"password\":\"hunter2\",\"nested\":{\"Password\":\"x\"}}"`)
	cl.ws.Send(wsdouble.Text("bye"))
	cl.expect(`close 4000 "done" clean`)
	if code := rec.stop(t); code != cli.ExitOK {
		t.Fatalf("record: exit %d\n%s%s", code, rec.stdout, rec.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"t0k3n", "hunter2", `"x"`} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the recording holds %s:\n%s", secret, b)
		}
	}
	for _, want := range []string{
		`"description": "Redacted by wsdouble: the values of headers X-Auth-Token and of JSON fields Password, password are REDACTED."`,
		`"X-Server": "up"`,
		`{"send": {"text": "{\"user\":\"ann\",\"password\":\"REDACTED\",\"nested\":{\"Password\":\"REDACTED\"}}"}, "label": "redacted: Password, password"}`,
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the recording lacks %s:\n%s", want, b)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("beside the scenario: %v, want nothing (no journal, no temporary file)", names)
	}
}

// TestRecordNothing: a recording that recorded nothing leaves --out as it
// was, and says so.
func TestRecordNothing(t *testing.T) {
	upstream := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
	dir := t.TempDir()
	out := filepath.Join(dir, "old.json")
	if err := os.WriteFile(out, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := start(t, "record", "--upstream", upstream.URL(), "--listen", "127.0.0.1:0", "--out", out)
	rec.stdout.waitFor(t, regexp.MustCompile(`through (ws://127\.0\.0\.1:\d+/)`))
	if code := rec.stop(t); code != cli.ExitFailed {
		t.Errorf("exit %d, want 1", code)
	}
	if want := "wsdouble record: no connection was recorded (nothing recorded; " + out + " is unchanged)\n"; rec.stderr.String() != want {
		t.Errorf("stderr %q, want %q", rec.stderr, want)
	}
	if b, _ := os.ReadFile(out); string(b) != "old\n" {
		t.Errorf("%s holds %q, want it unchanged", out, b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d files, want only %s (the journal removed)", len(entries), out)
	}
}

// TestImportHARRedactsFields: import-har takes --redact-field too.
func TestImportHARRedactsFields(t *testing.T) {
	code, stdout, stderr := run(t, "", "import-har", "--redact-field", "id", "../../scenario/testdata/har/chrome.har")
	if code != cli.ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, `{"expect": {"json": {"op":"subscribe"}}, "label": "redacted: id"}`) {
		t.Errorf("the id is not redacted:\n%s", stdout)
	}
}
