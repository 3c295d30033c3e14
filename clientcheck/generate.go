package clientcheck

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The explorer's generator: a schedule of answers, steps, rules and faults
// drawn from a source of numbers, shaped by a Harness.

// The bounds of a generated schedule: attemptWeights says how likely each
// number of attempts is, from none to four, before the last attempt,
// which accepts every further one and plays the healthy session;
// stepWeights how likely each number of steps after the healthy ones,
// from none to five, and maybe one more that ends the connection. An
// attempt that ends its connection partway through the healthy steps has
// at most a wait and the step that ends it instead. Durations are those
// of its timeScale.
var (
	attemptWeights = []int{1, 4, 4, 3, 2}
	stepWeights    = []int{1, 3, 3, 2, 2, 1}
)

// Generate returns the script the explorer draws for h from seed: the
// same on every run, machine and Go release. Every accepted attempt plays
// h.Healthy and answers with h.Rules (but where the schedule withholds or
// delays them); the last attempt accepts every further attempt and plays
// the healthy session. It fails for a harness whose steps or rules do not
// validate. Options choose the transport the schedule is for (Play's:
// OnFake by default): one with a wire (InMemory, Loopback) may also get
// raw frames, valid and invalid, which the fake has no wire for; the
// other options are ignored.
func Generate(h Harness, seed uint64, opts ...Option) (*scenario.Script, error) {
	s := drawSchedule(newSeeded(seed), h, newConfig(opts).transport.wire())
	s.name = "explore " + strconv.FormatUint(seed, 10)
	return s.script(h)
}

// source is where a schedule's choices come from: a seeded generator, or
// the bytes of a fuzz input. draw(n) returns a number from 0 to n-1 (0 for
// n < 2). A source that has run dry draws 0, and 0 is the simplest choice
// everywhere: an input of no bytes is a schedule of no attempts.
type source interface {
	draw(n int) int
}

// seeded is splitmix64 (Steele, Lea and Flood, 2014): a few lines of its
// own, so that a seed gives the same schedules on every machine and Go
// release, which math/rand does not promise.
type seeded struct{ state uint64 }

func newSeeded(seed uint64) *seeded { return &seeded{state: seed} }

func (s *seeded) next() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (s *seeded) draw(n int) int {
	if n < 2 {
		return 0
	}
	return int(s.next() % uint64(n))
}

// fuzzBytes draws from a fuzz input, as few bytes a choice as it needs, so
// that the fuzzer's mutations of a byte change one choice.
type fuzzBytes struct{ b []byte }

func (f *fuzzBytes) draw(n int) int {
	if n < 2 {
		return 0
	}
	var v uint64
	for m := uint64(n - 1); m > 0 && len(f.b) > 0; m >>= 8 {
		v = v<<8 | uint64(f.b[0])
		f.b = f.b[1:]
	}
	return int(v % uint64(n))
}

