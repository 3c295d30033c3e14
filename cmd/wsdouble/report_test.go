package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wsdouble/wsdouble"
	cli "github.com/wsdouble/wsdouble/cmd/wsdouble"
)

// drawnScript: the client's first attempt misses an expectation, its
// second is refused.
const drawnScript = `{"version": 1, "name": "drawn", "attempts": [
  {"accept": {}, "steps": [
    {"send": {"text": "welcome"}},
    {"send": {"binary": "AQL/"}},
    {"expect": {"text": "hello", "timeout": "5s"}}
  ]},
  {"refuse": {"status": 503}}
]}`

// lanesOf is what a page draws, without times: per lane its name, answer,
// events (kind, check, line) and end.
func lanesOf(t *testing.T, page []byte) []string {
	t.Helper()
	m := regexp.MustCompile(`<script type="application/json" id="data">(.*)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("not a page:\n%.2000s", page)
	}
	var data struct {
		Lanes []struct {
			N  string
			A  struct{ K, T string }
			Ev []struct{ K, C, X, P string }
			E  struct{ K, T string }
		}
	}
	if err := json.Unmarshal(m[1], &data); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range data.Lanes {
		s := fmt.Sprintf("%s %s %q:", l.N, l.A.K, l.A.T)
		for _, e := range l.Ev {
			s += fmt.Sprintf(" [%s/%s %s %q]", e.K, e.C, e.X, e.P)
		}
		out = append(out, s+fmt.Sprintf(" end %s %q", l.E.K, l.E.T))
	}
	return out
}

// playDrawn serves drawnScript once with --json and --report, and plays
// the client's part.
func playDrawn(t *testing.T, dir string) (jsonl string, code int) {
	c := start(t, "serve", "--once", "--json", "--listen", "127.0.0.1:0", "--report", filepath.Join(dir, "serve.html"), writeScript(t, drawnScript))
	m := c.stdout.waitFor(t, regexp.MustCompile(`"url":"(ws://127\.0\.0\.1:\d+/)"`))
	cl := dial(t, m[1])
	cl.expect("open", `message text "welcome"`, "message binary [3]0102ff")
	cl.ws.Send(wsdouble.Text("goodbye"))
	cl.expect(`close 1008 "wsdouble: attempt 1, step 3: want text \"hello\", got text \"goodbye\"" clean`)
	dial(t, m[1]).expect("error", "close 1006 unclean")
	code = c.wait(t)
	if !strings.Contains(c.stderr.String(), "wsdouble serve: drew 1 pass, 2 attempts, in "+filepath.Join(dir, "serve.html")) {
		t.Errorf("serve does not say where it drew the run:\n%s", c.stderr)
	}
	return c.stdout.String(), code
}

// TestServeReport: serve --report draws the run when it stops; report
// draws the same lanes from serve's --json output, the same bytes each
// time, beside its input unless told.
func TestServeReport(t *testing.T) {
	dir := t.TempDir()
	jsonl, code := playDrawn(t, dir)
	if code != cli.ExitFailed {
		t.Errorf("serve: exit %d, want 1 (an expectation failed)", code)
	}
	served, err := os.ReadFile(filepath.Join(dir, "serve.html"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`#1 accepted "accepted": [to/ step 1 → text "welcome" "welcome"] [to/ step 2 → binary [3]0102ff "01 02 ff"]` +
			` [from/missed step 3 expect text "hello": ← text "goodbye" ✗ got text "goodbye" "goodbye"]` +
			` [mismatch/ after the mismatch: close 1008 "wsdouble: attempt 1, step 3: want text \"hello\", got text \"goodbye\"" ""]` +
			` end server "server closed 1008 \"wsdouble: attempt 1, step 3: want text \\\"hello\\\", got text \\\"goodbye\\\"\" clean"`,
		`#2 refused "refused 503": end  ""`,
	}
	if got := lanesOf(t, served); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("serve --report drew:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	runFile := filepath.Join(dir, "run.jsonl")
	if err := os.WriteFile(runFile, []byte(jsonl), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "", "report", runFile)
	drawn, err := os.ReadFile(filepath.Join(dir, "run.html"))
	if code != cli.ExitOK || err != nil || !strings.Contains(stderr, "drew 1 pass, 2 attempts, in "+filepath.Join(dir, "run.html")) {
		t.Fatalf("report: exit %d, %v:\n%s", code, err, stderr)
	}
	if got := lanesOf(t, drawn); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("report of the --json output drew:\n%s\nwant what serve --report drew:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, s := range []string{"2 attempts played, 1 mismatches", "scenario &#34;drawn&#34;", "attempt 1 (#1), step 3: want text"} {
		if !bytes.Contains(drawn, []byte(s)) {
			t.Errorf("report's page lacks %q", s)
		}
	}
	code, stdout, _ := run(t, jsonl, "report", "-")
	if code != cli.ExitOK || stdout != string(drawn) {
		t.Errorf("report - : exit %d, %d bytes; want the same page on the standard output (%d bytes)", code, len(stdout), len(drawn))
	}
}

// TestServeReportOnCtrlC: serve without --once draws its run when
// stopped.
func TestServeReportOnCtrlC(t *testing.T) {
	page := filepath.Join(t.TempDir(), "run.html")
	c := start(t, "serve", "--listen", "127.0.0.1:0", "--report", page, writeScript(t, helloScript))
	url := c.stdout.waitFor(t, urlLine)[1]
	cl := dial(t, url)
	cl.expect("open")
	cl.ws.Send(wsdouble.Text("hello"))
	cl.expect(`message text "welcome"`, `close 4000 "bye" clean`)
	c.stdout.waitFor(t, regexp.MustCompile(`end: server closed 4000`))
	if code := c.stop(t); code != cli.ExitOK {
		t.Errorf("exit %d, want 0:\n%s%s", code, c.stdout, c.stderr)
	}
	b, err := os.ReadFile(page)
	if err != nil {
		t.Fatalf("no page after Ctrl-C: %v\n%s", err, c.stderr)
	}
	if lanes := lanesOf(t, b); len(lanes) != 1 || !strings.Contains(lanes[0], `[from/held step 1 expect text "hello": ← text "hello" ✓ "hello"]`) {
		t.Errorf("the page drew %q, want the first attempt with its expectation met", lanes)
	}
}

// TestReportUsage: report's and --report's mistakes are said in a line,
// with exit 2, and write nothing.
func TestReportUsage(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "notes.txt")
	os.WriteFile(notJSON, []byte("{\"event\":\"listening\"}\nhello\n"), 0o644)
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o644)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"report"}, "wsdouble report: missing FILE.jsonl"},
		{[]string{"report", filepath.Join(dir, "none.jsonl")}, "no such file"},
		{[]string{"report", notJSON}, "wsdouble report: " + notJSON + ": line 2: invalid character"},
		{[]string{"report", empty}, "wsdouble report: nothing to draw: no pass of a script (" + filepath.Join(dir, "empty.html") + " was not created)"},
		{[]string{"report", "--out", empty, empty}, "--out " + empty + " is the input"},
		{[]string{"report", "--out", filepath.Join(dir, "no", "x.html"), empty}, "cannot write " + filepath.Join(dir, "no", "x.html") + ": no directory"},
		{[]string{"serve", "--report", "-", "--once"}, "wsdouble serve: --report - would mix the page with the timeline: name a file"},
		{[]string{"serve", "--report", filepath.Join(dir, "no", "x.html")}, "wsdouble serve: cannot write " + filepath.Join(dir, "no", "x.html") + ": no directory"},
	} {
		code, _, stderr := run(t, "", tt.args...)
		if code != cli.ExitInvalid || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: exit %d, %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the directory has %d files, want the 2 inputs only", len(entries))
	}
	code, stdout, _ := run(t, "", "serve", "--help")
	if code != cli.ExitOK || !strings.Contains(stdout, "-report FILE.html") {
		t.Errorf("serve --help does not list --report:\n%s", stdout)
	}
}
