package scenario

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/wstest"
)

// The steps of many clients: broadcast and gather; and what the runner
// keeps for them: the connections it accepted that are open, the gathers
// under way, and how clients are told apart (ClientID).

// Broadcast sends a message to every connection the run accepted that is
// still open, this one included, as a server pushing to all its
// subscribers does. The report lists who got it, by attempt number.
type Broadcast struct {
	Message wsdouble.Message
	// JSON records that the message was given as a JSON value.
	JSON bool
}

// Gather waits until every connection its attempt answers has come to
// this step: the Clients connections of an attempt that answers several
// (a repeating one: each batch of Clients). Steps after a gather play on
// every connection at the same moment: a drop after it drops them all at
// once, and their clients come back together (a stampede). A connection
// that does not come within Timeout (zero: DefaultTimeout) is a mismatch.
type Gather struct {
	Timeout time.Duration
}

func init() {
	registerAction("broadcast", decodeBroadcast)
	registerAction("gather", decodeGather)
}

// Name returns "broadcast".
func (Broadcast) Name() string { return "broadcast" }

// Name returns "gather".
func (Gather) Name() string { return "gather" }

func (b Broadcast) validate() error { return Send{Message: b.Message}.validate() }

func (g Gather) validate() error {
	if g.Timeout < 0 {
		return fmt.Errorf("negative timeout %v", g.Timeout)
	}
	return nil
}

func (b Broadcast) clone() Action {
	b.Message.Data = append([]byte(nil), b.Message.Data...)
	return b
}

func (g Gather) withTimeout(d time.Duration) Action {
	g.Timeout = d
	return g
}

func (b Broadcast) play(s *stepRun) stepResult {
	var got, gone []string
	for _, o := range s.r.openConns() {
		if err := o.p.Send(b.Message); err != nil {
			gone = append(gone, "#"+strconv.Itoa(o.n))
			continue
		}
		got = append(got, "#"+strconv.Itoa(o.n))
	}
	detail := fmt.Sprintf("broadcast %s to %d %s", b.Message, len(got), plural(len(got), "connection"))
	if len(got) > 0 {
		detail += ": " + strings.Join(got, ", ")
	}
	if len(gone) > 0 {
		detail += " (ended first: " + strings.Join(gone, ", ") + ")"
	}
	s.e.Detail = detail
	return stepNext
}

func (g Gather) play(s *stepRun) stepResult {
	n := max(s.group.clients, 1)
	want := fmt.Sprintf("the %d connections of attempt %d at step %d", n, s.group.attempt+1, s.e.Step)
	s.e.Detail = "gather " + strconv.Itoa(n) + " " + plural(n, "connection")
	all, count := s.r.gather(s.group, s.e.Step, n)
	timeout := s.r.timeout(g.Timeout)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-all:
		return stepNext
	case <-s.ctx.Done():
		s.stopped()
		return stepStopped
	case <-t.C:
		return s.fail(want, fmt.Sprintf("%d within %s", count(), timeline.Duration(timeout)))
	}
}

func (b Broadcast) encode() (json.RawMessage, error) { return Send(b).encode() }

func (g Gather) encode() (json.RawMessage, error) {
	if g.Timeout == 0 {
		return inlineObject(), nil
	}
	return inlineObject("timeout", g.Timeout.String()), nil
}

func decodeBroadcast(d *decoder, n *node, field string) (Action, bool) {
	act, ok := decodeSend(d, n, field)
	if !ok {
		return nil, false
	}
	return Broadcast(act.(Send)), true
}

func decodeGather(d *decoder, n *node, field string) (Action, bool) {
	var g Gather
	ok := d.object(n, field, objectField{"timeout", &g.Timeout})
	return g, ok
}

// group is the batch of connections an attempt answers together: the
// script's attempt (its index), which batch of it, and how many clients
// a batch has (Attempt.Clients).
type group struct {
	attempt, batch, clients int
}

// gathering is a gather step under way for one group: how many of its
// connections have come, and a channel closed once all have.
type gathering struct {
	came int
	all  chan struct{}
}

// gatherKey names a gathering: the group and the step.
type gatherKey struct {
	g    group
	step int
}

