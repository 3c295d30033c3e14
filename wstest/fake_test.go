package wstest_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

func fakeDial(t *testing.T, d *wstest.FakeDialer, protocols ...string) (*wstest.Fake, *events) {
	t.Helper()
	ws, err := d.Constructor()("ws://fake.test/", protocols...)
	if err != nil {
		t.Fatal(err)
	}
	return ws.(*wstest.Fake), watch(ws)
}

func TestFakeSnapshots(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		f, ev := fakeDial(t, d, "v1")
		a := mustAttempt(t, d)
		if a.(*wstest.FakeAttempt).Fake() != f || d.Fakes()[0] != f || f.N() != 1 {
			t.Fatal("the attempt, Fakes and N do not agree on the fake")
		}
		p, err := a.Accept(wstest.AcceptOptions{Subprotocol: "v1", Extensions: "permessage-deflate"})
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if f.Protocol() != "v1" || f.Extensions() != "permessage-deflate" {
			t.Errorf("Protocol, Extensions: got %q %q", f.Protocol(), f.Extensions())
		}
		f.Send(wsdouble.Text("up"))
		p.Send(wsdouble.Binary([]byte{1}))
		p.Send(wsdouble.Text("down"))
		synctest.Wait()
		p.Drop()
		<-ev.done
		if got := fmt.Sprint(f.Sent()); got != `[text "up"]` {
			t.Errorf("Sent: got %s", got)
		}
		if got := fmt.Sprint(f.Received()); got != `[binary [1]01 text "down"]` {
			t.Errorf("Received: got %s", got)
		}
		if got, want := fmt.Sprint(f.Events()), `[open message binary [1]01 message text "down" close 1006 unclean]`; got != want {
			t.Errorf("Events: got %s, want %s", got, want)
		}
		rec := d.Attempts()[0]
		if rec.Outcome != wstest.Accepted || rec.Protocol != "v1" || rec.ToClient != 2 || rec.FromClient != 1 || rec.End.Kind != wstest.Dropped {
			t.Errorf("record: %+v", rec)
		}
		if !errors.Is(f.Err(), io.ErrUnexpectedEOF) {
			t.Errorf("Err after a drop: got %v, want io.ErrUnexpectedEOF, as the real client reports", f.Err())
		}
	})
}

func TestFakeInject(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t, wstest.AutoAccept(nil))
		f, ev := fakeDial(t, d)
		<-opened(f)
		custom := errors.New("ECONNRESET as some library reports it")
		err := f.Inject(
			wsdouble.ErrorEvent{Err: custom},                                     // an error with no close after it
			wsdouble.CloseEvent{Code: 1006, WasClean: true},                      // a close that claims to be clean
			wsdouble.MessageEvent{Message: wsdouble.Text("after a close event")}, // and a message after it
		)
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if got, want := ev.String(), `[open, error, close 1006 clean, message text "after a close event"]`; got != want {
			t.Errorf("events: got %s, want %s", got, want)
		}
		if f.ReadyState() != wsdouble.Open {
			t.Errorf("state after injected events: got %v, want OPEN (Inject changes nothing)", f.ReadyState())
		}
		f.Close(1000, "")
		<-f.Done()
		if err := f.Inject(wsdouble.OpenEvent{}); err == nil {
			t.Error("Inject after the real close event: got nil error")
		}
	})
}

func TestFakeDialerCloseEndsEverything(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		_, ev1 := fakeDial(t, d)
		mustAttempt(t, d).Accept(wstest.AcceptOptions{})
		_, ev2 := fakeDial(t, d) // left pending
		synctest.Wait()
		d.Close()
		<-ev1.done
		<-ev2.done
		for i, want := range []string{"[open, close 1006 unclean]", "[error, close 1006 unclean]"} {
			if got := []*events{ev1, ev2}[i].String(); got != want {
				t.Errorf("fake %d events: got %s, want %s", i+1, got, want)
			}
		}
		log := d.Attempts()
		if log[0].End.Kind != wstest.Shutdown || log[1].Outcome != wstest.Hung {
			t.Errorf("log: got %v and %v, want shutdown and hung", log[0].End, log[1].Outcome)
		}
		// A dial after Close fails like a dial to a server that is gone.
		_, ev3 := fakeDial(t, d)
		<-ev3.done
		if got := ev3.String(); got != "[error, close 1006 unclean]" {
			t.Errorf("dial after Close: got %s", got)
		}
		if len(d.Attempts()) != 2 {
			t.Errorf("a dial after Close was logged as an attempt")
		}
		if _, err := d.NextAttempt(t.Context()); !errors.Is(err, wstest.ErrClosed) {
			t.Errorf("NextAttempt after Close: got %v, want ErrClosed", err)
		}
	})
}

