package clientcheck

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble/internal/htmlreport"
	"github.com/wsdouble/wsdouble/scenario"
)

// The explorer: it plays generated schedules against a client, each in a
// synctest bubble of its own, until one fails or the budget is spent, and
// shrinks the one that failed.

// The explorer's default budget: Runs, Budget and Shrinks change it.
const (
	// DefaultRuns is how many schedules Explore plays.
	DefaultRuns = 1000
	// DefaultBudget is how long Explore may take to play them, in wall
	// time; shrinking is not counted (see Shrinks).
	DefaultBudget = 20 * time.Second
	// DefaultShrinks is how many schedules Explore may play to shrink a
	// failing one.
	DefaultShrinks = 2000
)

// ExploreOption changes what Explore and Fuzz do.
type ExploreOption interface {
	applyExplore(*exploreConfig)
}

type exploreConfig struct {
	runs, shrinks, workers int
	budget                 time.Duration
	seed                   uint64
	// prop, when set, replaces the checker's play and invariants.
	prop func(ctx context.Context, s *scenario.Script) error
	// invs are the caller's invariants, checked beside the built-in
	// ones; play are the options every play takes (Play's).
	invs []Invariant
	play []Option
}

type exploreOptionFunc func(*exploreConfig)

func (f exploreOptionFunc) applyExplore(c *exploreConfig) { f(c) }

// Runs makes Explore play n schedules (DefaultRuns without it), unless its
// wall-time Budget is spent first.
func Runs(n int) ExploreOption {
	return exploreOptionFunc(func(c *exploreConfig) { c.runs = max(n, 1) })
}

// Budget bounds the wall time Explore plays schedules for (DefaultBudget
// without it): past it, no new schedule starts but the first. How many it
// plays then depends on the machine; which ones does not (see Seed).
func Budget(d time.Duration) ExploreOption {
	return exploreOptionFunc(func(c *exploreConfig) { c.budget = d })
}

// Seed makes Explore play the schedules of seeds seed, seed+1, ... (1, 2,
// ... without it): those Generate returns for them, the same on every run
// and machine.
func Seed(seed uint64) ExploreOption {
	return exploreOptionFunc(func(c *exploreConfig) { c.seed = seed })
}

// Shrinks bounds how many schedules Explore and Fuzz play to shrink a
// failing one (DefaultShrinks without it). Shrinking that stops there
// hands back the smallest schedule found so far, and Found.Minimal says
// so. A count, not a time, so that the result is the same on every
// machine.
func Shrinks(n int) ExploreOption {
	return exploreOptionFunc(func(c *exploreConfig) { c.shrinks = max(n, 0) })
}

// Workers makes Explore play up to n schedules at once, each in its own
// bubble (runtime.GOMAXPROCS(0) without it). The schedules found and the
// shrunk one do not depend on it.
func Workers(n int) ExploreOption {
	return exploreOptionFunc(func(c *exploreConfig) { c.workers = max(n, 1) })
}

// Also adds invariants of the caller's to those every schedule is checked
// against, beside the built-in ones (Invariants): what a client must do
// that only its harness knows, read from the Outcome (the attempt log,
// the messages of the report, the client's own state: Outcome.State).
// Named so because they come in addition: the built-in ones always hold.
func Also(invs ...Invariant) ExploreOption {
	return exploreOptionFunc(func(c *exploreConfig) { c.invs = append(c.invs, invs...) })
}

// PlayWith passes options to every Play of the exploration: the transport
// (OnFake by default, or InMemory, whose schedules may also hold raw
// frames), StopTimeout, Observe. Loopback, Only and Skip are errors: every
// schedule plays in a synctest bubble, and there are no cases to choose.
func PlayWith(opts ...Option) ExploreOption {
	return exploreOptionFunc(func(c *exploreConfig) { c.play = append(c.play, opts...) })
}

