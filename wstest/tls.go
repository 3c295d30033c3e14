package wstest

// wss://: a Server made with the TLS option serves TLS on both transports,
// with a certificate of its own throwaway certificate authority, and logs
// the TLS handshakes that fail as attempts.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"time"
)

// TLS makes the Server serve wss:// instead of ws://, on both transports,
// as net/http/httptest.NewTLSServer does for https://. The Server makes a
// certificate authority of its own, which nothing else trusts and which
// ends with the Server, and a certificate it signs for the names a test
// dials: localhost, 127.0.0.1, ::1 and wstest.invalid (and its
// subdomains), the host of MemoryTLSURL. A client trusts it through
// TLSConfig, RootCAs or Certificate; one that does not fails the handshake
// as it would against a real server with an unknown issuer (x509:
// "certificate signed by unknown authority").
//
// URL is then wss://127.0.0.1:PORT/, and the in-memory transport runs the
// real TLS handshake (crypto/tls, TLS 1.2 or 1.3, HTTP/1.1 only) over the
// in-memory connection, on virtual time inside a testing/synctest bubble.
// A client that speaks plain ws:// to it gets the answer a real TLS
// server's net/http gives: 400 Bad Request.
//
// SetTLSFault makes the handshakes that follow fail as a broken server's
// would. A failed TLS handshake never becomes an Attempt (there is no HTTP
// request to answer), but it is logged (Attempts) with the time the
// client's hello arrived, so that AssertBackoff sees a client retry
// through it. Applies to Server.
func TLS() Option {
	return optionFunc(func(c *config) { c.tls = true })
}

// MemoryTLSURL is MemoryURL for a Server made with TLS: the certificate of
// the Server is valid for its host.
const MemoryTLSURL = "wss://wstest.invalid/"

// TLSFault is how a Server made with TLS answers the TLS handshakes of the
// connections that come after SetTLSFault.
type TLSFault int

// The TLS faults.
const (
	// NoTLSFault: the Server's certificate, valid for its names.
	NoTLSFault TLSFault = iota
	// ExpiredCertificate: a certificate of the Server's authority, for its
	// names, that expired an hour before the Server was made. A client
	// rejects it (x509: "certificate has expired or is not yet valid").
	ExpiredCertificate
	// WrongHostCertificate: a valid certificate of the Server's authority
	// for another name only (wrong-host.invalid). A client rejects it
	// (x509: "certificate is valid for wrong-host.invalid, not ...").
	WrongHostCertificate
	// HangTLSHandshake: the Server reads the client's hello and never
	// answers it, as a server whose TLS terminator is stuck. The client
	// waits until it gives up (its handshake timeout or context); the end
	// of the test and Close end the wait at once.
	HangTLSHandshake
)

// String returns the fault's name, for example "expired certificate".
func (f TLSFault) String() string {
	switch f {
	case NoTLSFault:
		return "no TLS fault"
	case ExpiredCertificate:
		return "expired certificate"
	case WrongHostCertificate:
		return "wrong-host certificate"
	case HangTLSHandshake:
		return "hung TLS handshake"
	}
	return "TLSFault(" + strconv.Itoa(int(f)) + ")"
}