func TestFakeRefuseCarriesStatusHeaderBody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		f, ev := fakeDial(t, d)
		a := mustAttempt(t, d)
		a.Refuse(http.StatusUnauthorized, http.Header{"Www-Authenticate": {"Bearer"}}, "token expired")
		<-ev.done
		var herr *wsdouble.HandshakeError
		ee := f.Events()[0].(wsdouble.ErrorEvent)
		if !errors.As(ee.Err, &herr) || herr.StatusCode != 401 || string(herr.Body) != "token expired" || herr.Header.Get("Www-Authenticate") != "Bearer" {
			t.Errorf("error event: got %v", ee.Err)
		}
		if _, err := a.Accept(wstest.AcceptOptions{}); !errors.Is(err, wstest.ErrAnswered) {
			t.Errorf("Accept after Refuse: got %v, want ErrAnswered", err)
		}
		if err := f.Peer().Send(wsdouble.Text("x")); !errors.Is(err, wstest.ErrPeerClosed) {
			t.Errorf("Peer.Send of a refused attempt: got %v, want ErrPeerClosed", err)
		}
	})
}

func TestFakeHangsUntilClientGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		f, ev := fakeDial(t, d)
		a := mustAttempt(t, d)
		time.Sleep(time.Hour) // a fake has no handshake timeout of its own
		if f.ReadyState() != wsdouble.Connecting {
			t.Fatalf("after an hour hanging: state %v, want CONNECTING", f.ReadyState())
		}
		f.Close(1000, "") // the client gives up
		<-ev.done
		<-a.Done()
		rec := d.Attempts()[0]
		if rec.Outcome != wstest.Abandoned || rec.AnswerTime.Sub(rec.Time) != time.Hour {
			t.Errorf("record: %v after %v, want abandoned after 1h", rec.Outcome, rec.AnswerTime.Sub(rec.Time))
		}
		if _, err := a.Accept(wstest.AcceptOptions{}); !errors.Is(err, wstest.ErrAttemptGone) {
			t.Errorf("Accept after the client gave up: got %v, want ErrAttemptGone", err)
		}
	})
}

func TestFakeAutoAccept(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t, wstest.AutoAccept(wstest.Echo), wstest.Subprotocols("b"))
		f, ev := fakeDial(t, d, "a", "b")
		f.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) { f.Send(wsdouble.Text("echo me")) }))
		<-opened(f)
		synctest.Wait() // the echo handler answers and the message is dispatched
		f.Close(1000, "")
		<-ev.done
		if got, want := ev.String(), `[open, message text "echo me", close 1000 clean]`; got != want {
			t.Errorf("events: got %s, want %s", got, want)
		}
		if f.Protocol() != "b" {
			t.Errorf("protocol: got %q, want b", f.Protocol())
		}
	})
}

// TestFakeOutsideItsBubble: using a fake from outside the bubble it was made
// in returns a clear error instead of crashing or hanging the test.
func TestFakeOutsideItsBubble(t *testing.T) {
	var d *wstest.FakeDialer
	var f *wstest.Fake
	var p wstest.Peer
	synctest.Test(t, func(t *testing.T) {
		d = wstest.NewFakeDialer(t)
		ws, _ := d.Constructor()("ws://fake.test/")
		f = ws.(*wstest.Fake)
		p, _ = mustAttempt(t, d).Accept(wstest.AcceptOptions{})
		synctest.Wait()
		// Keep it open past the bubble's end for the calls below; close the
		// bubble's goroutines before it ends.
		p.Drop()
		synctest.Wait()
	})
	// Outside the bubble now.
	ctx := t.Context()
	checks := map[string]error{}
	_, checks["NextAttempt"] = d.NextAttempt(ctx)
	checks["Fake.Send"] = f.Send(wsdouble.Text("x"))
	checks["Fake.Close"] = f.Close(1000, "")
	checks["Peer.Send"] = p.Send(wsdouble.Text("x"))
	checks["Peer.Close"] = p.Close(1000, "")
	_, checks["Constructor"] = d.Constructor()("ws://fake.test/")
	for op, err := range checks {
		if !errors.Is(err, wstest.ErrWrongBubble) || !strings.Contains(err.Error(), "made in synctest bubble") {
			t.Errorf("%s outside the bubble: got %v, want ErrWrongBubble naming the bubble", op, err)
		}
	}

	// The other way round: made outside any bubble, used inside one.
	outside := wstest.NewFakeDialer(&quietTB{T: t})
	synctest.Test(t, func(t *testing.T) {
		_, err := outside.Constructor()("ws://fake.test/")
		if !errors.Is(err, wstest.ErrWrongBubble) || !strings.Contains(err.Error(), "made outside any bubble") {
			t.Errorf("Constructor inside a bubble: got %v, want ErrWrongBubble", err)
		}
		if _, err := outside.NextAttempt(t.Context()); !errors.Is(err, wstest.ErrWrongBubble) {
			t.Errorf("NextAttempt inside a bubble: got %v, want ErrWrongBubble", err)
		}
	})
}

// quietTB records Errorf calls instead of failing the test.
type quietTB struct {
	*testing.T
	errors []string
}

func (q *quietTB) Errorf(format string, args ...any) {
	q.errors = append(q.errors, fmt.Sprintf(format, args...))
}
