package wstest_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// reconnector is the smallest reconnecting client: it connects, and each
// time the connection closes it waits min·2^(n-1), capped at max, for the
// n-th retry in a row, and connects again, until stopped. It never resets
// the delay.
type reconnector struct {
	stop     chan struct{}
	done     chan struct{}
	received chan string
}

func startReconnector(ctor wsdouble.Constructor, url string, minDelay, maxDelay time.Duration) *reconnector {
	r := &reconnector{stop: make(chan struct{}), done: make(chan struct{}), received: make(chan string, 16)}
	go func() {
		defer close(r.done)
		for retries := 0; ; retries++ {
			if retries > 0 {
				delay := maxDelay
				if retries < 31 {
					delay = min(minDelay<<(retries-1), maxDelay)
				}
				select {
				case <-time.After(delay):
				case <-r.stop:
					return
				}
			}
			ws, err := ctor(url)
			if err != nil {
				return
			}
			closed := make(chan struct{})
			ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) {
				r.received <- string(e.(wsdouble.MessageEvent).Data)
			}))
			ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) { close(closed) }))
			select {
			case <-closed:
			case <-r.stop:
				ws.Close(wsdouble.CloseNormalClosure, "")
				<-closed
				return
			}
		}
	}()
	return r
}

func (r *reconnector) Stop() {
	close(r.stop)
	<-r.done
}

var policy = wstest.Backoff{Min: time.Second, Factor: 2, Max: 512 * time.Second, ResetAfter: time.Minute}