// pick draws an index of weights, each as likely as its weight; a draw of
// 0 picks the first with a weight.
func pick(src source, weights ...int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := src.draw(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1 // not reached: x < total
}

// schedule is a generated script without the harness's part: what the
// explorer draws, shrinks and prints. script adds the harness's part.
type schedule struct {
	name     string
	attempts []genAttempt
	// healthy is how many steps the harness's healthy session has, for
	// the shrinker to count steps.
	healthy int
}

// genAttempt is a generated attempt: its answer and, once accepted, how
// the harness's rules answer and what the server does around the healthy
// steps.
type genAttempt struct {
	after  time.Duration
	answer scenario.Answer
	// rules says how the harness's rules answer, and delay by how much
	// when they are late.
	rules ruleMode
	delay time.Duration
	// early, when set, ends the connection partway through the healthy
	// session: after the first cut healthy steps, its steps play, the
	// last of which ends the connection (a drop during the client's
	// resubscribe). Otherwise every healthy step plays, then steps.
	early []scenario.Step
	cut   int
	steps []scenario.Step
}

// ruleMode is how an attempt plays the harness's rules.
type ruleMode uint8

const (
	// rulesAnswer: as the harness gives them.
	rulesAnswer ruleMode = iota
	// rulesWithheld: not at all: the heartbeat goes unanswered.
	rulesWithheld
	// rulesLate: each answer comes the attempt's delay late.
	rulesLate
)

// script returns the schedule as a script for h: each accepted attempt
// with the harness's rules (as its mode says) after its own, and its
// prefix, the healthy steps and its steps; then the attempt that accepts
// every later one.
func (s schedule) script(h Harness) (*scenario.Script, error) {
	out := &scenario.Script{Name: s.name}
	for _, a := range s.attempts {
		out.Attempts = append(out.Attempts, a.attempt(h))
	}
	out.Attempts = append(out.Attempts, scenario.Attempt{
		Label: "healthy", Answer: scenario.Accept{}, Steps: slices.Clone(h.Healthy), Rules: slices.Clone(h.Rules), Repeat: true,
	})
	if err := out.Validate(); err != nil {
		return nil, fmt.Errorf("clientcheck: the harness's healthy steps and rules: %w", err)
	}
	return out, nil
}

func (a genAttempt) attempt(h Harness) scenario.Attempt {
	at := scenario.Attempt{After: a.after, Answer: a.answer}
	if _, ok := a.answer.(scenario.Accept); !ok {
		return at
	}
	switch a.rules {
	case rulesAnswer:
		at.Rules = slices.Clone(h.Rules)
	case rulesWithheld: // none of them
	case rulesLate:
		for _, r := range h.Rules {
			r.Delay += a.delay
			at.Rules = append(at.Rules, r)
		}
	}
	if len(a.early) > 0 {
		at.Steps = slices.Concat(h.Healthy[:min(a.cut, len(h.Healthy))], a.early)
	} else {
		at.Steps = slices.Concat(h.Healthy, a.steps)
	}
	return at
}

// gen draws a schedule: its source, what the harness allows, and whether
// the transport has a wire for raw frames.
type gen struct {
	src  source
	ts   timeScale
	h    Harness
	wire bool
}

// drawSchedule draws a schedule for h from src, for a transport with a
// wire or not.
func drawSchedule(src source, h Harness, wire bool) schedule {
	g := &gen{src: src, ts: newTimeScale(h.Policy), h: h, wire: wire}
	n := pick(src, attemptWeights...)
	s := schedule{attempts: make([]genAttempt, n), healthy: len(h.Healthy)}
	for i := range s.attempts {
		s.attempts[i] = g.attempt()
	}
	return s
}

// answers are the answers an attempt draws, the simplest first; hang only
// when the client gives up on a handshake (Policy.ConnectTimeout).
var answers = []struct {
	weight int
	draw   func(g *gen) scenario.Answer
}{
	{12, (*gen).accept},
	{3, (*gen).refuse},
	{1, func(*gen) scenario.Answer { return scenario.Abort{} }},
	{1, func(g *gen) scenario.Answer {
		if g.h.Policy.ConnectTimeout <= 0 {
			return scenario.Abort{} // the client would wait for ever
		}
		return scenario.Hang{}
	}},
}

func (g *gen) attempt() genAttempt {
	var a genAttempt
	if pick(g.src, 4, 1) == 1 {
		a.after = g.ts.draw(g.src)
	}
	ws := make([]int, len(answers))
	for i, ans := range answers {
		ws[i] = ans.weight
	}
	a.answer = answers[pick(g.src, ws...)].draw(g)
	if _, ok := a.answer.(scenario.Accept); ok {
		g.connection(&a)
	}
	return a
}

// connection draws what an accepted attempt does: how the harness's rules
// answer, and the server's steps: mostly after the healthy ones, else
// ending the connection partway through them.
func (g *gen) connection(a *genAttempt) {
	if len(g.h.Rules) > 0 && g.h.Policy.Keepalive > 0 { // withheld answers need a client that notices
		a.rules = ruleMode(pick(g.src, 16, 2, 2)) // answer, withheld, late
		if a.rules == rulesLate {
			a.delay = g.ts.draw(g.src)
		}
	}
	if pick(g.src, 8, 1) == 1 {
		a.cut = g.src.draw(len(g.h.Healthy) + 1)
		if pick(g.src, 1, 1) == 1 {
			a.early = append(a.early, scenario.Step{Action: scenario.Wait{Duration: g.ts.draw(g.src)}})
		}
		a.early = append(a.early, g.end())
		return
	}
	ended := false
	for i := pick(g.src, stepWeights...); i > 0 && !ended; i-- {
		st := g.step()
		a.steps = append(a.steps, st)
		ended = endsConnection(st.Action)
	}
	if !ended && pick(g.src, 1, 6) == 1 { // mostly, the server ends it, or the schedule stops here
		a.steps = append(a.steps, g.end())
	}
}

// endsConnection reports whether a step ends the connection, so that no
// step may follow it.
func endsConnection(act scenario.Action) bool {
	switch act.(type) {
	case scenario.Drop, scenario.Close, scenario.Reset, scenario.DropAll:
		return true
	}
	return false
}

// end draws a step that ends the connection.
func (g *gen) end() scenario.Step {
	ws := make([]int, len(steps))
	for i, s := range steps {
		if s.ends {
			ws[i] = g.weight(i)
		}
	}
	return scenario.Step{Action: steps[pick(g.src, ws...)].draw(g)}
}

// steps are the steps an accepted attempt draws, the simplest first, each
// with its weight (on a wire only, for wire); ends says that it ends the
// connection (endsConnection). The rows of a wire come last, so that a
// schedule on the fake draws as if they were not there.
// They are the server's doing only: an expectation is the
// harness's to say (Healthy), a generated one would fail a client for
// not saying what nobody asked of it.
var steps = []struct {
	weight int
	ends   bool
	draw   func(g *gen) scenario.Action
}{
	{4, true, func(*gen) scenario.Action { return scenario.Drop{} }},
	{5, false, func(g *gen) scenario.Action { return scenario.Wait{Duration: g.ts.draw(g.src)} }},
	{3, true, func(g *gen) scenario.Action { return scenario.Close{Code: g.closeCode()} }},
	{2, false, (*gen).send},
	{5, false, (*gen).fault},
	{1, false, func(*gen) scenario.Action { return scenario.Heal{} }},
	{2, true, func(*gen) scenario.Action { return scenario.Reset{} }},
	{1, false, func(g *gen) scenario.Action {
		if pick(g.src, 1, 1) == 0 {
			return scenario.Echo{Messages: 1 + g.src.draw(3)}
		}
		return scenario.Echo{For: g.ts.draw(g.src)}
	}},
	{1, false, func(g *gen) scenario.Action { return scenario.Down{Duration: g.ts.draw(g.src)} }},
	{1, true, func(*gen) scenario.Action { return scenario.DropAll{} }},
	{1, false, func(*gen) scenario.Action { return scenario.Ping{Payload: []byte("hb")} }},
	{2, false, (*gen).answerPings},
	{wireOnly | 2, false, (*gen).raw},
}

// raw draws a raw frame; its payload is its own, as a script's must be.
func (g *gen) raw() scenario.Action {
	f := frames[g.src.draw(len(frames))]
	f.Payload = slices.Clone(f.Payload)
	return scenario.Raw{Frame: f}
}

// wireOnly marks the weight of a row of steps drawn only on a wire.
const wireOnly = 1 << 16

// weight is the weight of row i of steps for g's transport.
func (g *gen) weight(i int) int {
	w := steps[i].weight
	if w&wireOnly != 0 {
		if !g.wire {
			return 0
		}
		w &^= wireOnly
	}
	return w
}

// frames are the raw frames a schedule on a wire draws: two a server may
// send (the first fragment of a text message, RFC 6455 §5.4, which a
// later step may leave unfinished; an unsolicited pong, §5.5.3) and the
// invalid ones of the battery's frame cases, which the client must fail
// the connection on (§7.1.7).
var frames = []wstest.Frame{
	{Opcode: wstest.OpText, NotFinal: true, Payload: []byte("he")},
	{Opcode: wstest.OpPong, Payload: []byte("hb")},
	reservedOpcode, rsv1Frame, badUTF8Frame, maskedFrame, fragmentedPing, strayContinuation,
}

// answerPings draws how the server answers the client's pings from now
// on: late, or, for a client that notices a dead heartbeat (Keepalive),
// never (RFC 6455 §5.5.2 says a pong must come "as soon as practical").
func (g *gen) answerPings() scenario.Action {
	if g.h.Policy.Keepalive > 0 && pick(g.src, 1, 1) == 1 {
		return scenario.AnswerPings{Answer: wstest.NoPong()}
	}
	return scenario.AnswerPings{Answer: wstest.PongAfter(g.ts.draw(g.src))}
}

// step draws a step.
func (g *gen) step() scenario.Step {
	ws := make([]int, len(steps))
	for i := range steps {
		ws[i] = g.weight(i)
	}
	return scenario.Step{Action: steps[pick(g.src, ws...)].draw(g)}
}

func (g *gen) accept() scenario.Answer {
	if len(g.h.Policy.Protocols) == 0 {
		return scenario.Accept{}
	}
	switch pick(g.src, 18, 1, 1) {
	case 1:
		return scenario.Accept{Subprotocol: wstest.NoSubprotocol} // the client must fail it
	case 2:
		return scenario.Accept{Subprotocol: "not-offered"}
	}
	return scenario.Accept{}
}

// statuses are the refusals an attempt draws, the plainest first.
var statuses = []int{
	http.StatusServiceUnavailable, http.StatusInternalServerError, http.StatusBadGateway,
	http.StatusTooManyRequests, http.StatusNotFound, http.StatusUnauthorized, http.StatusForbidden,
}

func (g *gen) refuse() scenario.Answer {
	pool := appendNew(statuses, g.h.Policy.GiveUpStatuses...)
	r := scenario.Refuse{Status: pool[g.src.draw(len(pool))]}
	if pick(g.src, 2, 1) == 1 { // RFC 9110 §10.2.3: seconds, or a date
		secs := max(1, int(g.ts.draw(g.src).Round(time.Second)/time.Second))
		r.Header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
	}
	return r
}

// closeCodes are the codes a server's close draws, the plainest first
// (RFC 6455 §7.4.1; 1012 and 1013 from the IANA registry); 0 is a close
// frame without one.
var closeCodes = []int{
	wsdouble.CloseNormalClosure, wsdouble.CloseGoingAway, wsdouble.CloseInternalServerErr,
	wsdouble.CloseServiceRestart, wsdouble.CloseTryAgainLater, wsdouble.ClosePolicyViolation, 4000, 0,
}

func (g *gen) closeCode() int {
	pool := appendNew(closeCodes, g.h.Policy.GiveUpCodes...)
	return pool[g.src.draw(len(pool))]
}

// appendNew returns a copy of base with those of more it lacks.
func appendNew(base []int, more ...int) []int {
	out := slices.Clone(base)
	for _, x := range more {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

func (g *gen) send() scenario.Action {
	switch pick(g.src, 2, 1, 1) {
	case 1:
		return scenario.Send{Message: wsdouble.Binary([]byte{0, 1, 2, 0xff})}
	case 2:
		return scenario.Send{Message: wsdouble.Text(`{"op":"event"}`), JSON: true}
	}
	return scenario.Send{Message: wsdouble.Text("news")}
}

// fault draws a fault of a kind of wstest.FaultKinds, with its
// parameters; a blackhole only for a client that notices one
// (Policy.Keepalive), or it stays half-open for ever.
func (g *gen) fault() scenario.Action {
	var kinds []wstest.FaultKindInfo
	for _, k := range wstest.FaultKinds() {
		if k.Kind != wstest.BlackholeFault || g.h.Policy.Keepalive > 0 {
			kinds = append(kinds, k)
		}
	}
	k := kinds[g.src.draw(len(kinds))]
	s := wstest.FaultSpec{Kind: k.Kind, Direction: g.direction(k), Probability: 1, Seed: 1}
	one := g.src.draw(len(k.Params)) // a OneOf row's parameter
	for i, p := range k.Params {
		switch {
		case k.OneOf && i != one:
		case p.Required || k.OneOf || pick(g.src, 1, 1) == 1:
			p.Set(&s, g.param(p))
		}
	}
	if pick(g.src, 6, 1) == 1 {
		s.Probability, s.Seed = 0.5, uint64(1+g.src.draw(9))
	}
	f, err := wstest.FaultFromSpec(s)
	if err != nil {
		panic(errors.New("clientcheck: a generated fault: " + err.Error())) // a bug of this file
	}
	return scenario.Inject{Fault: f}
}

// direction draws a direction the kind may act in, its default first.
func (g *gen) direction(k wstest.FaultKindInfo) wstest.Direction {
	dirs := []wstest.Direction{k.Default}
	for _, d := range []wstest.Direction{wstest.Both, wstest.ToClient, wstest.FromClient} {
		if d != k.Default && k.Directions&d == d {
			dirs = append(dirs, d)
		}
	}
	if pick(g.src, 3, 1) == 0 {
		return k.Default
	}
	return dirs[g.src.draw(len(dirs))]
}

// counts and rates are the values a fault's count and rate parameters
// draw: a few messages or bytes, up to many; a modem's rate up to a
// fast link's.
var (
	counts = []int64{1, 2, 3, 5, 16, 64, 256, 4096}
	rates  = []int64{64, 1024, 16 << 10, 1 << 20}
)

// param draws a value of a fault parameter, within its row's range.
func (g *gen) param(p wstest.FaultParam) int64 {
	var v int64
	switch p.Type {
	case wstest.DurationParam:
		v = int64(g.ts.draw(g.src))
	case wstest.RateParam:
		v = rates[g.src.draw(len(rates))]
	default:
		v = counts[g.src.draw(len(counts))]
	}
	return min(max(v, p.Min), p.Max)
}

// timeScale are the durations a schedule draws, ascending: around the
// harness's policy, so that waits, delays and faults fall on either side
// of what the client counts: its first retry delay and the cap, the uptime
// that resets its backoff, its keepalive, its connect timeout, the time
// its retries take to give up.
type timeScale []time.Duration

func newTimeScale(p Policy) timeScale {
	unit := p.Backoff.Min
	if unit <= 0 {
		unit = time.Second
	}
	ds := []time.Duration{unit / 10, unit / 2, unit, 2 * unit, p.Backoff.Max, p.Keepalive / 2}
	for _, d := range []time.Duration{p.Backoff.ResetAfter, p.Keepalive, p.ConnectTimeout, p.retrySeries()} {
		if d > 0 { // just short of it, just past it
			ds = append(ds, d-unit/10, d+unit/10)
		}
	}
	ds = slices.DeleteFunc(ds, func(d time.Duration) bool { return d <= 0 })
	slices.Sort(ds)
	return slices.Compact(ds)
}

// retrySeries is how long a client of the policy takes to give up when
// no attempt is answered: each of its MaxRetries+1 attempts abandoned
// after ConnectTimeout, each retry after its delay; zero without a
// MaxRetries or a ConnectTimeout. An answer that late lets one attempt of
// a schedule outlast every retry the policy allows.
func (p Policy) retrySeries() time.Duration {
	if p.MaxRetries == 0 || p.ConnectTimeout == 0 {
		return 0
	}
	d := time.Duration(p.MaxRetries+1) * p.ConnectTimeout
	for k := 1; k <= p.MaxRetries; k++ {
		d += p.Backoff.Delay(k)
	}
	return d
}

// draw draws a duration, the shortest first.
func (ts timeScale) draw(src source) time.Duration { return ts[src.draw(len(ts))] }