// SetTLSFault makes every TLS handshake that starts from now on (on either
// transport) go as f says, until the next SetTLSFault; NoTLSFault heals
// the Server. Handshakes under way are not affected. It fails the test if
// the Server was made without TLS.
func (s *Server) SetTLSFault(f TLSFault) {
	s.tb.Helper()
	if s.tls == nil {
		s.tb.Errorf("wstest: Server.SetTLSFault(%v): the Server serves no TLS (make it with the TLS option)", f)
		return
	}
	if f < NoTLSFault || f > HangTLSHandshake {
		s.tb.Errorf("wstest: Server.SetTLSFault: got %v, want one of the TLSFault constants", f)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tlsFault = f
}

// Certificate returns the certificate the Server presents, signed by its
// authority, or nil if the Server serves no TLS. Its issuer is the
// authority's certificate, which RootCAs holds.
func (s *Server) Certificate() *x509.Certificate {
	if s.tls == nil {
		return nil
	}
	return s.tls.leaf.Leaf
}

// RootCAs returns a new pool that holds the certificate of the Server's
// authority, for a client's tls.Config.RootCAs, or nil if the Server
// serves no TLS.
func (s *Server) RootCAs() *x509.CertPool {
	if s.tls == nil {
		return nil
	}
	pool := x509.NewCertPool()
	pool.AddCert(s.tls.ca)
	return pool
}

// TLSConfig returns a new client configuration that trusts the Server's
// authority and nothing else, or nil if the Server serves no TLS. Give it
// to a client library as is (gorilla's Dialer.TLSClientConfig, an
// http.Transport's TLSClientConfig, gobwas's Dialer.TLSConfig, gws's
// ClientOption.TlsConfig): the client then checks the certificate as it
// would a real server's, host name included.
func (s *Server) TLSConfig() *tls.Config {
	if s.tls == nil {
		return nil
	}
	return &tls.Config{RootCAs: s.RootCAs(), MinVersion: tls.VersionTLS12}
}

// Names the Server's certificate is valid for, and the one of a
// WrongHostCertificate.
var (
	certHosts     = []string{"localhost", "wstest.invalid", "*.wstest.invalid"}
	certIPs       = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	wrongCertHost = "wrong-host.invalid"
)

// certNotBefore starts the validity of every certificate before the date a
// testing/synctest bubble starts at (midnight UTC, 2000-01-01), so that a
// certificate made on either clock is valid on both.
var certNotBefore = time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC)

// serverTLS is the TLS of a Server: its authority and certificates.
type serverTLS struct {
	ca      *x509.Certificate
	caKey   *ecdsa.PrivateKey
	key     *ecdsa.PrivateKey // the key of every certificate the Server presents
	leaf    *tls.Certificate  // valid
	expired *tls.Certificate
	wrong   *tls.Certificate
	config  *tls.Config
}

// newServerTLS makes the authority and certificates of s. ECDSA P-256
// keys: every client library accepts them, and a Server costs a few
// hundred microseconds of signing, not the tens of milliseconds of an RSA
// key.
func newServerTLS(s *Server) (*serverTLS, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{Organization: []string{"wstest"}, CommonName: "wstest throwaway CA"},
		NotBefore:             certNotBefore,
		NotAfter:              now.AddDate(100, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	ca, err := sign(tmpl, tmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	t := &serverTLS{ca: ca.Leaf, caKey: caKey, key: key}
	if t.leaf, err = t.issue(certHosts, certIPs, certNotBefore, now.AddDate(100, 0, 0)); err != nil {
		return nil, err
	}
	if t.expired, err = t.issue(certHosts, certIPs, certNotBefore, now.Add(-time.Hour)); err != nil {
		return nil, err
	}
	if t.wrong, err = t.issue([]string{wrongCertHost}, nil, certNotBefore, now.AddDate(100, 0, 0)); err != nil {
		return nil, err
	}
	t.config = &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: s.tlsCertificate,
		// HTTP/1.1 only: a WebSocket handshake is an HTTP/1.1 upgrade
		// (RFC 8441's HTTP/2 one is not served).
		NextProtos: []string{"http/1.1"},
		// Every handshake is a full one, so that GetCertificate sees it
		// and a TLSFault applies to it.
		SessionTicketsDisabled: true,
	}
	return t, nil
}

// issue makes a certificate of the authority, for the key of the Server.
func (t *serverTLS) issue(hosts []string, ips []net.IP, notBefore, notAfter time.Time) (*tls.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{"wstest"}, CommonName: hosts[0]},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     hosts,
		IPAddresses:  ips,
	}
	c, err := sign(tmpl, t.ca, &t.key.PublicKey, t.caKey)
	if err != nil {
		return nil, err
	}
	c.Certificate = append(c.Certificate, t.ca.Raw)
	c.PrivateKey = t.key
	return c, nil
}

