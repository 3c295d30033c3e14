package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

func init() {
	commands = append(commands,
		&command{
			name:    "record",
			summary: "record a real server's behaviour through a proxy, as a scenario",
			help: `Record listens for WebSocket clients and forwards each connection to the
upstream server, recording both directions: the upstream's answer to each
attempt, what it sent and when, what the client sent, how the connection
ended. On Ctrl-C (or SIGTERM) it writes the recording as a scenario that
plays the upstream's part: serve it, or play it in Go tests. A second
Ctrl-C exits at once, writing nothing.

The client's path is forwarded under the upstream URL's path, cleaned: no
"..", plain or percent-encoded, climbs out of it (/../../etc/passwd behind
ws://host/api reaches /api/etc/passwd). The query is forwarded as it is.

--out is written whole or not at all (a temporary file renamed over it),
and only when something was recorded: a failed start leaves it as it was,
and says so. While it records, the recording is kept as it goes in
FILE.journal, beside --out, one line per event (JSON Lines); it is removed
once --out is written. If record is killed, the journal is left: turn it
into a script with --recover (check and serve read it too). Record does not
start while a journal of an earlier recording to the same file is there.

Recordings never keep the values of secret headers: Authorization,
Cookie, Set-Cookie and every header whose name contains token, key,
secret, auth, session, cookie or password (in any case); --redact adds
names, --unredacted keeps them all. --redact-field NAME replaces the
value of every JSON member named NAME, at any depth, in the messages
(the server's keep it as "REDACTED"; the client's are then expected
without it). The recording's description says what was redacted.

It listens on loopback only, unless --allow-remote.

` + originHelp("reported on the standard error, neither forwarded nor recorded") + `

Examples:

  wsdouble record --upstream wss://echo.example.com/ws --out echo.json
  wsdouble record --upstream ws://127.0.0.1:9000/feed --listen 127.0.0.1:9001 --out feed.json --redact X-Trace --redact-field password
  wsdouble record --recover feed.json.journal --out feed.json   # after a crash`,
			flags: func(fs *flag.FlagSet) func(context.Context, Env, []string) int {
				o := &recordOptions{fs: fs}
				fs.StringVar(&o.upstream, "upstream", "", "the server to record: a ws:// or wss:// `URL` (required)")
				fs.StringVar(&o.out, "out", "", "`file` to write the scenario to (required; - for the standard output, which keeps no journal)")
				listenFlag(fs, &o.listen, "127.0.0.1:8080")
				fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow listening on an address that is not loopback")
				originFlag(fs, &o.origins)
				fs.StringVar(&o.name, "name", "recording", "the scenario's `name`")
				fs.BoolVar(&o.unredacted, "unredacted", false, "keep the values of secret headers (Authorization, Cookie, X-Api-Key, ...)")
				redactFlags(fs, &o.redact, &o.fields)
				durationFlag(fs, &o.minWait, "min-wait", 0, true, "leave out pauses shorter than `d` from the recording")
				fs.StringVar(&o.recover, "recover", "", "turn the `journal` of a recording that did not finish into a scenario, written to --out; records nothing")
				return o.run
			},
		},
		&command{
			name:    "import-har",
			args:    "FILE.har",
			summary: "turn a HAR file's WebSocket connections into a scenario",
			help: `Import-har reads a HAR file saved by a browser's developer tools (Chrome,
Firefox) or by Playwright ("-" reads the standard input), and writes its
WebSocket connections as a scenario, one attempt per connection, with their
messages and pauses. Secret headers are redacted, as record does, unless
--unredacted; --redact-field redacts JSON fields in messages. --out is
written whole or not at all.

Examples:

  wsdouble import-har session.har --out session.json
  wsdouble import-har --redact-field token session.har | wsdouble check -`,
			flags: func(fs *flag.FlagSet) func(context.Context, Env, []string) int {
				o := &importOptions{}
				fs.StringVar(&o.out, "out", "-", "`file` to write the scenario to (- for the standard output)")
				fs.StringVar(&o.name, "name", "", "the scenario's `name` (default: the HAR file's)")
				fs.BoolVar(&o.unredacted, "unredacted", false, "keep the values of secret headers (Authorization, Cookie, X-Api-Key, ...)")
				redactFlags(fs, &o.redact, &o.fields)
				durationFlag(fs, &o.minWait, "min-wait", 0, true, "leave out pauses shorter than `d`")
				return o.run
			},
		},
		&command{
			name:    "version",
			summary: "print the version",
			help:    "Version prints wsdouble's version, and the Go version and platform it was built for.",
			flags: func(fs *flag.FlagSet) func(context.Context, Env, []string) int {
				return func(_ context.Context, env Env, args []string) int {
					if !exactly(env, "version", args, 0, "") {
						return ExitInvalid
					}
					fmt.Fprintf(env.Stdout, "wsdouble %s (%s, %s/%s)\n", version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
					return ExitOK
				}
			},
		},
	)
}

// redactFlags defines --redact and --redact-field on fs.
func redactFlags(fs *flag.FlagSet, headers, fields *[]string) {
	fs.Func("redact", "also redact this `header` (repeatable)", func(v string) error {
		if !validToken(v) {
			return errors.New("not a header name")
		}
		*headers = append(*headers, v)
		return nil
	})
	fs.Func("redact-field", "redact the JSON field `name` in messages, at any depth (repeatable)", func(v string) error {
		if v == "" {
			return errors.New("empty field name")
		}
		*fields = append(*fields, v)
		return nil
	})
}

// validToken reports whether s is an HTTP token, as a header name is (RFC
// 9110 §5.6.2).
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// version is the module's version, "(devel)" when built from a checkout.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

type recordOptions struct {
	fs                                   *flag.FlagSet
	upstream, out, listen, name, recover string
	allowRemote, unredacted              bool
	redact, fields, origins              []string
	minWait                              time.Duration
}

// maxJournalSize is what scenario.RecoverJournal reads at most.
const maxJournalSize = 256 << 20

func (o *recordOptions) recordOptions() []scenario.RecordOption {
	opts := []scenario.RecordOption{scenario.MinWait(o.minWait)}
	if len(o.redact) > 0 {
		opts = append(opts, scenario.RedactHeaders(o.redact...))
	}
	if len(o.fields) > 0 {
		opts = append(opts, scenario.RedactFields(o.fields...))
	}
	if o.unredacted {
		opts = append(opts, scenario.Unredacted())
	}
	return opts
}

// set reports whether the flag name was given.
func (o *recordOptions) set(name string) bool {
	found := false
	o.fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

func (o *recordOptions) run(ctx context.Context, env Env, args []string) int {
	switch {
	case !exactly(env, "record", args, 0, ""):
		return ExitInvalid
	case o.recover != "":
		return o.recoverJournal(ctx, env)
	case o.upstream == "":
		return fail(env, "record", ExitInvalid, errors.New("missing --upstream (the server to record)"))
	case o.out == "":
		return fail(env, "record", ExitInvalid, errors.New("missing --out (the file to write the scenario to)"))
	}
	out, err := openOutput(o.out)
	if err != nil {
		return fail(env, "record", ExitInvalid, err)
	}
	// The journal is made first: it is also the proof that the directory
	// can be written, before anything is recorded.
	var journal *os.File
	if name := out.journal(); name != "" {
		journal, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		switch {
		case errors.Is(err, fs.ErrExist):
			return fail(env, "record", ExitInvalid, fmt.Errorf("%s exists: a recording to %s did not finish; turn it into a script with\n  wsdouble record --recover %s --out %s\nor delete it", name, o.out, name, o.out))
		case err != nil:
			return fail(env, "record", ExitInvalid, fmt.Errorf("cannot write %s: %w", o.out, err))
		}
	}
	// nothing ends a recording that recorded nothing: its journal goes.
	nothing := func(code int, err error) int {
		if journal != nil {
			journal.Close()
			os.Remove(journal.Name())
		}
		return fail(env, "record", code, fmt.Errorf("%w (nothing recorded; %s)", err, out.unchanged()))
	}

	var mu sync.Mutex // refusals come from the server's goroutines
	refused := func(r *http.Request, origin, hint string) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(env.Stderr, "wsdouble record: refused a handshake for %s from origin %q (403, not forwarded)", r.URL.RequestURI(), origin)
		if hint != "" {
			fmt.Fprintf(env.Stderr, "; --origin %s admits it", hint)
		}
		fmt.Fprintln(env.Stderr)
	}
	popts := []scenario.ProxyOption{scenario.WithRecordOptions(o.recordOptions()...),
		scenario.ProxyCheckOrigin(originCheck(o.origins, refused))}
	if journal != nil {
		popts = append(popts, scenario.ProxyJournal(journal, o.name))
	}
	p, err := scenario.NewProxy(nil, o.upstream, popts...)
	if err != nil {
		return nothing(ExitInvalid, errors.New(strings.TrimPrefix(err.Error(), "scenario: NewProxy: ")))
	}
	defer p.Close()
	var url string
	if o.allowRemote {
		url, err = p.Server().ListenRemote(o.listen)
	} else {
		url, err = p.Server().Listen(o.listen)
	}
	switch {
	case errors.Is(err, wstest.ErrNotLoopback):
		p.Close()
		return nothing(ExitInvalid, fmt.Errorf("refusing to listen on %s: not a loopback address (--allow-remote lets anyone who can reach it connect)", o.listen))
	case err != nil:
		p.Close()
		return nothing(ExitFailed, errors.New(strings.TrimPrefix(err.Error(), "wstest: Server.Listen: ")))
	}
	banner := env.Stdout
	if out.kind == outStdout {
		banner = env.Stderr // the standard output carries the script alone
	}
	fmt.Fprintf(banner, "wsdouble: recording %s through %s\n  connect your client to %s; Ctrl-C writes %s\n", o.upstream, url, url, displayOut(out))
	if journal != nil {
		fmt.Fprintf(banner, "  the recording is kept as it goes in %s\n", journal.Name())
	}
	<-ctx.Done()
	p.Close() // ends every connection both ways: the recording is complete
	s, err := p.Script(o.name)
	if err != nil {
		return nothing(ExitFailed, errors.New("no connection was recorded"))
	}
	if err := p.JournalErr(); err != nil {
		fmt.Fprintf(env.Stderr, "wsdouble record: the journal is incomplete: %v\n", strings.TrimPrefix(err.Error(), "scenario: "))
	}
	// Ctrl-C has been pressed: the script is written anyway (to a pipe
	// that no one reads, until a second Ctrl-C).
	if code := writeScript(context.Background(), env, "record", s, out); code != ExitOK {
		if journal != nil {
			fmt.Fprintf(env.Stderr, "wsdouble record: the recording is in %s: wsdouble record --recover %s --out FILE writes it\n", journal.Name(), journal.Name())
			journal.Close()
		}
		return code
	}
	if journal != nil {
		journal.Close()
		os.Remove(journal.Name())
	}
	return ExitOK
}

// recoverJournal is record --recover: it turns a journal into a script.
func (o *recordOptions) recoverJournal(ctx context.Context, env Env) int {
	for _, name := range []string{"upstream", "listen", "allow-remote", "origin", "unredacted", "redact", "redact-field", "min-wait"} {
		if o.set(name) {
			return fail(env, "record", ExitInvalid, fmt.Errorf("--%s does not apply to --recover, which turns a journal into a script as it was recorded", name))
		}
	}
	if o.out == "" {
		return fail(env, "record", ExitInvalid, errors.New("missing --out (the file to write the scenario to)"))
	}
	out, err := openOutput(o.out)
	if err != nil {
		return fail(env, "record", ExitInvalid, err)
	}
	data, err := readInput(ctx, env, o.recover, maxJournalSize)
	switch {
	case errors.Is(err, errInterrupted):
		return fail(env, "record", ExitFailed, fmt.Errorf("%s: interrupted before it was read", displayName(o.recover)))
	case errors.Is(err, errTooLarge):
		return fail(env, "record", ExitInvalid, fmt.Errorf("%s: the journal is larger than %s", displayName(o.recover), sizeText(maxJournalSize)))
	case err != nil:
		return fail(env, "record", ExitInvalid, err)
	}
	s, err := scenario.RecoverJournal(bytes.NewReader(data))
	switch {
	case errors.Is(err, scenario.ErrNotJournal):
		return fail(env, "record", ExitInvalid, fmt.Errorf("%s: not the journal of a recording (its first line is not a journal's)", displayName(o.recover)))
	case err != nil:
		return fail(env, "record", ExitInvalid, fmt.Errorf("%s:%s", displayName(o.recover), strings.TrimPrefix(err.Error(), "scenario: RecoverJournal:")))
	}
	if o.set("name") {
		s.Name = o.name
	}
	if code := writeScript(ctx, env, "record", s, out); code != ExitOK {
		return code
	}
	fmt.Fprintf(env.Stderr, "wsdouble record: recovered from %s, which you may now delete\n", o.recover)
	return ExitOK
}

func displayOut(out *output) string {
	if out.kind == outStdout {
		return "the scenario to the standard output"
	}
	return out.name
}

// writeScript writes s to out and says so on stderr (stdout may be the
// script itself).
func writeScript(ctx context.Context, env Env, cmd string, s *scenario.Script, out *output) int {
	data, err := scenario.Marshal(s)
	if err != nil {
		return fail(env, cmd, ExitFailed, err)
	}
	if err := out.write(ctx, env, data); err != nil {
		return fail(env, cmd, ExitFailed, fmt.Errorf("writing %s: %w (%s)", out.display(), err, out.unchanged()))
	}
	if out.kind != outStdout {
		fmt.Fprintf(env.Stderr, "wsdouble %s: wrote scenario %q, %s, to %s\n", cmd, s.Name, plural(len(s.Attempts), "attempt", "attempts"), out.name)
	}
	return ExitOK
}

type importOptions struct {
	out, name      string
	unredacted     bool
	redact, fields []string
	minWait        time.Duration
}

// maxHARSize is what scenario.FromHAR reads at most.
const maxHARSize = 256 << 20

func (o *importOptions) run(ctx context.Context, env Env, args []string) int {
	if !exactly(env, "import-har", args, 1, "FILE.har") {
		return ExitInvalid
	}
	out, err := openOutput(o.out)
	if err != nil {
		return fail(env, "import-har", ExitInvalid, err)
	}
	name := displayName(args[0])
	data, err := readInput(ctx, env, args[0], maxHARSize)
	switch {
	case errors.Is(err, errInterrupted):
		return fail(env, "import-har", ExitFailed, fmt.Errorf("%s: interrupted before it was read", name))
	case errors.Is(err, errTooLarge):
		return fail(env, "import-har", ExitInvalid, fmt.Errorf("%s: the file is larger than %s", name, sizeText(maxHARSize)))
	case err != nil:
		return fail(env, "import-har", ExitInvalid, err)
	}
	opts := []scenario.RecordOption{scenario.MinWait(o.minWait)}
	if len(o.redact) > 0 {
		opts = append(opts, scenario.RedactHeaders(o.redact...))
	}
	if len(o.fields) > 0 {
		opts = append(opts, scenario.RedactFields(o.fields...))
	}
	if o.unredacted {
		opts = append(opts, scenario.Unredacted())
	}
	s, err := scenario.FromHAR(bytes.NewReader(data), opts...)
	if err != nil {
		return fail(env, "import-har", ExitInvalid, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "scenario: FromHAR: ")))
	}
	if o.name != "" {
		s.Name = o.name
	}
	return writeScript(ctx, env, "import-har", s, out)
}
