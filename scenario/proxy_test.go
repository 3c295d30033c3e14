package scenario_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// rawHandshake sends a WebSocket handshake for target, the request-target
// exactly as given, to the loopback server at wsURL, and returns the
// answer's status.
func rawHandshake(t *testing.T, wsURL, target string) int {
	t.Helper()
	u, err := url.Parse(wsURL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	req := "GET " + target + " HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := c.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("handshake for %s: %v", target, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestProxyConfinesPath: whatever the client's path, plain or encoded
// dot-segments, double slashes, the upstream sees it under the upstream's
// own path, with the query as the client sent it.
func TestProxyConfinesPath(t *testing.T) {
	upstream := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
	proxy, err := scenario.NewProxy(t, "ws://upstream.test/api", scenario.UpstreamDialer(upstream.Dialer()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ target, want string }{
		{"/feed?x=1", "/api/feed?x=1"},
		{"/", "/api/"},
		{"/../../etc/passwd", "/api/etc/passwd"},
		{"/..", "/api"},
		{"/../", "/api/"},
		{"/%2e%2e/%2e%2e/etc/passwd", "/api/etc/passwd"},
		{"/%2E%2e/%2e./.%2E/etc/passwd", "/api/etc/passwd"},
		{"/..%2f..%2fetc%2fpasswd", "/api/etc/passwd"},
		{"//etc//passwd", "/api/etc/passwd"},
		{"/a/./b/../../../c/?q=../../x&r=%2e%2e", "/api/c/?q=../../x&r=%2e%2e"},
		{"/a%20b/..%5c..%5cwin", "/api/a%20b/..%5C..%5Cwin"}, // a backslash is no separator: it stays encoded
	} {
		t.Run(tt.target, func(t *testing.T) {
			n := len(upstream.Attempts())
			if got := rawHandshake(t, proxy.URL(), tt.target); got != http.StatusSwitchingProtocols {
				t.Fatalf("status %d, want 101", got)
			}
			log := upstream.Attempts()
			if len(log) != n+1 {
				t.Fatalf("the upstream saw %d attempts, want %d", len(log), n+1)
			}
			if got, want := log[n].URL, "ws://upstream.test"+tt.want; got != want {
				t.Errorf("the upstream saw %s, want %s", got, want)
			}
		})
	}
}

// TestConfinePathPrefixes: the upstream's own path, with or without a
// trailing slash, is kept whole.
func TestConfinePathPrefixes(t *testing.T) {
	for _, tt := range []struct{ upstream, target, want string }{
		{"ws://upstream.test", "/../x", "/x"},
		{"ws://upstream.test/", "/../x/", "/x/"},
		{"ws://upstream.test/api/", "/../x", "/api/x"},
		{"ws://upstream.test/a/b", "/../../..", "/a/b"},
	} {
		upstream := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
		proxy, err := scenario.NewProxy(t, tt.upstream, scenario.UpstreamDialer(upstream.Dialer()))
		if err != nil {
			t.Fatal(err)
		}
		if got := rawHandshake(t, proxy.URL(), tt.target); got != http.StatusSwitchingProtocols {
			t.Fatalf("%s behind %s: status %d, want 101", tt.target, tt.upstream, got)
		}
		if got := upstream.Attempts()[0].URL; !strings.HasSuffix(got, "upstream.test"+tt.want) {
			t.Errorf("%s behind %s: the upstream saw %s, want path %s", tt.target, tt.upstream, got, tt.want)
		}
	}
}

// hangThenAbort is an upstream that never answers the first attempt and,
// with abort, closes the second's connection without an answer.
func hangThenAbort(t *testing.T, abort bool) *scenario.Script {
	t.Helper()
	b := scenario.New("hang").Attempt().Hang()
	if abort {
		b = b.Attempt().Abort()
	}
	s, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dialProxy dials the proxy in memory in the background; the channel gets
// the handshake's status (0 for none).
func dialProxy(ctx context.Context, proxy *scenario.Proxy) <-chan int {
	status := make(chan int, 1)
	go func() {
		c, resp, _ := proxy.Server().Dialer().DialContext(ctx, "ws://proxy.test/", nil)
		if c != nil {
			c.Close()
		}
		if resp == nil {
			status <- 0
			return
		}
		status <- resp.StatusCode
	}()
	return status
}

// answerOf describes a recorded attempt's answer and label.
func answerOf(a scenario.Attempt) string {
	s := fmt.Sprintf("%T", a.Answer)
	if r, ok := a.Answer.(scenario.Refuse); ok {
		s += fmt.Sprint(" ", r.Status)
	}
	if a.Label != "" {
		s += ": " + a.Label
	}
	return strings.TrimPrefix(s, "scenario.")
}

// TestProxyStopsDuringUpstreamHandshake: Close does not wait for an
// upstream that has not answered the handshake (gorilla's handshake
// timeout is 45 s), and the attempt is recorded as the hang it was, not
// as a refusal.
func TestProxyStopsDuringUpstreamHandshake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		upstream := wstest.NewServer(t)
		scenario.Play(t, upstream, hangThenAbort(t, false))
		proxy, err := scenario.NewProxy(t, "ws://upstream.test/", scenario.UpstreamDialer(upstream.Dialer()))
		if err != nil {
			t.Fatal(err)
		}
		status := dialProxy(t.Context(), proxy)
		time.Sleep(2 * time.Second)
		start := time.Now()
		proxy.Close()
		if d := time.Since(start); d != 0 {
			t.Errorf("Close took %v while the upstream handshake hung, want no wait", d)
		}
		if got := <-status; got == http.StatusSwitchingProtocols {
			t.Errorf("the client got %d", got)
		}
		s, err := proxy.Script("x")
		if err != nil {
			t.Fatal(err)
		}
		want := "Hang: recorded: no answer from the upstream when the recording stopped, 2s after the attempt"
		if len(s.Attempts) != 1 || answerOf(s.Attempts[0]) != want {
			t.Errorf("recorded %+v, want one attempt: %s", s.Attempts, want)
		}
	})
}

// TestProxyClientGivesUp: when the client gives up on its handshake, the
// proxy gives up the upstream's at once, and records a hang; an upstream
// that closes the connection without an answer is recorded as an Abort.
func TestProxyClientGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		upstream := wstest.NewServer(t)
		scenario.Play(t, upstream, hangThenAbort(t, true))
		proxy, err := scenario.NewProxy(t, "ws://upstream.test/", scenario.UpstreamDialer(upstream.Dialer()))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		defer cancel()
		start := time.Now()
		if got := <-dialProxy(ctx, proxy); got != 0 {
			t.Errorf("the client got %d, want no answer", got)
		}
		synctest.Wait()
		log := upstream.Attempts()
		if len(log) != 1 || log[0].Outcome != wstest.Abandoned || log[0].AnswerTime.Sub(start) != 3*time.Second {
			t.Errorf("the upstream's log: %+v, want its attempt abandoned when the client gave up, after 3s", log)
		}
		if got := <-dialProxy(t.Context(), proxy); got != 0 {
			t.Errorf("the client got %d, want no answer (the upstream aborted)", got)
		}
		s, err := proxy.Script("x")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range s.Attempts {
			got = append(got, answerOf(a))
		}
		want := "Hang: recorded: no answer from the upstream when the client gave up, 3s after the attempt\nAbort"
		if strings.Join(got, "\n") != want {
			t.Errorf("recorded:\n%s\nwant:\n%s", strings.Join(got, "\n"), want)
		}
	})
}

// TestProxyUpstreamHandshakeTimeout: an upstream that does not answer
// within the dialer's HandshakeTimeout is recorded as a hang; the client
// gets 504 from the proxy.
func TestProxyUpstreamHandshakeTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		upstream := wstest.NewServer(t)
		scenario.Play(t, upstream, hangThenAbort(t, false))
		d := upstream.Dialer()
		d.HandshakeTimeout = 5 * time.Second
		proxy, err := scenario.NewProxy(t, "ws://upstream.test/", scenario.UpstreamDialer(d))
		if err != nil {
			t.Fatal(err)
		}
		if got := <-dialProxy(t.Context(), proxy); got != http.StatusGatewayTimeout {
			t.Errorf("the client got %d, want 504", got)
		}
		s, err := proxy.Script("x")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := answerOf(s.Attempts[0]), "Hang: recorded: no answer from the upstream in 5s"; got != want {
			t.Errorf("recorded %s, want %s", got, want)
		}
	})
}
