package wstest_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble/wstest"
)

// endingTB is a fakeTB with the test's Context, which end cancels as
// the testing package does when the test function returns, before the
// cleanups.
type endingTB struct {
	fakeTB
	ctx context.Context
	end context.CancelFunc
}

func newEndingTB() *endingTB {
	ctx, cancel := context.WithCancel(context.Background())
	return &endingTB{ctx: ctx, end: cancel}
}

func (tb *endingTB) Context() context.Context { return tb.ctx }

// dialResult is the end of a gorilla dial made in the background.
type dialResult struct {
	err error
	at  time.Time
}

// dialInBackground dials url with d on a goroutine of its own.
func dialInBackground(d *websocket.Dialer, url string) <-chan dialResult {
	done := make(chan dialResult, 1)
	go func() {
		c, _, err := d.DialContext(context.Background(), url, nil)
		if err == nil {
			c.Close()
		}
		done <- dialResult{err, time.Now()}
	}()
	return done
}

// The end of the test closes an attempt left pending, unanswered, before
// the cleanups run: a gorilla client fails its handshake at once (EOF)
// instead of waiting out its 45 s handshake timeout in a cleanup that
// stops it, whatever order the cleanups run in. An attempt that arrives
// after the end is closed as it arrives. Both are logged as hung.
func TestEndOfTestClosesPendingAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tb := newEndingTB()
		srv := wstest.NewServer(tb)
		pending := dialInBackground(srv.Dialer(), wstest.MemoryURL)
		if _, err := srv.NextAttempt(t.Context()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second) // the test goes on; the attempt stays pending
		end := time.Now()
		tb.end()
		r := <-pending
		if !errors.Is(r.err, io.ErrUnexpectedEOF) || r.at != end {
			t.Errorf("the pending dial: got %v after %v, want an unexpected EOF at the end of the test", r.err, r.at.Sub(end))
		}

		late := <-dialInBackground(srv.Dialer(), wstest.MemoryURL) // a client reconnecting meanwhile
		if !errors.Is(late.err, io.ErrUnexpectedEOF) || late.at != end {
			t.Errorf("a dial after the end: got %v after %v, want an unexpected EOF at once", late.err, late.at.Sub(end))
		}
		tb.runCleanups()
		for _, rec := range srv.Attempts() {
			if rec.Outcome != wstest.Hung || rec.Err == nil || !strings.Contains(rec.Err.Error(), "the test ended") {
				t.Errorf("attempt #%d: got %v (%v), want hung: the test ended", rec.N, rec.Outcome, rec.Err)
			}
		}
		if len(tb.errors) > 0 {
			t.Errorf("the Server reported: %q", tb.errors)
		}
	})
}

// The same on loopback, with a real test: a cleanup that waits for the
// client (registered after the Server, so it runs before the Server's
// Close) returns at once, not after gorilla's handshake timeout.
func TestEndOfTestClosesPendingAttemptsLoopback(t *testing.T) {
	var pending <-chan dialResult
	var ended time.Time
	var cleanup time.Duration
	t.Run("test", func(t *testing.T) {
		srv := wstest.NewServer(t)
		pending = dialInBackground(srv.Dialer(), srv.URL())
		t.Cleanup(func() { // runs before the Server's Close
			r := <-pending
			cleanup = time.Since(ended)
			if errors.Is(r.err, context.DeadlineExceeded) || isTimeout(r.err) {
				t.Errorf("the client's dial timed out (%v): the attempt was left pending", r.err)
			}
		})
		if _, err := srv.NextAttempt(t.Context()); err != nil {
			t.Fatal(err)
		}
		ended = time.Now()
	})
	// Far above the few hundred microseconds it takes, far below the 45 s
	// it took.
	if cleanup > 10*time.Second {
		t.Errorf("the cleanup waited %v for the client", cleanup)
	}
	t.Logf("the client's dial ended %v after the test", cleanup)
}

// A TLS handshake HangTLSHandshake holds ends with the test: the client
// fails at once, and the handshake is logged as hung.
func TestEndOfTestEndsHungTLSHandshake(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tb := newEndingTB()
		srv := wstest.NewServer(tb, wstest.TLS())
		srv.SetTLSFault(wstest.HangTLSHandshake)
		pending := dialInBackground(srv.Dialer(), wstest.MemoryTLSURL)
		synctest.Wait() // the Server holds the handshake
		end := time.Now()
		tb.end()
		if r := <-pending; r.err == nil || r.at != end {
			t.Errorf("the hung dial: got %v after %v, want an error at the end of the test", r.err, r.at.Sub(end))
		}
		tb.runCleanups()
		if log := srv.Attempts(); len(log) != 1 || log[0].Outcome != wstest.Hung {
			t.Errorf("log: got %v, want one hung attempt", wstest.Timeline(log))
		}
	})
}

// Close ends a hung TLS handshake on loopback too: the client fails at
// once, not at its handshake timeout.
func TestCloseEndsHungTLSHandshakeLoopback(t *testing.T) {
	srv := wstest.NewServer(t, wstest.TLS())
	srv.SetTLSFault(wstest.HangTLSHandshake)
	pending := dialInBackground(srv.Dialer(), srv.URL())
	start := time.Now()
	srv.Close()
	r := <-pending
	if r.err == nil || isTimeout(r.err) {
		t.Errorf("the hung dial: got %v, want an error that is no timeout", r.err)
	}
	t.Logf("the dial ended %v after Close began", r.at.Sub(start))
}
