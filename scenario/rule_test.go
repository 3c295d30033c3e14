package scenario_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// chat is a client of a Fake for rule tests: it sends what it is told and
// logs what it receives.
type chat struct {
	ws   wsdouble.IWebSocket
	mu   sync.Mutex
	got  []string
	open <-chan struct{}
	done chan struct{}
}

func dialChat(t *testing.T, ctor wsdouble.Constructor, url string) *chat {
	t.Helper()
	ws, err := ctor(url)
	if err != nil {
		t.Fatal(err)
	}
	c := &chat{ws: ws, open: opened(ws), done: make(chan struct{})}
	ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		c.mu.Lock()
		c.got = append(c.got, e.(wsdouble.MessageEvent).Message.String())
		c.mu.Unlock()
	}))
	ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(e wsdouble.Event) {
		c.mu.Lock()
		c.got = append(c.got, e.(wsdouble.CloseEvent).String())
		c.mu.Unlock()
		close(c.done)
	}))
	return c
}

func (c *chat) send(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if err := c.ws.Send(wsdouble.Text(s)); err != nil {
			t.Fatalf("send %q: %v", s, err)
		}
	}
}

func (c *chat) log() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.got, "\n")
}

// TestRulesAnswerBesideTheSteps: rules answer while a step waits; a
// message a rule takes never reaches an Expect, one no rule takes does;
// captured values fill the reply (a JSON id keeps its type, a regexp group
// its text); times limits a rule, and a message past it falls to the
// next rule or the steps; pass_on answers and hands the message on.
func TestRulesAnswerBesideTheSteps(t *testing.T) {
	s, err := scenario.New("rules").
		Attempt().Accept().
		OnJSON(`{"op":"ping"}`).ReplyJSON(`{"op":"pong","n":"{{$.n}}"}`).Times(2).Label("heartbeat").
		OnRegexp(`^hello (?P<who>\w+)$`).ReplyText("hi {{who}}, you said {{0}}").
		OnJSON(`{"method":"subscribe"}`).ReplyJSON(`{"id":"{{$.id}}","result":"sub-{{$.id}}"}`).PassOn().
		Wait(time.Second).
		ExpectJSON(`{"method":"subscribe"}`).
		ExpectJSON(`{"op":"ping"}`). // the third ping: past the rule's times
		ExpectText("bye").
		Close(1000, "").
		Build()
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		pb := scenario.Play(t, d, s)
		c := dialChat(t, d.Constructor(), "ws://x.test/")
		<-c.open
		c.send(t, `{"op":"ping","n":1}`, `hello ann`, `{"op":"ping","n":"two"}`, `{"method":"subscribe","id":7}`, `{"op":"ping","n":3}`, "bye")
		rep, err := pb.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		<-c.done
		wantLog := `text "{\"op\":\"pong\",\"n\":1}"
text "hi ann, you said hello ann"
text "{\"op\":\"pong\",\"n\":\"two\"}"
text "{\"id\":7,\"result\":\"sub-7\"}"
close 1000 clean`
		if got := c.log(); got != wantLog {
			t.Errorf("the client got:\n%s\nwant:\n%s", got, wantLog)
		}
		want := `scenario "rules": 1 attempts played, ok
timeline:
  attempt 1 (#1): accepted
    rule 1 on JSON containing {"op":"ping"} (1 of 2): ← text "{\"op\":\"ping\",\"n\":1}" [heartbeat]
    rule 1 → text "{\"op\":\"pong\",\"n\":1}"
    rule 2 on text matching /^hello (?P<who>\w+)$/: ← text "hello ann"
    rule 2 → text "hi ann, you said hello ann"
    rule 1 on JSON containing {"op":"ping"} (2 of 2): ← text "{\"op\":\"ping\",\"n\":\"two\"}" [heartbeat]
    rule 1 → text "{\"op\":\"pong\",\"n\":\"two\"}"
    rule 3 on JSON containing {"method":"subscribe"}: ← text "{\"method\":\"subscribe\",\"id\":7}"
    rule 3 → text "{\"id\":7,\"result\":\"sub-7\"}"
    step 1 wait 1s
    step 2 expect JSON containing {"method":"subscribe"}: ← text "{\"method\":\"subscribe\",\"id\":7}" ✓
    step 3 expect JSON containing {"op":"ping"}: ← text "{\"op\":\"ping\",\"n\":3}" ✓
    step 4 expect text "bye": ← text "bye" ✓
    step 5 close 1000
    end: server closed 1000 clean
`
		if got := rep.Outline(); got != want {
			t.Errorf("report:\n%s\nwant:\n%s", got, want)
		}
	})
}

// TestRuleEnds: a rule may end the connection after its reply, with a
// close or a drop; messages after the steps are done that no rule takes
// are extra; a message without the value a reply captures is not taken.
func TestRuleEnds(t *testing.T) {
	s, err := scenario.New("ends").
		Attempt().Accept().
		OnJSON(`{"op":"req"}`).ReplyJSON(`{"re":"{{$.id}}"}`).
		OnText("bye").ReplyText("so long").ThenClose(4000, "asked").
		Attempt().Accept().
		OnText("crash").ThenDrop().
		Build()
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		pb := scenario.Play(t, d, s)
		c := dialChat(t, d.Constructor(), "ws://x.test/")
		<-c.open
		c.send(t, `{"op":"req"}`, `{"op":"req","id":[1]}`, "bye")
		<-c.done
		c2 := dialChat(t, d.Constructor(), "ws://x.test/")
		<-c2.open
		c2.send(t, "crash")
		<-c2.done
		rep, err := pb.Wait(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		want := `scenario "ends": 2 attempts played, ok
timeline:
  attempt 1 (#1): accepted
    ← text "{\"op\":\"req\"}" (not expected by any step)
    rule 1 on JSON containing {"op":"req"}: ← text "{\"op\":\"req\",\"id\":[1]}"
    rule 1 → text "{\"re\":[1]}"
    rule 2 on text "bye": ← text "bye"
    rule 2 → text "so long"
    rule 2 close 4000 "asked"
    end: server closed 4000 "asked" clean
  attempt 2 (#2): accepted
    rule 1 on text "crash": ← text "crash"
    rule 1 drop
    end: dropped
`
		if got := rep.Outline(); got != want {
			t.Errorf("report:\n%s\nwant:\n%s", got, want)
		}
		if got, want := c.log(), "text \"{\\\"re\\\":[1]}\"\ntext \"so long\"\nclose 4000 \"asked\" clean"; got != want {
			t.Errorf("the client got:\n%s\nwant:\n%s", got, want)
		}
	})
}

// TestRulesStopWithTheRun: an attempt with rules lasts until its
// connection ends; a run stopped before says so in Pending, which is no
// failure (as for a hung attempt).
func TestRulesStopWithTheRun(t *testing.T) {
	s, err := scenario.New("open").Attempt().Accept().OnText("ping").ReplyText("pong").Build()
	if err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		c := dialChat(t, d.Constructor(), "ws://x.test/")
		go func() {
			<-c.open
			c.ws.Send(wsdouble.Text("ping"))
		}()
		rep, err := scenario.Run(ctx, d, s)
		if err != nil || len(rep.Pending) != 1 || rep.Pending[0].What != "its rules: the connection was still open" {
			t.Errorf("a run stopped while the rules' connection was open: got %v, pending %v", err, rep.Pending)
		}
		if !strings.Contains(rep.Outline(), `rule 1 → text "pong"`) {
			t.Errorf("the rule did not answer:\n%s", rep)
		}
		c.ws.Close(1000, "")
		<-c.done
	})
}
