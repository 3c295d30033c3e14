package scenario

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// Rule answers the client's messages as they come, beside the steps of an
// attempt: every message the client sends is offered to the attempt's
// rules, in order, and the first rule that takes it answers it. Rules are
// how a script speaks a protocol whose replies carry the ids of requests
// (JSON-RPC, graphql-transport-ws), or answers an application-level
// heartbeat while its steps wait (see the package documentation, "Rules").
type Rule struct {
	// Label names the rule in reports.
	Label string
	// On says which messages the rule takes: Exact, Regexp, JSON or Any,
	// as for Expect.
	On Matcher
	// Reply are the messages sent in answer, in order; their text may
	// hold placeholders for values of the message (see Reply). A rule
	// with none takes the message and answers nothing: it withholds.
	Reply []Reply
	// Delay waits before the reply (scaled by TimeScale).
	Delay time.Duration
	// Times is how many messages the rule answers, the first ones it
	// takes; zero means every one.
	Times int
	// PassOn hands the message on to the steps once the rule has
	// answered it, as if no rule had taken it: an Expect then sees it.
	PassOn bool
	// Then, a Close or a Drop, ends the connection after the reply.
	Then Action
}

// maxRuleTimes bounds Rule.Times, as the file format's integers are.
const maxRuleTimes = 1<<31 - 1

func (r Rule) validate() error {
	var errs []error
	switch m := r.On.(type) {
	case nil:
		errs = append(errs, errors.New("on: no matcher"))
	case interface{ validate() error }:
		if err := m.validate(); err != nil {
			errs = append(errs, fmt.Errorf("on: %w", err))
		}
	}
	if r.Delay < 0 {
		errs = append(errs, fmt.Errorf("negative delay %v", r.Delay))
	}
	if r.Times < 0 || r.Times > maxRuleTimes {
		errs = append(errs, fmt.Errorf("times %d is not a count from 1 (0: every time)", r.Times))
	}
	for i, rp := range r.Reply {
		if err := rp.validate(r.On); err != nil {
			errs = append(errs, fmt.Errorf("reply %d: %w", i+1, err))
		}
	}
	switch t := r.Then.(type) {
	case nil, Drop:
	case Close:
		if err := t.validate(); err != nil {
			errs = append(errs, fmt.Errorf("then: %w", err))
		}
	default:
		errs = append(errs, fmt.Errorf("then: %s: a rule ends with a close or a drop", t.Name()))
	}
	return errors.Join(errs...)
}

// validate checks a reply of a rule that matches with on.
func (rp Reply) validate(on Matcher) error {
	if err := (Send{Message: rp.Message}).validate(); err != nil {
		return err
	}
	phs, err := rp.placeholders()
	if err != nil {
		return err
	}
	re, isRegexp := on.(*Regexp)
	pattern := ""
	if isRegexp {
		pattern = re.Pattern
	}
	return checkGroups(phs, pattern, isRegexp)
}

// clone returns r with its own copies of its replies' data.
func (r Rule) clone() Rule {
	r.Reply = append([]Reply(nil), r.Reply...)
	for i := range r.Reply {
		r.Reply[i].Message.Data = append([]byte(nil), r.Reply[i].Message.Data...)
	}
	return r
}

// ruleSet plays an attempt's rules on one connection. Its reader is the
// only one to receive from the Peer: it offers each message to the rules
// and queues for the steps what no rule took (or what a rule passed on),
// which the steps take with receive. Once the steps are done, what no
// rule takes is extra at once.
type ruleSet struct {
	r     *runner
	ar    int
	p     wstest.Peer
	rules []Rule
	used  []int // answers given, per rule; only the reader touches it

	mu        sync.Mutex
	queue     []wsdouble.Message
	queued    int           // bytes of data in queue
	changed   chan struct{} // closed, and replaced, when queue or err change
	err       error         // why the reader stopped; then nothing more is queued
	stepsDone bool
	done      chan struct{} // closed when the reader has stopped
}

