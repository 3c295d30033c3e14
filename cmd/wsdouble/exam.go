package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// examHelp is exam's help, its flags aside.
const examHelp = `Exam puts a reconnecting WebSocket client, in any language, through the
client checker's battery (go doc github.com/wsdouble/wsdouble/clientcheck):
refusals, hung handshakes, drops at every point, resets, half-open
connections, close codes, invalid frames, withheld heartbeats, outages,
stops in every state. Each case gets a server of its own on 127.0.0.1 and
a client of its own: the command line after --, with {url} replaced by the
case server's ws:// URL and {scale} by --scale. The case plays on real time;
then exam stops the client as Ctrl-C does (SIGINT), and kills it if it has
not exited within --stop-timeout. Cases run --parallel at once (4 unless
told; 1 runs them one after the other): they mostly wait, so the battery
takes about that many times less, but each runs on real time beside the
others, and a busy machine (other tests, clients slow to start) may make
a client late: give it a larger --tolerance there.

The flags say what the client claims: its backoff (the k-th retry in a row
waits --min-delay × --factor^(k-1), capped at --max-delay, and a connection
up --reset-after starts the count over), when it gives up, how long it
waits for a handshake answer, how soon it notices a dead connection. Cases
that need what the client does not claim are skipped (no --keepalive: the
half-open cases). Durations are the client's own, multiplied by --scale: a
client started with {scale} runs its timers that much faster, and the
battery with it. --tolerance is the slack real time needs, not scaled.

--healthy names a scenario file whose one attempt says what a healthy
session is: its steps play first on every connection the server accepts
(an expect of the message the client subscribes with), its rules answer
what the client sends while connected (its heartbeats). Without it, an open
connection is healthy. For example:

  {"version": 1, "attempts": [{"accept": {},
    "steps": [{"expect": {"json": {"op": "subscribe"}, "timeout": "2s"}}],
    "rules": [{"on": {"json": {"op": "ping"}}, "reply": {"json": {"op": "pong"}}}]}]}

It prints a line per case (PASS, FAIL, SKIP and why) in the battery's
order, as soon as the case and those before it have ended, then each
failure in full, with the client's output (its last 8 KiB), and exits 0 if
every case passed or was skipped, 1 if one failed (naming them), 2 on bad
usage. Ctrl-C stops it and every client it runs, kills them at once, and
shows the cases it cut short as STOP. --list prints the cases.

Examples:

  wsdouble exam --min-delay 1s --max-delay 30s --keepalive 15s --scale 0.01 -- node client.js {url} {scale}
  wsdouble exam --healthy healthy.json --give-up-status 401,403 -- ./client --server {url}
  wsdouble exam --only 'refuse/*,close/1012' -- python client.py {url}
  wsdouble exam --parallel 8 --tolerance 500ms --scale 0.1 -- java -jar client.jar {url} {scale}
  wsdouble exam --list`

// examFlags defines exam's flags on fs.
func examFlags(fs *flag.FlagSet) runFunc {
	o := &examOptions{factor: 1}
	durationFlag(fs, &o.min, "min-delay", time.Second, true, "the delay before the first retry in a row (`D`)")
	durationFlag(fs, &o.max, "max-delay", 0, true, "the longest delay (`D`; 0: no cap)")
	fs.Float64Var(&o.factor, "factor", 2, "the growth of the delay from one retry to the next (at least 1)")
	fs.Float64Var(&o.jitter, "jitter", 0, "how far a delay may stray, as a fraction of it (0 to 1)")
	durationFlag(fs, &o.resetAfter, "reset-after", 0, true, "how long a connection must stay up for the retry count to start over (`D`; 0: any connection)")
	durationFlag(fs, &o.tolerance, "tolerance", 100*time.Millisecond, true, "slack on every timing, for a real clock (`D`, not scaled)")
	fs.IntVar(&o.maxRetries, "max-retries", 0, "retries in a row before the client gives up (0: never)")
	fs.Var(&intList{&o.giveUpStatuses}, "give-up-status", "handshake `statuses` after which the client gives up (401,403)")
	fs.Var(&intList{&o.giveUpCodes}, "give-up-code", "close `codes` after which the client gives up (4001)")
	durationFlag(fs, &o.connectTimeout, "connect-timeout", 0, true, "how long the client waits for a handshake answer (`D`; 0: as long as the server)")
	durationFlag(fs, &o.keepalive, "keepalive", 0, true, "the longest a dead connection goes unnoticed (`D`; 0: never noticed)")
	fs.BoolVar(&o.pings, "pings", false, "the client's keepalive pings at the protocol level")
	fs.Var(&stringList{&o.protocols}, "protocol", "the `subprotocols` the client offers (v1,v2)")
	fs.BoolVar(&o.retryAfter, "retry-after", false, "the client honours the Retry-After of a refusal")
	fs.StringVar(&o.healthy, "healthy", "", "a scenario `FILE.json` whose one attempt is a healthy session (see above)")
	fs.Var(scaleValue{&o.scale}, "scale", "multiply the client's durations by `f` ({scale} tells the client)")
	o.scale = 1
	fs.Var(&stringList{&o.only}, "only", "run only the cases these `patterns` match (refuse/*,close/1012)")
	fs.Var(&stringList{&o.skip}, "skip", "leave out the cases these `patterns` match")
	durationFlag(fs, &o.stopTimeout, "stop-timeout", 10*time.Second, false, "how long the client may take to exit once interrupted, before it is killed (`D`)")
	durationFlag(fs, &o.caseTimeout, "case-timeout", 2*time.Minute, false, "the longest a case may play before its client is stopped (`D`): for a client that neither comes back nor goes quiet")
	fs.IntVar(&o.parallel, "parallel", defaultParallel, "run up to `N` cases at once (1: one after the other)")
	fs.BoolVar(&o.list, "list", false, "print the cases and exit")
	return o.run
}