// gather notes that a connection of g came to the gather step; it returns
// a channel closed once n have, and how many have come so far.
func (r *runner) gather(g group, step, n int) (<-chan struct{}, func() int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := gatherKey{g: g, step: step}
	if r.gathers == nil {
		r.gathers = map[gatherKey]*gathering{}
	}
	gt := r.gathers[k]
	if gt == nil {
		gt = &gathering{all: make(chan struct{})}
		r.gathers[k] = gt
	}
	if gt.came++; gt.came == n {
		close(gt.all)
		delete(r.gathers, k) // every connection of the group has it
	}
	return gt.all, func() int {
		r.mu.Lock()
		defer r.mu.Unlock()
		return gt.came
	}
}

// openConn is a connection the run accepted: its Peer and its number in
// the acceptor's log.
type openConn struct {
	p wstest.Peer
	n int
}

// addConn notes a connection the run accepted, and forgets those that
// have ended, so that a run that repeats for hours keeps only the open
// ones.
func (r *runner) addConn(p wstest.Peer, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.conns = slices.DeleteFunc(r.conns, func(o openConn) bool { return isDone(o.p) })
	r.conns = append(r.conns, openConn{p: p, n: n})
}

// openConns returns the connections the run accepted that are open, in
// the acceptor's order.
func (r *runner) openConns() []openConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.DeleteFunc(slices.Clone(r.conns), func(o openConn) bool { return isDone(o.p) })
	slices.SortFunc(out, func(a, b openConn) int { return cmp.Compare(a.n, b.n) })
	return out
}

func isDone(p wstest.Peer) bool {
	select {
	case <-p.Done():
		return true
	default:
		return false
	}
}

// ClientID says how to tell the clients of a run apart, so that the report
// numbers each client's attempts (AttemptReport.Client, ClientAttempt):
// by a query parameter of the handshake's URL, or by a header of its
// request. A client that sends neither is the client "".
type ClientID struct {
	// Query names the URL's query parameter that identifies the client.
	Query string
	// Header names the request header that identifies the client.
	Header string
}

func (c ClientID) validate() error {
	switch {
	case c.Query != "" && c.Header != "":
		return errors.New("client: query or header, not both")
	case c.Header != "" && !validHeaderName(c.Header):
		return fmt.Errorf("client: bad header name %q", c.Header)
	}
	return nil
}

// of returns the identity of the client that sent r.
func (c ClientID) of(r *http.Request) string {
	switch {
	case r == nil:
		return ""
	case c.Query != "":
		return r.URL.Query().Get(c.Query)
	}
	return r.Header.Get(c.Header)
}

// clientAttempts numbers each client's attempts.
type clientAttempts struct {
	id ClientID
	mu sync.Mutex
	n  map[string]int
}

// next returns the client of r and the number of its attempt, or "" and
// 0 when the script does not tell clients apart.
func (c *clientAttempts) next(r *http.Request) (string, int) {
	if c.id == (ClientID{}) {
		return "", 0
	}
	id := c.id.of(r)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[id]++
	return id, c.n[id]
}

func decodeClientID(d *decoder, v *node) ClientID {
	var c ClientID
	if !d.object(v, "client", objectField{"query", &c.Query}, objectField{"header", &c.Header}) {
		return c
	}
	if c == (ClientID{}) {
		d.failf(v, "client", `want "query" or "header": what tells the clients apart`)
	} else if err := c.validate(); err != nil {
		d.failf(v, "", "%v", err)
	}
	return c
}

// clientText names a client and its attempt in a timeline: client "3" #2.
func clientText(client string, n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", client %q #%d", client, n)
}

// clientsOf reports how many connections an attempt answers at a time.
func (a Attempt) clientsOf() int { return max(a.Clients, 1) }

// The steps of many clients as the Builder's calls (see GoSource).

func (b Broadcast) goCall(g *goCode) error {
	switch {
	case b.JSON: // no BroadcastJSON
		g.call("Step(scenario.Broadcast{Message: %s, JSON: true})", goMessage(b.Message))
	case b.Message.Type == wsdouble.BinaryMessage:
		g.call("Broadcast(%s)", goMessage(b.Message))
	default:
		g.call("BroadcastText(%s)", goString(string(b.Message.Data)))
	}
	return nil
}

func (gt Gather) goCall(g *goCode) error {
	g.call("Gather()")
	if gt.Timeout != 0 {
		g.call("Within(%s)", goDuration(gt.Timeout))
	}
	return nil
}
