package wstest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble/wstest"
)

func TestAllowOrigins(t *testing.T) {
	for _, tt := range []struct {
		name     string
		patterns []string
		origins  []string // the request's Origin headers; none for nil
		want     bool
	}{
		{"no Origin", nil, nil, true},
		{"empty Origin", nil, []string{""}, true},
		{"http://127.0.0.1:PORT", nil, []string{"http://127.0.0.1:41234"}, true},
		{"another address of 127/8", nil, []string{"http://127.1.2.3"}, true},
		{"[::1]", nil, []string{"http://[::1]:3000"}, true},
		{"localhost", nil, []string{"https://localhost:8443"}, true},
		{"LOCALHOST", nil, []string{"http://LocalHost:3000"}, true},
		{"*.localhost", nil, []string{"http://app.localhost:5173"}, true},
		{"IPv4-mapped loopback", nil, []string{"http://[::ffff:7f00:1]"}, true},
		{"foreign", nil, []string{"https://evil.example"}, false},
		{"foreign on a loopback-looking name", nil, []string{"http://localhost.evil.example"}, false},
		{"foreign, localhost in userinfo", nil, []string{"http://localhost@evil.example"}, false},
		{"0.0.0.0", nil, []string{"http://0.0.0.0:8000"}, false},
		{"private address", nil, []string{"http://192.168.1.10"}, false},
		{"null by default", nil, []string{"null"}, false},
		{"not a URL", nil, []string{"evil.example"}, false},
		{"no host", nil, []string{"http://"}, false},
		{"one of two Origins foreign", nil, []string{"http://localhost", "https://evil.example"}, false},

		{"host pattern", []string{"evil.example"}, []string{"https://evil.example"}, true},
		{"host pattern, any scheme", []string{"evil.example"}, []string{"http://evil.example"}, true},
		{"host pattern, case", []string{"Evil.Example"}, []string{"https://EVIL.example"}, true},
		{"host pattern, port not matched", []string{"evil.example"}, []string{"https://evil.example:8443"}, false},
		{"host pattern with port", []string{"evil.example:*"}, []string{"https://evil.example:8443"}, true},
		{"wildcard subdomain", []string{"*.example.com"}, []string{"https://app.example.com"}, true},
		{"wildcard subdomain, not the apex", []string{"*.example.com"}, []string{"https://example.com"}, false},
		{"wildcard subdomain, not a suffix", []string{"*.example.com"}, []string{"https://app.example.com.evil.example"}, false},
		{"second pattern", []string{"a.example", "b.example"}, []string{"https://b.example"}, true},
		{"scheme pattern", []string{"https://evil.example"}, []string{"https://evil.example"}, true},
		{"scheme pattern, other scheme", []string{"https://evil.example"}, []string{"http://evil.example"}, false},
		{"scheme pattern, wildcard", []string{"https://*.example.com"}, []string{"https://app.example.com"}, true},
		{"host pattern does not match null", []string{"n*"}, []string{"null"}, false},
		{"null pattern", []string{"null"}, []string{"null"}, true},
		{"null pattern admits only null", []string{"null"}, []string{"https://evil.example"}, false},
		{"star", []string{"*"}, []string{"https://evil.example:8443"}, true},
		{"star admits null", []string{"*"}, []string{"null"}, true},
		{"star admits a malformed Origin", []string{"*"}, []string{"evil.example"}, true},
		{"bad pattern matches nothing", []string{"evil.example["}, []string{"https://evil.example"}, false},
		{"bad pattern, loopback still admitted", []string{"["}, []string{"http://127.0.0.1:1"}, true},
		{"bad pattern, a good one still applies", []string{"[", "evil.example"}, []string{"https://evil.example"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080/", nil)
			for _, o := range tt.origins {
				r.Header.Add("Origin", o)
			}
			if got := wstest.AllowOrigins(tt.patterns...)(r); got != tt.want {
				t.Errorf("AllowOrigins(%q) with Origin %q: got %v, want %v", tt.patterns, tt.origins, got, tt.want)
			}
		})
	}
}

