package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/wsdouble/wsdouble/wstest"
)

// listenOptions are the flags of a command that listens for clients
// (serve, record): where, and from whom it takes them.
type listenOptions struct {
	listen      string
	allowRemote bool
	origins     []string // checked with originCheck
}

// listenFlags defines --listen, --allow-remote and --origin on fs.
func listenFlags(fs *flag.FlagSet, o *listenOptions) {
	listenFlag(fs, &o.listen, "127.0.0.1:8080")
	fs.BoolVar(&o.allowRemote, "allow-remote", false, "allow listening on an address that is not loopback")
	originFlag(fs, &o.origins)
}

// listenOn makes srv listen as the flags say, and returns its URL. An
// error is the line to report, with the exit code: an address that is not
// loopback without --allow-remote is bad usage; one that cannot be
// listened on (a port in use) a failed run.
func (o *listenOptions) listenOn(srv *wstest.Server) (url string, code int, err error) {
	if o.allowRemote {
		url, err = srv.ListenRemote(o.listen)
	} else {
		url, err = srv.Listen(o.listen)
	}
	switch {
	case errors.Is(err, wstest.ErrNotLoopback):
		return "", ExitInvalid, fmt.Errorf("refusing to listen on %s: not a loopback address (--allow-remote lets anyone who can reach it connect)", o.listen)
	case err != nil:
		return "", ExitFailed, errors.New(strings.TrimPrefix(err.Error(), "wstest: Server.Listen: "))
	}
	return url, ExitOK, nil
}

// listenValue is --listen: host:port.
type listenValue struct{ p *string }

func (v listenValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v listenValue) Set(s string) error {
	if err := checkListen(s); err != nil {
		return err
	}
	*v.p = s
	return nil
}

// listenFlag defines --listen on fs, with its default.
func listenFlag(fs *flag.FlagSet, p *string, def string) {
	*p = def
	fs.Var(listenValue{p}, "listen", "`address` to listen on (host:port; port 0 picks a free one)")
}

// checkListen checks a listening address: host:port, the host an IP
// address or a name (empty for every interface), the port a number from 0
// to 65535 or a service name.
func checkListen(addr string) error {
	const want = "want host:port, such as 127.0.0.1:8080"
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		var ae *net.AddrError
		if errors.As(err, &ae) {
			return fmt.Errorf("%s: %s", ae.Err, want)
		}
		return fmt.Errorf("%v: %s", err, want)
	}
	if port == "" {
		return errors.New("missing port: " + want + "; port 0 picks a free one")
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		// net.Listen also takes a service name ("http").
		if _, lerr := net.LookupPort("tcp", port); lerr != nil || strings.Trim(port, "0123456789") == "" {
			return fmt.Errorf("port %q is not a number from 0 to 65535", port)
		}
	}
	if host == "" {
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	if !validHostName(host) {
		return fmt.Errorf("host %q is neither an IP address nor a host name", host)
	}
	return nil
}

// validHostName reports whether s has the syntax of a DNS name (RFC 1123
// §2.1: letters, digits and hyphens, in labels of at most 63 bytes).
func validHostName(s string) bool {
	if len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
