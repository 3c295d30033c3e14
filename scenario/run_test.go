package scenario_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

func flakyScript(t *testing.T) *scenario.Script {
	t.Helper()
	s, err := scenario.New("flaky").
		Attempt().Label("warming up").Refuse(503).Header("Retry-After", "1").Body("busy").
		Attempt().Accept().Subprotocol("v1").
		ExpectJSON(`{"op":"subscribe"}`).Label("subscribe").
		SendText("ping").
		ExpectText("pong").
		SendBinary([]byte{1, 2, 3}).
		Drop().
		Attempt().After(10*time.Millisecond).Accept().
		ExpectJSON(map[string]any{"op": "subscribe", "id": 1}).
		Close(4000, "bye").
		Build()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const wantOutline = `scenario "flaky": 3 attempts played, ok
timeline:
  attempt 1 (#1) "warming up": refused 503
  attempt 2 (#2): accepted v1
    step 1 expect JSON containing {"op":"subscribe"}: ← text "{\"op\":\"subscribe\",\"id\":1}" ✓ [subscribe]
    step 2 → text "ping"
    step 3 expect text "pong": ← text "pong" ✓
    step 4 → binary [3]010203
    step 5 drop
    end: dropped
  attempt 3 (#3): accepted v1
    step 1 expect JSON containing {"id":1,"op":"subscribe"}: ← text "{\"op\":\"subscribe\",\"id\":1}" ✓
    step 2 close 4000 "bye"
    end: server closed 4000 "bye" clean
`

const wantClientLog = `socket 1: error, close 1006 unclean
socket 2: open, message text "ping", message binary [3]010203, close 1006 unclean
socket 3: open, close 4000 "bye" clean`

// TestSameReportOnEveryLayer plays one script against the fake, the
// in-memory server (both on virtual time) and the loopback server (real
// time): the reports and what the client saw are the same. However slow
// the machine, it cannot hang: the run and the client each have a
// deadline, and missing it fails the test with the report and the log.
func TestSameReportOnEveryLayer(t *testing.T) {
	play := func(t *testing.T, acc wstest.Acceptor, ctor wsdouble.Constructor, url string) *scenario.Report {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		c := startClient(ctor, url, time.Millisecond)
		defer c.Stop()
		rep, err := scenario.Run(ctx, acc, flakyScript(t))
		if err != nil {
			t.Fatalf("%v\nthe client saw:\n%s", err, c.Log())
		}
		select {
		case <-c.Done():
		case <-ctx.Done():
			t.Fatalf("the client was still running after the script and 2 minutes; it saw:\n%s\nreport:\n%s", c.Log(), rep)
		}
		if got := c.Log(); got != wantClientLog {
			t.Errorf("client saw:\n%s\nwant:\n%s", got, wantClientLog)
		}
		if got := rep.Outline(); got != wantOutline {
			t.Errorf("report outline:\n%s\nwant:\n%s", got, wantOutline)
		}
		return rep
	}
	var fake, memory *scenario.Report
	t.Run("fake", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			d := wstest.NewFakeDialer(t)
			fake = play(t, d, d.Constructor(), "ws://flaky.test/")
		})
	})
	t.Run("memory", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := wstest.NewServer(t)
			memory = play(t, srv, srv.Constructor(), wstest.MemoryURL)
		})
	})
	t.Run("loopback", func(t *testing.T) {
		srv := wstest.NewServer(t)
		play(t, srv, wsdouble.New, srv.URL())
	})
	// On virtual time the two in-process layers agree to the nanosecond.
	if fake != nil && memory != nil && fake.String() != memory.String() {
		t.Errorf("fake and memory reports differ:\n%s\n%s", fake, memory)
	}
}