// The queue of messages for the steps is bounded as a connection's inbox
// is: when it is full, the reader stops receiving, and the connection's
// own backpressure holds the client back (see wstest.DefaultInboxMessages).
const (
	maxRuleQueue      = wstest.DefaultInboxMessages
	maxRuleQueueBytes = wstest.DefaultInboxBytes
)

// startRules starts playing rules on p, the connection of the attempt
// reported at ar, until the connection ends or ctx is done.
func startRules(ctx context.Context, r *runner, ar int, p wstest.Peer, rules []Rule) *ruleSet {
	rs := &ruleSet{r: r, ar: ar, p: p, rules: rules, used: make([]int, len(rules)),
		changed: make(chan struct{}), done: make(chan struct{})}
	go rs.read(ctx)
	return rs
}

// read is the reader: it receives every message of the connection.
func (rs *ruleSet) read(ctx context.Context) {
	defer close(rs.done)
	for {
		m, err := rs.p.Receive(ctx)
		if err != nil {
			rs.mu.Lock()
			rs.err = err
			rs.signalLocked()
			rs.mu.Unlock()
			return
		}
		rs.take(ctx, m)
	}
}

func (rs *ruleSet) signalLocked() {
	close(rs.changed)
	rs.changed = make(chan struct{})
}

// take offers m to the rules, in order: the first that takes it answers
// it; what none takes goes to the steps.
func (rs *ruleSet) take(ctx context.Context, m wsdouble.Message) {
	for i := range rs.rules {
		rule := &rs.rules[i]
		if rule.Times > 0 && rs.used[i] >= rule.Times {
			continue
		}
		replies, ok := rule.answers(m)
		if !ok {
			continue
		}
		rs.used[i]++
		rs.answer(ctx, i, m, replies)
		if rule.PassOn {
			rs.toSteps(ctx, m)
		}
		return
	}
	rs.toSteps(ctx, m)
}

// answers returns the rule's replies to m, filled with what it captured,
// or false when the rule does not take m: its matcher does not match, or m
// lacks a value a reply takes.
func (r *Rule) answers(m wsdouble.Message) ([]wsdouble.Message, bool) {
	if r.On.Match(m) != nil {
		return nil, false
	}
	c := &captured{msg: m}
	if re, ok := r.On.(*Regexp); ok && len(r.Reply) > 0 {
		if cre, err := re.compiled(); err == nil { // it matched: it compiles
			c.groups, c.names = cre.FindSubmatch(m.Data), cre.SubexpNames()
		}
	}
	out := make([]wsdouble.Message, 0, len(r.Reply))
	for _, rp := range r.Reply {
		msg, ok := rp.fill(c)
		if !ok {
			return nil, false
		}
		out = append(out, msg)
	}
	return out, true
}

// answer plays rule i for the message m it took: its delay, its replies,
// its end.
func (rs *ruleSet) answer(ctx context.Context, i int, m wsdouble.Message, replies []wsdouble.Message) {
	rule := rs.rules[i]
	detail := "on " + rule.On.String()
	if rule.Times > 0 {
		detail += fmt.Sprintf(" (%d of %d)", rs.used[i], rule.Times)
	}
	rs.entry(Entry{Kind: RuleMatched, Rule: i + 1, Label: rule.Label, Action: "on", Message: &m, Detail: detail})
	if d := rs.r.scaled(rule.Delay); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
		case <-rs.p.Done():
		}
		t.Stop()
	}
	for _, msg := range replies {
		e := Entry{Kind: MessageSent, Rule: i + 1, Action: "reply", Message: &msg}
		if err := rs.p.Send(msg); err != nil {
			e.Err = fmt.Errorf("could not send it: %w", connectionErr(rs.p, err))
		}
		rs.entry(e)
		if e.Err != nil {
			return
		}
	}
	e := Entry{Kind: StepPlayed, Rule: i + 1}
	var err error
	switch t := rule.Then.(type) {
	case Close:
		e.Action, e.Detail = "close", closeText(t.Code, t.Reason)
		err = rs.p.Close(t.Code, t.Reason)
	case Drop:
		e.Action, e.Detail = "drop", "drop"
		err = rs.p.Drop()
	default:
		return
	}
	if err != nil {
		e.Err = connectionErr(rs.p, err)
	}
	rs.entry(e)
}