// Property replaces what a schedule is checked with, which is by default
// the checker's: Play on the fake (or as PlayWith says), then
// CheckInvariants with the built-in invariants and those of Also. p
// plays s against the client under test and returns nil if the client
// survived it, or what it did wrong. It runs inside a synctest bubble of its own, so it must
// create there what it plays on (a wstest.FakeDialer, a wstest.Server in
// memory) and stop the client before it returns; ctx is done when the
// bubble ends. p must not keep s: the explorer reuses nothing of it, but
// shrinking plays many scripts, each once.
func Property(p func(ctx context.Context, s *scenario.Script) error) ExploreOption {
	return exploreOptionFunc(func(c *exploreConfig) { c.prop = p })
}

// Found is a schedule that failed, shrunk: what Explore and Fuzz hand
// back. Its Error method says all of it: what failed, the seed, and the
// shrunk script as a file and as Go code, to paste into a regression test.
// With the checker's property, Err names each violation and shows the
// attempts as the server saw them and the script's report, as a failed
// case of the battery does.
type Found struct {
	// Seed is the failing schedule's seed: Generate(h, Seed) returns
	// Original. Zero for a schedule drawn from a fuzz input.
	Seed uint64
	// Input is the fuzz input the schedule was drawn from, under Fuzz.
	Input []byte
	// Played is how many schedules were played until one failed, it
	// included.
	Played int
	// Original is the failing schedule as generated, Script the smallest
	// one that still fails, and Err what the property said of Script.
	Original, Script *scenario.Script
	Err              error
	// Outcome is what the play of Script did, for the checker's
	// property; nil under a Property.
	Outcome *Outcome
	// Shrinks is how many schedules the shrinking played; Minimal says
	// that no schedule one shrink simpler than Script fails, false when
	// the shrink budget (Shrinks) or the test's deadline ran out first.
	Shrinks int
	Minimal bool
}

// Error describes the failure: the property's error, where the schedule
// came from, and the shrunk script as a JSON file and as Go code.
func (f *Found) Error() string {
	var b strings.Builder
	from := fmt.Sprintf("schedule %d (clientcheck.Seed(%d) plays it first)", f.Seed, f.Seed)
	if f.Input != nil {
		from = fmt.Sprintf("the schedule of fuzz input %x", f.Input)
	}
	shrunk := "minimal"
	if !f.Minimal {
		shrunk = "not minimal: the shrink budget ran out"
	}
	msg, sep := fmt.Sprint(f.Err), " "
	if strings.HasPrefix(msg, "  ") { // the checker's: violations, then the play, indented
		sep = "\n"
	}
	fmt.Fprintf(&b, "clientcheck: %s fails, after %s:%s%s\n", from, plural(f.Played, "schedule"), sep, msg)
	fmt.Fprintf(&b, "shrunk in %d runs from %s to %s (%s):\n", f.Shrinks, size(f.Original), size(f.Script), shrunk)
	if js, err := scenario.Marshal(f.Script); err == nil {
		b.Write(js)
	}
	if src, err := scenario.GoSource(f.Script); err == nil {
		b.WriteString("\nin Go:\n\ns, err := ")
		b.Write(src)
	}
	return b.String()
}

// Unwrap returns the property's error.
func (f *Found) Unwrap() error { return f.Err }

// size says how big a script is: its attempts and steps.
func size(s *scenario.Script) string {
	steps := 0
	for _, a := range s.Attempts {
		steps += len(a.Steps)
	}
	return plural(len(s.Attempts), "attempt") + ", " + plural(steps, "step")
}

