package scenario_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// upstreamScript is the real server of the recording tests: it refuses the
// first attempt (with a cookie that must not be recorded), then accepts,
// pings, and closes with 4000.
func upstreamScript(t *testing.T) *scenario.Script {
	t.Helper()
	s, err := scenario.New("upstream").
		Attempt().Refuse(503).Header("Set-Cookie", "session=secret").Header("Retry-After", "1").Body("busy").
		Attempt().Accept().Subprotocol("v1").Header("Set-Cookie", "id=abc").Header("X-Server", "up").
		ExpectJSON(`{"op":"subscribe"}`).Wait(2*time.Second).SendText("ping").ExpectText("pong").
		Wait(time.Second).SendBinary([]byte{9}).Close(4000, "bye").
		Build()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// replay plays s against a fresh fake with the test client, and returns
// what the client saw.
func replay(t *testing.T, s *scenario.Script) string {
	t.Helper()
	d := wstest.NewFakeDialer(t)
	pb := scenario.Play(t, d, s)
	c := startClient(d.Constructor(), "ws://replay.test/", time.Second)
	<-c.Done()
	if _, err := pb.Wait(t.Context()); err != nil {
		t.Errorf("replay: %v", err)
	}
	return c.Log()
}

func checkRecorded(t *testing.T, s *scenario.Script) {
	t.Helper()
	if len(s.Attempts) != 2 {
		t.Fatalf("recorded %d attempts, want 2", len(s.Attempts))
	}
	ref, ok := s.Attempts[0].Answer.(scenario.Refuse)
	if !ok || ref.Status != 503 || ref.Body != "busy" || ref.Header.Get("Retry-After") != "1" || ref.Header.Get("Set-Cookie") != scenario.Redacted {
		t.Errorf("attempt 1: got %+v, want a refusal 503 with the cookie redacted", s.Attempts[0].Answer)
	}
	acc, ok := s.Attempts[1].Answer.(scenario.Accept)
	if !ok || acc.Subprotocol != "v1" {
		t.Errorf("attempt 2: got %+v, want accepted with v1", s.Attempts[1].Answer)
	}
	// The file never holds the secret.
	b, err := scenario.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("secret")) || bytes.Contains(b, []byte("id=abc")) {
		t.Errorf("the recorded file holds a cookie:\n%s", b)
	}
	if _, err := scenario.Parse(bytes.NewReader(b)); err != nil {
		t.Errorf("the recorded file does not parse: %v\n%s", err, b)
	}
}

func TestProxyRecordsAndReplays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		upstream := wstest.NewServer(t)
		scenario.Play(t, upstream, upstreamScript(t))
		proxy, err := scenario.NewProxy(t, "ws://upstream.test/base", scenario.UpstreamDialer(upstream.Dialer()))
		if err != nil {
			t.Fatal(err)
		}
		c := startClient(proxy.Constructor(), "ws://proxy.test/feed?x=1", time.Second)
		<-c.Done()
		original := c.Log()
		if !strings.Contains(original, `close 4000 "bye" clean`) {
			t.Fatalf("the client did not get through the proxy:\n%s", original)
		}
		if got := upstream.Attempts()[0].URL; got != "ws://upstream.test/base/feed?x=1" {
			t.Errorf("upstream saw %q, want the client's path under the upstream's", got)
		}

		recorded, err := proxy.Script("recorded")
		if err != nil {
			t.Fatal(err)
		}
		checkRecorded(t, recorded)
		if got := replay(t, recorded); got != original {
			t.Errorf("replayed, the client saw:\n%s\nwant, as through the proxy:\n%s", got, original)
		}
	})
}

func TestRecorderRecordsAndReplays(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		scenario.Play(t, d, upstreamScript(t))
		rec := scenario.NewRecorder(d.Constructor())
		c := startClient(rec.Constructor(), "ws://real.test/", time.Second)
		<-c.Done()
		original := c.Log()

		recorded, err := rec.Script("client side")
		if err != nil {
			t.Fatal(err)
		}
		checkRecorded(t, recorded)
		if got := replay(t, recorded); got != original {
			t.Errorf("replayed, the client saw:\n%s\nwant:\n%s", got, original)
		}
		// The waits were recorded: 2 s before the ping, 1 s before the binary.
		var waits []time.Duration
		for _, st := range recorded.Attempts[1].Steps {
			if w, ok := st.Action.(scenario.Wait); ok {
				waits = append(waits, w.Duration)
			}
		}
		if len(waits) != 2 || waits[0] != 2*time.Second || waits[1] != time.Second {
			t.Errorf("recorded waits: %v, want [2s 1s]", waits)
		}
	})
}

