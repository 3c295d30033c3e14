package main_test

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	cli "github.com/wsdouble/wsdouble/cmd/wsdouble"
)

// badInput is one row of the bad-input table: the command line (and
// standard input, and a FIFO's content), the exit status, and everything
// the command says on its standard error.
type badInput struct {
	args   []string
	stdin  string
	fifo   string // written, then closed, to the FIFO {fifo}
	code   int
	stderr string // exactly; "..." at the end matches any rest
	stdout bool   // something goes to the standard output too
}

// badInputs is the table. In args and stderr, {dir} is a directory of the
// test's, with: script.json (valid), invalid.json, big.json (65 MiB,
// sparse), big.har (257 MiB, sparse), bad.har, a directory sub, and old.json
// (an existing file); {busy} is a loopback address in use; {fifo} a FIFO.
var badInputs = []badInput{
	// The command line.
	{args: nil, code: 2, stderr: "wsdouble serves, records and checks WebSocket scenarios: scripts of what a\n..."},
	{args: []string{"srve"}, code: 2, stderr: `wsdouble: unknown command "srve" (commands: serve, record, import-har, report, exam, check, version; see wsdouble help)`},
	{args: []string{"help", "x"}, code: 2, stderr: `wsdouble help: unknown command "x"`},
	{args: []string{"version", "x"}, code: 2, stderr: `wsdouble version: unexpected argument "x" (see wsdouble version --help)`},
	{args: []string{"serve", "--lsiten", "x"}, code: 2, stderr: "wsdouble serve: flag provided but not defined: -lsiten (see wsdouble serve --help)"},
	{args: []string{"serve", "--once=maybe"}, code: 2, stderr: `wsdouble serve: invalid boolean value "maybe" for -once: parse error (see wsdouble serve --help)`},

	// serve's flags.
	{args: []string{"serve", "--time-scale", "fast"}, code: 2, stderr: `wsdouble serve: invalid value "fast" for flag -time-scale: not a number (see wsdouble serve --help)`},
	{args: []string{"serve", "--time-scale", "NaN"}, code: 2, stderr: `wsdouble serve: invalid value "NaN" for flag -time-scale: want a number from 0 to 1000 (see wsdouble serve --help)`},
	{args: []string{"serve", "--time-scale", "Inf"}, code: 2, stderr: `wsdouble serve: invalid value "Inf" for flag -time-scale: want a number from 0 to 1000 (see wsdouble serve --help)`},
	{args: []string{"serve", "--time-scale", "-Inf"}, code: 2, stderr: `wsdouble serve: invalid value "-Inf" for flag -time-scale: want a number from 0 to 1000 (see wsdouble serve --help)`},
	{args: []string{"serve", "--time-scale", "1e300"}, code: 2, stderr: `wsdouble serve: invalid value "1e300" for flag -time-scale: want a number from 0 to 1000 (see wsdouble serve --help)`},
	{args: []string{"serve", "--time-scale", "1e999"}, code: 2, stderr: `wsdouble serve: invalid value "1e999" for flag -time-scale: want a number from 0 to 1000 (see wsdouble serve --help)`},
	{args: []string{"serve", "--time-scale", "-0.5"}, code: 2, stderr: `wsdouble serve: invalid value "-0.5" for flag -time-scale: want a number from 0 to 1000 (see wsdouble serve --help)`},
	{args: []string{"serve", "--expect-timeout", "-5s"}, code: 2, stderr: `wsdouble serve: invalid value "-5s" for flag -expect-timeout: want a positive duration, such as 10s (with 0, every wait would end at once) (see wsdouble serve --help)`},
	{args: []string{"serve", "--expect-timeout", "0"}, code: 2, stderr: `wsdouble serve: invalid value "0" for flag -expect-timeout: want a positive duration, such as 10s (with 0, every wait would end at once) (see wsdouble serve --help)`},
	{args: []string{"serve", "--expect-timeout", "5"}, code: 2, stderr: `wsdouble serve: invalid value "5" for flag -expect-timeout: not a duration: want a number and a unit, such as 10s, 1m30s or 500ms (see wsdouble serve --help)`},
	{args: []string{"serve", "--listen", "notanaddress"}, code: 2, stderr: `wsdouble serve: invalid value "notanaddress" for flag -listen: missing port in address: want host:port, such as 127.0.0.1:8080 (see wsdouble serve --help)`},
	{args: []string{"serve", "--listen", "127.0.0.1:"}, code: 2, stderr: `wsdouble serve: invalid value "127.0.0.1:" for flag -listen: missing port: want host:port, such as 127.0.0.1:8080; port 0 picks a free one (see wsdouble serve --help)`},
	{args: []string{"serve", "--listen", "127.0.0.1:70000"}, code: 2, stderr: `wsdouble serve: invalid value "127.0.0.1:70000" for flag -listen: port "70000" is not a number from 0 to 65535 (see wsdouble serve --help)`},
	{args: []string{"serve", "--listen", "127.0.0.1:-1"}, code: 2, stderr: `wsdouble serve: invalid value "127.0.0.1:-1" for flag -listen: port "-1" is not a number from 0 to 65535 (see wsdouble serve --help)`},
	{args: []string{"serve", "--listen", "[::1"}, code: 2, stderr: `wsdouble serve: invalid value "[::1" for flag -listen: missing ']' in address: want host:port, such as 127.0.0.1:8080 (see wsdouble serve --help)`},
	{args: []string{"serve", "--listen", "bad_host!:80"}, code: 2, stderr: `wsdouble serve: invalid value "bad_host!:80" for flag -listen: host "bad_host!" is neither an IP address nor a host name (see wsdouble serve --help)`},
	{args: []string{"serve", "--listen", "0.0.0.0:0"}, code: 2, stderr: "wsdouble serve: refusing to listen on 0.0.0.0:0: not a loopback address (--allow-remote lets anyone who can reach it connect)"},
	{args: []string{"serve", "--listen", "{busy}"}, code: 1, stderr: "wsdouble serve: listen tcp {busy}: bind: address already in use"},
	{args: []string{"serve", "--color", "pink"}, code: 2, stderr: `wsdouble serve: --color "pink": want auto, always or never`},

	// --origin, for serve and record alike.
	{args: []string{"serve", "--origin", "evil.[example"}, code: 2, stderr: `wsdouble serve: invalid value "evil.[example" for flag -origin: syntax error in pattern (see wsdouble serve --help)`},
	{args: []string{"serve", "--origin", "http://"}, code: 2, stderr: `wsdouble serve: invalid value "http://" for flag -origin: no host after http:// (want a pattern such as http://*.example.com) (see wsdouble serve --help)`},
	{args: []string{"serve", "--origin", "https://*.example.com/path"}, code: 2, stderr: `wsdouble serve: invalid value "https://*.example.com/path" for flag -origin: an origin has no path, so this pattern can never match; want https://*.example.com (see wsdouble serve --help)`},
	{args: []string{"serve", "--origin", "example.com/"}, code: 2, stderr: `wsdouble serve: invalid value "example.com/" for flag -origin: an origin has no path, so this pattern can never match; want example.com (see wsdouble serve --help)`},
	{args: []string{"serve", "--origin", "://example.com"}, code: 2, stderr: `wsdouble serve: invalid value "://example.com" for flag -origin: no scheme before :// (want a pattern such as https://*.example.com) (see wsdouble serve --help)`},
	{args: []string{"serve", "--origin", "https://app.example.com?x=1"}, code: 2, stderr: `wsdouble serve: invalid value "https://app.example.com?x=1" for flag -origin: an origin has no query, so this pattern can never match; want https://app.example.com (see wsdouble serve --help)`},
	{args: []string{"serve", "--origin", "https://app.example.com#top"}, code: 2, stderr: `wsdouble serve: invalid value "https://app.example.com#top" for flag -origin: an origin has no fragment, so this pattern can never match; want https://app.example.com (see wsdouble serve --help)`},
	{args: []string{"serve", "--origin", "https://me@app.example.com"}, code: 2, stderr: `wsdouble serve: invalid value "https://me@app.example.com" for flag -origin: an origin has no user name, so this pattern can never match (see wsdouble serve --help)`},
	{args: []string{"serve", "--origin", "example.com:https"}, code: 2, stderr: `wsdouble serve: invalid value "example.com:https" for flag -origin: port "https" can never match: want digits (or *) (see wsdouble serve --help)`},
	{args: []string{"serve", "--origin", "http://[::1]:"}, code: 2, stderr: `wsdouble serve: invalid value "http://[::1]:" for flag -origin: port "" can never match: want digits (or *) (see wsdouble serve --help)`},
	{args: []string{"record", "--upstream", "ws://x/", "--out", "{dir}/x.json", "--origin", "["}, code: 2, stderr: `wsdouble record: invalid value "[" for flag -origin: syntax error in pattern (see wsdouble record --help)`},
	{args: []string{"record", "--upstream", "ws://x/", "--out", "{dir}/x.json", "--origin", "https://*.example.com/"}, code: 2, stderr: `wsdouble record: invalid value "https://*.example.com/" for flag -origin: an origin has no path, so this pattern can never match; want https://*.example.com (see wsdouble record --help)`},

	// serve's script.
	{args: []string{"serve", "nope.json"}, code: 2, stderr: "wsdouble serve: open nope.json: no such file or directory"},
	{args: []string{"serve", "{dir}/invalid.json"}, code: 2, stderr: "wsdouble serve: {dir}/invalid.json:1:51: attempt 1: refuse.status: 42 is not a final HTTP status other than 101 (200-599)"},
	{args: []string{"serve", "{dir}/script.json", "{dir}/script.json"}, code: 2, stderr: `wsdouble serve: unexpected argument "{dir}/script.json": serve plays one script`},
	{args: []string{"serve", "{dir}/big.json"}, code: 2, stderr: "wsdouble serve: {dir}/big.json: the script is larger than 64 MiB"},
	{args: []string{"serve", "{dir}/sub"}, code: 2, stderr: "wsdouble serve: read {dir}/sub: is a directory"},
	{args: []string{"serve", "-"}, stdin: `{"version": 1, "attempts": []}`, code: 2, stderr: "wsdouble serve: <stdin>:1:28: attempts: empty: a script answers at least one attempt"},
	{args: []string{"serve", "{fifo}"}, fifo: `{"version": 1}`, code: 2, stderr: "wsdouble serve: {fifo}:1:1: attempts: missing"},

	// check.
	{args: []string{"check"}, code: 2, stderr: "wsdouble check: missing FILE (see wsdouble check --help)"},
	{args: []string{"check", "nope.json"}, code: 2, stderr: "wsdouble check: open nope.json: no such file or directory"},
	{args: []string{"check", "{dir}/invalid.json"}, code: 2, stderr: "wsdouble check: {dir}/invalid.json:1:51: attempt 1: refuse.status: 42 is not a final HTTP status other than 101 (200-599)"},
	{args: []string{"check", "{dir}/bad.har"}, code: 2, stderr: "wsdouble check: {dir}/bad.har:1:2: log: unknown field (allowed: version, name, description, client, attempts)..."},
	{args: []string{"check", "{dir}/big.json"}, code: 2, stderr: "wsdouble check: {dir}/big.json: the script is larger than 64 MiB"},
	{args: []string{"check", "{dir}/sub"}, code: 2, stderr: "wsdouble check: read {dir}/sub: is a directory"},
	{args: []string{"check", "-"}, stdin: "", code: 2, stderr: "wsdouble check: <stdin>:1:1: unexpected end of the script"},
	{args: []string{"check", "-"}, stdin: "{\"version\": 1, \"attempts\": [{\"wait\": \"1s\"}]}", code: 2, stderr: "wsdouble check: <stdin>:1:30: attempt 1: wait: unknown field (allowed: label, after, clients, accept, refuse, hang, abort, rules, steps, repeat)..."},
	{args: []string{"check", "{fifo}"}, fifo: "[]", code: 2, stderr: "wsdouble check: {fifo}:1:1: got an array, want an object"},
	{args: []string{"check", "{dir}/script.json", "nope.json"}, code: 2, stderr: "wsdouble check: open nope.json: no such file or directory", stdout: true},
	{args: []string{"check", "{fifo}"}, fifo: "{\"wsdouble_journal\": 1}\n{\"attempt\": 3}\n", code: 2, stderr: "wsdouble check: {fifo}: 2:1: attempt 3 after 0 attempts, want 1 to 1"},

	// record.
	{args: []string{"record", "--out", "x.json"}, code: 2, stderr: "wsdouble record: missing --upstream (the server to record)"},
	{args: []string{"record", "--upstream", "ws://x/"}, code: 2, stderr: "wsdouble record: missing --out (the file to write the scenario to)"},
	{args: []string{"record", "--upstream", "ws://x/", "--out", "-", "extra"}, code: 2, stderr: `wsdouble record: unexpected argument "extra" (see wsdouble record --help)`},
	{args: []string{"record", "--upstream", "http://x", "--out", "{dir}/x.json"}, code: 2, stderr: `wsdouble record: upstream "http://x" is not a ws:// or wss:// URL (nothing recorded; {dir}/x.json was not created)`},
	{args: []string{"record", "--upstream", "ws://", "--out", "{dir}/old.json"}, code: 2, stderr: `wsdouble record: upstream "ws://" is not a ws:// or wss:// URL (nothing recorded; {dir}/old.json is unchanged)`},
	{args: []string{"record", "--upstream", "ws://x/", "--out", "/nonexistent/dir/x.json"}, code: 2, stderr: "wsdouble record: cannot write /nonexistent/dir/x.json: no directory /nonexistent/dir"},
	{args: []string{"record", "--upstream", "ws://x/", "--out", "{dir}/sub"}, code: 2, stderr: "wsdouble record: cannot write {dir}/sub: it is a directory"},
	{args: []string{"record", "--upstream", "ws://x/", "--out", "{dir}/old.json", "--listen", "{busy}"}, code: 1, stderr: "wsdouble record: listen tcp {busy}: bind: address already in use (nothing recorded; {dir}/old.json is unchanged)"},
	{args: []string{"record", "--upstream", "ws://x/", "--out", "{dir}/new.json", "--listen", "{busy}"}, code: 1, stderr: "wsdouble record: listen tcp {busy}: bind: address already in use (nothing recorded; {dir}/new.json was not created)"},
	{args: []string{"record", "--upstream", "ws://x/", "--out", "{dir}/x.json", "--listen", "0.0.0.0:0"}, code: 2, stderr: "wsdouble record: refusing to listen on 0.0.0.0:0: not a loopback address (--allow-remote lets anyone who can reach it connect) (nothing recorded; {dir}/x.json was not created)"},
	{args: []string{"record", "--upstream", "ws://x/", "--out", "{dir}/x.json", "--listen", "localhost"}, code: 2, stderr: `wsdouble record: invalid value "localhost" for flag -listen: missing port in address: want host:port, such as 127.0.0.1:8080 (see wsdouble record --help)`},
	{args: []string{"record", "--upstream", "ws://x/", "--out", "{dir}/x.json", "--min-wait", "-1s"}, code: 2, stderr: `wsdouble record: invalid value "-1s" for flag -min-wait: negative: want 0 or more, such as 100ms (see wsdouble record --help)`},
	{args: []string{"record", "--upstream", "ws://x/", "--out", "{dir}/x.json", "--redact", "X Token"}, code: 2, stderr: `wsdouble record: invalid value "X Token" for flag -redact: not a header name (see wsdouble record --help)`},
	{args: []string{"record", "--upstream", "ws://x/", "--out", "{dir}/x.json", "--redact-field", ""}, code: 2, stderr: `wsdouble record: invalid value "" for flag -redact-field: empty field name (see wsdouble record --help)`},
	{args: []string{"record", "--upstream", "ws://x/", "--out", "{dir}/journalled.json"}, code: 2, stderr: "wsdouble record: {dir}/journalled.json.journal exists: a recording to {dir}/journalled.json did not finish; turn it into a script with\nwsdouble record:   wsdouble record --recover {dir}/journalled.json.journal --out {dir}/journalled.json\nwsdouble record: or delete it"},
	{args: []string{"record", "--recover", "{dir}/script.json", "--out", "-"}, code: 2, stderr: "wsdouble record: {dir}/script.json: not the journal of a recording (its first line is not a journal's)"},
	{args: []string{"record", "--recover", "nope.journal", "--out", "-"}, code: 2, stderr: "wsdouble record: open nope.journal: no such file or directory"},
	{args: []string{"record", "--recover", "{dir}/journalled.json.journal"}, code: 2, stderr: "wsdouble record: missing --out (the file to write the scenario to)"},
	{args: []string{"record", "--recover", "{dir}/journalled.json.journal", "--out", "-", "--upstream", "ws://x/"}, code: 2, stderr: "wsdouble record: --upstream does not apply to --recover, which turns a journal into a script as it was recorded"},
	{args: []string{"record", "--recover", "{dir}/journalled.json.journal", "--out", "-", "--redact-field", "password"}, code: 2, stderr: "wsdouble record: --redact-field does not apply to --recover, which turns a journal into a script as it was recorded"},
	{args: []string{"record", "--recover", "-", "--out", "-"}, stdin: "{\"wsdouble_journal\": 1}\n", code: 2, stderr: "wsdouble record: <stdin>: the journal holds no attempt"},

	// import-har.
	{args: []string{"import-har"}, code: 2, stderr: "wsdouble import-har: missing FILE.har (see wsdouble import-har --help)"},
	{args: []string{"import-har", "a.har", "b.har"}, code: 2, stderr: `wsdouble import-har: unexpected argument "b.har" (see wsdouble import-har --help)`},
	{args: []string{"import-har", "nope.har"}, code: 2, stderr: "wsdouble import-har: open nope.har: no such file or directory"},
	{args: []string{"import-har", "{dir}/script.json"}, code: 2, stderr: `wsdouble import-har: {dir}/script.json: no WebSocket entry (none with _resourceType "websocket")`},
	{args: []string{"import-har", "{dir}/bad.har"}, code: 2, stderr: "wsdouble import-har: {dir}/bad.har: log.entries[1]._webSocketMessages[2].opcode: got a JSON string, want an integer"},
	{args: []string{"import-har", "{dir}/big.har"}, code: 2, stderr: "wsdouble import-har: {dir}/big.har: the file is larger than 256 MiB"},
	{args: []string{"import-har", "-"}, stdin: "{\"log\": {\"entries\": 1}}", code: 2, stderr: "wsdouble import-har: <stdin>: log.entries: got a JSON number, want an array"},
	{args: []string{"import-har", "{fifo}"}, fifo: "{\"log\": ", code: 2, stderr: "wsdouble import-har: {fifo}: 1:9: unexpected end of JSON input"},
	{args: []string{"import-har", "--out", "{dir}/sub", "{dir}/bad.har"}, code: 2, stderr: "wsdouble import-har: cannot write {dir}/sub: it is a directory"},
	{args: []string{"import-har", "--min-wait", "soon", "x.har"}, code: 2, stderr: `wsdouble import-har: invalid value "soon" for flag -min-wait: not a duration: want a number and a unit, such as 10s, 1m30s or 500ms (see wsdouble import-har --help)`},
}

