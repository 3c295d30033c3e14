package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
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
plays the upstream's part: serve it, or play it in Go tests.

Recordings never keep the values of secret headers (Authorization,
Cookie, Set-Cookie, ...), unless --unredacted.

It listens on loopback only, unless --allow-remote.

` + originHelp("reported on the standard error, neither forwarded nor recorded") + `

Examples:

  wsdouble record --upstream wss://echo.example.com/ws --out echo.json
  wsdouble record --upstream ws://127.0.0.1:9000/feed --listen 127.0.0.1:9001 --out feed.json --redact X-Api-Key`,
			flags: func(fs *flag.FlagSet) func(context.Context, Env, []string) int {
				o := &recordOptions{}
				fs.StringVar(&o.upstream, "upstream", "", "the server to record: a ws:// or wss:// `URL` (required)")
				fs.StringVar(&o.out, "out", "", "`file` to write the scenario to (required; - for the standard output)")
				fs.StringVar(&o.listen, "listen", "127.0.0.1:8080", "`address` to listen on (host:port; port 0 picks a free one)")
				fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow listening on an address that is not loopback")
				originFlag(fs, &o.origins)
				fs.StringVar(&o.name, "name", "recording", "the scenario's `name`")
				fs.BoolVar(&o.unredacted, "unredacted", false, "keep the values of secret headers (Authorization, Cookie, ...)")
				fs.Func("redact", "also redact this `header` (repeatable)", func(v string) error {
					o.redact = append(o.redact, v)
					return nil
				})
				fs.DurationVar(&o.minWait, "min-wait", 0, "leave out pauses shorter than `d` from the recording")
				return o.run
			},
		},
		&command{
			name:    "import-har",
			args:    "FILE.har",
			summary: "turn a HAR file's WebSocket connections into a scenario",
			help: `Import-har reads a HAR file saved by a browser's developer tools (Chrome,
Firefox) or by Playwright, and writes its WebSocket connections as a
scenario, one attempt per connection, with their messages and pauses.
Secret headers are redacted, unless --unredacted.

Examples:

  wsdouble import-har session.har --out session.json
  wsdouble import-har session.har | wsdouble check -`,
			flags: func(fs *flag.FlagSet) func(context.Context, Env, []string) int {
				o := &importOptions{}
				fs.StringVar(&o.out, "out", "-", "`file` to write the scenario to (- for the standard output)")
				fs.StringVar(&o.name, "name", "", "the scenario's `name` (default: the HAR file's)")
				fs.BoolVar(&o.unredacted, "unredacted", false, "keep the values of secret headers (Authorization, Cookie, ...)")
				fs.DurationVar(&o.minWait, "min-wait", 0, "leave out pauses shorter than `d`")
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

// version is the module's version, "(devel)" when built from a checkout.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

type recordOptions struct {
	upstream, out, listen, name string
	allowRemote, unredacted     bool
	redact, origins             []string
	minWait                     time.Duration
}

func (o *recordOptions) recordOptions() []scenario.RecordOption {
	opts := []scenario.RecordOption{scenario.MinWait(o.minWait)}
	if len(o.redact) > 0 {
		opts = append(opts, scenario.RedactHeaders(o.redact...))
	}
	if o.unredacted {
		opts = append(opts, scenario.Unredacted())
	}
	return opts
}

func (o *recordOptions) run(ctx context.Context, env Env, args []string) int {
	switch {
	case !exactly(env, "record", args, 0, ""):
		return ExitInvalid
	case o.upstream == "":
		return fail(env, "record", ExitInvalid, errors.New("missing --upstream (the server to record)"))
	case o.out == "":
		return fail(env, "record", ExitInvalid, errors.New("missing --out (the file to write the scenario to)"))
	}
	if o.out != "-" {
		// Fail now, not after the session, if the file cannot be written.
		f, err := os.OpenFile(o.out, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return fail(env, "record", ExitInvalid, err)
		}
		f.Close()
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
	p, err := scenario.NewProxy(nil, o.upstream, scenario.WithRecordOptions(o.recordOptions()...),
		scenario.ProxyCheckOrigin(originCheck(o.origins, refused)))
	if err != nil {
		return fail(env, "record", ExitInvalid, errors.New(strings.TrimPrefix(err.Error(), "scenario: NewProxy: ")))
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
		return fail(env, "record", ExitInvalid, fmt.Errorf("refusing to listen on %s: not a loopback address (--allow-remote lets anyone who can reach it connect)", o.listen))
	case err != nil:
		return fail(env, "record", ExitFailed, errors.New(strings.TrimPrefix(err.Error(), "wstest: Server.Listen: ")))
	}
	banner := env.Stdout
	if o.out == "-" {
		banner = env.Stderr // the standard output carries the script alone
	}
	fmt.Fprintf(banner, "wsdouble: recording %s through %s\n  connect your client to %s; Ctrl-C writes %s\n", o.upstream, url, url, displayOut(o.out))
	<-ctx.Done()
	p.Close() // ends every connection both ways: the recording is complete
	s, err := p.Script(o.name)
	if err != nil {
		return fail(env, "record", ExitFailed, errors.New(strings.TrimPrefix(err.Error(), "scenario: Proxy.Script: ")))
	}
	return writeScript(env, "record", s, o.out)
}

func displayOut(out string) string {
	if out == "-" {
		return "the scenario to the standard output"
	}
	return out
}

// writeScript writes s to out and says so on stderr (stdout may be the
// script itself).
func writeScript(env Env, cmd string, s *scenario.Script, out string) int {
	data, err := scenario.Marshal(s)
	if err != nil {
		return fail(env, cmd, ExitFailed, err)
	}
	if err := writeOutput(env, out, data); err != nil {
		return fail(env, cmd, ExitFailed, err)
	}
	if out != "-" {
		fmt.Fprintf(env.Stderr, "wsdouble %s: wrote scenario %q, %s, to %s\n", cmd, s.Name, plural(len(s.Attempts), "attempt", "attempts"), out)
	}
	return ExitOK
}

type importOptions struct {
	out, name  string
	unredacted bool
	minWait    time.Duration
}

func (o *importOptions) run(_ context.Context, env Env, args []string) int {
	if !exactly(env, "import-har", args, 1, "FILE.har") {
		return ExitInvalid
	}
	f, err := os.Open(args[0])
	if err != nil {
		return fail(env, "import-har", ExitInvalid, err)
	}
	defer f.Close()
	opts := []scenario.RecordOption{scenario.MinWait(o.minWait)}
	if o.unredacted {
		opts = append(opts, scenario.Unredacted())
	}
	s, err := scenario.FromHAR(f, opts...)
	if err != nil {
		return fail(env, "import-har", ExitInvalid, fmt.Errorf("%s: %s", args[0], strings.TrimPrefix(err.Error(), "scenario: FromHAR: ")))
	}
	if o.name != "" {
		s.Name = o.name
	}
	return writeScript(env, "import-har", s, o.out)
}
