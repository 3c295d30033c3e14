package scenario

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/wstest"
)

// Option changes how Run and Play play a script.
type Option interface {
	apply(*runConfig)
}

type runConfig struct {
	scale    float64
	timeout  time.Duration
	progress func(Progress)
}

type optionFunc func(*runConfig)

func (f optionFunc) apply(c *runConfig) { f(c) }

// TimeScale multiplies every After, Wait and Down of the script, the delays
// of its rules, and the durations of its faults (latency, jitter, slicer
// gaps, slow close, drop after), by f, and divides bandwidths by it: 0 plays
// a recording without its pauses, 0.1 ten times faster. Timeouts are not
// scaled. Under testing/synctest pauses cost no wall time anyway.
func TimeScale(f float64) Option {
	return optionFunc(func(c *runConfig) { c.scale = max(f, 0) })
}

// ExpectTimeout sets the timeout of Expect and ExpectClose steps that give
// none (see DefaultTimeout).
func ExpectTimeout(d time.Duration) Option {
	return optionFunc(func(c *runConfig) { c.timeout = d })
}

// Run plays s against acc: it takes attempts from acc in order, answers each
// as the script says, and runs its steps on the accepted connection, while
// later attempts are answered. It returns when every scripted attempt has
// been answered, its steps are done and each hung attempt has been given up
// by its client (for a script whose last attempt repeats: when ctx is done or
// acc is closed). When ctx is done first, Run stops, and the report's
// Pending says what it was still waiting for.
//
// A step the client does not meet (an Expect that gets the wrong message
// or none in time, an ExpectClose that sees another end or none) ends its
// attempt: the remaining steps are not played and the server closes the
// connection with MismatchCloseCode and a reason naming the step (see the
// package documentation, "Mismatches").
//
// acc may be a wstest.FakeDialer, or a wstest.Server reached in memory or
// over loopback: the same script gives the same report on each, but for
// times. The report is never nil; the error is nil when the report is OK,
// and otherwise prints the whole report.
func Run(ctx context.Context, acc wstest.Acceptor, s *Script, opts ...Option) (*Report, error) {
	cfg := runConfig{scale: 1, timeout: DefaultTimeout}
	for _, o := range opts {
		if o != nil {
			o.apply(&cfg)
		}
	}
	rep := &Report{Script: s.Name, Start: time.Now()}
	if err := s.Validate(); err != nil {
		rep.Err = fmt.Errorf("invalid script: %w", err)
		return rep, rep.Error()
	}
	r := &runner{acc: acc, cfg: cfg, rep: rep, start: rep.Start, live: newLive(cfg.progress), clients: clientAttempts{id: s.Client}}
	defer r.live.stop()
	r.play(ctx, s)
	return rep, rep.Error()
}

type runner struct {
	acc   wstest.Acceptor
	cfg   runConfig
	start time.Time
	wg    sync.WaitGroup
	live  *live

	clients clientAttempts

	mu      sync.Mutex // guards rep, kept, conns and gathers
	rep     *Report
	kept    int // entries kept in rep, at most MaxReportEntries
	conns   []openConn
	gathers map[gatherKey]*gathering
}

func (r *runner) now() time.Duration { return time.Since(r.start) }

func (r *runner) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) * r.cfg.scale)
}

// cursor is where a run is in its script: the script's attempt that
// answers the next attempt, and how many attempts it has answered.
type cursor struct {
	s          *Script
	idx, taken int
}

// next moves on after an attempt was answered, and reports whether the
// script has more to answer.
func (c *cursor) next() bool {
	c.taken++
	as := c.s.Attempts[c.idx]
	switch {
	case c.taken < as.clientsOf() || as.Repeat:
		return true
	case c.idx < len(c.s.Attempts)-1:
		c.idx, c.taken = c.idx+1, 0
		return true
	}
	return false
}

// group is the batch of connections the next attempt belongs to.
func (c *cursor) group() group {
	n := c.s.Attempts[c.idx].clientsOf()
	return group{attempt: c.idx, batch: c.taken / n, clients: n}
}

