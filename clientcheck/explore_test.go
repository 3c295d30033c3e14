package clientcheck_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/clientcheck"
	"github.com/wsdouble/wsdouble/clientcheck/internal/flawed"
	"github.com/wsdouble/wsdouble/examples/reconnecting"
	"github.com/wsdouble/wsdouble/internal/artifacttest"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// restartThenRefusal fails a script in which the server closes a
// connection with 1012 (service restart) and refuses a later attempt: a
// property of the script alone, so that what Explore finds and how it
// shrinks can be told in advance.
func restartThenRefusal(_ context.Context, s *scenario.Script) error {
	restarted := false
	for i, a := range s.Attempts {
		if _, refused := a.Answer.(scenario.Refuse); refused && restarted {
			return fmt.Errorf("attempt %d is refused after a restart", i+1)
		}
		for _, st := range a.Steps {
			if c, ok := st.Action.(scenario.Close); ok && c.Code == wsdouble.CloseServiceRestart {
				restarted = true
			}
		}
	}
	return nil
}

// TestExploreShrinksToTheSmallestFailingSchedule: Explore finds a
// schedule that restarts then refuses, and shrinks it to that alone: the
// connection closed with 1012 at once (fewer steps than after the healthy
// ones), a plain 503, no delay, nothing else.
func TestExploreShrinksToTheSmallestFailingSchedule(t *testing.T) {
	f, err := clientcheck.Find(t, subscriber, clientcheck.Property(restartThenRefusal))
	if err != nil {
		t.Fatal(err)
	}
	if f == nil {
		t.Fatalf("Explore: found nothing in %d schedules", clientcheck.DefaultRuns)
	}
	want, err := scenario.New(f.Script.Name).
		Attempt().Accept().OnText("ping").ReplyText("pong").Close(1012, "").
		Attempt().Refuse(503).
		Attempt().Label("healthy").Accept().OnText("ping").ReplyText("pong").ExpectJSON(`{"op":"subscribe"}`).Within(2 * time.Second).Repeat().
		Build()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := marshal(t, f.Script), marshal(t, want); !bytes.Equal(got, want) {
		t.Errorf("the shrunk script:\n%s\nwant:\n%s", got, want)
	}
	if !f.Minimal || f.Err == nil || f.Played < 1 || f.Shrinks < 1 {
		t.Errorf("Found: Minimal %v, Err %v, Played %d, Shrinks %d; want minimal, the property's error, counts", f.Minimal, f.Err, f.Played, f.Shrinks)
	}
	if got, err := clientcheck.Generate(subscriber, f.Seed); err != nil || !bytes.Equal(marshal(t, got), marshal(t, f.Original)) {
		t.Errorf("Generate(seed %d) is not Found.Original (%v)", f.Seed, err)
	}
}

// TestExploreIsReproducible: the same seed finds the same schedule and
// shrinks it to a byte-identical script, played one at a time or four at
// once, twice over.
func TestExploreIsReproducible(t *testing.T) {
	var first *clientcheck.Found
	for _, workers := range []int{1, 4, 1, 4} {
		f, err := clientcheck.Find(t, subscriber, clientcheck.Property(restartThenRefusal), clientcheck.Seed(1000), clientcheck.Workers(workers))
		if err != nil || f == nil {
			t.Fatalf("Workers(%d): %v, %v", workers, f, err)
		}
		if first == nil {
			first = f
			continue
		}
		if f.Seed != first.Seed || f.Played != first.Played || f.Shrinks != first.Shrinks || f.Error() != first.Error() {
			t.Errorf("Workers(%d): found seed %d after %d, shrunk in %d:\n%v\nfirst: seed %d after %d, shrunk in %d:\n%v",
				workers, f.Seed, f.Played, f.Shrinks, f, first.Seed, first.Played, first.Shrinks, first)
		}
	}
}