type examOptions struct {
	min, max, resetAfter, tolerance time.Duration
	factor, jitter                  float64
	maxRetries                      int
	giveUpStatuses, giveUpCodes     []int
	connectTimeout, keepalive       time.Duration
	pings, retryAfter               bool
	protocols                       []string
	healthy                         string
	scale                           float64
	only, skip                      []string
	stopTimeout, caseTimeout        time.Duration
	parallel                        int
	list                            bool
}

func (o *examOptions) run(ctx context.Context, env Env, args []string) int {
	if o.list {
		return listCases(env)
	}
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "wsdouble exam: missing the client's command line after -- (see wsdouble exam --help)")
		return ExitInvalid
	}
	if _, err := exec.LookPath(args[0]); err != nil {
		return fail(env, "exam", ExitInvalid, fmt.Errorf("the client's command: %w", err))
	}
	h, err := o.harness(ctx, env, args)
	if err != nil {
		return fail(env, "exam", ExitInvalid, err)
	}
	opts := []clientcheck.Option{clientcheck.Loopback(), clientcheck.StopTimeout(o.stopTimeout)}
	if len(o.only) > 0 {
		opts = append(opts, clientcheck.Only(o.only...))
	}
	if len(o.skip) > 0 {
		opts = append(opts, clientcheck.Skip(o.skip...))
	}
	cases, err := clientcheck.Select(opts...)
	if err != nil {
		return fail(env, "exam", ExitInvalid, err)
	}
	fmt.Fprintf(env.Stdout, "wsdouble exam: %s: %d cases over loopback, %d at a time, durations ×%g\n", strings.Join(args, " "), len(cases), min(o.parallel, len(cases)), o.scale)
	return examSummary(ctx, env, o.runCases(ctx, env.Stdout, cases, h, opts))
}

// examSummary prints the counts and each failure, in the battery's order,
// and returns the exit code.
func examSummary(ctx context.Context, env Env, results []*examResult) int {
	var count [examInterrupted + 1]int
	var failed []*examResult
	for _, r := range results {
		count[r.verdict]++
		if r.verdict == examFailed {
			failed = append(failed, r)
		}
	}
	fmt.Fprintf(env.Stdout, "%d passed, %d failed, %d skipped", count[examPassed], count[examFailed], count[examSkipped])
	if n := count[examInterrupted]; n > 0 {
		fmt.Fprintf(env.Stdout, ", %d interrupted", n)
	}
	fmt.Fprintln(env.Stdout)
	var names []string
	for _, f := range failed {
		names = append(names, f.res.Case.Name)
		fmt.Fprintf(env.Stdout, "\n%v\n", f.res.Err)
		if f.exit != "" {
			fmt.Fprintf(env.Stdout, "  the client %s\n", f.exit)
		}
		if f.output == "" {
			fmt.Fprintln(env.Stdout, "  the client printed nothing")
			continue
		}
		fmt.Fprintf(env.Stdout, "  the client's output:\n%s\n", indentLines(f.output, "    "))
	}
	switch {
	case ctx.Err() != nil:
		return fail(env, "exam", ExitFailed, errors.New("interrupted"))
	case len(failed) > 0:
		return fail(env, "exam", ExitFailed, fmt.Errorf("%s failed: %s", plural(len(failed), "case", "cases"), strings.Join(names, ", ")))
	}
	return ExitOK
}

// indentLines puts prefix before every line of s.
func indentLines(s, prefix string) string {
	return prefix + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+prefix)
}

// listCases prints the battery: each case's name, what the server does
// and what the client must do.
func listCases(env Env) int {
	w := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	for _, c := range clientcheck.Cases() {
		fmt.Fprintf(w, "%s\t%s; want: %s\n", c.Name, c.Doc, c.Expect)
	}
	w.Flush()
	return ExitOK
}

// examHarness is the harness of a client started from a command line.
type examHarness struct {
	harness clientcheck.Harness // its Start is each case's (forCase)
	client  process             // the command line, without output
}

// forCase returns the harness of one case and its client: a process of
// its own, whose output and exit are kept apart from those of the cases
// running beside it.
func (h examHarness) forCase() (clientcheck.Harness, *process) {
	p := h.client
	p.output, p.exit = &tail{}, &tail{}
	harness := h.harness
	harness.Start = p.start
	return harness, &p
}