// connectionErr says why a Peer refused to act.
func connectionErr(p wstest.Peer, err error) error {
	return errors.New(connectionState(p, err))
}

func (rs *ruleSet) entry(e Entry) {
	e.At = rs.r.now()
	rs.r.entry(rs.ar, e)
}

// toSteps queues m for the steps, waiting for room while the queue is
// full; once the steps are done, m is extra.
func (rs *ruleSet) toSteps(ctx context.Context, m wsdouble.Message) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for !rs.stepsDone && (len(rs.queue) >= maxRuleQueue || rs.queued >= maxRuleQueueBytes) {
		ch := rs.changed
		rs.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			rs.mu.Lock()
			return // the run is stopped: m is lost with it
		}
		rs.mu.Lock()
	}
	if rs.stepsDone {
		rs.entry(extraEntry(&m)) // under mu: extras stay in order
		return
	}
	rs.queue = append(rs.queue, m)
	rs.queued += len(m.Data)
	rs.signalLocked()
}

// receive returns the next message for the steps, as Peer.Receive does.
func (rs *ruleSet) receive(ctx context.Context) (wsdouble.Message, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for {
		if len(rs.queue) > 0 {
			m := rs.queue[0]
			rs.queue[0] = wsdouble.Message{}
			rs.queue = rs.queue[1:]
			rs.queued -= len(m.Data)
			rs.signalLocked() // room for the reader
			return m, nil
		}
		if rs.err != nil {
			return wsdouble.Message{}, rs.err
		}
		ch := rs.changed
		rs.mu.Unlock()
		select {
		case <-ch:
			rs.mu.Lock()
		case <-ctx.Done():
			rs.mu.Lock()
			return wsdouble.Message{}, context.Cause(ctx)
		}
	}
}

// finish ends the steps' part: what they left in the queue is extra, and
// so is every later message no rule takes. It waits until the reader has
// stopped (the connection has ended, or ctx is done), and reports whether
// the connection had ended by then.
func (rs *ruleSet) finish(ctx context.Context) bool {
	rs.mu.Lock()
	rs.stepsDone = true
	for _, m := range rs.queue {
		rs.entry(extraEntry(&m))
	}
	rs.queue, rs.queued = nil, 0
	rs.signalLocked()
	rs.mu.Unlock()
	<-rs.done
	return errors.Is(rs.err, wstest.ErrPeerClosed) || ctx.Err() == nil
}

// The file format of rules.

// String describes the rule as reports show it: on JSON containing {...}.
func (r Rule) String() string {
	if r.On == nil {
		return "on nothing"
	}
	return "on " + r.On.String()
}

