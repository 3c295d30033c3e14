package scenario_test

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// faultScript uses fault steps of every sort: an aborted handshake,
// latency, slicing, healing, a reset, a crash of the whole server and an
// outage, a close left unanswered.
func faultScript(t *testing.T) *scenario.Script {
	t.Helper()
	s, err := scenario.New("faults").
		Attempt().Label("crash mid-handshake").Abort().
		Attempt().Accept().
		ExpectJSON(`{"op":"subscribe"}`).
		Inject(wstest.Latency(time.Second).Only(wstest.ToClient)).
		SendText("ping").
		ExpectText("pong").
		Heal().
		Inject(wstest.Slicer(3, 100*time.Millisecond)).
		SendText("in slices").
		Wait(time.Second). // the slices arrive; a reset would discard them
		Heal().
		Reset().
		Attempt().Accept().
		ExpectJSON(`{"op":"subscribe"}`).
		DropAll().
		Down(5*time.Second).
		Attempt().Accept().
		ExpectJSON(`{"op":"subscribe"}`).
		Inject(wstest.NoCloseReply()).
		Close(4000, "bye").
		Build()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

const wantFaultOutline = `scenario "faults": 4 attempts played, ok
timeline:
  attempt 1 (#1) "crash mid-handshake": aborted
  attempt 2 (#2): accepted v1
    step 1 expect JSON containing {"op":"subscribe"}: ← text "{\"op\":\"subscribe\",\"id\":1}" ✓
    step 2 fault latency 1s to_client
    step 3 → text "ping"
    step 4 expect text "pong": ← text "pong" ✓
    step 5 heal
    step 6 fault slicer 3 B every 100ms
    step 7 → text "in slices"
    step 8 wait 1s
    step 9 heal
    step 10 reset
    end: reset
  attempt 3 (#3): accepted v1
    step 1 expect JSON containing {"op":"subscribe"}: ← text "{\"op\":\"subscribe\",\"id\":1}" ✓
    step 2 drop every connection
    step 3 server down for 5s
    end: dropped
  attempt 4 (#4): accepted v1
    step 1 expect JSON containing {"op":"subscribe"}: ← text "{\"op\":\"subscribe\",\"id\":1}" ✓
    step 2 fault no_close_reply
    step 3 close 4000 "bye"
    end: server closed 4000 "bye" clean
`

// On virtual time, with the client retrying every 2 s: the dial at +8 s
// and the one at +10 s come while the server is down (refused, not
// logged); the one at +12 s gets through.
const wantFaultClientLog = `socket 1: error, close 1006 unclean
socket 2: open, message text "ping", message text "in slices", close 1006 unclean
socket 3: open, close 1006 unclean
socket 4: error, close 1006 unclean
socket 5: error, close 1006 unclean
socket 6: open, close 4000 "bye" clean`

func TestFaultStepsOnEveryLayer(t *testing.T) {
	// Loopback runs in real time, 50 times faster: TimeScale scales the
	// waits, the down time and the faults' durations alike.
	play := func(t *testing.T, acc wstest.Acceptor, ctor wsdouble.Constructor, url string, scale float64) (*scenario.Report, string) {
		c := startClient(ctor, url, time.Duration(scale*float64(2*time.Second)))
		rep, err := scenario.Run(t.Context(), acc, faultScript(t), scenario.TimeScale(scale))
		if err != nil {
			t.Fatal(err)
		}
		<-c.Done()
		want := wantFaultOutline
		if scale != 1 { // the report shows what was played
			want = strings.NewReplacer("latency 1s", "latency 20ms", "every 100ms", "every 2ms",
				"wait 1s", "wait 20ms", "down for 5s", "down for 100ms").Replace(want)
		}
		if got := rep.Outline(); got != want {
			t.Errorf("report outline:\n%s\nwant:\n%s", got, want)
		}
		return rep, c.Log()
	}
	var reports, logs [2]string
	t.Run("fake", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			d := wstest.NewFakeDialer(t)
			rep, log := play(t, d, d.Constructor(), "ws://faults.test/", 1)
			reports[0], logs[0] = rep.String(), log
		})
	})
	t.Run("memory", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := wstest.NewServer(t)
			rep, log := play(t, srv, srv.Constructor(), wstest.MemoryURL, 1)
			reports[1], logs[1] = rep.String(), log
		})
	})
	t.Run("loopback", func(t *testing.T) {
		srv := wstest.NewServer(t)
		play(t, srv, wsdouble.New, srv.URL(), 1.0/50)
	})
	if reports[0] != reports[1] {
		t.Errorf("fake and memory reports differ:\n%s\n%s", reports[0], reports[1])
	}
	for i, log := range logs {
		if log != "" && log != wantFaultClientLog {
			t.Errorf("%s: the client saw:\n%s\nwant:\n%s", []string{"fake", "memory"}[i], log, wantFaultClientLog)
		}
	}
}

// seededScript pings the client ten times through a link where half the
// messages, drawn from seed, take 100 ms ± 80 ms.
func seededScript(t *testing.T, seed uint64) *scenario.Script {
	t.Helper()
	a := scenario.New("seeded").Attempt().Accept().
		ExpectJSON(`{"op":"subscribe"}`).
		Inject(wstest.Latency(100 * time.Millisecond).Jitter(80 * time.Millisecond).Probability(0.5).Seed(seed))
	for range 10 {
		a.SendText("ping").ExpectText("pong")
	}
	s, err := a.Close(4000, "bye").Build()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestSeededFaultsAreReproducible: two runs with the same seeds give the
// same timeline, to the nanosecond, on the fake and on the in-memory
// server alike; another seed gives another.
func TestSeededFaultsAreReproducible(t *testing.T) {
	run := func(t *testing.T, layer string, seed uint64) string {
		var out string
		synctest.Test(t, func(t *testing.T) {
			var acc wstest.Acceptor
			var ctor wsdouble.Constructor
			if layer == "fake" {
				d := wstest.NewFakeDialer(t)
				acc, ctor = d, d.Constructor()
			} else {
				srv := wstest.NewServer(t)
				acc, ctor = srv, srv.Constructor()
			}
			c := startClient(ctor, wstest.MemoryURL, time.Second)
			rep, err := scenario.Run(t.Context(), acc, seededScript(t, seed))
			if err != nil {
				t.Fatal(err)
			}
			<-c.Done()
			out = rep.String()
		})
		return out
	}
	var first string
	for _, layer := range []string{"fake", "memory"} {
		t.Run(layer, func(t *testing.T) {
			a, b := run(t, layer, 7), run(t, layer, 7)
			if a != b {
				t.Errorf("same seed, different runs:\n%s\n%s", a, b)
			}
			if other := run(t, layer, 8); other == a {
				t.Errorf("seeds 7 and 8 gave the same run:\n%s", a)
			}
			if first == "" {
				first = a
			} else if a != first {
				t.Errorf("fake and memory differ:\n%s\n%s", first, a)
			}
		})
	}
}
