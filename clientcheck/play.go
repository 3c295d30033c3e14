package clientcheck

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble/internal/bubble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// ErrUnsupported is wrapped by the error a Harness's Start returns when the
// client cannot use the Target it was given: a gorilla client on the fake,
// which has no Dialer. The case is then skipped, not failed.
var ErrUnsupported = errors.New("clientcheck: the client cannot use this target")

// Outcome is what happened when Play played a script against a client:
// the script's report, the acceptor's log, how the client stopped, and
// what it left behind. The invariants (Invariants) read it, and so does
// anyone's own check.
type Outcome struct {
	// Client is the harness's name; Policy the policy it claims.
	Client string
	Policy Policy
	// Transport is where the server end ran.
	Transport Transport
	// Script is what was played, and Report what the player saw.
	Script *scenario.Script
	Report *scenario.Report
	// Attempts is the acceptor's log, once the server end was closed:
	// every attempt, those the script never took included.
	Attempts []wstest.AttemptRecord
	// Start is when the client was started, StopAt when it was asked to
	// stop, and StoppedAt when its stop function returned, with StopErr.
	Start, StopAt, StoppedAt time.Time
	StopErr                  error
	// Settled says why the client was stopped when it was.
	Settled Settled
	// Leaks are the goroutines started while Play ran that were still
	// there after the client stopped and the server end closed, with their
	// stacks; LeaksChecked says whether Play could look (only inside a
	// synctest bubble, where it can tell them from the rest of the
	// process's).
	Leaks        []Goroutine
	LeaksChecked bool
	// Problems are what went wrong around the client rather than in it:
	// what the server end reported when it closed (a connection still
	// being served after seconds).
	Problems []error
	// State is the client's own state once it stopped, as the function
	// it gave Target.Expose returned it; nil if it gave none.
	State any
}

// Settled says why Play stopped the client.
type Settled int

// Why a client is stopped.
const (
	// SettledObserved: the script's last attempt, an accepted one, played
	// its steps, and nothing happened for the observation window after.
	SettledObserved Settled = iota
	// SettledQuiet: no attempt, answer, end or step for the quiet window:
	// the client has stopped coming back (it gave up, or is stuck).
	SettledQuiet
	// SettledOnCue: the case stops the client at a moment of its
	// choosing (while it waits to retry, while it connects).
	SettledOnCue
	// SettledFlood: the client made more than MaxAttempts attempts.
	SettledFlood
	// SettledDeadline: Play's context ended first.
	SettledDeadline
)

// String says it in words.
func (s Settled) String() string {
	switch s {
	case SettledObserved:
		return "the script was played and the client watched a while"
	case SettledQuiet:
		return "the client went quiet"
	case SettledOnCue:
		return "stopped on cue"
	case SettledFlood:
		return fmt.Sprintf("the client made more than %d attempts", MaxAttempts)
	case SettledDeadline:
		return "the context ended"
	}
	return fmt.Sprintf("Settled(%d)", int(s))
}

// MaxAttempts bounds the attempts of one play: a client in a hot loop on
// virtual time would otherwise make attempts for ever at one instant.
const MaxAttempts = 500

// Goroutine is a goroutine of the client left running after it stopped.
type Goroutine struct {
	ID    int
	State string
	// Stack is its traceback, as the runtime prints it.
	Stack string
}

// Play plays s against the client h describes, on a fresh server end (the
// fake unless an option says otherwise), and returns what happened. It is
// what every case of the battery runs, and what a caller runs to put a
// client through a script of its own: the invariants then read the
// Outcome.
//
// Play starts the script, then the client (h.Start), and stops the client
// once the run has settled (see Settled): the script's last attempt, if
// accepted, has played its steps and the client has been watched for the
// observation window (Observe), or nothing has happened for the quiet
// window, long enough for any retry the policy allows. It then waits for
// the client's connections to end, stops the script, closes the server
// end and, inside a synctest bubble, waits for the bubble to settle and
// lists the goroutines that appeared while it ran and are still there:
// the client's leaks. Last it cancels the context Start was given.
//
// Inside a synctest bubble every wait is virtual. Play's context bounds
// the whole run; when it ends first, the client is stopped then
// (SettledDeadline). The error is for a play that could not happen: an
// invalid harness or script, a Start that failed (ErrUnsupported when the
// client cannot use the target: the caller skips), the loopback transport
// inside a bubble.
func Play(ctx context.Context, h Harness, s *scenario.Script, opts ...Option) (*Outcome, error) {
	cfg := newConfig(opts)
	if cfg.err != nil {
		return nil, cfg.err
	}
	if err := h.validate(); err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("clientcheck: Play: invalid script: %w", err)
	}
	id := bubble.ID()
	if id != 0 && cfg.transport == TransportLoopback {
		return nil, errors.New("clientcheck: Play: the loopback transport inside a synctest bubble: a socket never lets virtual time pass")
	}
	// The goroutines of the bubble before the play, which are not the
	// client's. In a bubble made for the play (Explore's), there is the
	// caller alone: listing every goroutine of the process, which stops
	// the world, was a fifth of an explored schedule's cost
	// (examples/reconnecting's BenchmarkExplore).
	var before map[int]bool
	if id != 0 && !cfg.freshBubble {
		before = goroutineIDs(bubble.Goroutines(id))
	}
	p := &play{cfg: cfg, h: h, s: s, w: newWatch(s, cfg, h.Policy)}
	o, err := p.run(ctx)
	if id != 0 && o != nil {
		// Everything Play started has ended: what is left is the client's.
		synctest.Wait()
		now := bubble.Goroutines(id)
		if cfg.freshBubble {
			before = lineage(now)
		}
		o.Leaks, o.LeaksChecked = leaks(now, before), true
	}
	p.cancelClient()
	return o, err
}