// badHAR has a string for an opcode in its second entry's third message.
const badHAR = `{"log": {"entries": [
  {"request": {"url": "https://app.test/"}, "response": {"status": 200}},
  {"_resourceType": "websocket", "request": {"url": "wss://app.test/live"}, "response": {"status": 101},
   "_webSocketMessages": [
     {"type": "send", "time": 1, "opcode": 1, "data": "a"},
     {"type": "receive", "time": 2, "opcode": 1, "data": "b"},
     {"type": "receive", "time": 3, "opcode": "1", "data": "c"}]}]}}`

// TestBadInput runs the bad-input table: each mistake gets a non-zero exit
// and says what is wrong, never with a stack trace, and leaves the files it
// was given as they were.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"script.json":             helloScript,
		"invalid.json":            `{"version": 1, "attempts": [{"refuse": {"status": 42}}]}`,
		"bad.har":                 badHAR,
		"old.json":                "the old recording\n",
		"journalled.json.journal": "{\"wsdouble_journal\": 1, \"name\": \"x\", \"started\": \"2025-01-01T00:00:00Z\"}\n{\"attempt\": 1}\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, size := range map[string]int64{"big.json": 257 << 20, "big.har": 257 << 20} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil { // sparse: no disk used
			t.Fatal(err)
		}
		f.Close()
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	for _, tt := range badInputs {
		name := strings.Join(tt.args, " ")
		if tt.stdin != "" {
			name += " < " + tt.stdin
		}
		t.Run(name, func(t *testing.T) {
			fifo := filepath.Join(t.TempDir(), "fifo")
			expand := strings.NewReplacer("{dir}", dir, "{busy}", busy.Addr().String(), "{fifo}", fifo).Replace
			var args []string
			for _, a := range tt.args {
				args = append(args, expand(a))
			}
			if tt.fifo != "" {
				if err := makeFIFO(fifo); err != nil {
					t.Skipf("no FIFO here: %v", err)
				}
				wrote := make(chan error, 1)
				go func() {
					// Opening a FIFO for writing waits for its reader.
					f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
					if err == nil {
						_, err = f.WriteString(tt.fifo)
						f.Close()
					}
					wrote <- err
				}()
				defer func() {
					// A command that did not open the FIFO leaves the writer
					// waiting: a reader of the test's own lets it go.
					if r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); err == nil {
						defer r.Close()
					}
					if err := <-wrote; err != nil {
						t.Errorf("writing the FIFO: %v", err)
					}
				}()
			}
			// A bad input fails at once: a command still running after 5 s took it.
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			code := cli.Main(ctx, args, cli.Env{Stdin: strings.NewReader(tt.stdin), Stdout: &stdout, Stderr: &stderr})
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			want := expand(tt.stderr)
			got := strings.TrimSuffix(stderr.String(), "\n")
			if rest, ok := strings.CutSuffix(want, "..."); ok {
				if !strings.HasPrefix(got, rest) {
					t.Errorf("stderr:\n%s\nwant it to start with:\n%s", got, rest)
				}
			} else if got != want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, want)
			}
			if strings.Contains(got, "goroutine ") || strings.Contains(got, "panic") || strings.Contains(got, "wstest:") || strings.Contains(got, "scenario:") {
				t.Errorf("an internal error or stack trace:\n%s", got)
			}
			if tt.args != nil && stdout.Len() > 0 != tt.stdout {
				t.Errorf("stdout: %s", stdout.String())
			}
		})
	}
	// No row changed a file it was given, nor left a temporary file or a
	// journal of its own.
	for name, content := range files {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err != nil || string(b) != content {
			t.Errorf("%s: %q, %v: want it unchanged", name, b, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(files)+3 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the directory holds %s, want only the test's files", strings.Join(names, " "))
	}
}