func TestMismatchesAreReportedWithTheTimeline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		s, err := scenario.New("picky").
			Attempt().Accept().ExpectJSON(`{"op":"subscribe"}`).ExpectText("never sent").Within(5 * time.Second).SendText("unreached").
			Attempt().Accept().ExpectJSON(`{"op":"unsubscribe"}`).Label("wrong op").
			ExpectText("never sent either").
			Build()
		if err != nil {
			t.Fatal(err)
		}
		c := startClient(d.Constructor(), "ws://x.test/", time.Second)
		rep, err := scenario.Run(t.Context(), d, s)
		c.Stop()
		if err == nil || rep.OK() {
			t.Fatal("Run: got no error, want mismatches")
		}
		want := []string{
			`attempt 1 (#1), step 2: want text "never sent", got nothing within 5s`,
			`attempt 2 (#2), step 1 "wrong op": want JSON containing {"op":"unsubscribe"}, got text "{\"op\":\"subscribe\",\"id\":1}": $.op differs`,
		}
		if len(rep.Mismatches) != len(want) {
			t.Fatalf("mismatches: got %v, want %d", rep.Mismatches, len(want))
		}
		for i, w := range want {
			if got := rep.Mismatches[i].Error(); got != w {
				t.Errorf("mismatch %d:\n got %s\nwant %s", i+1, got, w)
			}
		}
		msg := err.Error()
		for _, w := range []string{
			"2 mismatches", "timeline:", "+0s attempt 1 (#1): accepted", "+6s attempt 2 (#2): accepted",
			"+5s step 2 expect text \"never sent\" ✗ got nothing within 5s",
			`+5s after the mismatch: close 1008 "wsdouble: attempt 1, step 2: want text \"never sent\", got nothing within 5s"; step 3 not played`,
			`end: server closed 1008 "wsdouble: attempt 1, step 2: want text \"never sent\", got nothing within 5s" clean`,
			`step 1 expect JSON containing {"op":"unsubscribe"}: ← text "{\"op\":\"subscribe\",\"id\":1}" ✗ got text`,
			`+6s after the mismatch: close 1008 "wsdouble: attempt 2, step 1: want JSON containing {\"op\":\"unsubscribe\"}, got text`,
			`: $.op…"; step 2 not played`,
		} {
			if !strings.Contains(msg, w) {
				t.Errorf("the error lacks %q:\n%s", w, msg)
			}
		}
	})
}

// TestMismatchEndsTheAttempt: whatever the client does wrong (the wrong
// message, no message in time, no close in time), the server closes the
// connection with 1008 and a reason naming the step, the attempt's other
// steps are not played, and a reconnecting client comes back to the next
// attempt: the run finishes. Before this rule the connection stayed open,
// the client never came back, and Run waited for attempt 2 for ever (here:
// until the hour-long deadline).
func TestMismatchEndsTheAttempt(t *testing.T) {
	for _, tt := range []struct {
		name   string
		build  func(a *scenario.AttemptBuilder) *scenario.AttemptBuilder
		reason string
	}{
		{"wrong message", func(a *scenario.AttemptBuilder) *scenario.AttemptBuilder {
			return a.ExpectText("hello")
		}, `wsdouble: attempt 1, step 1: want text "hello", got text "{\"op\":\"subscribe\",\"id\":1}"`},
		{"no message in time", func(a *scenario.AttemptBuilder) *scenario.AttemptBuilder {
			return a.ExpectAny().ExpectText("pong").Within(3 * time.Second)
		}, `wsdouble: attempt 1, step 2: want text "pong", got nothing within 3s`},
		{"no close in time", func(a *scenario.AttemptBuilder) *scenario.AttemptBuilder {
			return a.ExpectAny().Step(scenario.ExpectClose{Code: 4000, Timeout: 3 * time.Second})
		}, `wsdouble: attempt 1, step 2: want the client to close with 4000, got nothing within 3s`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d := wstest.NewFakeDialer(t)
				s, err := tt.build(scenario.New("strict").Attempt().Accept()).
					SendText("unreached").
					Attempt().Accept().ExpectJSON(`{"op":"subscribe"}`).Close(4000, "bye").
					Build()
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
				defer cancel()
				c := startClient(d.Constructor(), "ws://x.test/", time.Second)
				rep, err := scenario.Run(ctx, d, s)
				c.Stop()
				if ctx.Err() != nil {
					t.Fatalf("Run waited until its deadline:\n%v", err)
				}
				if rep.Err != nil || !rep.Complete || len(rep.Mismatches) != 1 || len(rep.Attempts) != 2 {
					t.Fatalf("report: want both attempts played and one mismatch:\n%s", rep)
				}
				if got, want := rep.Attempts[0].End, (wstest.End{Kind: wstest.ServerClosed, Code: 1008, Reason: tt.reason, Clean: true}); got.Kind != want.Kind || got.Code != want.Code || got.Reason != want.Reason || !got.Clean {
					t.Errorf("attempt 1 ended %v, want %v", got, want)
				}
				wantLog := "socket 1: open, close 1008 " + strconv.Quote(tt.reason) + " clean\nsocket 2: open, close 4000 \"bye\" clean"
				if got := c.Log(); got != wantLog {
					t.Errorf("client saw:\n%s\nwant:\n%s", got, wantLog)
				}
				if out := rep.String(); strings.Contains(out, "unreached") || !strings.Contains(out, "not played") {
					t.Errorf("the report should say the send was not played, and not play it:\n%s", out)
				}
			})
		})
	}
}

