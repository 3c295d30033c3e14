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
	"strings"
	"sync"

	"github.com/wsdouble/wsdouble/scenario"
)

// recordHelp is record's help, its flags aside.
var recordHelp = `Record listens for WebSocket clients and forwards each connection to the
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
  wsdouble record --recover feed.json.journal --out feed.json   # after a crash`

// recordFlags defines record's flags on fs.
func recordFlags(fs *flag.FlagSet) runFunc {
	o := &recordOptions{fs: fs}
	fs.StringVar(&o.upstream, "upstream", "", "the server to record: a ws:// or wss:// `URL` (required)")
	fs.StringVar(&o.out, "out", "", "`file` to write the scenario to (required; - for the standard output, which keeps no journal)")
	listenFlags(fs, &o.listenOptions)
	fs.StringVar(&o.name, "name", "recording", "the scenario's `name`")
	transcriptFlags(fs, &o.transcriptOptions, "leave out pauses shorter than `d` from the recording")
	fs.StringVar(&o.recover, "recover", "", "turn the `journal` of a recording that did not finish into a scenario, written to --out; records nothing")
	return o.run
}

type recordOptions struct {
	fs                           *flag.FlagSet
	upstream, out, name, recover string
	listenOptions
	transcriptOptions
}

// maxJournalSize is what scenario.RecoverJournal reads at most.
const maxJournalSize = 256 << 20

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
	dropJournal := func() {
		if journal != nil {
			journal.Close()
			os.Remove(journal.Name())
		}
	}
	// nothing ends a recording that recorded nothing: its journal goes.
	nothing := func(code int, err error) int {
		dropJournal()
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
	url, code, err := o.listenOn(p.Server())
	if err != nil {
		p.Close()
		return nothing(code, err)
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
	dropJournal()
	return ExitOK
}

// recoverJournal is record --recover: it turns a journal into a script.
func (o *recordOptions) recoverJournal(ctx context.Context, env Env) int {
	for _, name := range []string{"upstream", "listen", "allow-remote", "origin", "unredacted", "redact", "redact-field", "min-wait"} {
		if given(o.fs, name) {
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
	data, err := readNamed(ctx, env, o.recover, maxJournalSize, "journal")
	if err != nil {
		return fail(env, "record", readStatus(err), err)
	}
	s, err := scenario.RecoverJournal(bytes.NewReader(data))
	switch {
	case errors.Is(err, scenario.ErrNotJournal):
		return fail(env, "record", ExitInvalid, fmt.Errorf("%s: not the journal of a recording (its first line is not a journal's)", displayName(o.recover)))
	case err != nil:
		return fail(env, "record", ExitInvalid, fmt.Errorf("%s:%s", displayName(o.recover), strings.TrimPrefix(err.Error(), "scenario: RecoverJournal:")))
	}
	if given(o.fs, "name") {
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
