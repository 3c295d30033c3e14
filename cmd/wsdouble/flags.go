package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Flags whose values are checked as they are parsed: a bad value is a
// usage error (exit 2) that says what is wrong, before anything starts.

// maxTimeScale bounds --time-scale: a larger factor would make the
// script's waits overflow time.Duration, or last for years.
const maxTimeScale = 1000

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

// scaleValue is --time-scale: a finite factor from 0 to maxTimeScale.
type scaleValue struct{ p *float64 }

func (v scaleValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.FormatFloat(*v.p, 'g', -1, 64)
}

func (v scaleValue) Set(s string) error {
	f, err := strconv.ParseFloat(s, 64)
	var ne *strconv.NumError
	if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrSyntax) {
		return errors.New("not a number")
	}
	if err != nil || math.IsNaN(f) || f < 0 || f > maxTimeScale {
		return fmt.Errorf("want a number from 0 to %d", maxTimeScale)
	}
	*v.p = f
	return nil
}

// timeScaleFlag defines --time-scale on fs, 1 by default.
func timeScaleFlag(fs *flag.FlagSet, p *float64) {
	*p = 1
	fs.Var(scaleValue{p}, "time-scale", fmt.Sprintf("multiply the script's waits and fault durations by `f`, from 0 to %d (0.1: ten times faster; 0: no waits)", maxTimeScale))
}

// durationValue is a duration flag with a lower bound: positive (an expect
// that waits for nothing fails at once) or, with zero, not negative.
type durationValue struct {
	p    *time.Duration
	zero bool // 0 is allowed
}

func (v durationValue) String() string {
	if v.p == nil {
		return time.Duration(0).String() // the zero value, which help leaves out
	}
	return v.p.String()
}

func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	switch {
	case err != nil:
		return errors.New(`not a duration: want a number and a unit, such as 10s, 1m30s or 500ms`)
	case d < 0 || d == 0 && !v.zero:
		if v.zero {
			return errors.New("negative: want 0 or more, such as 100ms")
		}
		return errors.New("want a positive duration, such as 10s (with 0, every wait would end at once)")
	}
	*v.p = d
	return nil
}

// durationFlag defines a duration flag on fs that must be positive, or,
// with zero, not negative.
func durationFlag(fs *flag.FlagSet, p *time.Duration, name string, def time.Duration, zero bool, usage string) {
	*p = def
	fs.Var(durationValue{p: p, zero: zero}, name, usage)
}