func (r *runner) play(ctx context.Context, s *Script) {
	last := len(s.Attempts) - 1
	cur := cursor{s: s}
	for i := 0; ; i++ {
		idx := cur.idx
		as := s.Attempts[idx]
		a, err := r.acc.NextAttempt(ctx)
		if err != nil {
			if idx == last && as.Repeat && (ctx.Err() != nil || errors.Is(err, wstest.ErrClosed)) {
				r.rep.Complete = true // a repeating script ends when stopped
			} else {
				r.rep.Err = fmt.Errorf("attempt %d never came: %w", i+1, err)
				r.pending(Pending{Attempt: idx + 1, What: "its connection attempt never came"})
			}
			break
		}
		client, cn := r.clients.next(a.Request())
		ar := r.addAttempt(AttemptReport{Attempt: idx + 1, N: a.N(), Client: client, ClientAttempt: cn, Label: as.Label, At: a.Time().Sub(r.start)})
		r.live.report(Progress{Kind: AttemptArrived, At: a.Time().Sub(r.start), Attempt: idx + 1, N: a.N(), Client: client, ClientAttempt: cn, Label: as.Label})
		if err := sleep(ctx, r.scaled(as.After)); err != nil {
			r.rep.Err = fmt.Errorf("attempt %d: stopped before its answer: %w", i+1, err)
			r.pending(Pending{Attempt: idx + 1, N: a.N(), What: "waiting " + timeline.Duration(r.scaled(as.After)) + " before its answer"})
			break
		}
		r.answer(ctx, a, as, ar, cur.group())
		if !cur.next() {
			r.rep.Complete = true
			break
		}
	}
	r.wg.Wait()
	r.settle(ctx)
}

// addAttempt appends an attempt report and returns its index.
func (r *runner) addAttempt(ar AttemptReport) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.Attempts = append(r.rep.Attempts, ar)
	return len(r.rep.Attempts) - 1
}

func (r *runner) update(ar int, f func(*AttemptReport)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&r.rep.Attempts[ar])
}

func (r *runner) mismatch(ar, step int, label, want, got string) Mismatch {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.rep.Attempts[ar]
	m := Mismatch{Attempt: a.Attempt, Step: step, N: a.N, Label: label, Want: want, Got: got}
	if len(r.rep.Mismatches) < MaxReportMismatches {
		r.rep.Mismatches = append(r.rep.Mismatches, m)
	} else {
		r.rep.UnkeptMismatches++
	}
	return m
}

// pending notes something the run was still waiting for when it stopped.
func (r *runner) pending(p Pending) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rep.Pending = append(r.rep.Pending, p)
}

func (r *runner) answer(ctx context.Context, a wstest.Attempt, as Attempt, ar int, g group) {
	switch ans := as.Answer.(type) {
	case Refuse:
		err := a.Refuse(ans.Status, ans.Header, ans.Body)
		r.update(ar, func(x *AttemptReport) {
			x.Answer, x.AnsweredAt = fmt.Sprintf("refused %d", ans.Status), r.now()
		})
		r.answered(ar)
		if err != nil {
			r.mismatch(ar, 0, as.Label, fmt.Sprintf("to refuse with %d", ans.Status), err.Error())
		}
	case Hang:
		r.update(ar, func(x *AttemptReport) { x.Answer = "hung" })
		r.answered(ar)
		r.live.watch(r, ar, a.Done(), func() *wstest.End {
			return &wstest.End{} // a hung attempt ends when the client gives up
		})
		// The attempt hangs until the client gives up (or the acceptor
		// closes), and the run waits for it, as it waits for steps: on
		// every acceptor the client meets the same hang (see Hang).
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			select {
			case <-a.Done():
			case <-ctx.Done():
				select {
				case <-a.Done():
				default:
					r.pending(Pending{Attempt: r.attempt(ar).Attempt, N: a.N(), What: "hung: the client had not given up"})
				}
			}
		}()
	case Abort:
		err := a.Abort()
		r.update(ar, func(x *AttemptReport) { x.Answer, x.AnsweredAt = "aborted", r.now() })
		r.answered(ar)
		if err != nil {
			r.mismatch(ar, 0, as.Label, "to abort the handshake", err.Error())
		}
	case Accept:
		p, err := a.Accept(wstest.AcceptOptions{Subprotocol: ans.Subprotocol, Header: ans.Header, Extensions: ans.Extensions})
		r.update(ar, func(x *AttemptReport) {
			x.Answer, x.AnsweredAt = "accepted", r.now()
			if p != nil && p.Protocol() != "" {
				x.Answer += " " + p.Protocol()
			}
		})
		r.answered(ar)
		if err != nil {
			r.mismatch(ar, 0, as.Label, "to accept", err.Error())
			return
		}
		r.addConn(p, a.N())
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.steps(ctx, p, as, ar, g)
			// The end is reported after the steps, even one they caused.
			r.live.watch(r, ar, p.Done(), func() *wstest.End {
				end, _ := p.Wait(context.Background()) // done: returns at once
				return &end
			})
		}()
	}
}