// Explore plays generated schedules (Generate) against the client of h,
// each in a synctest bubble of its own, and checks each: with Play and
// the invariants, the built-in ones and those of Also, unless a Property
// replaces them. It plays Runs schedules, or as many as its Budget of wall time
// allows. When one fails, Explore shrinks it (fewer attempts, fewer steps,
// shorter waits, plainer answers and simpler faults) to the smallest
// schedule that still fails, reports it with t.Errorf, and returns it;
// nil when every schedule passed. Under go test -artifacts the shrunk
// script is saved in the test's artifact directory too, as
// explore-SEED.json, and the report names the file. The first schedule
// to fail is the one of the lowest seed, whatever the Workers, and the
// same seed shrinks to the same script, for a client that fails the same
// way every time it plays the same script.
//
// A harness whose client cannot use the transport's Target
// (ErrUnsupported), or a bad option, fails the test with t.Fatalf.
func Explore(t *testing.T, h Harness, opts ...ExploreOption) *Found {
	t.Helper()
	e, err := newExplorer(t, h, opts)
	if err != nil {
		t.Fatalf("clientcheck: Explore: %v", err)
		return nil
	}
	start := time.Now()
	f, err := e.search()
	if err != nil {
		t.Fatalf("clientcheck: Explore: %v", err)
		return nil
	}
	if f == nil {
		n := e.played.Load()
		t.Logf("clientcheck: Explore: %s (seeds %d to %d) passed in %v", plural(int(n), "schedule"), e.cfg.seed, e.cfg.seed+uint64(n)-1, time.Since(start).Round(time.Millisecond))
		return nil
	}
	t.Errorf("%v%s", f, saved(t, f))
	return f
}

// Find is Explore without its report: it explores as Explore does and
// returns what Explore would report, or nil, for a caller that looks at
// the failure itself (a test that a deliberately broken client is found,
// a tool), and the error Explore would stop the test with.
func Find(t *testing.T, h Harness, opts ...ExploreOption) (*Found, error) {
	e, err := newExplorer(t, h, opts)
	if err != nil {
		return nil, fmt.Errorf("clientcheck: Find: %w", err)
	}
	return e.search()
}

// saved saves the shrunk script of f as a file in t's artifact directory,
// when the test runs with go test -artifacts, and returns what the report
// says of it: where it is, or why it is not there.
func saved(t *testing.T, f *Found) string {
	if !htmlreport.ArtifactsOn() {
		return ""
	}
	b, err := scenario.Marshal(f.Script)
	if err != nil {
		return "\nnot saved: " + err.Error()
	}
	path := filepath.Join(t.ArtifactDir(), fmt.Sprintf("explore-%d.json", f.Seed))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "\nnot saved: " + err.Error()
	}
	return "\nsaved: " + path + " (wsdouble serve " + path + " plays it to any client)"
}

// Fuzz explores with Go's fuzzing: every fuzz input draws a schedule (the
// empty input the simplest, of no attempt but the healthy one), played in
// a bubble of its own and checked with the Property; a failing one is
// shrunk (Shrinks) and reported with t.Fatalf. go test -fuzz then keeps
// the inputs that reach new code of the client as its corpus, and the one
// that fails in testdata/fuzz, as for any fuzz test.
//
//	func FuzzClient(f *testing.F) {
//		clientcheck.Fuzz(f, harness)
//	}
func Fuzz(f *testing.F, h Harness, opts ...ExploreOption) {
	f.Helper()
	cfg, err := exploreDefaults(h, opts)
	if err != nil {
		f.Fatalf("clientcheck: Fuzz: %v", err)
		return
	}
	f.Add([]byte{})
	for seed := range uint64(8) { // a start for the corpus: a few inputs of random bytes
		src := newSeeded(seed + 1)
		b := make([]byte, 64)
		for i := range b {
			b[i] = byte(src.next())
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, input []byte) {
		e := &explorer{t: t, h: h, cfg: cfg, ts: newTimeScale(h.Policy), wire: newConfig(cfg.play).transport.wire()}
		e.cfg.workers = 1 // the fuzzer runs workers of its own
		s := drawSchedule(&fuzzBytes{b: input}, h, e.wire)
		s.name = "fuzz"
		if err := e.play(s); err != nil {
			found := e.shrunk(s, err, 1)
			found.Seed, found.Input = 0, input
			if errors.Is(err, ErrUnsupported) {
				t.Fatalf("clientcheck: Fuzz: %v", err)
			}
			t.Fatalf("%v", found)
		}
	})
}

