package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// reportHelp is report's help, its flags aside.
const reportHelp = `Report draws a run of serve as one HTML page, from the timeline serve --json
printed ("-" reads the standard input): a lane per connection attempt along
time, its answer, the messages each way (hover one for its payload, as far as
the timeline kept it), the expectations met and missed, faults, closes and
drops, and the gap before each attempt. Zoom with the buttons, +/-, or Ctrl
and the mouse wheel. The page needs nothing but itself: it opens from a CI
artifact on a machine with no network. serve --report FILE.html draws the
same page as serve runs.

Without --out the page is written beside the input, its extension replaced
by .html (run.jsonl gives run.html); "-" input is drawn to the standard
output. --out is written whole or not at all.

Examples:

  wsdouble serve --once --json ci/scenario.json > run.jsonl; wsdouble report run.jsonl
  wsdouble report --out artifacts/run.html run.jsonl`

// reportFlags defines report's flags on fs.
func reportFlags(fs *flag.FlagSet) runFunc {
	o := &reportOptions{}
	fs.StringVar(&o.out, "out", "", "`file` to write the page to (default: the input's name ending in .html; - for the standard output)")
	return o.run
}

type reportOptions struct {
	out string
}

// maxTimelineSize is what report reads at most.
const maxTimelineSize = 256 << 20

func (o *reportOptions) run(ctx context.Context, env Env, args []string) int {
	if !exactly(env, "report", args, 1, "FILE.jsonl") {
		return ExitInvalid
	}
	name := o.out
	if name == "" {
		name = "-"
		if args[0] != "-" {
			name = strings.TrimSuffix(args[0], extension(args[0])) + ".html"
		}
	}
	if name == args[0] && name != "-" {
		return fail(env, "report", ExitInvalid, fmt.Errorf("--out %s is the input", name))
	}
	out, err := openOutput(name)
	if err != nil {
		return fail(env, "report", ExitInvalid, err)
	}
	data, err := readNamed(ctx, env, args[0], maxTimelineSize, "timeline")
	if err != nil {
		return fail(env, "report", readStatus(err), err)
	}
	reports, err := readTimeline(data)
	if err != nil {
		return fail(env, "report", ExitInvalid, fmt.Errorf("%s: %w", displayName(args[0]), err))
	}
	var passes drawnPasses
	for _, r := range reports {
		passes.add(r)
	}
	return passes.write(ctx, env, "report", out)
}

// extension is the extension of a file name, ".jsonl", or "".
func extension(name string) string {
	i := strings.LastIndexAny(name, "./\\")
	if i <= 0 || name[i] != '.' {
		return ""
	}
	return name[i:]
}

// drawnPasses are the reports of the passes a page draws: the first ones,
// up to maxDrawnAttempts attempts and scenario.MaxReportEntries entries in
// all (the first pass whatever its size: a report is bounded), so that a
// serve that runs for days keeps a bounded drawing. Later passes are only
// counted.
type drawnPasses struct {
	reports           []*scenario.Report
	attempts, entries int
	// left counts the passes not drawn, and leftAttempts their attempts.
	left, leftAttempts int
}

// maxDrawnAttempts bounds the attempts a page draws over all its passes.
const maxDrawnAttempts = 10000

func (d *drawnPasses) add(r *scenario.Report) {
	entries := 0
	for _, a := range r.Attempts {
		entries += len(a.Entries)
	}
	if len(d.reports) > 0 && (d.left > 0 || d.attempts+len(r.Attempts) > maxDrawnAttempts || d.entries+entries > scenario.MaxReportEntries) {
		d.left++
		d.leftAttempts += len(r.Attempts)
		return
	}
	d.reports = append(d.reports, r)
	d.attempts += len(r.Attempts)
	d.entries += entries
}