// entry adds an entry to an attempt's timeline, as far as the report keeps
// entries (MaxReportEntries), and reports it as progress.
func (r *runner) entry(ar int, e Entry) {
	e.keep()
	var a AttemptReport
	r.mu.Lock()
	x := &r.rep.Attempts[ar]
	if r.kept < MaxReportEntries {
		x.Entries = append(x.Entries, e)
		r.kept++
	} else {
		x.Unkept.Entries++
		if e.Message != nil {
			x.Unkept.Messages++
			x.Unkept.Bytes += int64(e.Size)
		}
	}
	a = *x
	r.mu.Unlock()
	r.live.report(Progress{Kind: StepDone, At: e.At, Attempt: a.Attempt, N: a.N, Client: a.Client, ClientAttempt: a.ClientAttempt, Label: a.Label, Entry: &e})
}

// attempt returns a copy of an attempt's report.
func (r *runner) attempt(ar int) AttemptReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.rep.Attempts[ar]
}

// answered reports an attempt's answer as progress.
func (r *runner) answered(ar int) {
	a := r.attempt(ar)
	r.live.report(Progress{Kind: AttemptAnswered, At: r.now(), Attempt: a.Attempt, N: a.N, Client: a.Client, ClientAttempt: a.ClientAttempt, Label: a.Label, Answer: a.Answer})
}

// steps runs an accepted attempt's steps, and its rules beside them, then
// notes what the client sent that neither took. An attempt with rules
// lasts until its connection ends: the rules answer for as long as it is
// open.
func (r *runner) steps(ctx context.Context, p wstest.Peer, as Attempt, ar int, g group) {
	s := &stepRun{ctx: ctx, r: r, p: p, ar: ar, group: g}
	if len(as.Rules) > 0 {
		s.rules = startRules(ctx, r, ar, p, as.Rules)
	}
	stopped := r.playSteps(ctx, s, as, ar)
	if s.rules != nil {
		if !s.rules.finish(ctx) && !stopped {
			a := r.attempt(ar)
			r.pending(Pending{Attempt: a.Attempt, N: a.N, What: "its rules: the connection was still open"})
		}
		return
	}
	for {
		stopped, cancel := context.WithCancel(ctx)
		cancel()
		m, err := p.Receive(stopped)
		if err != nil {
			return
		}
		e := extraEntry(&m)
		e.At = r.now()
		r.entry(ar, e)
	}
}

// playSteps plays an attempt's steps, and reports whether the run was
// stopped while one ran.
func (r *runner) playSteps(ctx context.Context, s *stepRun, as Attempt, ar int) (stopped bool) {
	p := s.p
	for j, st := range as.Steps {
		s.label, s.m = st.Label, Mismatch{}
		s.e = Entry{Step: j + 1, Label: st.Label, Action: st.Action.Name()}
		res := st.Action.play(s)
		s.e.At = r.now()
		r.entry(ar, s.e)
		switch res {
		case stepNext:
			continue
		case stepFailed:
			r.endAfterMismatch(ctx, p, ar, s.m, len(as.Steps)-j-1)
		case stepStopped:
			a := r.attempt(ar)
			r.pending(Pending{Attempt: a.Attempt, N: a.N, Step: j + 1, What: s.e.what(plain)})
			return true
		}
		break
	}
	return false
}

// MismatchCloseCode is the close code with which the player ends a
// connection whose client did not meet a step: 1008, policy violation (RFC
// 6455 §7.4.1), the script being the server's policy. The reason names the
// attempt, the step and what it wanted, cut to the 123 bytes a close frame
// allows.
const MismatchCloseCode = wsdouble.ClosePolicyViolation

// endAfterMismatch ends an attempt whose step m was not met: the steps left
// are not played, and a connection still open is closed with
// MismatchCloseCode, so that the client sees at once where it went wrong
// (and a reconnecting client comes back for the next attempt) instead of
// waiting on a connection the script has given up on.
func (r *runner) endAfterMismatch(ctx context.Context, p wstest.Peer, ar int, m Mismatch, left int) {
	e := Entry{Kind: AfterMismatch, Action: "mismatch"}
	var parts []string
	select {
	case <-p.Done():
	default:
		reason := mismatchReason(m)
		if err := p.Close(MismatchCloseCode, reason); err == nil {
			parts = append(parts, closeText(MismatchCloseCode, reason))
		}
	}
	switch {
	case left == 1:
		parts = append(parts, fmt.Sprintf("step %d not played", m.Step+1))
	case left > 1:
		parts = append(parts, fmt.Sprintf("steps %d–%d not played", m.Step+1, m.Step+left))
	}
	if len(parts) == 0 {
		return // nothing left to do: the connection had ended with the step
	}
	e.Detail = "after the mismatch: " + strings.Join(parts, "; ")
	e.At = r.now()
	r.entry(ar, e)
	p.Wait(ctx) // the client answers, or the server's close timeout passes
}