// TestExploreFindsTheLowestSeed: of the seeds whose schedules fail, the
// explorer hands back the lowest, however many it plays at once.
func TestExploreFindsTheLowestSeed(t *testing.T) {
	want := uint64(0)
	for seed := uint64(1); want == 0; seed++ {
		s, err := clientcheck.Generate(subscriber, seed)
		if err != nil {
			t.Fatal(err)
		}
		if restartThenRefusal(t.Context(), s) != nil {
			want = seed
		}
	}
	f, err := clientcheck.Find(t, subscriber, clientcheck.Property(restartThenRefusal), clientcheck.Workers(8), clientcheck.Shrinks(0))
	if err != nil || f == nil {
		t.Fatalf("Find: %v, %v", f, err)
	}
	if f.Seed != want || f.Played != int(want) {
		t.Errorf("Found: seed %d after %d schedules, want seed %d after %d", f.Seed, f.Played, want, want)
	}
	if f.Minimal || f.Shrinks != 0 || !bytes.Equal(marshal(t, renamed(f.Script, "")), marshal(t, renamed(f.Original, ""))) {
		t.Errorf("Shrinks(0): Minimal %v after %d shrinks; want the original, not said minimal", f.Minimal, f.Shrinks)
	}
}

// renamed returns a copy of s named name.
func renamed(s *scenario.Script, name string) *scenario.Script {
	c := s.Clone()
	c.Name = name
	return c
}

// TestExplorePlaysItsRuns: a property that never fails is asked about
// every schedule of the budget, each once, in a bubble of its own.
func TestExplorePlaysItsRuns(t *testing.T) {
	var n atomic.Int64
	prop := func(ctx context.Context, s *scenario.Script) error {
		n.Add(1)
		time.Sleep(time.Hour) // virtual: a bubble of its own
		return nil
	}
	f, err := clientcheck.Find(t, subscriber, clientcheck.Property(prop), clientcheck.Runs(50))
	if f != nil || err != nil {
		t.Fatalf("Find: %v, %v", f, err)
	}
	if n.Load() != 50 {
		t.Errorf("the property was asked %d times, want 50", n.Load())
	}
}

// TestExploreBudget: past its wall-time budget, Explore starts no
// schedule, but the first.
func TestExploreBudget(t *testing.T) {
	var n atomic.Int64
	prop := func(context.Context, *scenario.Script) error { n.Add(1); return nil }
	if f, err := clientcheck.Find(t, subscriber, clientcheck.Property(prop), clientcheck.Budget(0), clientcheck.Workers(1)); f != nil || err != nil {
		t.Fatalf("Find: %v, %v", f, err)
	}
	if n.Load() != 1 {
		t.Errorf("the property was asked %d times, want 1", n.Load())
	}
}

// TestExploreCatchesAPanic: a property that panics fails the schedule,
// and says so.
func TestExploreCatchesAPanic(t *testing.T) {
	prop := func(_ context.Context, s *scenario.Script) error {
		if len(s.Attempts) > 2 {
			panic("too many attempts")
		}
		return nil
	}
	f, err := clientcheck.Find(t, subscriber, clientcheck.Property(prop))
	if err != nil || f == nil {
		t.Fatalf("Find: %v, %v", f, err)
	}
	if !strings.Contains(f.Err.Error(), "the property panicked: too many attempts") || len(f.Script.Attempts) != 3 {
		t.Errorf("Found: %v", f)
	}
}

// TestExploreRefuses: a harness the checker cannot play (no Start, with
// its property), one whose healthy steps do not validate, the loopback
// transport, which a bubble cannot hold, and a choice of cases, which the
// explorer has not, are errors before anything plays.
func TestExploreRefuses(t *testing.T) {
	bad := clientcheck.Harness{Healthy: []scenario.Step{{Action: scenario.Close{Code: 1005}}}}
	prop := clientcheck.Property(restartThenRefusal)
	for _, tc := range []struct {
		name string
		h    clientcheck.Harness
		opts []clientcheck.ExploreOption
		want string
	}{
		{"no start", subscriber, nil, "clientcheck: Harness: no Start"},
		{"bad harness", bad, []clientcheck.ExploreOption{prop}, "1005"},
		{"loopback", subscriber, []clientcheck.ExploreOption{prop, clientcheck.PlayWith(clientcheck.Loopback())}, "PlayWith(Loopback())"},
		{"only", subscriber, []clientcheck.ExploreOption{prop, clientcheck.PlayWith(clientcheck.Only("close/*"))}, "not the battery's cases"},
		{"bad pattern", subscriber, []clientcheck.ExploreOption{prop, clientcheck.PlayWith(clientcheck.Skip("["))}, "bad case pattern"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := clientcheck.Find(t, tc.h, tc.opts...)
			if f != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Find: got %v, %v; want an error containing %q", f, err, tc.want)
			}
		})
	}
}