// play is one run of Play.
type play struct {
	cfg          config
	h            Harness
	s            *scenario.Script
	w            *watch
	cancelClient context.CancelFunc
	// state is what the client gave Target.Expose; mu guards it, for a
	// client that calls Expose on a goroutine of its own.
	mu    sync.Mutex
	state func() any
}

// expose keeps the client's state function (Target.Expose).
func (p *play) expose(state func() any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state = state
}

// stateOf returns what the client's state function says, or nil.
func (p *play) stateOf() any {
	p.mu.Lock()
	state := p.state
	p.mu.Unlock()
	if state == nil {
		return nil
	}
	return state()
}

func (p *play) run(ctx context.Context) (*Outcome, error) {
	tb := &collector{}
	srv, err := newServer(tb, p.cfg.transport, p.cfg.tls)
	if err != nil {
		return nil, err
	}
	if s, ok := srv.acc.(*wstest.Server); ok && p.cfg.onServer != nil {
		defer p.cfg.onServer(s)()
	}
	o := &Outcome{Client: p.h.Name, Policy: p.h.Policy, Transport: p.cfg.transport, Script: p.s, Start: time.Now()}
	runCtx, stopRun := context.WithCancel(ctx)
	runDone := make(chan struct{})
	go func() {
		defer close(runDone)
		o.Report, _ = scenario.Run(runCtx, srv.acc, p.s, scenario.OnProgress(p.w.progress))
	}()
	// The client's context lives until Play has looked for leaks: a
	// goroutine of the client that outlives its stop is a leak, even one
	// that would end with the context.
	clientCtx, cancelClient := context.WithCancel(context.WithoutCancel(ctx))
	p.cancelClient = cancelClient
	srv.target.Expose = p.expose
	stop, err := p.h.Start(clientCtx, srv.target)
	if err == nil && stop == nil {
		err = errors.New("clientcheck: Harness.Start returned no stop function")
	}
	if err == nil {
		o.Settled = p.w.wait(ctx)
		o.StopAt = time.Now()
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.stopTimeout)
		o.StopErr = stop(stopCtx)
		cancel()
		o.StoppedAt = time.Now()
		o.State = p.stateOf()
		p.w.waitEnded(context.WithoutCancel(ctx), endGrace)
	}
	stopRun()
	<-runDone
	srv.close()
	o.Attempts = srv.acc.Attempts()
	o.Problems = tb.errors()
	if err != nil {
		return o, fmt.Errorf("starting the client: %w", err)
	}
	return o, nil
}

// endGrace is how long Play waits, once the client has stopped, for the
// server end to see its connections end: on a real clock the close frame
// of a client that returned from stop at once may still be on its way.
const endGrace = time.Second

// collector is the TB of a play's server end: it keeps what the server
// end reports (its Close says what it still waits for), for the outcome.
type collector struct {
	mu   sync.Mutex
	errs []error
}

func (c *collector) Helper() {}

func (c *collector) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

func (c *collector) Fatalf(format string, args ...any) { c.Errorf(format, args...) }

// Cleanup registers nothing: a play closes its server end itself.
func (c *collector) Cleanup(func()) {}

func (c *collector) errors() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.errs
}

// goroutineIDs are the ids of gs.
func goroutineIDs(gs []bubble.Goroutine) map[int]bool {
	ids := make(map[int]bool, len(gs))
	for _, g := range gs {
		ids[g.ID] = true
	}
	return ids
}

// lineage returns the ids of the running goroutine of gs, the caller
// (once the bubble has settled, every other goroutine of it is durably
// blocked), and of those that made it, as each traceback's "created by
// ... in goroutine N" says: in a bubble made for the play, what was there
// before it (synctest.Test's own goroutines).
func lineage(gs []bubble.Goroutine) map[int]bool {
	byID := make(map[int]bubble.Goroutine, len(gs))
	cur := -1
	for _, g := range gs {
		byID[g.ID] = g
		if g.State == "running" {
			cur = g.ID
		}
	}
	out := map[int]bool{}
	for g, ok := byID[cur]; ok && !out[g.ID]; g, ok = byID[creator(g.Stack)] {
		out[g.ID] = true
	}
	return out
}

// creator returns the goroutine that made the one of a traceback, or -1.
func creator(stack string) int {
	const marker = " in goroutine "
	i := strings.LastIndex(stack, marker)
	if i < 0 {
		return -1
	}
	rest := stack[i+len(marker):]
	if j := strings.IndexAny(rest, " \n"); j >= 0 {
		rest = rest[:j]
	}
	n, err := strconv.Atoi(rest)
	if err != nil {
		return -1
	}
	return n
}

// leaks are the goroutines of now that were not there before.
func leaks(now []bubble.Goroutine, before map[int]bool) []Goroutine {
	var out []Goroutine
	for _, g := range now {
		if !before[g.ID] {
			out = append(out, Goroutine{ID: g.ID, State: g.State, Stack: strings.TrimSpace(g.Stack)})
		}
	}
	return out
}
