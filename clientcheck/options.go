package clientcheck

import (
	"fmt"
	"path"
	"time"

	"github.com/wsdouble/wsdouble/wstest"
)

// Option changes how Check, Assert, Require and Play run: on which
// transport, which cases, how long a client may take to stop.
type Option interface {
	apply(*config)
}

type config struct {
	transport   Transport
	only, skip  []string
	stopTimeout time.Duration
	// stopAfter, when set, stops the client that long after the script's
	// last attempt arrived, whatever happens (the stop cases).
	stopAfter time.Duration
	// observe, when set, replaces the policy's observation window (see
	// Outcome.Settled).
	observe time.Duration
	// tls serves wss:// (a Server made with wstest.TLS), and onServer,
	// if set, acts on the Server before the client starts; what it
	// returns runs when the play is over.
	tls      bool
	onServer func(*wstest.Server) (undo func())
	// freshBubble says Play runs first thing in a bubble made for it:
	// no goroutine of the bubble but the caller's is there before it.
	freshBubble bool
	err         error
}

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// DefaultStopTimeout is how long a client's stop may take: twice the
// minute the real client (wsdouble.DefaultCloseTimeout), and a browser,
// waits for the server to answer its close frame, as it does when the
// server never answers.
const DefaultStopTimeout = 2 * time.Minute

func newConfig(opts []Option) config {
	c := config{transport: TransportFake, stopTimeout: DefaultStopTimeout}
	for _, o := range opts {
		if o != nil {
			o.apply(&c)
		}
	}
	return c
}

// OnFake plays every case on a wstest.FakeDialer: the client gets a
// Constructor of Fakes (Target.URL and Target.Constructor only). It is the
// default, and the fastest. Cases that need a wire are skipped.
func OnFake() Option { return optionFunc(func(c *config) { c.transport = TransportFake }) }

// InMemory plays every case on a wstest.Server reached in memory: the
// client gets every form of Target, and real frames.
func InMemory() Option { return optionFunc(func(c *config) { c.transport = TransportMemory }) }

// Loopback plays every case on a wstest.Server listening on 127.0.0.1, on
// real time: for clients that dial a URL themselves. Not inside a synctest
// bubble, and with a Policy whose Backoff.Tolerance allows for a real
// clock.
func Loopback() Option { return optionFunc(func(c *config) { c.transport = TransportLoopback }) }

// Only runs the cases whose names match one of the patterns, as path.Match
// matches them: "refuse/503", "refuse/*", "*/1012". A pattern that matches
// no case is an error, so that a typo does not pass for a run of nothing.
func Only(patterns ...string) Option {
	return optionFunc(func(c *config) {
		c.only = append(c.only, patterns...)
		c.err = checkPatterns(c.err, patterns)
	})
}

// Skip leaves out the cases whose names match one of the patterns (see
// Only).
func Skip(patterns ...string) Option {
	return optionFunc(func(c *config) {
		c.skip = append(c.skip, patterns...)
		c.err = checkPatterns(c.err, patterns)
	})
}

// StopTimeout bounds how long the function Start returned may take to stop
// the client (DefaultStopTimeout by default). Past it, the case fails.
func StopTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.stopTimeout = d })
}

// Observe sets how long Play watches the client once the script's last
// attempt, an accepted one, has played its steps: enough for a client
// that dials twice, or drops a healthy connection, to show it. The
// default is twice the longest first retry delay the policy allows, plus
// its Keepalive.
func Observe(d time.Duration) Option {
	return optionFunc(func(c *config) { c.observe = d })
}

// stopAfter stops the client d after the script's last attempt arrived.
func stopAfter(d time.Duration) Option {
	return optionFunc(func(c *config) { c.stopAfter = d })
}

// inFreshBubble tells Play that it runs first thing in a bubble made for
// it (Explore's), so that it need not list the bubble's goroutines before
// it starts.
func inFreshBubble() Option { return optionFunc(func(c *config) { c.freshBubble = true }) }

// overTLS serves the play's script over wss://, and runs f, if not nil,
// on its Server before the client starts.
func overTLS(f func(*wstest.Server) (undo func())) Option {
	return optionFunc(func(c *config) { c.tls, c.onServer = true, f })
}

// checkPatterns returns err, or the first bad pattern's error.
func checkPatterns(err error, patterns []string) error {
	if err != nil {
		return err
	}
	for _, p := range patterns {
		if _, perr := path.Match(p, ""); perr != nil {
			return fmt.Errorf("clientcheck: bad case pattern %q: %w", p, perr)
		}
	}
	return nil
}

// matchAny reports whether name matches one of the patterns.
func matchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}
