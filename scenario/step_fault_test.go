package scenario_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// TestEveryFaultKindIsAStep: every kind of wstest.FaultKinds is a step named
// for it, whose fields are its row's parameters and direction, probability
// and seed; it decodes to the fault the fields say, and survives Marshal
// and Parse. A kind added to wstest's table is a step with no edit here.
func TestEveryFaultKindIsAStep(t *testing.T) {
	kinds := wstest.FaultKinds()
	if len(kinds) == 0 {
		t.Fatal("wstest.FaultKinds is empty")
	}
	for _, k := range kinds {
		// A OneOf row is given one parameter at a time; another, all.
		sets := [][]wstest.FaultParam{k.Params}
		if k.OneOf {
			sets = nil
			for _, p := range k.Params {
				sets = append(sets, []wstest.FaultParam{p})
			}
		}
		for _, params := range sets {
			want := wstest.FaultSpec{Kind: k.Kind, Direction: otherDirection(k), Probability: 0.5, Seed: 7}
			var fields []string
			for _, p := range params {
				v := paramValue(p)
				p.Set(&want, v)
				if p.Type == wstest.DurationParam {
					fields = append(fields, fmt.Sprintf("%q: %q", p.Name, time.Duration(v)))
				} else {
					fields = append(fields, fmt.Sprintf("%q: %d", p.Name, v))
				}
			}
			fields = append(fields, fmt.Sprintf(`"direction": %q, "probability": 0.5, "seed": 7`, want.Direction))
			step := fmt.Sprintf(`{%q: {%s}}`, k.Kind, strings.Join(fields, ", "))
			t.Run(step, func(t *testing.T) {
				src := `{"version": 1, "attempts": [{"accept": {}, "steps": [` + step + `]}]}`
				s, err := scenario.Parse(strings.NewReader(src))
				if err != nil {
					t.Fatal(err)
				}
				if got := faultSpec(t, s); got != want {
					t.Errorf("decoded %+v, want %+v", got, want)
				}
				out, err := scenario.Marshal(s)
				if err != nil {
					t.Fatal(err)
				}
				back, err := scenario.Parse(bytes.NewReader(out))
				if err != nil {
					t.Fatalf("Parse(Marshal(s)): %v\n%s", err, out)
				}
				if got := faultSpec(t, back); got != want {
					t.Errorf("after Marshal and Parse: %+v, want %+v\n%s", got, want, out)
				}
			})
		}
	}
}

// otherDirection is a direction the kind may act in, other than its
// default when it has another.
func otherDirection(k wstest.FaultKindInfo) wstest.Direction {
	for _, d := range []wstest.Direction{wstest.ToClient, wstest.FromClient, wstest.Both} {
		if d != k.Default && d&^k.Directions == 0 {
			return d
		}
	}
	return k.Default
}

// paramValue is a valid value of p other than its zero.
func paramValue(p wstest.FaultParam) int64 {
	v := int64(3)
	if p.Type == wstest.DurationParam {
		v = int64(1500 * time.Millisecond)
	}
	return min(max(v, p.Min, 1), p.Max)
}

// faultSpec is the spec of the fault of s's one step.
func faultSpec(t *testing.T, s *scenario.Script) wstest.FaultSpec {
	t.Helper()
	inj, ok := s.Attempts[0].Steps[0].Action.(scenario.Inject)
	if !ok {
		t.Fatalf("the step is a %T, want a scenario.Inject", s.Attempts[0].Steps[0].Action)
	}
	if name := inj.Name(); name != string(inj.Fault.Kind()) {
		t.Errorf("the step is named %q, want its kind %q", name, inj.Fault.Kind())
	}
	return inj.Fault.Spec()
}

// plainAcceptor is an acceptor that cannot go down: it has only the
// methods of a wstest.Acceptor.
type plainAcceptor struct{ wstest.Acceptor }

// TestFaultStepsNeedWhatTheyAct: a step that takes the server down on an
// acceptor that cannot go down is a mismatch that says so. (Every Peer
// takes faults: Inject, Heal and Reset are Peer methods.)
func TestFaultStepsNeedWhatTheyAct(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		s, err := scenario.New("plain").
			Attempt().Accept().Down(time.Second).
			Attempt().Accept().DropAll().
			Build()
		if err != nil {
			t.Fatal(err)
		}
		c := startClient(d.Constructor(), "ws://plain.test/", time.Second)
		defer c.Stop()
		rep, err := scenario.Run(t.Context(), plainAcceptor{d}, s)
		if err == nil {
			t.Fatalf("Run: no error, want mismatches:\n%s", rep)
		}
		want := []string{
			"attempt 1 (#1), step 1: want to server down for 1s, got the acceptor scenario_test.plainAcceptor cannot go down",
			"attempt 2 (#2), step 1: want to drop every connection, got the acceptor scenario_test.plainAcceptor cannot drop its connections",
		}
		var got []string
		for _, m := range rep.Mismatches {
			got = append(got, m.Error())
		}
		if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
			t.Errorf("mismatches:\n%s\nwant:\n%s", g, w)
		}
	})
}

// TestCrashRefusesAnImmediateRedial: a down step with Drop takes the
// server down before it drops the connections, so a client that redials
// the instant its connection drops finds it down, on every run, whatever
// order the goroutines of that instant run in; once it is back up, the
// next attempt is the script's next.
func TestCrashRefusesAnImmediateRedial(t *testing.T) {
	for run := range 50 {
		synctest.Test(t, func(t *testing.T) {
			d := wstest.NewFakeDialer(t)
			s, err := scenario.New("crash").
				Attempt().Accept().Crash(1500*time.Millisecond).
				Attempt().Accept().Close(4000, "back").
				Build()
			if err != nil {
				t.Fatal(err)
			}
			played := make(chan *scenario.Report, 1)
			go func() {
				rep, _ := scenario.Run(t.Context(), d, s)
				played <- rep
			}()
			var got []string
			t0 := time.Now()
			dial := func() {
				ws, err := d.Constructor()("ws://crash.test/")
				if err != nil {
					got = append(got, "constructor: "+err.Error())
					return
				}
				closed := make(chan wsdouble.CloseEvent, 1)
				var events []string
				ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) { events = append(events, "open") }))
				ws.AddEventListener(wsdouble.EventError, wsdouble.ListenerFunc(func(wsdouble.Event) { events = append(events, "error") }))
				ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(e wsdouble.Event) {
					events = append(events, e.(wsdouble.CloseEvent).String())
					closed <- e.(wsdouble.CloseEvent)
				}))
				<-closed
				got = append(got, time.Since(t0).Round(time.Millisecond).String()+" "+strings.Join(events, ", "))
			}
			dial() // dropped by the crash
			dial() // at once: the server is down
			time.Sleep(2 * time.Second)
			dial() // back up: the script's second attempt
			rep := <-played
			want := []string{
				"0s open, close 1006 unclean",
				"0s error, close 1006 unclean",
				"2s open, close 4000 \"back\" clean",
			}
			if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
				t.Fatalf("run %d: the client saw:\n%s\nwant:\n%s\nreport:\n%s", run, g, w, rep)
			}
			if !rep.OK() || len(d.Attempts()) != 2 {
				t.Errorf("run %d: %d attempts logged, report:\n%s", run, len(d.Attempts()), rep)
			}
		})
	}
}
