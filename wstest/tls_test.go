package wstest_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// tlsSubject is the real client over a Server made with TLS, at wss://: in
// memory or, with loopback set, over TCP.
func tlsSubject(loopback bool) func(t *testing.T) func() (wstest.Subject, error) {
	return func(t *testing.T) func() (wstest.Subject, error) {
		return func() (wstest.Subject, error) {
			srv := wstest.NewServer(t, wstest.TLS())
			url := wstest.MemoryTLSURL
			if loopback {
				url = srv.URL()
			}
			return wstest.Subject{New: srv.Constructor(), URL: url, Acceptor: srv, Close: srv.Close}, nil
		}
	}
}

// The conformance checks pass for the real client over wss://, on both
// transports, as they do over ws://: the client reads close frames above
// TLS, and its echo of the server's close frame reaches the server.
func TestConformanceTLS(t *testing.T) {
	checks := wstest.ConformanceChecks()
	t.Run("memory", func(t *testing.T) { runChecks(t, checks, tlsSubject(false), true) })
	t.Run("loopback", func(t *testing.T) { runChecks(t, checks, tlsSubject(true), false) })
}

// tlsClient is a client library dialing a Server at url, trusting cfg (nil:
// the system's roots), through the Server's DialContext. It returns the
// dial's error, and on success closes what it dialed.
type tlsClient struct {
	name string
	dial func(ctx context.Context, srv *wstest.Server, url string, cfg *tls.Config) error
}

var tlsClients = []tlsClient{
	{"gorilla", func(ctx context.Context, srv *wstest.Server, url string, cfg *tls.Config) error {
		d := srv.Dialer()
		d.TLSClientConfig = cfg
		c, _, err := d.DialContext(ctx, url, nil)
		if err == nil {
			c.NetConn().Close()
		}
		return err
	}},
	{"coder", func(ctx context.Context, srv *wstest.Server, url string, cfg *tls.Config) error {
		hc := &http.Client{Transport: &http.Transport{DialContext: srv.DialContext, TLSClientConfig: cfg}}
		defer hc.CloseIdleConnections()
		c, _, err := coder.Dial(ctx, url, &coder.DialOptions{HTTPClient: hc})
		if err == nil {
			c.CloseNow()
		}
		return err
	}},
	{"gobwas", func(ctx context.Context, srv *wstest.Server, url string, cfg *tls.Config) error {
		c, br, _, err := ws.Dialer{NetDial: srv.DialContext, TLSConfig: cfg}.Dial(ctx, url)
		if br != nil {
			ws.PutReader(br)
		}
		if err == nil {
			c.Close()
		}
		return err
	}},
	{"wsdouble", func(ctx context.Context, srv *wstest.Server, url string, cfg *tls.Config) error {
		d := srv.Dialer()
		d.TLSClientConfig = cfg
		c, err := wsdouble.Dial(ctx, url, wsdouble.WithDialer(d))
		if err == nil {
			c.Close(wsdouble.CloseNormalClosure, "")
			<-c.Done()
		}
		return err
	}},
}

// tlsTransports are the two ways to a Server: the URL each dials, and
// whether the test runs in a synctest bubble (in memory it does).
var tlsTransports = []struct {
	name   string
	url    func(*wstest.Server) string
	bubble bool
}{
	{"memory", func(*wstest.Server) string { return wstest.MemoryTLSURL }, true},
	{"loopback", (*wstest.Server).URL, false},
}

// inBubble runs f as a subtest named name, in a synctest bubble if bubble
// is set.
func inBubble(t *testing.T, name string, bubble bool, f func(t *testing.T)) {
	t.Run(name, func(t *testing.T) {
		if bubble {
			synctest.Test(t, f)
		} else {
			f(t)
		}
	})
}

// accepting answers every attempt of srv with an accept until the test
// ends, for dials that only check the handshake.
func accepting(t *testing.T, srv *wstest.Server) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			a, err := srv.NextAttempt(t.Context())
			if err != nil {
				return
			}
			a.Accept(wstest.AcceptOptions{})
		}
	}()
	t.Cleanup(func() { <-done })
}

// Every client library reaches a Server made with TLS at wss://, on both
// transports, when it trusts the Server's authority (TLSConfig); in
// memory the TLS handshake runs on virtual time, and takes none of it.
func TestTLSEveryClient(t *testing.T) {
	for _, tr := range tlsTransports {
		for _, c := range tlsClients {
			inBubble(t, tr.name+"/"+c.name, tr.bubble, func(t *testing.T) {
				srv := wstest.NewServer(t, wstest.TLS())
				accepting(t, srv)
				url := tr.url(srv)
				if !strings.HasPrefix(url, "wss://") {
					t.Fatalf("URL: got %s, want wss://", url)
				}
				start := time.Now()
				if err := c.dial(t.Context(), srv, url+"path", srv.TLSConfig()); err != nil {
					t.Fatalf("dial %s: %v", url, err)
				}
				if tr.bubble && time.Since(start) > time.Millisecond {
					t.Errorf("the dial took %v of virtual time, want none (settle's nanosecond aside)", time.Since(start))
				}
				if rec := srv.Attempts()[0]; rec.Outcome != wstest.Accepted || rec.URL != url+"path" {
					t.Errorf("attempt: got %v at %s, want accepted at %spath", rec.Outcome, rec.URL, url)
				}
			})
		}
	}
}

