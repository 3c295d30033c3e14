package scenario_test

import (
	"bytes"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// secretUpstream accepts with secret headers, expects the test client's
// subscription and sends JSON holding an id at two depths, then closes
// with 4000 (which ends the test client).
func secretUpstream(t *testing.T) *scenario.Script {
	t.Helper()
	s, err := scenario.New("upstream").
		Attempt().Refuse(401).Header("WWW-Authenticate", `Bearer realm="x"`).Header("X-Request-Token", "t0k3n").Header("Retry-After", "1").
		Attempt().Accept().Subprotocol("v1").
		Header("X-Auth-Token", "t0k3n").Header("x-api-key", "k3y").Header("X-Session-Id", "s3ss").
		Header("X-Db-Password", "pw").Header("X-Client-Secret", "sh").Header("X-Server", "up").
		ExpectJSON(`{"op":"subscribe"}`).
		SendText(`{"user":"bob","ID":7,"nested":[{"id":"x","keep":"<&>"}]}`).
		SendText(`not JSON, id=7`).
		Close(4000, "bye").
		Build()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestProxyRedactsSecrets: a recording through the proxy keeps no value of
// a header whose name says it carries a secret, nor of the JSON fields
// given to RedactFields, says so, and still replays.
func TestProxyRedactsSecrets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		upstream := wstest.NewServer(t)
		scenario.Play(t, upstream, secretUpstream(t))
		proxy, err := scenario.NewProxy(t, "ws://upstream.test/", scenario.UpstreamDialer(upstream.Dialer()),
			scenario.WithRecordOptions(scenario.RedactFields("id")))
		if err != nil {
			t.Fatal(err)
		}
		c := startClient(proxy.Constructor(), "ws://proxy.test/", time.Second)
		<-c.Done()
		s, err := proxy.Script("recorded")
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Attempts) != 2 {
			t.Fatalf("recorded %d attempts, want 2", len(s.Attempts))
		}
		ref := s.Attempts[0].Answer.(scenario.Refuse)
		for k, want := range map[string]string{"WWW-Authenticate": scenario.Redacted, "X-Request-Token": scenario.Redacted, "Retry-After": "1"} {
			if got := ref.Header.Get(k); got != want {
				t.Errorf("refusal header %s: got %q, want %q", k, got, want)
			}
		}
		acc := s.Attempts[1].Answer.(scenario.Accept)
		for _, k := range []string{"X-Auth-Token", "X-Api-Key", "X-Session-Id", "X-Db-Password", "X-Client-Secret"} {
			if got := acc.Header.Get(k); got != scenario.Redacted {
				t.Errorf("header %s: got %q, want %q", k, got, scenario.Redacted)
			}
		}
		if got := acc.Header.Get("X-Server"); got != "up" {
			t.Errorf("X-Server: got %q, want it kept", got)
		}

		var steps []string
		for _, st := range s.Attempts[1].Steps {
			if st.Action.Name() == "wait" {
				continue
			}
			var what string
			switch a := st.Action.(type) {
			case scenario.Send:
				what = "send " + string(a.Message.Data)
			case scenario.Expect:
				what = "expect " + a.Match.String()
			default:
				what = a.Name()
			}
			if st.Label != "" {
				what += " [" + st.Label + "]"
			}
			steps = append(steps, what)
		}
		want := strings.Join([]string{
			`expect JSON containing {"op":"subscribe"} [redacted: id]`,
			`send {"user":"bob","ID":"REDACTED","nested":[{"id":"REDACTED","keep":"<&>"}]} [redacted: ID, id]`,
			`send not JSON, id=7`,
			`close`,
		}, "\n")
		if got := strings.Join(steps, "\n"); got != want {
			t.Errorf("recorded steps:\n%s\nwant:\n%s", got, want)
		}
		wantNote := "Redacted by wsdouble: the values of headers Www-Authenticate, X-Api-Key, X-Auth-Token, X-Client-Secret, X-Db-Password, X-Request-Token, X-Session-Id and of JSON fields ID, id are REDACTED."
		if s.Description != wantNote {
			t.Errorf("description:\n%s\nwant:\n%s", s.Description, wantNote)
		}
		b, err := scenario.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"t0k3n", "k3y", "s3ss", `"pw"`, `"sh"`, `realm`, `"id":1`, `:7`} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("the file holds %s:\n%s", secret, b)
			}
		}
		// The replay still satisfies the client, which sends its real id.
		got := replay(t, s)
		sent := wsdouble.MessageEvent{Message: wsdouble.Text(`{"user":"bob","ID":"REDACTED","nested":[{"id":"REDACTED","keep":"<&>"}]}`)}
		wantLog := "socket 1: error, close 1006 unclean\n" +
			`socket 2: open, ` + sent.String() + `, message text "not JSON, id=7", close 4000 "bye" clean`
		if got != wantLog {
			t.Errorf("replayed, the client saw:\n%s\nwant:\n%s", got, wantLog)
		}
	})
}

// TestUnredactedKeepsHeadersNotFields: Unredacted keeps every header, but
// fields asked for by name are still redacted.
func TestUnredactedKeepsHeadersNotFields(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		upstream := wstest.NewServer(t)
		scenario.Play(t, upstream, secretUpstream(t))
		proxy, err := scenario.NewProxy(t, "ws://upstream.test/", scenario.UpstreamDialer(upstream.Dialer()),
			scenario.WithRecordOptions(scenario.Unredacted(), scenario.RedactFields("user")))
		if err != nil {
			t.Fatal(err)
		}
		c := startClient(proxy.Constructor(), "ws://proxy.test/", time.Second)
		<-c.Done()
		s, err := proxy.Script("recorded")
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Attempts[1].Answer.(scenario.Accept).Header.Get("X-Auth-Token"); got != "t0k3n" {
			t.Errorf("X-Auth-Token with Unredacted: got %q", got)
		}
		b, _ := scenario.Marshal(s)
		if bytes.Contains(b, []byte("bob")) {
			t.Errorf("the field user was kept:\n%s", b)
		}
		if want := "Redacted by wsdouble: the values of JSON fields user are REDACTED."; s.Description != want {
			t.Errorf("description: %q, want %q", s.Description, want)
		}
	})
}