// TestFoundSaysItAll: the report names the schedule, how to play it
// again, what failed, how far it shrank, and the shrunk script as a file
// and as Go code.
func TestFoundSaysItAll(t *testing.T) {
	f, err := clientcheck.Find(t, subscriber, clientcheck.Property(restartThenRefusal))
	if err != nil || f == nil {
		t.Fatalf("Find: %v, %v", f, err)
	}
	msg := f.Error()
	for _, want := range []string{
		fmt.Sprintf("clientcheck: schedule %d (clientcheck.Seed(%d) plays it first) fails, after %d schedules: attempt 2 is refused after a restart", f.Seed, f.Seed, f.Played),
		fmt.Sprintf("shrunk in %d runs from ", f.Shrinks), "to 3 attempts, 2 steps (minimal):",
		`"version": 1`, `{"close": {"code": 1012}}`,
		"in Go:\n\ns, err := scenario.New(", "Close(1012, \"\").",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("the report lacks %q:\n%s", want, msg)
		}
	}
	if !errors.Is(f, f.Err) {
		t.Errorf("Found does not unwrap to the property's error")
	}
}

// The explorer against a real client: the reconnecting example, played
// on the fake for ten minutes of virtual time per schedule. The property
// is a small one of this test: the client comes back after whatever the
// schedule did, and is connected at the end (the schedule's last attempt
// accepts every further one).

// stayConnected returns a property that plays a schedule against the
// reconnecting example with opts.
func stayConnected(opts reconnecting.Options) func(ctx context.Context, s *scenario.Script) error {
	return func(ctx context.Context, s *scenario.Script) error {
		d := wstest.NewFakeDialer(nil)
		defer d.Close()
		ctx, stop := context.WithTimeout(ctx, 10*time.Minute)
		defer stop()
		done := make(chan struct{})
		go func() {
			defer close(done)
			scenario.Run(ctx, d, s)
		}()
		c, err := reconnecting.New(d.Constructor(), "ws://example.test/", opts)
		if err != nil {
			return err
		}
		<-done
		state := c.ReadyState()
		c.Close(wsdouble.CloseNormalClosure, "")
		<-c.Done()
		if state != wsdouble.Open {
			return fmt.Errorf("the client is %v at the end, want open:\n%s", state, wstest.Timeline(d.Attempts()))
		}
		return nil
	}
}

// plain is the harness of the reconnecting example with its defaults.
var plain = clientcheck.Harness{Name: "reconnecting", Start: startPlain, Policy: clientcheck.Policy{
	Backoff:        wstest.Backoff{Min: reconnecting.DefaultMinReconnectionDelay, Max: reconnecting.DefaultMaxReconnectionDelay, Factor: reconnecting.DefaultReconnectionDelayGrowFactor, ResetAfter: reconnecting.DefaultMinUptime},
	ConnectTimeout: reconnecting.DefaultConnectionTimeout,
}}

// startPlain starts the reconnecting example with its defaults.
func startPlain(_ context.Context, target clientcheck.Target) (func(context.Context) error, error) {
	c, err := reconnecting.New(target.Constructor, target.URL, reconnecting.Options{})
	if err != nil {
		return nil, err
	}
	return c.Stop, nil
}

// TestExploreFindsAClientThatStopsOnARestart: a client that does not come
// back after a close 1012 (service restart) is found, and the schedule
// shrinks to that close alone.
func TestExploreFindsAClientThatStopsOnARestart(t *testing.T) {
	opts := reconnecting.Options{ShouldReconnect: func(ev wsdouble.CloseEvent, _ error) bool { return ev.Code != wsdouble.CloseServiceRestart }}
	f, err := clientcheck.Find(t, plain, clientcheck.Property(stayConnected(opts)))
	if err != nil || f == nil {
		t.Fatalf("Find: %v, %v", f, err)
	}
	want, err := scenario.New(f.Script.Name).
		Attempt().Accept().Close(1012, "").
		Attempt().Label("healthy").Accept().Repeat().
		Build()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := marshal(t, f.Script), marshal(t, want); !bytes.Equal(got, want) {
		t.Errorf("the shrunk script:\n%s\nwant:\n%s\n%v", got, want, f)
	}
}