// explorer is an exploration under way.
type explorer struct {
	t   *testing.T
	h   Harness
	cfg exploreConfig
	ts  timeScale
	// wire says the transport has one: schedules may hold raw frames.
	wire bool
	// played counts the schedules played by the search.
	played atomic.Int64
}

// exploreDefaults returns the configuration opts make, or what is wrong
// with it or with h.
func exploreDefaults(h Harness, opts []ExploreOption) (exploreConfig, error) {
	cfg := exploreConfig{runs: DefaultRuns, budget: DefaultBudget, shrinks: DefaultShrinks, seed: 1, workers: runtime.GOMAXPROCS(0)}
	for _, o := range opts {
		if o != nil {
			o.applyExplore(&cfg)
		}
	}
	if err := checkPlayOptions(cfg.play); err != nil {
		return cfg, err
	}
	if cfg.prop == nil {
		if err := h.validate(); err != nil {
			return cfg, err
		}
	}
	if _, err := (schedule{}).script(h); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// checkPlayOptions says what is wrong with the options of PlayWith.
func checkPlayOptions(opts []Option) error {
	pc := newConfig(opts)
	switch {
	case pc.err != nil:
		return pc.err
	case pc.transport == TransportLoopback:
		return errors.New("PlayWith(Loopback()): every schedule plays in a synctest bubble, where a socket never lets virtual time pass")
	case len(pc.only) > 0 || len(pc.skip) > 0:
		return errors.New("PlayWith(Only or Skip): the explorer plays schedules, not the battery's cases")
	}
	return nil
}

func newExplorer(t *testing.T, h Harness, opts []ExploreOption) (*explorer, error) {
	cfg, err := exploreDefaults(h, opts)
	if err != nil {
		return nil, err
	}
	return &explorer{t: t, h: h, cfg: cfg, ts: newTimeScale(h.Policy), wire: newConfig(cfg.play).transport.wire()}, nil
}

// check is the checker's property: it plays s against the client with
// Play and checks the outcome against the built-in invariants and the
// caller's. A violation comes back as a *playFailure, which shows the
// outcome.
func (e *explorer) check(ctx context.Context, s *scenario.Script) error {
	o, err := Play(ctx, e.h, s, slices.Concat(e.cfg.play, []Option{inFreshBubble()})...)
	if err != nil {
		return err
	}
	invs := invariants
	if len(e.cfg.invs) > 0 {
		invs = slices.Concat(invariants, e.cfg.invs)
	}
	if err := CheckInvariants(o, invs...); err != nil {
		return &playFailure{o: o, err: err}
	}
	return nil
}

// property returns what schedules are checked with: the caller's
// Property, or the checker's.
func (e *explorer) property() func(ctx context.Context, s *scenario.Script) error {
	if e.cfg.prop != nil {
		return e.cfg.prop
	}
	return e.check
}

// play plays a schedule in a bubble of its own and returns the property's
// error.
//
// A client that leaves a goroutine blocked for ever (on a channel of the
// bubble no one will close) makes synctest.Test panic once the property
// has returned: "deadlock: main bubble goroutine has exited but blocked
// goroutines remain". That is the schedule failing, as the checker's leak
// invariant has already said, not the end of the test binary: the panic
// becomes part of the schedule's error, so that Explore shrinks it and
// reports a seed and a script like any other. The goroutines stay blocked
// for the life of the process (nothing can end them), at most one set per
// schedule played, and the test fails anyway.
func (e *explorer) play(s schedule) (err error) {
	script, err := s.script(e.h)
	if err != nil {
		return err // not reached: the harness's part was checked first
	}
	defer func() {
		if r := recover(); r != nil {
			err = errors.Join(err, deadlocked(r))
		}
	}()
	synctest.Test(e.t, func(t *testing.T) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("the property panicked: %v", r)
			}
		}()
		err = e.property()(t.Context(), script)
	})
	return err
}

