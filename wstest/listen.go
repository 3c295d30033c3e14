package wstest

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// ErrNotLoopback is returned by Listen for an address that is not on the
// loopback interface.
var ErrNotLoopback = errors.New("wstest: not a loopback address")

// Listen serves the loopback transport on addr ("127.0.0.1:8080",
// "[::1]:0", "localhost:9000") instead of a port chosen by the system, and
// returns the server's URL, which URL returns from then on. It is for
// serving a fixed address to clients outside the test (a browser, another
// process); tests should use URL, which never collides.
//
// addr must be a loopback address: a test double has no business being
// reachable from the network. ListenRemote takes any address. Listen fails
// if the server already serves loopback (URL or Listen was called), if it
// is closed, or if the address cannot be listened on (for example, in
// use).
func (s *Server) Listen(addr string) (string, error) {
	if err := checkLoopback(addr); err != nil {
		return "", err
	}
	return s.listen(addr)
}

// ListenRemote is Listen for any address, ":8080" (every interface)
// included. Whoever can reach the address can then connect: use it only on
// a network you trust.
func (s *Server) ListenRemote(addr string) (string, error) { return s.listen(addr) }

func (s *Server) listen(addr string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.closed:
		return "", fmt.Errorf("wstest: Server.Listen %s: %w", addr, ErrClosed)
	case s.loopback != nil:
		return "", fmt.Errorf("wstest: Server.Listen %s: already serving at %s", addr, s.url)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("wstest: Server.Listen: %w", err)
	}
	s.startLoopbackLocked(l)
	return s.url, nil
}

// checkLoopback accepts host:port where host is "localhost" or a loopback
// IP address.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("wstest: Server.Listen %q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.IsLoopback() {
		return fmt.Errorf("wstest: Server.Listen %q: %w (use 127.0.0.1, [::1] or localhost)", addr, ErrNotLoopback)
	}
	return nil
}
