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

// TestBroadcast: a broadcast reaches every open connection of the run,
// and the report says which.
func TestBroadcast(t *testing.T) {
	s, err := scenario.New("broadcast").
		Attempt().Accept().ExpectText("ready").
		Attempt().Accept().ExpectText("ready").BroadcastText("news").Close(1000, "").
		Build()
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		pb := scenario.Play(t, d, s)
		c1 := dialChat(t, d.Constructor(), "ws://x.test/")
		<-c1.open
		c1.send(t, "ready")
		synctest.Wait()
		c2 := dialChat(t, d.Constructor(), "ws://x.test/")
		<-c2.open
		c2.send(t, "ready")
		<-c2.done
		// c1's news may still wait in its task queue, and a message whose
		// task runs after close() is dropped (WHATWG WebSockets: "if
		// ready state is not OPEN, return"), as in a browser: let it run.
		synctest.Wait()
		c1.ws.Close(1000, "")
		<-c1.done
		rep, err := pb.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(rep.Outline(), `step 2 broadcast text "news" to 2 connections: #1, #2`) {
			t.Errorf("the report does not show the broadcast:\n%s", rep)
		}
		for _, c := range []*chat{c1, c2} {
			if !strings.HasPrefix(c.log(), `text "news"`) {
				t.Errorf("a client got %q, want the news first", c.log())
			}
		}
	})
}

// TestStampede: three clients connect; a gather waits for all three, and
// the drop after it drops them all at the same instant; they come back,
// and the report numbers each client's attempts.
func TestStampede(t *testing.T) {
	s, err := scenario.New("stampede").TellClientsApart(scenario.ClientID{Query: "c"}).
		Attempt().Clients(3).Accept().Gather().Drop().
		Attempt().Clients(3).Accept().Gather().Close(1000, "").
		Build()
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		pb := scenario.Play(t, d, s)
		dialAll := func(ids ...string) {
			var cs []*chat
			for _, id := range ids {
				cs = append(cs, dialChat(t, d.Constructor(), "ws://x.test/?c="+id))
				time.Sleep(time.Millisecond) // in this order
			}
			for _, c := range cs {
				<-c.done
			}
		}
		dialAll("a", "b", "c")
		dialAll("c", "b", "a")
		rep, err := pb.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range rep.Attempts {
			got = append(got, a.Client+strings.Repeat("'", a.ClientAttempt-1)+"@"+a.End.Time.Sub(rep.Start).Round(time.Millisecond).String())
		}
		if want := "a@2ms b@2ms c@2ms c'@5ms b'@5ms a'@5ms"; strings.Join(got, " ") != want {
			t.Errorf("clients and their ends: got %s, want %s", strings.Join(got, " "), want)
		}
		if want := `attempt 2 (#4, client "c" #2): accepted`; !strings.Contains(rep.Outline(), want) {
			t.Errorf("the report lacks %q:\n%s", want, rep.Outline())
		}
	})
}

// TestGatherTimeout: a gather whose connections do not all come is a
// mismatch that names how many did.
func TestGatherTimeout(t *testing.T) {
	s, err := scenario.New("short").Attempt().Clients(2).Accept().Gather().Within(time.Second).Build()
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		pb := scenario.Play(t, d, s)
		c := dialChat(t, d.Constructor(), "ws://x.test/")
		<-c.done
		c2 := dialChat(t, d.Constructor(), "ws://x.test/") // the second, late
		_, err := pb.Wait(t.Context())
		if want := "attempt 1 (#1), step 1: want the 2 connections of attempt 1 at step 1, got 1 within 1s"; err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want %s", err, want)
		}
		c2.ws.Close(wsdouble.CloseNormalClosure, "")
		<-c2.done
	})
}
