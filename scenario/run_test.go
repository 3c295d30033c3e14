package scenario_test

import (
	"context"
	"strings"
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
// time): the reports and what the client saw are the same.
func TestSameReportOnEveryLayer(t *testing.T) {
	play := func(t *testing.T, acc wstest.Acceptor, ctor wsdouble.Constructor, url string) *scenario.Report {
		c := startClient(ctor, url, time.Millisecond)
		rep, err := scenario.Run(t.Context(), acc, flakyScript(t))
		if err != nil {
			t.Fatal(err)
		}
		<-c.Done()
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
			Attempt().Accept().ExpectJSON(`{"op":"unsubscribe"}`).Label("wrong op").
			ExpectText("never sent").Within(5 * time.Second).
			Build()
		if err != nil {
			t.Fatal(err)
		}
		c := startClient(d.Constructor(), "ws://x.test/", time.Hour)
		rep, err := scenario.Run(t.Context(), d, s)
		c.Stop()
		if err == nil || rep.OK() {
			t.Fatal("Run: got no error, want mismatches")
		}
		if len(rep.Mismatches) != 2 {
			t.Fatalf("mismatches: got %v, want 2", rep.Mismatches)
		}
		want := []string{
			`attempt 1 (#1), step 1 "wrong op": want JSON containing {"op":"unsubscribe"}, got text "{\"op\":\"subscribe\",\"id\":1}": $.op differs`,
			`attempt 1 (#1), step 2: want text "never sent", got nothing within 5s`,
		}
		for i, w := range want {
			if got := rep.Mismatches[i].Error(); got != w {
				t.Errorf("mismatch %d:\n got %s\nwant %s", i+1, got, w)
			}
		}
		msg := err.Error()
		for _, w := range []string{"2 mismatches", "timeline:", "+0s attempt 1 (#1): accepted", "+5s step 2 expect text \"never sent\" ✗ got nothing within 5s"} {
			if !strings.Contains(msg, w) {
				t.Errorf("the error lacks %q:\n%s", w, msg)
			}
		}
	})
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