// write draws the passes to out and says so on the standard error.
func (d *drawnPasses) write(ctx context.Context, env Env, cmd string, out *output) int {
	if len(d.reports) == 0 {
		return fail(env, cmd, ExitInvalid, fmt.Errorf("nothing to draw: no pass of a script (%s)", out.unchanged()))
	}
	var b bytes.Buffer
	if err := scenario.WriteHTML(&b, d.reports...); err != nil {
		return fail(env, cmd, ExitFailed, err)
	}
	if err := out.write(ctx, env, b.Bytes()); err != nil {
		return fail(env, cmd, ExitFailed, fmt.Errorf("writing %s: %w (%s)", out.display(), err, out.unchanged()))
	}
	if out.kind != outStdout {
		fmt.Fprintf(env.Stderr, "wsdouble %s: drew %s, %s, in %s\n", cmd,
			plural(len(d.reports), "pass", "passes"), plural(d.attempts, "attempt", "attempts"), out.name)
	}
	if d.left > 0 {
		fmt.Fprintf(env.Stderr, "wsdouble %s: %s after those (%s) not drawn: a page draws at most %d attempts and %d entries\n", cmd,
			plural(d.left, "pass", "passes"), plural(d.leftAttempts, "attempt", "attempts"), maxDrawnAttempts, scenario.MaxReportEntries)
	}
	return ExitOK
}

// timelineReader rebuilds the reports of serve's passes from its --json
// lines (printer.go).
type timelineReader struct {
	script  string
	reports []*scenario.Report
	// attempts maps a pass's attempt numbers (n) to their index in its
	// report.
	attempts []map[int]int
	summary  *summary
}

// readTimeline reads serve --json output: one report per pass.
func readTimeline(data []byte) ([]*scenario.Report, error) {
	tr := &timelineReader{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20) // a line holds at most a payload's kept start, a summary its mismatches
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var ev jsonEvent
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			return nil, fmt.Errorf("line %d: %w (want serve --json output)", line, err)
		}
		if err := tr.event(ev); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	tr.finish()
	return tr.reports, nil
}

// seconds is serve's "at", seconds since it started.
func seconds(s float64) time.Duration { return time.Duration(math.Round(s * 1e9)) }

// serveStart is the time serve started, for the reports' Start: their
// times are offsets anyway.
var serveStart = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// pass returns the report of pass n, making it (and those before it).
func (tr *timelineReader) pass(n int, at time.Duration) (*scenario.Report, error) {
	if n < 1 || n > len(tr.reports)+1 {
		return nil, fmt.Errorf("pass %d comes after pass %d", n, len(tr.reports))
	}
	if n > len(tr.reports) {
		if n == 1 {
			at = 0 // the first pass starts with serve
		}
		tr.reports = append(tr.reports, &scenario.Report{Script: tr.script, Start: serveStart.Add(at), Complete: true})
		tr.attempts = append(tr.attempts, map[int]int{})
	}
	return tr.reports[n-1], nil
}

func (tr *timelineReader) event(ev jsonEvent) error {
	switch ev.Event {
	case "listening":
		tr.script = ev.Script
		return nil
	case "summary":
		tr.summary = ev.Summary
		return nil
	case "refused", "note":
		return nil // not a script's attempt; a remark
	}
	at := seconds(ev.At)
	r, err := tr.pass(max(ev.Pass, 1), at)
	if err != nil || ev.Event == "pass" {
		return err
	}
	at -= r.Start.Sub(serveStart)
	if ev.Event == string(scenario.AttemptArrived) {
		tr.attempts[len(tr.reports)-1][ev.N] = len(r.Attempts)
		r.Attempts = append(r.Attempts, scenario.AttemptReport{Attempt: ev.Attempt, N: ev.N, Label: ev.Label, At: at})
		return nil
	}
	i, ok := tr.attempts[max(ev.Pass, 1)-1][ev.N]
	if !ok {
		return fmt.Errorf("%s event of attempt #%d, which never arrived", ev.Event, ev.N)
	}
	a := &r.Attempts[i]
	switch scenario.ProgressKind(ev.Event) {
	case scenario.AttemptAnswered:
		a.Answer, a.AnsweredAt, a.Outcome = ev.Answer, at, outcomeOf(ev.Answer)
	case scenario.StepDone:
		step(r, a, entryOf(ev, at))
	case scenario.ConnectionEnded:
		a.End, a.EndAt = endOf(ev.End, r.Start.Add(at)), at
		if ev.End != nil && ev.End.Kind == "abandoned" {
			a.Outcome = wstest.Abandoned
		}
	}
	return nil
}

