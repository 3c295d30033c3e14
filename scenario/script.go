package scenario

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// DefaultTimeout is how long an Expect or ExpectClose step waits when its
// Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Script is a disconnect scenario: what the server does on each connection
// attempt, in order. Attempts[i] answers the (i+1)-th attempt; when the
// last one has Repeat set, it answers every later attempt too.
//
// A Script is plain data: build it with New, read it from a file with
// Parse or Load, record it with a Recorder or a Proxy, or import it with
// FromHAR; check it with Validate; play it with Run or Play.
type Script struct {
	Name        string
	Description string
	// Client, when set, tells the clients of a run apart, and the report
	// numbers each one's attempts (see ClientID).
	Client   ClientID
	Attempts []Attempt
}

// Attempt says how to answer one connection attempt and, once accepted,
// what to do on the connection.
type Attempt struct {
	// Label names the attempt in reports.
	Label string
	// After delays the answer; the client stays CONNECTING meanwhile.
	After time.Duration
	// Answer is Accept, Refuse or Hang.
	Answer Answer
	// Steps run in order on the accepted connection (Accept only).
	Steps []Step
	// Rules answer the client's messages as they come, beside the steps,
	// for as long as the connection is open (Accept only; see Rule).
	Rules []Rule
	// Clients makes this attempt answer that many attempts in a row, each
	// connection playing the steps and rules on its own: as many clients
	// connecting at once. Zero means one. A Gather step waits for all of
	// them.
	Clients int
	// Repeat makes this attempt, which must be the last, answer every
	// further attempt too, until the run is stopped.
	Repeat bool
}

// maxClients bounds Attempt.Clients: a gather holds a goroutine per
// connection.
const maxClients = 10000

// Answer is how the server answers the opening handshake: Accept, Refuse,
// Hang or Abort.
type Answer interface {
	answer() string
}

// Accept completes the handshake.
type Accept struct {
	// Subprotocol is the subprotocol to choose; empty lets the acceptor
	// choose, wstest.NoSubprotocol answers with none (see
	// wstest.AcceptOptions).
	Subprotocol string
	// Header is added to the 101 response.
	Header http.Header
	// Extensions, when not empty, is the Sec-WebSocket-Extensions value
	// to answer with (see wstest.AcceptOptions): a client fails the
	// connection when it names an extension the client did not offer, as
	// the Fetch standard says.
	Extensions string
}

// Refuse answers the handshake with an HTTP status other than 101.
type Refuse struct {
	Status int
	Header http.Header
	Body   string
}

// Hang never answers: the client stays CONNECTING until it gives up (its
// handshake timeout), and Run waits for that, on every acceptor, as it
// waits for an accepted attempt's steps. The report then says the client
// gave up; if Run is stopped first, its Pending lists the attempt.
type Hang struct{}

// Abort answers the handshake by closing the connection, with no answer at
// all: the client sees an error and a close event with code 1006.
type Abort struct{}

func (Accept) answer() string { return "accept" }
func (Refuse) answer() string { return "refuse" }
func (Hang) answer() string   { return "hang" }
func (Abort) answer() string  { return "abort" }

// Clone returns a deep copy of s (message data and headers included).
func (s *Script) Clone() *Script {
	c := &Script{Name: s.Name, Description: s.Description, Client: s.Client, Attempts: make([]Attempt, len(s.Attempts))}
	for i, a := range s.Attempts {
		a.Steps = append([]Step(nil), a.Steps...)
		a.Rules = append([]Rule(nil), a.Rules...)
		for j, r := range a.Rules {
			a.Rules[j] = r.clone()
		}
		switch ans := a.Answer.(type) {
		case Accept:
			ans.Header = ans.Header.Clone()
			a.Answer = ans
		case Refuse:
			ans.Header = ans.Header.Clone()
			a.Answer = ans
		}
		for j, st := range a.Steps {
			if c, ok := st.Action.(interface{ clone() Action }); ok {
				a.Steps[j].Action = c.clone()
			}
		}
		c.Attempts[i] = a
	}
	return c
}

// Validate reports every problem with the script as one error, each line
// naming the attempt and step, for example
// "attempt 2, step 3 (close): code 1005 may not be sent".
func (s *Script) Validate() error {
	var errs []error
	if len(s.Attempts) == 0 {
		errs = append(errs, errors.New("no attempts"))
	}
	if err := s.Client.validate(); err != nil {
		errs = append(errs, err)
	}
	for i, a := range s.Attempts {
		errs = append(errs, a.problems(fmt.Sprintf("attempt %d", i+1), i == len(s.Attempts)-1)...)
	}
	return errors.Join(errs...)
}

// problems lists what is wrong with the attempt; where names it, and last
// says it is the script's last.
func (a Attempt) problems(where string, last bool) []error {
	var errs []error
	if a.After < 0 {
		errs = append(errs, fmt.Errorf("%s: negative after %v", where, a.After))
	}
	if a.Clients < 0 || a.Clients > maxClients {
		errs = append(errs, fmt.Errorf("%s: clients %d is not a count from 1 to %d", where, a.Clients, maxClients))
	}
	if a.Repeat && !last {
		errs = append(errs, fmt.Errorf("%s: only the last attempt may repeat", where))
	}
	if err := answerProblem(a.Answer); err != nil {
		errs = append(errs, fmt.Errorf("%s%w", where, err))
	}
	return append(errs, a.connectionProblems(where)...)
}

// connectionProblems lists what is wrong with the attempt's steps and
// rules, what it does on an accepted connection.
func (a Attempt) connectionProblems(where string) []error {
	var errs []error
	if _, accepted := a.Answer.(Accept); !accepted && len(a.Steps) > 0 {
		errs = append(errs, fmt.Errorf("%s: steps need an accepted connection, but the answer is %s", where, answerName(a.Answer)))
	}
	if _, accepted := a.Answer.(Accept); !accepted && len(a.Rules) > 0 {
		errs = append(errs, fmt.Errorf("%s: rules need an accepted connection, but the answer is %s", where, answerName(a.Answer)))
	}
	for j, r := range a.Rules {
		if err := r.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s, rule %d: %w", where, j+1, err))
		}
	}
	for j, st := range a.Steps {
		if st.Action == nil {
			errs = append(errs, fmt.Errorf("%s, step %d: no action", where, j+1))
		} else if err := st.Action.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s, step %d (%s): %w", where, j+1, st.Action.Name(), err))
		}
	}
	return errs
}

// answerProblem says what is wrong with an answer, after its attempt's
// name: ": no answer", " (refuse): status 99 ...".
func answerProblem(ans Answer) error {
	switch ans := ans.(type) {
	case nil:
		return errors.New(": no answer (accept, refuse or hang)")
	case Accept:
		if strings.ContainsAny(ans.Extensions, "\r\n") {
			return fmt.Errorf(" (accept): extensions %q hold a line break", ans.Extensions)
		}
	case Hang, Abort:
	case Refuse:
		if ans.Status < 200 || ans.Status > 599 {
			return fmt.Errorf(" (refuse): status %d is not a final HTTP status other than 101", ans.Status)
		}
	default:
		return fmt.Errorf(": unknown answer %T", ans)
	}
	return nil
}

func answerName(a Answer) string {
	if a == nil {
		return "none"
	}
	return a.answer()
}