// flaky plays the 10-attempt scenario: refuse 9 attempts with 503, accept
// the 10th, send one message and drop it; then take the 11th, which comes
// 512 s later (about 17 minutes of virtual time in all).
func flaky(tb testing.TB, acc wstest.Acceptor, r *reconnector) {
	ctx := tb.Context()
	for range 9 {
		a, err := acc.NextAttempt(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		a.Refuse(http.StatusServiceUnavailable, nil, "")
	}
	a, err := acc.NextAttempt(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	p, err := a.Accept(wstest.AcceptOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	p.Send(wsdouble.Text("hello"))
	<-r.received
	p.Drop()
	if _, err := acc.NextAttempt(ctx); err != nil {
		tb.Fatal(err)
	}
	r.Stop()
}

func TestBackoffOnAReconnectingClient(t *testing.T) {
	wall := time.Now()
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		d := wstest.NewFakeDialer(t)
		r := startReconnector(d.Constructor(), "ws://flaky.test/", time.Second, 512*time.Second)
		flaky(t, d, r)

		if got := time.Since(start).Round(time.Second); got != 1023*time.Second {
			t.Errorf("virtual time: got %v, want 17m3s (1 s doubling to 512 s)", got)
		}
		wstest.AssertAttempts(t, d, 11)
		wstest.AssertBackoff(t, d, policy)

		// A wrong policy fails, and the failure shows the timeline.
		for _, wrong := range []wstest.Backoff{
			{Min: time.Second, Factor: 3, Max: 512 * time.Second, ResetAfter: time.Minute},
			{Min: 2 * time.Second, Factor: 2, Max: 512 * time.Second, ResetAfter: time.Minute},
			{Min: time.Second, Factor: 2, Max: 256 * time.Second, ResetAfter: time.Minute},
			{Min: time.Second, Factor: 2, Max: 512 * time.Second}, // a drop resets: the 11th should come after 1 s
		} {
			ftb := &fakeTB{}
			if wstest.AssertBackoff(ftb, d, wrong) {
				t.Errorf("AssertBackoff with %v: passed, want a failure", wrong)
				continue
			}
			msg := strings.Join(ftb.errors, "\n")
			for _, want := range []string{"delays off the policy", "timeline:", "✗ want gap", "refused 503", "accepted", "dropped at +8m31s"} {
				if !strings.Contains(msg, want) {
					t.Errorf("AssertBackoff with %v: the message lacks %q:\n%s", wrong, want, msg)
				}
			}
		}
	})
	if d := time.Since(wall); d > 50*time.Millisecond {
		t.Logf("wall time %v (the acceptance target is < 50 ms)", d)
	}
}

func TestBackoffFailureMessage(t *testing.T) {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	log := []wstest.AttemptRecord{
		{N: 1, Time: at(0), AnswerTime: at(0), Outcome: wstest.Refused, Status: 503},
		{N: 2, Time: at(time.Second), AnswerTime: at(time.Second), Outcome: wstest.Refused, Status: 503},
		{N: 3, Time: at(3 * time.Second), AnswerTime: at(3 * time.Second), Outcome: wstest.Accepted, Status: 101,
			ToClient: 2, FromClient: 1, End: wstest.End{Kind: wstest.Dropped, Time: at(13 * time.Second)}},
		{N: 4, Time: at(14 * time.Second), AnswerTime: at(14 * time.Second), Outcome: wstest.Refused, Status: 503},
	}
	b := wstest.Backoff{Min: time.Second, Factor: 2, Max: time.Minute, ResetAfter: 5 * time.Second}
	if err := wstest.CheckBackoff(log, b); err != nil {
		t.Errorf("a conforming log: %v", err)
	}
	b.ResetAfter = time.Minute // the 10 s connection no longer resets: #4 should wait 4 s
	err := wstest.CheckBackoff(log, b)
	want := `wstest: backoff: 1 of 3 delays off the policy (the delays before #2 to #4 checked; min 1s, ×2, max 1m0s, reset after 1m0s up):
  attempt #4 came 1s after #3 was over, want 4s (retry 3 in a row)
timeline:
  #  at    gap  answer       messages  end
  1  +0s   -    refused 503  -         -
  2  +1s   1s   refused 503  -         -
  3  +3s   2s   accepted     ↓2 ↑1     dropped at +13s
  4  +14s  1s   refused 503  -         -                ✗ want gap 4s
`
	if err == nil || err.Error() != want {
		t.Errorf("CheckBackoff:\n%v\nwant:\n%s", err, want)
	}
	b.Jitter, b.Tolerance = 0.5, 100*time.Millisecond
	if err := wstest.CheckBackoff(log, b); err == nil || !strings.Contains(err.Error(), "want 1.9s–6.1s") {
		t.Errorf("with jitter: got %v, want a range 1.9s–6.1s", err)
	}
	for _, bad := range []wstest.Backoff{{Min: -1}, {Factor: -2}, {Jitter: 2}, {Min: time.Minute, Max: time.Second}} {
		if err := wstest.CheckBackoff(log, bad); err == nil || !strings.HasPrefix(err.Error(), "wstest: Backoff:") {
			t.Errorf("CheckBackoff with %+v: got %v, want an invalid-policy error", bad, err)
		}
	}
	if err := wstest.CheckAttempts(log, 3); err == nil || !strings.Contains(err.Error(), "got 4, want 3") {
		t.Errorf("CheckAttempts: got %v", err)
	}
	if got := wstest.Gaps(log); len(got) != 3 || got[2] != time.Second {
		t.Errorf("Gaps: got %v, want [1s 2s 1s]", got)
	}
	if errors.Is(err, wstest.ErrClosed) {
		t.Error("unrelated sentinel matched")
	}
}

// TestListenersNeverMissTheFirstEvent: a client that takes its time before
// registering listeners (but does not block) still sees the open event,
// whoever answers: AutoAccept, a fake, the in-memory server.
func TestListenersNeverMissTheFirstEvent(t *testing.T) {
	for _, layer := range []string{"fake", "memory"} {
		t.Run(layer, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var ctor wsdouble.Constructor
				if layer == "fake" {
					ctor = wstest.NewFakeDialer(t, wstest.AutoAccept(nil)).Constructor()
				} else {
					ctor = wstest.NewServer(t, wstest.AutoAccept(nil)).Constructor()
				}
				for i := range 100 {
					ws, err := ctor("ws://x.test/")
					if err != nil {
						t.Fatal(err)
					}
					busy(1000 * i) // the client is slow, but never blocks
					ch := opened(ws)
					<-ch
					ws.Close(1000, "")
				}
			})
		})
	}
}

