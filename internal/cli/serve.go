package cli

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// defaultScript is what serve plays without a file.
//
//go:embed default.json
var defaultScript []byte

// DefaultScript returns the embedded scenario serve plays without a file.
func DefaultScript() (*scenario.Script, error) {
	return scenario.Parse(strings.NewReader(string(defaultScript)))
}

func init() {
	commands = append(commands, &command{
		name:    "serve",
		args:    "[SCRIPT.json]",
		summary: "serve a scenario to WebSocket clients, with a live timeline",
		help: `Serve listens for WebSocket clients and answers their connection attempts as
the script says: the first attempt by the script's first attempt, and so on.
When the script is done it starts over, until Ctrl-C (or SIGTERM), which
prints a summary. With --once it plays the script once and exits: with
status 0 if every expectation of the script held, 1 if not.

Without a script it serves a built-in one, "flaky-echo": an echo server that
drops the connection after five messages, refuses the next attempt with 503,
and restarts with close 1012 after five more.

While it runs it prints a live timeline of attempts, answers, messages and
ends (in colour on a terminal; NO_COLOR turns it off). --json prints one
JSON object per line instead: {"event": "attempt" | "answer" | "step" |
"end" | "refused" | "summary" | ..., "at": seconds, "pass", "attempt", "n",
...}.

It listens on loopback only, unless --allow-remote.

` + originHelp("shown in the timeline; the script never sees it") + `

Examples:

  wsdouble serve                                   # the built-in flaky echo server
  wsdouble serve --listen 127.0.0.1:9000 reconnect.json
  wsdouble serve --origin 'https://*.example.com' feed.json   # pages of example.com too
  wsdouble serve --once --json ci/scenario.json > timeline.jsonl   # in CI`,
		flags: func(fs *flag.FlagSet) func(context.Context, Env, []string) int {
			o := &serveOptions{}
			listenFlag(fs, &o.listen, "127.0.0.1:8080")
			fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow listening on an address that is not loopback")
			originFlag(fs, &o.origins)
			fs.BoolVar(&o.once, "once", false, "play the script once, then exit: status 0 if every expectation held, 1 if not")
			fs.BoolVar(&o.json, "json", false, "print the timeline as JSON, one event per line")
			fs.StringVar(&o.color, "color", "auto", "colour the timeline: auto (on a terminal), always or never")
			timeScaleFlag(fs, &o.timeScale)
			durationFlag(fs, &o.expectTimeout, "expect-timeout", scenario.DefaultTimeout, false, "how long an expect step waits when the script gives no timeout: a positive `duration`")
			return o.run
		},
	})
}

type serveOptions struct {
	listen        string
	allowRemote   bool
	origins       []string
	once          bool
	json          bool
	color         string
	timeScale     float64
	expectTimeout time.Duration
}

func (o *serveOptions) run(ctx context.Context, env Env, args []string) int {
	if len(args) > 1 {
		return fail(env, "serve", ExitInvalid, fmt.Errorf("unexpected argument %q: serve plays one script", args[1]))
	}
	var color bool
	switch o.color {
	case "auto":
		color = env.Terminal && env.getenv("NO_COLOR") == "" && !o.json
	case "always":
		color = true
	case "never":
	default:
		return fail(env, "serve", ExitInvalid, fmt.Errorf("--color %q: want auto, always or never", o.color))
	}
	if o.timeScale < 0 {
		return fail(env, "serve", ExitInvalid, fmt.Errorf("--time-scale %g is negative", o.timeScale))
	}
	var s *scenario.Script
	var err error
	if len(args) == 1 {
		s, _, err = loadScript(ctx, env, args[0])
	} else {
		s, err = DefaultScript()
	}
	if err != nil {
		return fail(env, "serve", ExitInvalid, err)
	}

	p := &printer{w: env.Stdout, json: o.json, color: color, start: time.Now()}
	var refusedOrigins atomic.Int64
	srv := wstest.NewServer(nil, wstest.CheckOrigin(originCheck(o.origins, func(r *http.Request, origin, hint string) {
		refusedOrigins.Add(1)
		p.refusedOrigin(r, origin, hint)
	})))
	defer srv.Close()
	var url string
	if o.allowRemote {
		url, err = srv.ListenRemote(o.listen)
	} else {
		url, err = srv.Listen(o.listen)
	}
	switch {
	case errors.Is(err, wstest.ErrNotLoopback):
		return fail(env, "serve", ExitInvalid, fmt.Errorf("refusing to listen on %s: not a loopback address (--allow-remote lets anyone who can reach it connect)", o.listen))
	case err != nil:
		return fail(env, "serve", ExitFailed, errors.New(strings.TrimPrefix(err.Error(), "wstest: Server.Listen: ")))
	}

	p.listening(url, s, o.once)
	opts := []scenario.Option{
		scenario.OnProgress(p.progress),
		scenario.TimeScale(o.timeScale),
		scenario.ExpectTimeout(o.expectTimeout),
	}
	sum := summary{Answers: map[string]int{}, Ends: map[string]int{}, Complete: true}
	for pass := 1; ; pass++ {
		p.newPass(pass)
		rep, _ := scenario.Run(ctx, srv, s, opts...)
		sum.add(rep)
		if o.once || ctx.Err() != nil {
			break
		}
		if rep.Err != nil {
			// Not stopped, yet the run could not go on.
			p.note("the run stopped: %v", rep.Err)
			break
		}
	}
	srv.Close() // ends what is still open, before the summary
	sum.OriginsRefused = int(refusedOrigins.Load())
	sum.OK = len(sum.Mismatches) == 0 && (sum.Complete || !o.once)
	p.summary(sum)
	if !sum.OK {
		return ExitFailed
	}
	return ExitOK
}

// add counts a pass.
func (s *summary) add(rep *scenario.Report) {
	s.Passes++
	s.Attempts += len(rep.Attempts)
	for _, a := range rep.Attempts {
		answer := a.Answer
		if strings.HasPrefix(answer, "accepted") {
			answer = "accepted"
		}
		if strings.HasPrefix(answer, "hung") {
			answer = "hung"
		}
		s.Answers[answer]++
		if a.End.Kind != wstest.NotEnded {
			kind := a.End.Kind.String()
			if a.End.Fault != "" {
				kind += " by a fault"
			}
			s.Ends[kind]++
		}
	}
	for _, m := range rep.Mismatches {
		prefix := ""
		if s.Passes > 1 {
			prefix = fmt.Sprintf("pass %d, ", s.Passes)
		}
		s.Mismatches = append(s.Mismatches, prefix+m.Error())
	}
	s.Complete = rep.Complete
}

func sortStrings(s []string) { slices.Sort(s) }