func TestPlayReportsAtCleanup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ftb := &fakeTB{}
		d := wstest.NewFakeDialer(t)
		s, _ := scenario.New("two").Attempt().Accept().Attempt().Accept().Build()
		scenario.Play(ftb, d, s)
		ws, _ := d.Constructor()("ws://x.test/") // only one attempt comes
		<-opened(ws)
		ftb.cleanup()
		if len(ftb.errors) != 1 || !strings.Contains(ftb.errors[0], "attempt 2 never came") || !strings.Contains(ftb.errors[0], "timeline:") {
			t.Errorf("reported: %q", ftb.errors)
		}
		ws.Close(1000, "")
	})
}

// TestPlayReportsEachFailureOnce: a failure that Wait (or Stop) returned
// to the test is the test's to report; the cleanup does not report it a
// second time. One that no one took is reported at cleanup, once.
func TestPlayReportsEachFailureOnce(t *testing.T) {
	s, _ := scenario.New("one").Attempt().Accept().ExpectText("hello").Within(time.Second).Build()
	for _, tt := range []struct {
		name string
		take func(*scenario.Playback) error
		want int // failures reported at cleanup
	}{
		{"Wait", func(pb *scenario.Playback) error { _, err := pb.Wait(context.Background()); return err }, 0},
		{"Stop", func(pb *scenario.Playback) error { <-pb.Done(); _, err := pb.Stop(); return err }, 0},
		{"neither", func(pb *scenario.Playback) error { <-pb.Done(); return errors.New("not taken") }, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ftb := &fakeTB{}
				d := wstest.NewFakeDialer(t)
				pb := scenario.Play(ftb, d, s)
				ws, _ := d.Constructor()("ws://x.test/")
				if err := tt.take(pb); err == nil {
					t.Fatal("the run: got no error, want a mismatch")
				}
				ftb.cleanup()
				if len(ftb.errors) != tt.want {
					t.Errorf("the cleanup reported %d failures, want %d: %q", len(ftb.errors), tt.want, ftb.errors)
				}
				ws.Close(1000, "")
			})
		})
	}
}

func TestRepeatServesUntilStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		s, err := scenario.New("echo once each").
			Attempt().Refuse(503).
			Attempt().Accept().ExpectAny().SendText("hi").Close(1000, "").Repeat().
			Build()
		if err != nil {
			t.Fatal(err)
		}
		pb := scenario.Play(t, srv, s)
		c := startClient(srv.Constructor(), wstest.MemoryURL, time.Second)
		time.Sleep(10 * time.Second)
		c.Stop()
		rep, err := pb.Stop()
		if err != nil {
			t.Fatal(err)
		}
		if !rep.Complete || len(rep.Attempts) < 5 {
			t.Errorf("report: complete %v, %d attempts; want complete and about 10 attempts", rep.Complete, len(rep.Attempts))
		}
		if rep.Attempts[3].Attempt != 2 {
			t.Errorf("the 4th attempt was answered by script attempt %d, want the repeated 2", rep.Attempts[3].Attempt)
		}
	})
}

func TestTimeScale(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		s, _ := scenario.New("slow").Attempt().After(10*time.Second).Accept().Wait(time.Minute).Close(1000, "").Build()
		start := time.Now()
		c := startClient(d.Constructor(), "ws://x.test/", time.Hour)
		if _, err := scenario.Run(context.Background(), d, s, scenario.TimeScale(0.5)); err != nil {
			t.Fatal(err)
		}
		c.Stop()
		if got := time.Since(start); got.Round(time.Second) != 35*time.Second {
			t.Errorf("a 70 s script at half scale took %v, want 35s", got)
		}
	})
}

