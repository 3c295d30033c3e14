package main

import (
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wsdouble/wsdouble/clientcheck"
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

// serveHelp is serve's help, its flags aside.
var serveHelp = `Serve listens for WebSocket clients and answers their connection attempts as
the script says: the first attempt by the script's first attempt, and so on.
When the script is done it starts over, until Ctrl-C (or SIGTERM), which
prints a summary. With --once it plays the script once and exits: with
status 0 if every expectation of the script held, 1 if not. A script is
done when every attempt has been answered and its steps have run, and each
hung attempt has been given up by its client. --timeout bounds --once: when
it passes first, serve stops, says what the script was still waiting for
(which attempt, which step) and exits 1.

A step the client does not meet (the wrong message, none in time) ends its
attempt: the server closes the connection with 1008 and a reason naming the
step, and the script goes on with the next attempt.

Without a script it serves a built-in one, "flaky-echo": an echo server that
drops the connection after five messages, refuses the next attempt with 503,
and restarts with close 1012 after five more.

While it runs it prints a live timeline of attempts, answers, messages and
ends (in colour on a terminal; NO_COLOR turns it off). --json prints one
JSON object per line instead: {"event": "attempt" | "answer" | "step" |
"end" | "refused" | "summary" | ..., "at": seconds, "pass", "attempt", "n",
...}. --report FILE.html draws the run as one HTML page when serve stops
(Ctrl-C too; see wsdouble report, which draws the same page from --json
output).

--explore SEED plays, instead of a script, the schedule the explorer
draws from SEED (see go doc github.com/wsdouble/wsdouble/clientcheck):
up to four attempts refused, aborted, hung, late, or accepted then
dropped, reset, closed with a code, delayed, stalled or cut by a fault,
sent frames no server may send, then an attempt that accepts every further one. Its durations are those
of reconnecting-websocket's defaults (first retry 1 s, growing x1.3 up to
10 s, reset after 5 s up, a 4 s connect timeout). With a SCRIPT.json too,
the script's last attempt, which must accept, is the healthy session:
every accepted attempt plays its rules, and its steps before the
schedule's own. --print prints the script serve would play, as a file,
and exits: to see a schedule before a client meets it, or to keep it.

It listens on loopback only, unless --allow-remote.

` + originHelp("shown in the timeline; the script never sees it") + `

Examples:

  wsdouble serve                                   # the built-in flaky echo server
  wsdouble serve --listen 127.0.0.1:9000 reconnect.json
  wsdouble serve --origin 'https://*.example.com' feed.json   # pages of example.com too
  wsdouble serve --once --json ci/scenario.json > timeline.jsonl   # in CI
  wsdouble serve --once --timeout 10m soak.json    # a script that takes long
  wsdouble serve --once --report run.html ci/scenario.json   # and look at it
  wsdouble serve --explore 42 healthy.json         # a generated schedule
  wsdouble serve --explore 42 --print > s.json     # the same, as a file`

// serveFlags defines serve's flags on fs.
func serveFlags(fs *flag.FlagSet) runFunc {
	o := &serveOptions{}
	listenFlags(fs, &o.listenOptions)
	fs.BoolVar(&o.once, "once", false, "play the script once, then exit: status 0 if every expectation held, 1 if not")
	fs.DurationVar(&o.timeout, "timeout", DefaultOnceTimeout, "with --once: stop after `D` if the script is not done, say what it waits for, and exit 1 (0: no limit)")
	fs.BoolVar(&o.json, "json", false, "print the timeline as JSON, one event per line")
	fs.StringVar(&o.color, "color", "auto", "colour the timeline: auto (on a terminal), always or never")
	fs.StringVar(&o.report, "report", "", "when serve stops (Ctrl-C too), draw the run as a self-contained HTML page in `FILE.html`")
	timeScaleFlag(fs, &o.timeScale)
	durationFlag(fs, &o.expectTimeout, "expect-timeout", scenario.DefaultTimeout, false, "how long an expect step waits when the script gives no timeout: a positive `duration`")
	fs.Uint64Var(&o.explore, "explore", 0, "play the schedule the explorer draws from `SEED` (a SCRIPT.json gives its healthy session)")
	fs.BoolVar(&o.print, "print", false, "print the script serve would play, as a file, and exit")
	return func(ctx context.Context, env Env, args []string) int {
		o.timeoutGiven = given(fs, "timeout")
		o.exploreGiven = given(fs, "explore")
		return o.run(ctx, env, args)
	}
}

// DefaultOnceTimeout is how long serve --once plays before it gives up,
// unless --timeout says otherwise: long enough for a script with pauses,
// short enough that a CI job learns what hung before its own limit.
const DefaultOnceTimeout = 2 * time.Minute

type serveOptions struct {
	listenOptions
	once          bool
	timeout       time.Duration
	timeoutGiven  bool // --timeout was on the command line
	json          bool
	color         string
	report        string // --report: the page to draw, or ""
	timeScale     float64
	expectTimeout time.Duration
	explore       uint64 // --explore: the seed of the schedule to play
	exploreGiven  bool   // --explore was on the command line
	print         bool   // --print: print the script instead of serving it
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
	switch {
	case o.timeout < 0:
		return fail(env, "serve", ExitInvalid, fmt.Errorf("--timeout %v is negative (0 means no limit)", o.timeout))
	case o.timeoutGiven && !o.once:
		return fail(env, "serve", ExitInvalid, errors.New("--timeout bounds --once: without --once serve runs until Ctrl-C"))
	}
	s, code := o.script(ctx, env, args)
	if code != ExitOK {
		return code
	}
	if o.print {
		return printScript(env, s)
	}
	report, err := o.reportOutput()
	if err != nil {
		return fail(env, "serve", ExitInvalid, err)
	}

	p := &printer{w: env.Stdout, json: o.json, color: color, start: time.Now()}
	var refusedOrigins atomic.Int64
	// serve runs for days and meets clients that reconnect in a hot loop:
	// its attempt log keeps the first and the latest attempts, not all of
	// them (some 500 bytes each), which is all the reports read.
	srv := wstest.NewServer(nil, wstest.KeepAttempts(servedAttemptsKept), wstest.CheckOrigin(originCheck(o.origins, func(r *http.Request, origin, hint string) {
		refusedOrigins.Add(1)
		p.refusedOrigin(r, origin, hint)
	})))
	defer srv.Close()
	url, code, err := o.listenOn(srv)
	if err != nil {
		return fail(env, "serve", code, err)
	}

	p.listening(url, s, o.once)
	opts := []scenario.Option{
		scenario.OnProgress(p.progress),
		scenario.TimeScale(o.timeScale),
		scenario.ExpectTimeout(o.expectTimeout),
	}
	runCtx := ctx
	if o.once && o.timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	sum := summary{Answers: map[string]int{}, Ends: map[string]int{}, Complete: true}
	var passes drawnPasses
	for pass := 1; ; pass++ {
		p.newPass(pass)
		rep, _ := scenario.Run(runCtx, srv, s, opts...)
		sum.add(rep)
		if report != nil {
			passes.add(rep)
		}
		if runCtx.Err() != nil && ctx.Err() == nil {
			sum.Timeout = o.timeout.String()
		}
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
	sum.OK = len(sum.Mismatches)+sum.UnlistedMismatches == 0 && (sum.Complete || !o.once) && sum.Timeout == ""
	drew := ExitOK
	if report != nil {
		// Ctrl-C has ended the run, not the drawing of it.
		drew = passes.write(context.WithoutCancel(ctx), env, "serve", report)
	}
	p.summary(sum)
	if drew != ExitOK {
		return drew
	}
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
		// Passes go on for as long as serve runs: list a bounded number.
		if len(s.Mismatches) < scenario.MaxReportMismatches {
			s.Mismatches = append(s.Mismatches, prefix+m.Error())
		} else {
			s.UnlistedMismatches++
		}
	}
	s.UnlistedMismatches += rep.UnkeptMismatches
	s.Complete = rep.Complete
	s.Pending = s.Pending[:0]
	for _, p := range rep.Pending {
		s.Pending = append(s.Pending, p.String())
	}
}

// reportOutput is --report's file, nil without it.
func (o *serveOptions) reportOutput() (*output, error) {
	if o.report == "" {
		return nil, nil
	}
	if o.report == "-" {
		return nil, errors.New("--report - would mix the page with the timeline: name a file")
	}
	return openOutput(o.report)
}

// script returns the script serve plays: the file's, the built-in one, or
// the schedule --explore draws; or, when there is none, the exit code.
func (o *serveOptions) script(ctx context.Context, env Env, args []string) (*scenario.Script, int) {
	var s *scenario.Script
	var err error
	if len(args) == 1 {
		s, _, err = loadScript(ctx, env, args[0])
	} else {
		s, err = DefaultScript()
	}
	if err != nil {
		return nil, fail(env, "serve", readStatus(err), err)
	}
	if o.exploreGiven {
		if s, err = explored(o.explore, s, len(args) == 1); err != nil {
			return nil, fail(env, "serve", ExitInvalid, err)
		}
	}
	return s, ExitOK
}

// servedAttemptsKept is how many of the first, and at least how many of
// the latest, attempts serve's attempt log keeps (wstest.KeepAttempts): as
// many as a report draws.
const servedAttemptsKept = maxDrawnAttempts

// explorePolicy is the policy whose durations the schedules of --explore
// draw from: reconnecting-websocket's defaults, which most clients'
// are near.
var explorePolicy = clientcheck.Policy{
	Backoff:        wstest.Backoff{Min: time.Second, Max: 10 * time.Second, Factor: 1.3, ResetAfter: 5 * time.Second},
	ConnectTimeout: 4 * time.Second,
}

// explored returns the schedule the explorer draws from seed for a client
// over loopback, raw frames among its steps; with a script (given), the
// script's last attempt is the healthy session.
func explored(seed uint64, s *scenario.Script, given bool) (*scenario.Script, error) {
	h := clientcheck.Harness{Policy: explorePolicy}
	if given {
		last := s.Attempts[len(s.Attempts)-1]
		if _, ok := last.Answer.(scenario.Accept); !ok {
			return nil, fmt.Errorf("--explore: the script's last attempt is the healthy session: it must accept, not %s", answerName(last.Answer))
		}
		h.Healthy, h.Rules = last.Steps, last.Rules
	}
	return clientcheck.Generate(h, seed, clientcheck.Loopback()) // serve has a wire: raw frames too
}

// answerName names an answer, as the file format does.
func answerName(a scenario.Answer) string {
	switch a.(type) {
	case scenario.Refuse:
		return "refuse"
	case scenario.Hang:
		return "hang"
	case scenario.Abort:
		return "abort"
	}
	return "accept"
}

// printScript writes s to standard output, as a file (--print).
func printScript(env Env, s *scenario.Script) int {
	b, err := scenario.Marshal(s)
	if err != nil {
		return fail(env, "serve", ExitInvalid, err)
	}
	if _, err := env.Stdout.Write(b); err != nil {
		return fail(env, "serve", ExitFailed, err)
	}
	return ExitOK
}
