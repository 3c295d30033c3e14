package scenario_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// chatty connects once, sends "m1".."mN" one per second, records what
// comes back, and closes after the last echo or when the server ends.
func chatty(t *testing.T, ctor wsdouble.Constructor, n int) (log func() string, done <-chan struct{}) {
	t.Helper()
	ws, err := ctor("ws://echo.test/")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	finished := make(chan struct{})
	ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
		go func() {
			for i := 1; i <= n; i++ {
				if i > 1 {
					select {
					case <-time.After(time.Second):
					case <-finished:
						return
					}
				}
				if ws.Send(wsdouble.Text(fmt.Sprintf("m%d", i))) != nil {
					return
				}
			}
		}()
	}))
	ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		got = append(got, string(e.(wsdouble.MessageEvent).Data))
		if len(got) == n {
			ws.Close(1000, "")
		}
	}))
	ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		got = append(got, fmt.Sprint(e))
		close(finished)
	}))
	return func() string { return strings.Join(got, ", ") }, finished
}

func TestEcho(t *testing.T) {
	tests := []struct {
		name   string
		build  func(a *scenario.AttemptBuilder) *scenario.AttemptBuilder
		sends  int
		client string
		steps  string
	}{
		{"until the end", func(a *scenario.AttemptBuilder) *scenario.AttemptBuilder { return a.Echo(0) }, 3,
			"m1, m2, m3, close 1000 clean",
			"step 1 echo until the connection ends: 3 echoed, then the connection ended"},
		{"a count, then close", func(a *scenario.AttemptBuilder) *scenario.AttemptBuilder { return a.Echo(2).Close(4000, "enough") }, 3,
			`m1, m2, close 4000 "enough" clean`,
			`step 1 echo 2 messages|step 2 close 4000 "enough"`},
		{"a duration, then drop", func(a *scenario.AttemptBuilder) *scenario.AttemptBuilder {
			return a.EchoFor(1500 * time.Millisecond).Drop()
		}, 3,
			"m1, m2, close 1006 unclean",
			"step 1 echo for 1.5s: 2 echoed|step 2 drop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d := wstest.NewFakeDialer(t)
				s, err := tt.build(scenario.New("echo").Attempt().Accept()).Build()
				if err != nil {
					t.Fatal(err)
				}
				log, done := chatty(t, d.Constructor(), tt.sends)
				rep, err := scenario.Run(t.Context(), d, s)
				if err != nil {
					t.Fatal(err)
				}
				<-done
				if got := log(); got != tt.client {
					t.Errorf("the client saw %s, want %s", got, tt.client)
				}
				var steps []string
				for _, e := range rep.Attempts[0].Entries {
					if e.Action == "echo" && e.Message != nil {
						continue
					}
					steps = append(steps, fmt.Sprintf("step %d %s", e.Step, e.Detail))
				}
				if got := strings.Join(steps, "|"); got != tt.steps {
					t.Errorf("steps: %s\nwant: %s\n%s", got, tt.steps, rep)
				}
				if n := strings.Count(rep.String(), "(echoed)"); n != strings.Count(tt.client, "m") {
					t.Errorf("%d echoes in the report, want one line per message:\n%s", n, rep)
				}
			})
		})
	}
}

// TestProgressIsTheTimelineLive: OnProgress reports, as they happen, the
// same lines the report's timeline ends with.
func TestProgressIsTheTimelineLive(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		s, err := scenario.New("live").
			Attempt().Label("busy").Refuse(503).
			Attempt().Accept().ExpectJSON(`{"op":"subscribe"}`).SendText("ping").ExpectText("pong").Drop().
			Attempt().Accept().ExpectJSON(`{"op":"subscribe"}`).Close(4000, "bye").
			Build()
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		c := startClient(d.Constructor(), "ws://live.test/", time.Second)
		rep, err := scenario.Run(t.Context(), d, s, scenario.OnProgress(func(p scenario.Progress) {
			lines = append(lines, p.String())
		}))
		if err != nil {
			t.Fatal(err)
		}
		<-c.Done()
		want := `+0s attempt 1 (#1) "busy" arrived
+0s attempt 1 (#1) "busy": refused 503
+1s attempt 2 (#2) arrived
+1s attempt 2 (#2): accepted v1
+1s attempt 2 (#2): step 1 expect JSON containing {"op":"subscribe"}: ← text "{\"op\":\"subscribe\",\"id\":1}" ✓
+1s attempt 2 (#2): step 2 → text "ping"
+1s attempt 2 (#2): step 3 expect text "pong": ← text "pong" ✓
+1s attempt 2 (#2): step 4 drop
+1s attempt 2 (#2): end: dropped
+2s attempt 3 (#3) arrived
+2s attempt 3 (#3): accepted v1
+2s attempt 3 (#3): step 1 expect JSON containing {"op":"subscribe"}: ← text "{\"op\":\"subscribe\",\"id\":1}" ✓
+2s attempt 3 (#3): step 2 close 4000 "bye"
+2s attempt 3 (#3): end: server closed 4000 "bye" clean`
		if got := strings.Join(lines, "\n"); got != want {
			t.Errorf("progress:\n%s\nwant:\n%s\nreport:\n%s", got, want, rep)
		}
	})
}