// TestExploreSurvivingClient: the reconnecting example, with its
// defaults, survives every schedule of the default budget, by the
// checker's invariants and by a property of this test's.
func TestExploreSurvivingClient(t *testing.T) {
	start := time.Now()
	if f, err := clientcheck.Find(t, plain); f != nil || err != nil {
		t.Fatalf("Find: %v, %v", f, err)
	}
	if f, err := clientcheck.Find(t, plain, clientcheck.Property(stayConnected(reconnecting.Options{}))); f != nil || err != nil {
		t.Fatalf("Find: %v, %v", f, err)
	}
	t.Logf("twice %d schedules in %v", clientcheck.DefaultRuns, time.Since(start))
}

// FuzzExplore runs the seed corpus of Fuzz under go test, each input
// checked with the checker's property; go test -fuzz FuzzExplore explores
// from there.
func FuzzExplore(f *testing.F) {
	clientcheck.Fuzz(f, plain)
}

// TestExploreReports: Explore reports what it found with t.Errorf, and,
// under go test -artifacts, saves the shrunk script as a file in the
// test's artifact directory and names it. The test that fails is a child,
// run again by this one.
func TestExploreReports(t *testing.T) {
	out, dir, err := artifacttest.Rerun(t, "^TestExploreReportsChild$", "WSDOUBLE_EXPLORE_CHILD")
	if err == nil {
		t.Fatalf("the child passed:\n%s", out)
	}
	m := regexp.MustCompile(`saved: (\S+explore-(\d+)\.json) \(wsdouble serve `).FindStringSubmatch(out)
	if m == nil || !strings.Contains(out, "--- FAIL: TestExploreReportsChild") || !strings.Contains(out, "is refused after a restart") {
		t.Fatalf("the child's output names no saved script:\n%s", out)
	}
	if !strings.HasPrefix(m[1], dir) {
		t.Errorf("saved in %s, want under the output directory %s", m[1], dir)
	}
	s, err := scenario.Load(m[1])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(unindented(out), unindented(string(marshal(t, s)))) { // go test indents a test's output
		t.Errorf("the saved script is not the one reported:\n%s\nthe output:\n%s", marshal(t, s), out)
	}
}

// unindented returns s without the white space that starts its lines.
func unindented(s string) string {
	return regexp.MustCompile(`(?m)^[ \t]+`).ReplaceAllString(s, "")
}

func TestExploreReportsChild(t *testing.T) {
	if os.Getenv("WSDOUBLE_EXPLORE_CHILD") == "" {
		t.Skip("run by TestExploreReports, and fails on purpose")
	}
	clientcheck.Explore(t, subscriber, clientcheck.Property(restartThenRefusal))
}

// TestExploreUnsupported: a client that cannot use the transport's
// target is an error, not a failing schedule to shrink.
func TestExploreUnsupported(t *testing.T) {
	h := subscriber
	h.Start = func(context.Context, clientcheck.Target) (func(context.Context) error, error) {
		return nil, fmt.Errorf("%w: it needs a Dialer", clientcheck.ErrUnsupported)
	}
	f, err := clientcheck.Find(t, h)
	if f != nil || !errors.Is(err, clientcheck.ErrUnsupported) {
		t.Errorf("Find: %v, %v; want ErrUnsupported", f, err)
	}
}

// TestExploreInMemory: with PlayWith(InMemory()), schedules play on real
// frames, raw ones among them: the client without a bug survives them,
// and a hot loop on 1006 is found.
func TestExploreInMemory(t *testing.T) {
	mem := clientcheck.PlayWith(clientcheck.InMemory())
	if f, err := clientcheck.Find(t, flawed.Harness(flawed.None), mem, clientcheck.Runs(300)); f != nil || err != nil {
		t.Fatalf("the client without a bug: %v, %v", f, err)
	}
	f, err := clientcheck.Find(t, flawed.Harness(flawed.HotLoopOnDrop), mem)
	if err != nil || f == nil || f.Outcome == nil || f.Outcome.Transport != clientcheck.TransportMemory {
		t.Fatalf("hot loop: %v, %v", f, err)
	}
}