// giveUp opens one socket and closes it after patience if it has not
// opened by then, as a client's handshake timeout does. It returns the
// socket's events and when its close event came, from the call.
func giveUp(t *testing.T, ctor wsdouble.Constructor, url string, patience time.Duration) (log func() (string, time.Duration), done <-chan struct{}) {
	t.Helper()
	start := time.Now()
	ws, err := ctor(url)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var events []string
	var closedAt time.Duration
	finished := make(chan struct{})
	ws.AddEventListener(wsdouble.EventError, wsdouble.ListenerFunc(func(wsdouble.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, "error")
	}))
	ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, "open")
	}))
	ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, fmt.Sprint(e))
		closedAt = time.Since(start)
		close(finished)
	}))
	go func() {
		select {
		case <-time.After(patience):
			ws.Close(wsdouble.CloseNormalClosure, "")
		case <-finished:
		}
	}()
	return func() (string, time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(events, ", "), closedAt
	}, finished
}

// TestHangLastsUntilTheClientGivesUp: a hung last attempt hangs until the
// client gives up, on every layer, and the run waits for it: the client
// sees its own handshake timeout (error, then close 1006), never an end
// the server caused, and the report says the client gave up. Before, Run
// returned as soon as the attempt was left hanging, and an acceptor
// closed after it (wsdouble serve --once) cut the attempt short.
func TestHangLastsUntilTheClientGivesUp(t *testing.T) {
	s, err := scenario.New("hang").Attempt().Accept().Close(4000, "").Attempt().Hang().Build()
	if err != nil {
		t.Fatal(err)
	}
	const wantOutline = `scenario "hang": 2 attempts played, ok
timeline:
  attempt 1 (#1): accepted
    step 1 close 4000
    end: server closed 4000 clean
  attempt 2 (#2): hung
    end: the client gave up
`
	play := func(t *testing.T, acc wstest.Acceptor, ctor wsdouble.Constructor, url string, patience time.Duration) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		type result struct {
			rep *scenario.Report
			err error
			at  time.Duration
		}
		ran := make(chan result, 1)
		start := time.Now()
		go func() {
			rep, err := scenario.Run(ctx, acc, s)
			ran <- result{rep, err, time.Since(start)}
		}()
		first, firstDone := giveUp(t, ctor, url, time.Minute)
		<-firstDone
		if got, _ := first(); got != "open, close 4000 clean" {
			t.Fatalf("attempt 1: client saw %q", got)
		}
		log, done := giveUp(t, ctor, url, patience)
		res := <-ran
		<-done
		if res.err != nil {
			t.Fatal(res.err)
		}
		got, closedAt := log()
		if got != "error, close 1006 unclean" || closedAt < patience {
			t.Errorf("the hung attempt: client saw %q after %v, want its own give-up after %v: error, close 1006 unclean", got, closedAt, patience)
		}
		if res.at < patience {
			t.Errorf("Run returned after %v, before the client gave up (%v)", res.at, patience)
		}
		if out := res.rep.Outline(); out != wantOutline {
			t.Errorf("outline:\n%s\nwant:\n%s", out, wantOutline)
		}
	}
	t.Run("fake", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			d := wstest.NewFakeDialer(t)
			play(t, d, d.Constructor(), "ws://hang.test/", 30*time.Second)
		})
	})
	t.Run("memory", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := wstest.NewServer(t)
			play(t, srv, srv.Constructor(), wstest.MemoryURL, 30*time.Second)
		})
	})
	t.Run("loopback", func(t *testing.T) {
		srv := wstest.NewServer(t)
		play(t, srv, wsdouble.New, srv.URL(), 300*time.Millisecond)
	})
}

// TestHangStoppedIsPending: a run stopped while a hung attempt still hangs
// says so in Pending, and is not a failure.
func TestHangStoppedIsPending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		s, _ := scenario.New("hang").Attempt().Hang().Build()
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		ws, _ := d.Constructor()("ws://hang.test/")
		rep, err := scenario.Run(ctx, d, s)
		if err != nil {
			t.Fatal(err)
		}
		want := []scenario.Pending{{Attempt: 1, N: 1, What: "hung: the client had not given up"}}
		if !reflect.DeepEqual(rep.Pending, want) {
			t.Errorf("pending: got %v, want %v", rep.Pending, want)
		}
		if out := rep.String(); !strings.Contains(out, "still waiting when the run was stopped:\n  attempt 1 (#1): hung: the client had not given up\n") {
			t.Errorf("report:\n%s", out)
		}
		ws.Close(1000, "")
	})
}
