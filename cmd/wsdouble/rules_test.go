package main_test

import (
	"strings"
	"testing"

	"github.com/wsdouble/wsdouble"
	cli "github.com/wsdouble/wsdouble/cmd/wsdouble"
)

const rulesScript = `{"version": 1, "name": "rules", "attempts": [{"accept": {},
  "rules": [{"on": {"json": {"op": "ping"}}, "reply": {"json": {"op": "pong", "n": "{{$.n}}"}}, "label": "heartbeat"}],
  "steps": [{"expect": {"text": "bye"}}, {"broadcast": {"text": "so long"}}, {"close": {"code": 1000}}]}]}`

// TestCheckRules: check validates rules, counts them, and names a bad
// one's attempt, rule and field.
func TestCheckRules(t *testing.T) {
	path := writeScript(t, rulesScript)
	code, stdout, stderr := run(t, "", "check", path)
	if want := path + ": ok: scenario \"rules\", 1 attempt, 3 steps, 1 rule\n"; code != cli.ExitOK || stdout != want || stderr != "" {
		t.Errorf("check: exit %d %q %q, want %q", code, stdout, stderr, want)
	}
	code, _, stderr = run(t, `{"version": 1, "attempts": [{"accept": {}, "rules": [{"on": {"regexp": "(a)"}, "reply": {"text": "{{2}}"}}]}]}`, "check", "-")
	if want := "wsdouble check: <stdin>:1:54: attempt 1, rule 1: reply 1: the reply names group 2, but the regexp has 1\n"; code != cli.ExitInvalid || stderr != want {
		t.Errorf("check of a bad rule: exit %d %q, want %q", code, stderr, want)
	}
}

// TestServeRules: serve plays rules to a real client over loopback, and
// its timeline shows which rule answered which message.
func TestServeRules(t *testing.T) {
	c := start(t, "serve", "--once", "--listen", "127.0.0.1:0", writeScript(t, rulesScript))
	url := c.stdout.waitFor(t, urlLine)[1]
	cl := dial(t, url)
	cl.expect("open")
	cl.ws.Send(wsdouble.Text(`{"op":"ping","n":7}`))
	if got, want := cl.next(), `message text "{\"op\":\"pong\",\"n\":7}"`; got != want {
		t.Errorf("the rule's reply: got %s, want %s", got, want)
	}
	cl.ws.Send(wsdouble.Text("bye"))
	if got := cl.next(); !strings.Contains(got, "so long") {
		t.Errorf("the broadcast: got %s", got)
	}
	if code := c.wait(t); code != cli.ExitOK {
		t.Errorf("exit %d:\n%s%s", code, c.stdout, c.stderr)
	}
	out := c.stdout.String()
	for _, want := range []string{
		`rule 1 on JSON containing {"op":"ping"}: ← text "{\"op\":\"ping\",\"n\":7}" [heartbeat]`,
		`rule 1 → text "{\"op\":\"pong\",\"n\":7}"`,
		`step 2 broadcast text "so long" to 1 connection: #1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the timeline lacks %s:\n%s", want, out)
		}
	}
}