// step adds an entry to attempt a of r, and its mismatch, if it is one.
func step(r *scenario.Report, a *scenario.AttemptReport, e scenario.Entry) {
	a.Entries = append(a.Entries, e)
	if e.Err != nil && !e.Stopped && e.Kind != scenario.MessageEchoed {
		r.Mismatches = append(r.Mismatches, scenario.Mismatch{Attempt: a.Attempt, Step: e.Step, N: a.N, Label: a.Label,
			Want: wantOf(e), Got: strings.TrimPrefix(e.Err.Error(), "got ")})
	}
}

// finish marks the last pass as the summary says it went: stopped before
// the script was complete, or cut short with no summary at all.
func (tr *timelineReader) finish() {
	if len(tr.reports) == 0 {
		return
	}
	last := tr.reports[len(tr.reports)-1]
	switch s := tr.summary; {
	case s == nil:
		last.Complete, last.Err = false, errors.New("the timeline ends here, with no summary: serve was stopped before it could print one")
	case !s.Complete || s.Timeout != "":
		why := "the run ended before the script was complete"
		if s.Timeout != "" {
			why = "--timeout " + s.Timeout + " passed before the script was done"
		}
		if len(s.Pending) > 0 {
			why += "; it was still waiting for: " + strings.Join(s.Pending, "; ")
		}
		last.Complete, last.Err = false, errors.New(why)
	}
}

// outcomeOf is the outcome of an answer serve printed: "accepted v1",
// "refused 503", "aborted", "hung".
func outcomeOf(answer string) wstest.Outcome {
	word, _, _ := strings.Cut(answer, " ")
	switch word {
	case "accepted":
		return wstest.Accepted
	case "refused":
		return wstest.Refused
	case "aborted":
		return wstest.Aborted
	}
	return wstest.Pending
}

// entryOf is the report entry of a step event.
func entryOf(ev jsonEvent, at time.Duration) scenario.Entry {
	e := scenario.Entry{At: at, Step: ev.Step, Action: ev.Action, Detail: ev.Detail, Stopped: ev.Stopped}
	if ev.Error != "" {
		e.Err = errors.New(ev.Error)
	}
	if m := ev.Message; m != nil {
		msg := wsdouble.Binary(m.Binary)
		if m.Type == "text" {
			msg = wsdouble.Text(m.Text)
		}
		e.Message, e.Size = &msg, m.Size
	}
	switch ev.Action {
	case "send":
		e.Kind = scenario.MessageSent
	case "expect":
		e.Kind = scenario.MessageExpected
	case "expect_close":
		e.Kind = scenario.EndExpected
	case "extra":
		e.Kind = scenario.MessageExtra
	case "mismatch":
		e.Kind = scenario.AfterMismatch
	case "echo":
		if e.Message != nil {
			e.Kind = scenario.MessageEchoed
		}
	}
	return e
}

// wantOf is what a step that failed wanted, as the player's mismatch says
// it.
func wantOf(e scenario.Entry) string {
	switch e.Kind {
	case scenario.MessageExpected:
		return e.Detail
	case scenario.EndExpected:
		return strings.TrimPrefix(e.Detail, "expect ")
	case scenario.MessageSent:
		return "to send " + e.MessageString()
	}
	return "to " + e.Detail
}

// maxEndKinds bounds the search for an end's kind by its name.
const maxEndKinds = 64

// endOf is the end serve printed, at t.
func endOf(j *jsonEnd, t time.Time) wstest.End {
	if j == nil {
		return wstest.End{}
	}
	end := wstest.End{Code: j.Code, Reason: j.Reason, Clean: j.Clean, Fault: j.Fault, Time: t}
	for k := range wstest.EndKind(maxEndKinds) {
		if k.String() == j.Kind {
			end.Kind = k
			return end
		}
	}
	return wstest.End{} // "abandoned": an attempt the client gave up
}
