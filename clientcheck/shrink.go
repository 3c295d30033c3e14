package clientcheck

import (
	"slices"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The explorer's shrinker: from a failing schedule, simpler ones, in a
// fixed order; the first that still fails replaces it, until none does.
// Every candidate is smaller than the schedule it comes from (fewer
// attempts, steps or rules, a shorter duration, a plainer answer, code or
// fault; an end of the connection at once rather than after the healthy
// steps, which is fewer steps), so shrinking ends; and the order is fixed, so a property that
// fails the same way every time shrinks a schedule to the same one on
// every run and machine.

// shrinkRun is a shrink under way: the schedule that fails, the
// property's error for it, and the runs it took to get there.
type shrinkRun struct {
	s    schedule
	err  error
	runs int
	// minimal says that no candidate of s failed: the shrink ended
	// before its budget did.
	minimal bool
}

// shrink shrinks s, which failed with err: first(cands) plays candidates
// in order and returns the index of the first that fails (-1 if none
// does), how many it played up to it (all of them when none fails), and
// the failing one's error. It stops after budget runs, or when stop says
// so.
func shrink(s schedule, err error, ts timeScale, budget int, stop func() bool, first func(cands []schedule) (int, int, error)) shrinkRun {
	r := shrinkRun{s: s, err: err}
	for r.runs < budget && !stop() {
		cands := candidates(r.s, ts)
		all := len(cands)
		cands = cands[:min(all, budget-r.runs)]
		i, played, cerr := first(cands)
		r.runs += played
		if i < 0 {
			r.minimal = played == all // every candidate played, and passed
			break
		}
		r.s, r.err = cands[i], cerr
	}
	return r
}

// candidates returns the schedules one shrink away from s, the biggest
// cuts first: without an attempt; then, attempt by attempt, a plainer
// answer, fewer steps (an end at once, or sooner in the healthy steps)
// and rules, shorter durations, simpler steps.
func candidates(s schedule, ts timeScale) []schedule {
	var out []schedule
	for i := range s.attempts {
		c := s.clone()
		c.attempts = slices.Delete(c.attempts, i, i+1)
		out = append(out, c)
	}
	for i, a := range s.attempts {
		for _, b := range a.simpler(ts, s.healthy) {
			c := s.clone()
			c.attempts[i] = b
			out = append(out, c)
		}
	}
	return out
}

func (s schedule) clone() schedule {
	s.attempts = slices.Clone(s.attempts)
	return s
}

// simpler returns the attempts one shrink away from a, biggest cuts
// first; healthy is the number of the harness's healthy steps.
func (a genAttempt) simpler(ts timeScale, healthy int) []genAttempt {
	var out []genAttempt
	with := func(f func(b *genAttempt)) {
		b := a
		b.early, b.steps = slices.Clone(a.early), slices.Clone(a.steps)
		f(&b)
		out = append(out, b)
	}
	if _, ok := a.answer.(scenario.Accept); !ok {
		with(func(b *genAttempt) { *b = genAttempt{after: a.after, answer: scenario.Accept{}} })
	}
	if len(a.early) > 0 {
		with(func(b *genAttempt) { b.early, b.cut = nil, 0 }) // the whole healthy session
	}
	if len(a.steps) > 1 {
		with(func(b *genAttempt) { b.steps = nil })
	}
	if n := len(a.steps); n > 0 && endsConnection(a.steps[n-1].Action) && healthy+n > 1 {
		// The same end at once: fewer steps, none of the healthy ones.
		with(func(b *genAttempt) { b.early, b.cut, b.steps = b.steps[n-1:], 0, nil })
	}
	for j := range a.steps {
		with(func(b *genAttempt) { b.steps = slices.Delete(b.steps, j, j+1) })
	}
	for j := range len(a.early) - 1 { // the last ends the connection: it stays
		with(func(b *genAttempt) { b.early = slices.Delete(b.early, j, j+1) })
	}
	if a.cut > 0 && len(a.early) > 0 {
		with(func(b *genAttempt) { b.cut-- }) // the end one healthy step sooner
	}
	if a.rules != rulesAnswer {
		with(func(b *genAttempt) { b.rules, b.delay = rulesAnswer, 0 })
	}
	for _, d := range ts.below(a.after) {
		with(func(b *genAttempt) { b.after = d })
	}
	for _, ans := range plainer(a.answer) {
		with(func(b *genAttempt) { b.answer = ans })
	}
	return append(out, a.simplerParts(ts)...)
}

// simplerParts returns the attempts with one step of a simpler, or its
// rules less late.
func (a genAttempt) simplerParts(ts timeScale) []genAttempt {
	var out []genAttempt
	for _, early := range []bool{true, false} {
		list := a.steps
		if early {
			list = a.early
		}
		for j, st := range list {
			for _, act := range simplerAction(st.Action, ts) {
				b := a
				b.early, b.steps = slices.Clone(a.early), slices.Clone(a.steps)
				if early {
					b.early[j].Action = act
				} else {
					b.steps[j].Action = act
				}
				out = append(out, b)
			}
		}
	}
	if a.rules == rulesLate {
		for _, d := range ts.below(a.delay)[1:] { // zero: rulesAnswer, tried above
			b := a
			b.delay = d
			out = append(out, b)
		}
	}
	return out
}

// plainer returns the answers plainer than ans of its kind: an accept
// choosing the subprotocol as the client offered it, a refusal without a
// Retry-After, with 503.
func plainer(ans scenario.Answer) []scenario.Answer {
	var out []scenario.Answer
	switch ans := ans.(type) {
	case scenario.Accept:
		if ans.Subprotocol != "" {
			out = append(out, scenario.Accept{})
		}
	case scenario.Refuse:
		if ans.Header != nil {
			out = append(out, scenario.Refuse{Status: ans.Status})
		}
		if ans.Status != statuses[0] {
			out = append(out, scenario.Refuse{Status: statuses[0], Header: ans.Header})
		}
	}
	return out
}

// simplerAction returns the actions one shrink simpler than act: a
// plainer close code, a drop for a reset, a plainer message, a fault with
// fewer of its refinements and smaller parameters, a pong that comes, or
// a shorter duration.
func simplerAction(act scenario.Action, ts timeScale) []scenario.Action {
	var out []scenario.Action
	switch act := act.(type) {
	case scenario.Close:
		if act.Code != closeCodes[0] {
			out = append(out, scenario.Close{Code: closeCodes[0]})
		}
	case scenario.Reset, scenario.DropAll:
		out = append(out, scenario.Drop{})
	case scenario.Send:
		if !act.Message.Equal(wsdouble.Text("news")) || act.JSON {
			out = append(out, scenario.Send{Message: wsdouble.Text("news")})
		}
	case scenario.Inject:
		out = append(out, simplerFaults(act.Fault, ts)...)
	case scenario.Echo:
		if act.Messages > 1 {
			out = append(out, scenario.Echo{Messages: 1})
		}
	case scenario.AnswerPings:
		if act.Answer.Never() {
			out = append(out, scenario.AnswerPings{Answer: wstest.PongAfter(ts[len(ts)-1])})
		}
	}
	return append(out, shorterAction(act, ts)...)
}

// shorterAction returns act with each shorter duration of the scale, for
// an action that lasts: a wait, an outage, an echo for a while, pongs
// that come late. Not zero: an action of no time is no step, and removing
// the step is tried first.
func shorterAction(act scenario.Action, ts timeScale) []scenario.Action {
	var d time.Duration
	var with func(time.Duration) scenario.Action
	switch act := act.(type) {
	case scenario.Wait:
		d, with = act.Duration, func(d time.Duration) scenario.Action { return scenario.Wait{Duration: d} }
	case scenario.Down:
		d, with = act.Duration, func(d time.Duration) scenario.Action { return scenario.Down{Duration: d} }
	case scenario.Echo:
		d, with = act.For, func(d time.Duration) scenario.Action { return scenario.Echo{For: d} }
	case scenario.AnswerPings:
		d, with = act.Answer.Delay(), func(d time.Duration) scenario.Action { return scenario.AnswerPings{Answer: wstest.PongAfter(d)} }
	default:
		return nil
	}
	var out []scenario.Action
	for _, x := range ts.below(d) {
		if x > 0 {
			out = append(out, with(x))
		}
	}
	return out
}

// simplerFaults returns the faults one shrink simpler than f: acting
// always (probability 1, seed 1), in its kind's default direction, with
// each parameter smaller.
func simplerFaults(f wstest.Fault, ts timeScale) []scenario.Action {
	s := f.Spec()
	k, _ := wstest.LookupFaultKind(s.Kind)
	var specs []wstest.FaultSpec
	if s.Probability != 1 || s.Seed != 1 {
		c := s
		c.Probability, c.Seed = 1, 1
		specs = append(specs, c)
	}
	if s.Direction != k.Default {
		c := s
		c.Direction = k.Default
		specs = append(specs, c)
	}
	for _, p := range k.Params {
		for _, v := range smallerParam(p, p.Get(s), ts) {
			c := s
			p.Set(&c, v)
			specs = append(specs, c)
		}
	}
	var out []scenario.Action
	for _, c := range specs {
		if f, err := wstest.FaultFromSpec(c); err == nil {
			out = append(out, scenario.Inject{Fault: f})
		}
	}
	return out
}

// smallerParam returns the values of a fault parameter smaller than v a
// shrink tries: shorter durations, fewer bytes or messages, from the
// least. A rate is left: a slower link is no simpler.
func smallerParam(p wstest.FaultParam, v int64, ts timeScale) []int64 {
	var out []int64
	switch p.Type {
	case wstest.DurationParam:
		for _, d := range ts.below(time.Duration(v)) {
			out = append(out, int64(d))
		}
	case wstest.CountParam:
		for _, c := range counts {
			if c < v {
				out = append(out, c)
			}
		}
	}
	return slices.DeleteFunc(out, func(x int64) bool { return x < p.Min })
}

// below returns the durations shorter than d a shrink tries: zero, then
// those of the scale, ascending.
func (ts timeScale) below(d time.Duration) []time.Duration {
	if d <= 0 {
		return nil
	}
	out := []time.Duration{0}
	for _, x := range ts {
		if x < d {
			out = append(out, x)
		}
	}
	return out
}