var sink int

func busy(n int) {
	for i := range n {
		sink += i
	}
}

// logOf is a log of n attempts, each refused 503 and each a second after
// the last: a client with a constant 1 s backoff.
func logOf(n int) []wstest.AttemptRecord {
	t0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	var log []wstest.AttemptRecord
	for i := range n {
		at := t0.Add(time.Duration(i) * time.Second)
		log = append(log, wstest.AttemptRecord{N: i + 1, Time: at, AnswerTime: at, Outcome: wstest.Refused, Status: 503})
	}
	return log
}

// TestBackoffWantsAttempts: a backoff check of a log with no delay in it
// fails, and one with fewer attempts than the test said it would check
// fails too, naming the delays it did check. Before, both passed: a
// scenario whose Wait returned before its last attempt left a short log
// that AssertBackoff accepted without a word.
func TestBackoffWantsAttempts(t *testing.T) {
	b := wstest.Backoff{Min: time.Second}
	for _, tt := range []struct {
		name string
		log  []wstest.AttemptRecord
		opts []wstest.BackoffOption
		want string // the error's first line; "" for none
	}{
		{"no attempt", logOf(0), nil, "wstest: backoff: the log has 0 attempts, want at least 2: no delay to check"},
		{"one attempt", logOf(1), nil, "wstest: backoff: the log has 1 attempt, want at least 2: no delay to check"},
		{"two attempts", logOf(2), nil, ""},
		{"fewer than wanted", logOf(3), []wstest.BackoffOption{wstest.WantAttempts(10)},
			"wstest: backoff: the log has 3 attempts, want at least 10: the delays before #2 to #3 checked"},
		{"two, fewer than wanted", logOf(2), []wstest.BackoffOption{wstest.WantAttempts(3)},
			"wstest: backoff: the log has 2 attempts, want at least 3: only the delay before #2 checked"},
		{"as many as wanted", logOf(10), []wstest.BackoffOption{wstest.WantAttempts(10)}, ""},
		{"more than wanted", logOf(12), []wstest.BackoffOption{wstest.WantAttempts(10)}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := wstest.CheckBackoff(tt.log, b, tt.opts...)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tt.want != "" && err == nil:
				t.Errorf("got no error, want %q", tt.want)
			case tt.want != "" && !strings.HasPrefix(err.Error(), tt.want+"\ntimeline:\n"):
				t.Errorf("got:\n%v\nwant it to start with:\n%s\ntimeline:", err, tt.want)
			}
		})
	}
	// Too few attempts and a delay off the policy: both are said.
	log := logOf(3)
	log[2].Time, log[2].AnswerTime = log[1].Time.Add(5*time.Second), log[1].Time.Add(5*time.Second)
	err := wstest.CheckBackoff(log, b, wstest.WantAttempts(4))
	if err == nil || !strings.Contains(err.Error(), "want at least 4") || !strings.Contains(err.Error(), "1 of 2 delays off the policy (the delays before #2 to #3 checked;") {
		t.Errorf("got %v", err)
	}
	// Through a TB.
	d := wstest.NewFakeDialer(t)
	ftb := &fakeTB{}
	if wstest.AssertBackoff(ftb, d, b) || len(ftb.errors) != 1 || !strings.Contains(ftb.errors[0], "no delay to check") {
		t.Errorf("AssertBackoff on an empty log: %q", ftb.errors)
	}
	ftb = &fakeTB{}
	func() {
		defer func() { recover() }()
		wstest.RequireBackoff(ftb, d, b, wstest.WantAttempts(5))
	}()
	if len(ftb.errors) != 1 || !strings.Contains(ftb.errors[0], "want at least 5") {
		t.Errorf("RequireBackoff on an empty log: %q", ftb.errors)
	}
}