// sign makes the certificate tmpl, for pub, signed by parent's key.
func sign(tmpl, parent *x509.Certificate, pub *ecdsa.PublicKey, key *ecdsa.PrivateKey) (*tls.Certificate, error) {
	if tmpl.SerialNumber == nil {
		tmpl.SerialNumber = big.NewInt(1)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		return nil, fmt.Errorf("wstest: making a certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("wstest: making a certificate: %w", err)
	}
	return &tls.Certificate{Certificate: [][]byte{der}, Leaf: leaf}, nil
}

// tlsHandshake is a TLS handshake under way: when the client's hello
// arrived, the name it asked for, and whether HangTLSHandshake holds it.
type tlsHandshake struct {
	at   time.Time
	host string
	hung bool
}

// tlsCertificate is the GetCertificate of the Server's TLS configuration:
// it notes the handshake, which tlsConnState logs if it fails, and answers
// as the Server's TLSFault says.
func (s *Server) tlsCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	now := time.Now()
	s.mu.Lock()
	fault := s.tlsFault
	if fault == HangTLSHandshake && (s.closed || s.testOver()) {
		fault = NoTLSFault // no one is left to wait for
	}
	s.handshakes[hello.Conn] = tlsHandshake{at: now, host: hello.ServerName, hung: fault == HangTLSHandshake}
	s.mu.Unlock()
	switch fault {
	case ExpiredCertificate:
		return s.tls.expired, nil
	case WrongHostCertificate:
		return s.tls.wrong, nil
	case HangTLSHandshake:
		return nil, hang(hello.Conn)
	}
	return s.tls.leaf, nil
}

// errHandshakeHung is why a handshake failed that HangTLSHandshake left
// unanswered.
var errHandshakeHung = errors.New("wstest: the TLS handshake was left unanswered (HangTLSHandshake)")

// hang reads the transport c, and drops what it reads, until it ends:
// the client gives up, or the Server ends the handshake (Close, the end
// of the test).
func hang(c net.Conn) error {
	_, err := io.Copy(io.Discard, c)
	if err == nil {
		err = io.EOF
	}
	return fmt.Errorf("%w, until: %w", errHandshakeHung, err)
}

// tlsConnState is called as each connection of the Server's HTTP servers
// changes state (http.Server.ConnState): a TLS connection that closes
// without completing its handshake is logged as a failed attempt.
func (s *Server) tlsConnState(c net.Conn, st http.ConnState) {
	tc, ok := c.(*tls.Conn)
	if !ok || (st != http.StateActive && st != http.StateHijacked && st != http.StateClosed) {
		return
	}
	s.mu.Lock()
	h, ok := s.handshakes[tc.NetConn()]
	delete(s.handshakes, tc.NetConn())
	s.mu.Unlock()
	if !ok || st != http.StateClosed || tc.ConnectionState().HandshakeComplete {
		return
	}
	// net/http's handshake has returned: this returns its error at once.
	err := tc.HandshakeContext(context.Background())
	s.logTLSFailure(h, tc.NetConn().LocalAddr(), err)
}

// logTLSFailure logs the handshake h, made to the Server's address local,
// which failed with err: hung, when the Server cut it (Close, or the end
// of the test for one HangTLSHandshake holds); abandoned by a client that
// gave up on a handshake HangTLSHandshake held; otherwise aborted, by a
// client that rejected the certificate (or that spoke no TLS).
func (s *Server) logTLSFailure(h tlsHandshake, local net.Addr, err error) {
	now := time.Now()
	host := local.String()
	if h.host != "" {
		if _, port, perr := net.SplitHostPort(host); perr == nil {
			host = net.JoinHostPort(h.host, port)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	outcome := Aborted
	switch {
	case errors.Is(err, net.ErrClosed): // the Server's end was closed
		outcome = Hung
	case errors.Is(err, errHandshakeHung):
		outcome = Abandoned
	}
	rec := &AttemptRecord{
		Time: h.at, URL: "wss://" + host, Outcome: outcome, AnswerTime: now,
		Err: fmt.Errorf("wstest: TLS handshake failed: %w", err),
	}
	s.addLocked(rec)
}

// hungHandshakesLocked returns the transports of the TLS handshakes
// HangTLSHandshake holds, which closing them ends. The caller closes them
// with s.mu unlocked (an in-memory transport's OnClose locks it).
func (s *Server) hungHandshakesLocked() []net.Conn {
	var hung []net.Conn
	for c, h := range s.handshakes {
		if h.hung {
			hung = append(hung, c)
		}
	}
	return hung
}