func TestValidateOriginPattern(t *testing.T) {
	for _, p := range []string{"evil.example", "*.example.com", "localhost:*", "https://*.example.com", "*", "null", "[a-z]*.example"} {
		if err := wstest.ValidateOriginPattern(p); err != nil {
			t.Errorf("ValidateOriginPattern(%q): %v, want nil", p, err)
		}
	}
	for _, p := range []string{"[", "evil.[example", "*[", `example\`, "[a-", "https://[x"} {
		err := wstest.ValidateOriginPattern(p)
		if !errors.Is(err, path.ErrBadPattern) {
			t.Errorf("ValidateOriginPattern(%q): got %v, want path.ErrBadPattern", p, err)
		}
		if want := fmt.Sprintf("wstest: origin pattern %q: syntax error in pattern", p); err != nil && err.Error() != want {
			t.Errorf("ValidateOriginPattern(%q): message %q", p, err)
		}
	}
}

// TestServerAllowOrigins: through CheckOrigin, a foreign Origin gets 403
// and is logged as refused, before the test sees an attempt; a loopback one
// reaches the test.
func TestServerAllowOrigins(t *testing.T) {
	srv := wstest.NewServer(t, wstest.CheckOrigin(wstest.AllowOrigins()))
	d := srv.Dialer()

	// Without the check the attempt would wait for the test: give up soon.
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, resp, err := d.DialContext(ctx, wstest.MemoryURL, http.Header{"Origin": {"https://evil.example"}})
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("foreign Origin: got %v (response %v), want 403", err, resp)
	}
	resp.Body.Close()

	dialed := make(chan error, 1)
	go func() {
		c, _, err := d.Dial(wstest.MemoryURL, http.Header{"Origin": {"http://127.0.0.1:3000"}})
		if err == nil {
			c.Close()
		}
		dialed <- err
	}()
	a, err := srv.NextAttempt(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if a.N() != 2 {
		t.Errorf("the loopback attempt is #%d, want #2 (#1 is the refused one)", a.N())
	}
	if _, err := a.Accept(wstest.AcceptOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := <-dialed; err != nil {
		t.Errorf("loopback Origin: %v", err)
	}

	rec := srv.Attempts()[0]
	if rec.Outcome != wstest.Refused || rec.Status != http.StatusForbidden || rec.Err == nil || rec.Err.Error() != "origin not allowed" {
		t.Errorf("the refused attempt is logged as %v %d %v, want Refused 403 origin not allowed", rec.Outcome, rec.Status, rec.Err)
	}
	done, stop := context.WithCancel(t.Context())
	stop()
	if a, err := srv.NextAttempt(done); err == nil {
		t.Errorf("NextAttempt: got attempt #%d, want none (the refused one is not offered)", a.N())
	}
}

// TestCheckOriginOncePerHandshake: the Server asks its origin check once
// per handshake, not again inside gorilla's Upgrade, so a check that counts
// or logs sees each handshake once.
func TestCheckOriginOncePerHandshake(t *testing.T) {
	var calls atomic.Int32
	srv := wstest.NewServer(t, wstest.AutoAccept(nil), wstest.CheckOrigin(func(*http.Request) bool {
		calls.Add(1)
		return true
	}))
	c, _, err := srv.Dialer().Dial(wstest.MemoryURL, http.Header{"Origin": {"https://app.example"}})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if n := calls.Load(); n != 1 {
		t.Errorf("the origin check ran %d times for one accepted handshake, want 1", n)
	}
}

// TestAttemptNumberInOriginCheck: the origin check learns the number the
// attempt log gives the handshake it judges, refused or not, and the log
// keeps a refused handshake at that number.
func TestAttemptNumberInOriginCheck(t *testing.T) {
	var seen []int // the check runs on the dialing goroutine's handshake, one at a time
	srv := wstest.NewServer(t, wstest.AutoAccept(nil), wstest.CheckOrigin(func(r *http.Request) bool {
		n, ok := wstest.AttemptNumber(r)
		if !ok {
			t.Errorf("AttemptNumber: not known inside the origin check")
		}
		seen = append(seen, n)
		return r.Header.Get("Origin") != "https://evil.example"
	}))
	d := srv.Dialer()
	for i, origin := range []string{"", "https://evil.example", ""} {
		c, resp, err := d.Dial(wstest.MemoryURL, http.Header{"Origin": {origin}})
		switch {
		case i == 1 && (err == nil || resp == nil || resp.StatusCode != http.StatusForbidden):
			t.Fatalf("dial %d: got %v (response %v), want 403", i+1, err, resp)
		case i == 1:
			resp.Body.Close()
		case err != nil:
			t.Fatalf("dial %d: %v", i+1, err)
		default:
			c.Close()
		}
	}
	if fmt.Sprint(seen) != "[1 2 3]" {
		t.Errorf("the check saw attempts %v, want [1 2 3]", seen)
	}
	log := srv.Attempts()
	if len(log) != 3 {
		t.Fatalf("the log has %d attempts, want 3", len(log))
	}
	for i, want := range []wstest.Outcome{wstest.Accepted, wstest.Refused, wstest.Accepted} {
		if log[i].N != i+1 || log[i].Outcome != want {
			t.Errorf("attempt %d is logged as #%d %v, want #%d %v", i+1, log[i].N, log[i].Outcome, i+1, want)
		}
	}
	if log[1].Status != http.StatusForbidden || log[1].AnswerTime.IsZero() {
		t.Errorf("the refused attempt has status %d, answer time %v; want 403 and a time", log[1].Status, log[1].AnswerTime)
	}
	if n, ok := wstest.AttemptNumber(httptest.NewRequest(http.MethodGet, "/", nil)); ok {
		t.Errorf("AttemptNumber of a request no Server numbered: got %d, true; want false", n)
	}
}

// TestCloseDuringOriginCheck: a handshake whose origin check is still
// running when the Server closes is answered 503 and logged as refused,
// not left pending; Close waits for the check.
func TestCloseDuringOriginCheck(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		checking, release := make(chan struct{}), make(chan struct{})
		srv := wstest.NewServer(t, wstest.AutoAccept(nil), wstest.CheckOrigin(func(*http.Request) bool {
			close(checking)
			<-release
			return true
		}))
		dialed := make(chan *http.Response, 1)
		go func() {
			c, resp, err := srv.Dialer().Dial(wstest.MemoryURL, nil)
			if err == nil {
				c.Close()
				t.Errorf("dial: accepted by a closed Server")
			}
			dialed <- resp
		}()
		<-checking
		closed := make(chan struct{})
		go func() {
			srv.Close() // waits for the check's connection
			close(closed)
		}()
		synctest.Wait() // Close has marked the Server closed and waits
		close(release)
		<-closed
		log := srv.Attempts()
		if len(log) != 1 || log[0].Outcome != wstest.Refused || log[0].Status != http.StatusServiceUnavailable || !errors.Is(log[0].Err, wstest.ErrClosed) {
			t.Fatalf("the log is %+v, want one attempt refused 503 for ErrClosed", log)
		}
		if resp := <-dialed; resp != nil {
			resp.Body.Close()
		}
	})
}

// TestOriginCheckPanics: a check that panics fails the test, naming the
// panic and the attempt (net/http would recover it and say nothing), its
// attempt is logged as aborted, not pending, and the client sees the
// connection closed.
func TestOriginCheckPanics(t *testing.T) {
	tb := &fakeTB{}
	defer tb.runCleanups()
	srv := wstest.NewServer(tb, wstest.CheckOrigin(func(*http.Request) bool { panic("broken check") }))
	c, resp, err := srv.Dialer().Dial(wstest.MemoryURL, nil)
	if err == nil {
		c.Close()
		t.Fatal("dial: accepted, want the connection closed")
	}
	if resp != nil {
		resp.Body.Close()
		t.Errorf("dial: answered %s, want the connection closed unanswered", resp.Status)
	}
	log := srv.Attempts()
	if len(log) != 1 || log[0].Outcome != wstest.Aborted || log[0].AnswerTime.IsZero() ||
		log[0].Err == nil || log[0].Err.Error() != "wstest: the origin check panicked: broken check" {
		t.Fatalf("the log is %+v, want one aborted attempt with the panic", log)
	}
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if len(tb.errors) != 1 || !strings.HasPrefix(tb.errors[0], "wstest: the origin check panicked: broken check (attempt #1)\n") {
		t.Errorf("reported %q, want the panic with attempt #1 and a stack", tb.errors)
	}
}