// search plays the schedules of the budget, Workers at a time, and
// returns the first that fails, shrunk, or nil. The first is the one of
// the lowest seed: a worker that finds one lets those of lower seeds under
// way finish, and starts none of higher seeds. The error is for a client
// that cannot use the transport's target (ErrUnsupported): no schedule
// could show anything.
func (e *explorer) search() (*Found, error) {
	deadline := e.deadline(time.Now().Add(e.cfg.budget))
	var (
		next  atomic.Int64
		mu    sync.Mutex
		first = -1 // the index of the first failing schedule
		sch   schedule
		serr  error
	)
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			mu.Lock()
			over := i >= e.cfg.runs || first >= 0 && i > first || i > 0 && time.Now().After(deadline)
			mu.Unlock()
			if over {
				return
			}
			e.played.Add(1)
			s := e.schedule(i)
			if err := e.play(s); err != nil {
				mu.Lock()
				if first < 0 || i < first {
					first, sch, serr = i, s, err
				}
				mu.Unlock()
			}
		}
	}
	e.parallel(e.cfg.workers, work)
	if first < 0 {
		return nil, nil
	}
	if errors.Is(serr, ErrUnsupported) {
		return nil, serr
	}
	f := e.shrunk(sch, serr, first+1)
	f.Seed = e.cfg.seed + uint64(first)
	return f, nil
}

// schedule returns the i-th schedule of the exploration.
func (e *explorer) schedule(i int) schedule {
	seed := e.cfg.seed + uint64(i)
	s := drawSchedule(newSeeded(seed), e.h, e.wire)
	s.name = fmt.Sprintf("explore %d", seed)
	return s
}

// parallel runs n copies of work, one on the test's goroutine, and waits
// for them.
func (e *explorer) parallel(n int, work func()) {
	var wg sync.WaitGroup
	for range n - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// deadline returns d, or earlier if the test's own deadline (go test
// -timeout) comes first: a tenth of what is left before it is kept for
// reporting.
func (e *explorer) deadline(d time.Time) time.Time {
	if td, ok := e.t.Deadline(); ok {
		if margin := time.Until(td) / 10; td.Add(-margin).Before(d) {
			return td.Add(-margin)
		}
	}
	return d
}

// shrunk shrinks s, which failed with err after played schedules, and
// returns what was found.
func (e *explorer) shrunk(s schedule, err error, played int) *Found {
	orig, _ := s.script(e.h)
	deadline := e.deadline(time.Now().Add(24 * time.Hour))
	stop := func() bool { return time.Now().After(deadline) }
	r := shrink(s, err, e.ts, e.cfg.shrinks, stop, e.firstFailing)
	r.s.name = s.name + ", shrunk"
	script, _ := r.s.script(e.h)
	f := &Found{Played: played, Original: orig, Script: script, Err: r.err, Shrinks: r.runs, Minimal: r.minimal}
	if pf, ok := errors.AsType[*playFailure](r.err); ok {
		f.Outcome = pf.o
	}
	return f
}

// playFailure is a schedule's play that broke invariants: the violations,
// then the play as a failed case shows it.
type playFailure struct {
	o   *Outcome
	err error
}

func (p *playFailure) Error() string { return formatOutcome(p.o, p.err) }

// Unwrap returns the violations.
func (p *playFailure) Unwrap() error { return p.err }

// firstFailing plays cands in order, Workers at a time, and returns the
// index of the first that fails (or -1), how many were played up to it,
// counted as if one at a time (the count does not depend on Workers), and
// its error.
func (e *explorer) firstFailing(cands []schedule) (int, int, error) {
	n := e.cfg.workers
	for lo := 0; lo < len(cands); lo += n {
		batch := cands[lo:min(lo+n, len(cands))]
		errs := make([]error, len(batch))
		var next atomic.Int64
		e.parallel(min(n, len(batch)), func() {
			for j := int(next.Add(1) - 1); j < len(batch); j = int(next.Add(1) - 1) {
				errs[j] = e.play(batch[j])
			}
		})
		for j, err := range errs {
			if err != nil {
				return lo + j, lo + j + 1, err
			}
		}
	}
	return -1, len(cands), nil
}