// mismatchReason is the close reason for a mismatch, at most
// wsdouble.MaxReasonBytes long.
func mismatchReason(m Mismatch) string {
	s := fmt.Sprintf("wsdouble: attempt %d, step %d: want %s, got %s", m.Attempt, m.Step, m.Want, m.Got)
	if len(s) <= wsdouble.MaxReasonBytes {
		return s
	}
	const ellipsis = "…"
	cut := wsdouble.MaxReasonBytes - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

func (r *runner) timeout(d time.Duration) time.Duration {
	if d == 0 {
		return r.cfg.timeout
	}
	return d
}

// settle copies, from the acceptor's log, how each attempt ended.
func (r *runner) settle(ctx context.Context) {
	log := r.acc.Attempts()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.rep.Attempts {
		a := &r.rep.Attempts[i]
		// By number: an acceptor that forgets (wstest.KeepAttempts) keeps
		// the first attempts and the latest, with a gap between.
		j, found := slices.BinarySearchFunc(log, a.N, func(rec wstest.AttemptRecord, n int) int { return rec.N - n })
		if !found {
			continue // not an attempt of the log, or one it forgot
		}
		rec := log[j]
		a.Outcome = rec.Outcome
		switch {
		case rec.End.Kind != wstest.NotEnded:
			a.End, a.EndAt = rec.End, rec.End.Time.Sub(r.start)
		case rec.Outcome == wstest.Abandoned:
			// The time stays out of Answer, which Outline prints: the
			// end line has it.
			a.EndAt = rec.AnswerTime.Sub(r.start)
		}
	}
	// Pending things were noted by concurrent goroutines: put them in
	// the script's order.
	slices.SortStableFunc(r.rep.Pending, func(a, b Pending) int {
		if a.Attempt != b.Attempt {
			return a.Attempt - b.Attempt
		}
		return a.N - b.N
	})
	if !r.rep.Complete && r.rep.Err == nil {
		r.rep.Err = errIncomplete
	}
	_ = ctx
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Playback is a script being played in the background by Play.
type Playback struct {
	cancel context.CancelFunc
	done   chan struct{}
	report *Report
	err    error
	// handed is set once Wait or Stop has returned the run's error to
	// the caller, who then owns it: the cleanup does not report it again.
	handed atomic.Bool
	// t is Play's; drawing is what drawn says of the failed run's
	// drawing (draw.go).
	t        wstest.TB
	drawOnce sync.Once
	drawing  string
}

// Play plays s against acc in the background, and at cleanup stops it (a
// repeating script ends there) and reports, with t.Errorf and the whole
// timeline, any mismatch or any scripted attempt that never came, unless
// Wait or Stop has already returned that error to the test: each failure
// is reported once. Start the client under test after Play, or before:
// attempts wait for the player.
//
// When the test runs with go test -artifacts (and t has ArtifactDir, as
// *testing.T has), a failed run is drawn (see WriteHTML) into the test's
// artifact directory, and the failure, or the error Wait or Stop returns,
// names the file.
func Play(t wstest.TB, acc wstest.Acceptor, s *Script, opts ...Option) *Playback {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pb := &Playback{cancel: cancel, done: make(chan struct{}), t: t}
	go func() {
		defer close(pb.done)
		pb.report, pb.err = Run(ctx, acc, s, opts...)
	}()
	t.Cleanup(func() {
		t.Helper()
		pb.cancel()
		<-pb.done
		if pb.err != nil && !pb.handed.Load() {
			t.Errorf("scenario: %v%s", pb.err, pb.drawn())
		}
	})
	return pb
}

// Wait waits for the script to finish (a repeating one finishes only when
// stopped) and returns its report and error, as Run does; the caller then
// owns the error, and Play's cleanup does not report it again. If ctx is
// done first, it returns ctx's error and a nil report.
func (pb *Playback) Wait(ctx context.Context) (*Report, error) {
	select {
	case <-pb.done:
		return pb.result()
	case <-ctx.Done():
		return nil, fmt.Errorf("scenario: waiting for the script: %w", context.Cause(ctx))
	}
}

// Stop stops the script and returns its report and error, as Wait does.
func (pb *Playback) Stop() (*Report, error) {
	pb.cancel()
	<-pb.done
	return pb.result()
}

// result hands the run's report and error to the caller; pb.done is
// closed.
func (pb *Playback) result() (*Report, error) {
	if pb.err != nil {
		pb.handed.Store(true)
		return pb.report, pb.withDrawing(pb.err)
	}
	return pb.report, pb.err
}

// Done is closed when the script has finished.
func (pb *Playback) Done() <-chan struct{} { return pb.done }