// A client that does not trust the Server's authority fails its handshake
// with the error a real server with an unknown issuer gives it (x509:
// "certificate signed by unknown authority"), and the Server logs the
// failed handshake as an attempt, aborted by the client's alert (checked in
// memory, where synctest.Wait says when the Server has read it).
func TestTLSUntrustedClientFails(t *testing.T) {
	for _, tr := range tlsTransports {
		for _, c := range tlsClients {
			inBubble(t, tr.name+"/"+c.name, tr.bubble, func(t *testing.T) {
				srv := wstest.NewServer(t, wstest.TLS())
				err := c.dial(t.Context(), srv, tr.url(srv), nil)
				var unknown x509.UnknownAuthorityError
				if !errors.As(err, &unknown) {
					t.Fatalf("dial without the Server's authority: got %v, want x509.UnknownAuthorityError", err)
				}
				if !tr.bubble {
					return
				}
				synctest.Wait()
				rec := srv.Attempts()[0]
				if rec.Outcome != wstest.Aborted || rec.Err == nil || !strings.Contains(rec.Err.Error(), "tls: bad certificate") {
					t.Errorf("the failed handshake's record: got %v (%v), want aborted, tls: bad certificate", rec.Outcome, rec.Err)
				}
			})
		}
	}
}

// Each TLS fault fails the handshake of every client library as a real
// server's would: an expired certificate and one for another host are
// rejected with x509's errors, and a hung handshake lasts until the
// client's own timeout (10 s of virtual time). The Server logs each, and
// NoTLSFault heals it.
func TestTLSFaults(t *testing.T) {
	faults := []struct {
		fault   wstest.TLSFault
		check   func(error) bool
		want    string
		outcome wstest.Outcome
	}{
		{wstest.ExpiredCertificate, func(err error) bool {
			var e x509.CertificateInvalidError
			return errors.As(err, &e) && e.Reason == x509.Expired
		}, "x509.CertificateInvalidError (Expired)", wstest.Aborted},
		{wstest.WrongHostCertificate, func(err error) bool {
			var e x509.HostnameError
			return errors.As(err, &e) && e.Host == "wstest.invalid"
		}, "x509.HostnameError for wstest.invalid", wstest.Aborted},
		{wstest.HangTLSHandshake, func(err error) bool {
			// gorilla also sets the context's deadline on the connection:
			// either may fire first.
			return errors.Is(err, context.DeadlineExceeded) || isTimeout(err)
		}, "context.DeadlineExceeded or a timeout, 10 s later", wstest.Abandoned},
	}
	for _, f := range faults {
		for _, c := range tlsClients {
			inBubble(t, f.fault.String()+"/"+c.name, true, func(t *testing.T) {
				srv := wstest.NewServer(t, wstest.TLS())
				srv.SetTLSFault(f.fault)
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				start := time.Now()
				err := c.dial(ctx, srv, wstest.MemoryTLSURL, srv.TLSConfig())
				if !f.check(err) {
					t.Fatalf("dial: got %v, want %s", err, f.want)
				}
				if f.fault == wstest.HangTLSHandshake && time.Since(start) != 10*time.Second {
					t.Errorf("the hung handshake failed after %v, want the client's 10 s", time.Since(start))
				}
				synctest.Wait() // the Server has logged it
				if rec := srv.Attempts()[0]; rec.Outcome != f.outcome || rec.Time != start {
					t.Errorf("record: got %v at %v, want %v at the dial's start (%v)", rec.Outcome, rec.Time, f.outcome, rec.Err)
				}

				srv.SetTLSFault(wstest.NoTLSFault)
				accepting(t, srv)
				if err := c.dial(t.Context(), srv, wstest.MemoryTLSURL, srv.TLSConfig()); err != nil {
					t.Errorf("dial after NoTLSFault: %v", err)
				}
			})
		}
	}
}

// A client that speaks plain ws:// to a Server made with TLS gets the
// answer net/http gives on a real TLS port: 400 Bad Request.
func TestPlainClientOfTLSServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t, wstest.TLS())
		d := srv.Dialer()
		_, resp, err := d.DialContext(t.Context(), wstest.MemoryURL, nil)
		if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil || resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("ws:// dial of a TLS Server: got %v (%v), want a bad handshake, 400", err, resp)
		}
		resp.Body.Close()
	})
}

// SetTLSFault fails the test on a Server made without TLS, whose
// Certificate, RootCAs and TLSConfig are nil.
func TestTLSFaultNeedsTLS(t *testing.T) {
	tb := &fakeTB{}
	srv := wstest.NewServer(tb)
	defer tb.runCleanups()
	srv.SetTLSFault(wstest.ExpiredCertificate)
	if len(tb.errors) != 1 || !strings.Contains(tb.errors[0], "the Server serves no TLS") {
		t.Errorf("SetTLSFault without TLS: got %q, want one error saying so", tb.errors)
	}
	if srv.Certificate() != nil || srv.RootCAs() != nil || srv.TLSConfig() != nil {
		t.Errorf("a Server without TLS: got a certificate, roots or a TLS config")
	}
}

// The Server's certificate is the one a client sees, issued by the
// authority RootCAs holds, for the names the Server is dialed by.
func TestTLSCertificate(t *testing.T) {
	srv := wstest.NewServer(t, wstest.TLS())
	cert := srv.Certificate()
	for _, host := range []string{"localhost", "127.0.0.1", "::1", "wstest.invalid", "a.wstest.invalid"} {
		if _, err := cert.Verify(x509.VerifyOptions{DNSName: host, Roots: srv.RootCAs()}); err != nil {
			t.Errorf("certificate for %s: %v", host, err)
		}
	}
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: "example.com", Roots: srv.RootCAs()}); err == nil {
		t.Errorf("certificate for example.com: verified, want an error")
	}
	other := wstest.NewServer(t, wstest.TLS())
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: other.RootCAs()}); err == nil {
		t.Errorf("another Server's authority trusts this one's certificate: want one authority per Server")
	}
}
