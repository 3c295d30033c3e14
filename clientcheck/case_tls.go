package clientcheck

import (
	"fmt"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble/wstest"
)

// The TLS cases: the script is served over wss://, by a Server whose
// certificate the Target's TLS configuration trusts, and whose TLS
// handshakes fail for a while as a broken server's do (wstest.TLSFault).
// A failed TLS handshake is a failed attempt (logged Aborted, or
// Abandoned when the client gave up on one the server held): the client
// must refuse the bad certificate, back off as after any failure, and be
// healthy once the server is.

func tlsExpiredCertificate(e *caseEnv) (caseRun, string) {
	return tlsFault(e, "tls/expired-certificate", wstest.ExpiredCertificate, e.p.Backoff.Delay(1)+e.p.Backoff.Delay(2)/2)
}

func tlsWrongHost(e *caseEnv) (caseRun, string) {
	return tlsFault(e, "tls/wrong-host", wstest.WrongHostCertificate, e.p.Backoff.Delay(1)+e.p.Backoff.Delay(2)/2)
}

// tlsHang holds the first TLS handshake unanswered; the server is back
// before the client gives up on it.
func tlsHang(e *caseEnv) (caseRun, string) {
	if e.p.ConnectTimeout == 0 {
		return caseRun{}, "the policy has no ConnectTimeout: the client waits for an answer as long as the server does"
	}
	return tlsFault(e, "tls/hang", wstest.HangTLSHandshake, e.p.ConnectTimeout/2)
}

// tlsFault serves the script over wss://, with TLS handshakes failing as
// f says for the first heal of the play: the first attempt fails.
func tlsFault(e *caseEnv, name string, f wstest.TLSFault, heal time.Duration) (caseRun, string) {
	switch e.tr {
	case TransportFake:
		return caseRun{}, "the fake has no TLS"
	case TransportLoopback:
		return caseRun{}, "a client of another process cannot be given the server's throwaway certificate authority"
	}
	run := caseRun{script: e.script(name, e.healthy())}
	run.opts = []Option{overTLS(func(srv *wstest.Server) func() {
		srv.SetTLSFault(f)
		t := time.AfterFunc(heal, func() { srv.SetTLSFault(wstest.NoTLSFault) })
		return func() { t.Stop() }
	})}
	run.expect = func(o *Outcome) error {
		r, ok := first(o)
		if !ok || r.Outcome != wstest.Accepted {
			return nil
		}
		return &Violation{Invariant: "expectation", Attempt: r.N, Problem: fmt.Sprintf(
			"attempt #%d was accepted, want its TLS handshake failed by the %s: the client %s", r.N, f, trustText(f))}
	}
	return run, ""
}

// trustText says what a client that got through a TLS fault did.
func trustText(f wstest.TLSFault) string {
	if f == wstest.HangTLSHandshake {
		return "got through a handshake the server never answered"
	}
	return "trusted a certificate it must refuse (" + strings.TrimSuffix(f.String(), " certificate") + ")"
}