func TestRecordingHooksAndRedaction(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		scenario.Play(t, d, upstreamScript(t))
		rec := scenario.NewRecorder(d.Constructor(),
			scenario.RedactHeaders("Retry-After"),
			scenario.BeforeSave(func(s *scenario.Script) error {
				s.Description = "redacted by a hook"
				return nil
			}))
		c := startClient(rec.Constructor(), "ws://real.test/", time.Second)
		<-c.Done()
		s, err := rec.Script("x")
		if err != nil {
			t.Fatal(err)
		}
		ref := s.Attempts[0].Answer.(scenario.Refuse)
		if ref.Header.Get("Retry-After") != scenario.Redacted || s.Description != "redacted by a hook" {
			t.Errorf("got %v and %q, want Retry-After redacted and the hook run", ref.Header, s.Description)
		}
	})
}

func TestUnredactedKeepsSecrets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		scenario.Play(t, d, upstreamScript(t))
		rec := scenario.NewRecorder(d.Constructor(), scenario.Unredacted())
		c := startClient(rec.Constructor(), "ws://real.test/", time.Second)
		<-c.Done()
		s, err := rec.Script("x")
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Attempts[0].Answer.(scenario.Refuse).Header.Get("Set-Cookie"); got != "session=secret" {
			t.Errorf("Set-Cookie with Unredacted: got %q", got)
		}
	})
}

// TestProxyOverLoopback records real TCP connections, in real time.
func TestProxyOverLoopback(t *testing.T) {
	upstream := wstest.NewServer(t)
	scenario.Play(t, upstream, upstreamScript(t), scenario.TimeScale(0.01))
	proxy, err := scenario.NewProxy(t, upstream.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := startClient(wsdouble.New, proxy.URL()+"live", 10*time.Millisecond)
	<-c.Done()
	original := c.Log()
	recorded, err := proxy.Script("loopback")
	if err != nil {
		t.Fatal(err)
	}
	checkRecorded(t, recorded)
	synctest.Test(t, func(t *testing.T) {
		if got := replay(t, recorded); got != original {
			t.Errorf("replayed, the client saw:\n%s\nwant:\n%s", got, original)
		}
	})
	if _, err := scenario.NewProxy(t, "http://not-ws/"); err == nil {
		t.Error("NewProxy with an http URL: got nil error")
	}
}

// TestProxyCheckOrigin: with ProxyCheckOrigin, a refused Origin gets 403
// from the proxy and never reaches the upstream nor the recording; an
// admitted one is forwarded. Without it every Origin is forwarded.
func TestProxyCheckOrigin(t *testing.T) {
	evil := http.Header{"Origin": {"https://evil.example"}}
	dial := func(t *testing.T, proxy *scenario.Proxy, h http.Header) int {
		t.Helper()
		c, resp, err := proxy.Server().Dialer().DialContext(t.Context(), "ws://proxy.test/", h)
		if resp == nil {
			t.Fatalf("dial: no answer: %v", err)
		}
		if c != nil {
			c.Close()
		}
		return resp.StatusCode
	}
	t.Run("AllowOrigins", func(t *testing.T) {
		upstream := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
		proxy, err := scenario.NewProxy(t, "ws://upstream.test/", scenario.UpstreamDialer(upstream.Dialer()),
			scenario.ProxyCheckOrigin(wstest.AllowOrigins()))
		if err != nil {
			t.Fatal(err)
		}
		if got := dial(t, proxy, evil); got != http.StatusForbidden {
			t.Errorf("foreign Origin: status %d, want 403", got)
		}
		if n := len(upstream.Attempts()); n != 0 {
			t.Errorf("the upstream saw %d attempts, want 0: the refused one was forwarded", n)
		}
		if _, err := proxy.Script("refused"); err == nil {
			t.Error("Script after a refused Origin only: got nil error, want no connection recorded")
		}
		if rec := proxy.Server().Attempts(); len(rec) != 1 || rec[0].Outcome != wstest.Refused || rec[0].Status != http.StatusForbidden {
			t.Errorf("the proxy's log: %+v, want one attempt refused 403", rec)
		}

		if got := dial(t, proxy, http.Header{"Origin": {"http://127.0.0.1:3000"}}); got != http.StatusSwitchingProtocols {
			t.Errorf("loopback Origin: status %d, want 101", got)
		}
		if got := dial(t, proxy, nil); got != http.StatusSwitchingProtocols {
			t.Errorf("no Origin: status %d, want 101", got)
		}
		if n := len(upstream.Attempts()); n != 2 {
			t.Errorf("the upstream saw %d attempts, want the 2 admitted", n)
		}
	})
	t.Run("default", func(t *testing.T) {
		upstream := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
		proxy, err := scenario.NewProxy(t, "ws://upstream.test/", scenario.UpstreamDialer(upstream.Dialer()))
		if err != nil {
			t.Fatal(err)
		}
		if got := dial(t, proxy, evil); got != http.StatusSwitchingProtocols {
			t.Errorf("foreign Origin, no check: status %d, want 101", got)
		}
		if n := len(upstream.Attempts()); n != 1 {
			t.Errorf("the upstream saw %d attempts, want 1", n)
		}
	})
}