func decodeRule(d *decoder, n *node) (Rule, bool) {
	var r Rule
	if n.kind != '{' {
		d.failf(n, "", `got %s, want an object such as {"on": {"text": "ping"}, "reply": {"text": "pong"}}`, n.kindName())
		return r, false
	}
	ok := d.object(n, "",
		objectField{"on", func(v *node, field string) bool {
			if !d.fields(v, field, "text", "binary", "regexp", "json", "any") {
				return false
			}
			m, ok := d.exactlyOne(v, field, "text", "binary", "regexp", "json", "any")
			if ok {
				r.On, ok = matcherDecoders[m.name](d, m, field)
			}
			return ok
		}},
		objectField{"reply", func(v *node, field string) bool {
			var ok bool
			r.Reply, ok = decodeReplies(d, v, field)
			return ok
		}},
		objectField{"delay", &r.Delay},
		objectField{"times", func(v *node, field string) bool {
			var ok bool
			if r.Times, ok = d.integer(v, field); ok && r.Times < 1 {
				d.failf(v, field, "want at least 1 (leave it out to answer every time)")
				return false
			}
			return ok
		}},
		objectField{"pass_on", func(v *node, field string) bool {
			var ok bool
			r.PassOn, ok = d.boolean(v, field)
			return ok
		}},
		objectField{"close", func(v *node, field string) bool {
			var ok bool
			r.Then, ok = decodeClose(d, v, field)
			return ok
		}},
		objectField{"drop", func(v *node, field string) bool {
			var ok bool
			r.Then, ok = noFields(Drop{})(d, v, field)
			return ok
		}},
		objectField{"label", &r.Label})
	if !ok {
		return r, false
	}
	if r.On == nil {
		d.failf(n, "on", `missing: a rule says which messages it takes, for example "on": {"json": {"op": "ping"}}`)
		return r, false
	}
	if n.get("close") != nil && n.get("drop") != nil {
		d.failf(n, "", "close and drop: a rule ends the connection one way")
		return r, false
	}
	if err := r.validate(); err != nil {
		d.fail(int64(n.off), "", err)
		return r, false
	}
	return r, true
}

// decodeReplies decodes a rule's reply: one message, or an array of them.
func decodeReplies(d *decoder, v *node, field string) ([]Reply, bool) {
	one := func(n *node, field string) (Reply, bool) {
		act, ok := decodeSend(d, n, field)
		if !ok {
			return Reply{}, false
		}
		return Reply(act.(Send)), true
	}
	if v.kind != '[' {
		rp, ok := one(v, field)
		return []Reply{rp}, ok
	}
	out := make([]Reply, 0, len(v.kids))
	ok := true
	for i, m := range v.kids {
		rp, good := one(expand(m.val), field+"["+strconv.Itoa(i)+"]")
		out = append(out, rp)
		ok = ok && good
	}
	return out, ok
}

// expand returns n as a tree. The parser keeps a container deeper than
// treeDepth as its JSON text, as it does the values of "json" fields; a
// rule's replies are one level deeper than a step's fields, so an element
// of a reply array is read again here. Its nodes take n's position, which
// errors name.
func expand(n *node) *node {
	if n.kind != '{' && n.kind != '[' || n.kids != nil || n.str == "" {
		return n
	}
	t, err := parseTree([]byte(n.str))
	if err != nil {
		return n // the parser wrote it: it parses
	}
	t.setOff(n.off)
	return t
}

// setOff gives n and every node under it the offset off.
func (n *node) setOff(off int32) {
	n.off = off
	for i := range n.kids {
		n.kids[i].off = off
		n.kids[i].val.setOff(off)
	}
}

// encode returns the rule in the file format, on one line.
func (r Rule) encode() (json.RawMessage, error) {
	on, err := matcherFields(r.On)
	if err != nil {
		return nil, err
	}
	kv := []any{"on", inlineObject(on...)}
	switch len(r.Reply) {
	case 0:
	case 1:
		kv = append(kv, "reply", r.Reply[0].encode())
	default:
		var b []byte
		b = append(b, '[')
		for i, rp := range r.Reply {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, rp.encode()...)
		}
		kv = append(kv, "reply", json.RawMessage(append(b, ']')))
	}
	if r.Delay != 0 {
		kv = append(kv, "delay", r.Delay.String())
	}
	if r.Times != 0 {
		kv = append(kv, "times", r.Times)
	}
	if r.PassOn {
		kv = append(kv, "pass_on", true)
	}
	if r.Then != nil {
		v, err := r.Then.encode()
		if err != nil {
			return nil, err
		}
		kv = append(kv, r.Then.Name(), v)
	}
	if r.Label != "" {
		kv = append(kv, "label", r.Label)
	}
	return inlineObject(kv...), nil
}

func (rp Reply) encode() json.RawMessage {
	v, _ := Send(rp).encode() // never fails
	return v
}