// harness makes the harness the flags describe: the policy, scaled, and
// the healthy session of --healthy.
func (o *examOptions) harness(ctx context.Context, env Env, args []string) (examHarness, error) {
	switch {
	case o.parallel < 1:
		return examHarness{}, fmt.Errorf("--parallel %d: want 1 or more", o.parallel)
	case o.factor < 1 || math.IsNaN(o.factor) || math.IsInf(o.factor, 0):
		return examHarness{}, fmt.Errorf("--factor %v: want a number of at least 1", o.factor)
	case o.jitter < 0 || o.jitter > 1 || math.IsNaN(o.jitter):
		return examHarness{}, fmt.Errorf("--jitter %v: want a number from 0 to 1", o.jitter)
	case o.maxRetries < 0:
		return examHarness{}, fmt.Errorf("--max-retries %d: want 0 or more", o.maxRetries)
	}
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) * o.scale) }
	h := clientcheck.Harness{
		Name: args[0],
		Policy: clientcheck.Policy{
			Backoff: wstest.Backoff{Min: scaled(o.min), Max: scaled(o.max), Factor: o.factor, Jitter: o.jitter,
				ResetAfter: scaled(o.resetAfter), Tolerance: o.tolerance},
			MaxRetries:     o.maxRetries,
			GiveUpStatuses: o.giveUpStatuses,
			GiveUpCodes:    o.giveUpCodes,
			ConnectTimeout: scaled(o.connectTimeout),
			Keepalive:      scaled(o.keepalive),
			Pings:          o.pings,
			Protocols:      o.protocols,
			RetryAfter:     o.retryAfter,
		},
	}
	if o.healthy != "" {
		s, _, err := loadScript(ctx, env, o.healthy)
		if err != nil {
			return examHarness{}, err
		}
		a := s.Attempts[0]
		if _, ok := a.Answer.(scenario.Accept); !ok || len(s.Attempts) != 1 {
			return examHarness{}, fmt.Errorf("--healthy %s: want one accepted attempt: its steps and rules are the healthy session", displayName(o.healthy))
		}
		h.Healthy, h.Rules = a.Steps, a.Rules
	}
	p := process{args: args, scale: strconv.FormatFloat(o.scale, 'g', -1, 64), interrupted: ctx}
	return examHarness{harness: h, client: p}, nil
}

// process starts the client of a case: the command line, {url} and
// {scale} replaced. Each case has a process of its own (forCase).
type process struct {
	args        []string
	scale       string
	output      *tail
	exit        *tail
	interrupted context.Context // exam's: once done, a client is killed at once
}

func (p *process) start(_ context.Context, t clientcheck.Target) (func(context.Context) error, error) {
	r := strings.NewReplacer("{url}", t.URL, "{scale}", p.scale)
	args := make([]string, len(p.args))
	for i, a := range p.args {
		args[i] = r.Replace(a)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = p.output, p.output
	p.exit.reset()
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	var stopping sync.Mutex // held while stop runs: an exit then is the stop's
	asked := false
	go func() {
		defer close(done)
		err := cmd.Wait()
		stopping.Lock()
		defer stopping.Unlock()
		if !asked {
			fmt.Fprintf(p.exit, "exited by itself %s after it started: %v", timeline.Duration(time.Since(began).Round(time.Millisecond)), exitText(err))
		}
	}()
	return func(ctx context.Context) error {
		stopping.Lock()
		asked = true
		stopping.Unlock()
		if p.interrupted.Err() != nil || cmd.Process.Signal(os.Interrupt) != nil {
			cmd.Process.Kill() // Ctrl-C, or no interrupt on this system
		}
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			cmd.Process.Kill()
			<-done
			return fmt.Errorf("the client had not exited %s after it was interrupted: killed", timeline.Duration(time.Since(began)))
		}
	}, nil
}

// exitText says how a process ended.
func exitText(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// tailSize is how much of a client's output exam keeps: its end.
const tailSize = 8 << 10

// tail keeps the last tailSize bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
	cut bool // bytes were dropped from the front
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - tailSize; over > 0 {
		t.buf = slices.Clone(t.buf[over:])
		t.cut = true
	}
	return len(p), nil
}

func (t *tail) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf, t.cut = nil, false
}

func (t *tail) text() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cut {
		return "…" + string(t.buf)
	}
	return string(t.buf)
}

var _ io.Writer = (*tail)(nil)

// intList is a flag of comma-separated integers, which may be repeated.
type intList struct{ p *[]int }

func (v *intList) String() string {
	if v.p == nil {
		return ""
	}
	s := make([]string, len(*v.p))
	for i, n := range *v.p {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func (v *intList) Set(s string) error {
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			return fmt.Errorf("%q is not a number", f)
		}
		*v.p = append(*v.p, n)
	}
	return nil
}

// stringList is a flag of comma-separated words, which may be repeated.
type stringList struct{ p *[]string }

func (v *stringList) String() string {
	if v.p == nil {
		return ""
	}
	return strings.Join(*v.p, ",")
}

func (v *stringList) Set(s string) error {
	for f := range strings.SplitSeq(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			*v.p = append(*v.p, f)
		}
	}
	return nil
}
