package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/wstest"
)

// The steps of faults: one per kind of wstest.FaultKinds (Inject), and
// reset, heal, down and drop_all.

// Inject applies a fault to the connection from this step on (see
// wstest.Fault); its name in the file format is the fault's kind
// ("latency", "blackhole", ...).
type Inject struct {
	Fault wstest.Fault
}

// Reset aborts the connection as a TCP RST does (see wstest.Peer).
type Reset struct{}

// Heal removes every fault from the connection.
type Heal struct{}

// Down takes the whole acceptor down for Duration (dials are refused), then
// brings it back up. The acceptor must be a wstest.Server or FakeDialer.
//
// With Drop, the server crashes: it goes down, then drops every
// connection, this one included, as DropAll does, in that order, so that
// no client hears of the drop while the server still takes dials. A
// drop_all step followed by a down step leaves that instant open: a client
// that redials at once may be accepted before the server goes down.
type Down struct {
	Duration time.Duration
	Drop     bool
}

// DropAll drops every connection of the acceptor, this one included, and
// aborts every attempt not yet answered, as a crashing server does.
type DropAll struct{}

// Name returns the fault's kind.
func (i Inject) Name() string { return string(i.Fault.Kind()) }

// Name returns "reset".
func (Reset) Name() string { return "reset" }

// Name returns "heal".
func (Heal) Name() string { return "heal" }

// Name returns "down".
func (Down) Name() string { return "down" }

// Name returns "drop_all".
func (DropAll) Name() string { return "drop_all" }

func (i Inject) validate() error { return i.Fault.Validate() }
func (Reset) validate() error    { return nil }
func (Heal) validate() error     { return nil }
func (DropAll) validate() error  { return nil }

func (d Down) validate() error {
	if d.Duration < 0 {
		return fmt.Errorf("negative duration %v", d.Duration)
	}
	return nil
}

// downer is an acceptor that can go down.
type downer interface {
	Down()
	Up()
	DropAll()
}

func (i Inject) play(s *stepRun) stepResult {
	f, err := i.Fault.TimeScaled(s.r.cfg.scale)
	if err != nil {
		return s.did("fault "+i.Fault.String(), err)
	}
	return s.did("fault "+f.String(), s.p.Inject(f))
}

func (Reset) play(s *stepRun) stepResult {
	err := s.p.Reset()
	if err == nil {
		s.p.Wait(s.ctx)
	}
	return s.did("reset", err)
}

func (Heal) play(s *stepRun) stepResult {
	s.p.Heal()
	return s.did("heal", nil)
}

func (d Down) play(s *stepRun) stepResult {
	dur := s.r.scaled(d.Duration)
	detail := "server down for " + timeline.Duration(dur)
	if d.Drop {
		detail = "server crashed: every connection dropped, down for " + timeline.Duration(dur)
	}
	acc, ok := s.r.acc.(downer)
	if !ok {
		return s.did(detail, fmt.Errorf("the acceptor %T cannot go down", s.r.acc))
	}
	acc.Down()
	if d.Drop {
		acc.DropAll()
	}
	err := sleep(s.ctx, dur)
	acc.Up()
	return s.did(detail, err)
}

func (DropAll) play(s *stepRun) stepResult {
	acc, ok := s.r.acc.(downer)
	if !ok {
		return s.did("drop every connection", fmt.Errorf("the acceptor %T cannot drop its connections", s.r.acc))
	}
	acc.DropAll()
	s.p.Wait(s.ctx)
	return s.did("drop every connection", nil)
}

// The file format of fault steps: each kind of wstest.FaultKinds is a step
// named for it, whose fields are the kind's parameters and the optional
// "direction" ("to_client", "from_client", "both"), "probability" (0 to 1)
// and "seed" (an integer).

func init() {
	for _, k := range wstest.FaultKinds() {
		registerAction(string(k.Kind), decodeFault)
	}
	registerAction("reset", noFields(Reset{}))
	registerAction("heal", noFields(Heal{}))
	registerAction("drop_all", noFields(DropAll{}))
	registerAction("down", decodeDown)
}

func decodeDown(d *decoder, n *node, field string) (Action, bool) {
	if !d.fields(n, field, "for", "drop") {
		return nil, false
	}
	v := n.get("for")
	if v == nil {
		d.failf(n, field+".for", "missing: how long the server stays down")
		return nil, false
	}
	dur, ok := d.duration(v, field+".for")
	down := Down{Duration: dur}
	if v := n.get("drop"); v != nil && ok {
		down.Drop, ok = d.boolean(v, field+".drop")
	}
	return down, ok
}

// faultCommon are the fields every fault step takes besides its row's
// parameters.
var faultCommon = []string{"direction", "probability", "seed"}

// decodeFault decodes a fault step; field is the fault's kind, a row of
// wstest.FaultKinds, whose parameters are the step's fields.
func decodeFault(d *decoder, n *node, field string) (Action, bool) {
	k, _ := wstest.LookupFaultKind(wstest.FaultKind(field))
	allowed := slices.Clone(faultCommon)
	for _, p := range k.Params {
		allowed = append(allowed, p.Name)
	}
	if !d.fields(n, field, allowed...) {
		return nil, false
	}
	s := wstest.FaultSpec{Kind: k.Kind, Direction: k.Default, Probability: 1, Seed: 1}
	ok, given := true, 0
	for _, p := range k.Params {
		v := n.get(p.Name)
		if v == nil {
			if p.Required {
				d.failf(n, join(field, p.Name), "missing")
				ok = false
			}
			continue
		}
		given++
		x, good := d.faultParam(v, join(field, p.Name), p)
		ok = ok && good
		p.Set(&s, x)
	}
	switch {
	case !k.OneOf || given == 1 || !ok:
	case given == 0:
		d.failf(n, field, "want %s", paramNames(k.Params, true))
		ok = false
	default:
		d.failf(n, field, "want one of %s, not both", paramNames(k.Params, false))
		ok = false
	}
	ok = d.faultCommon(n, field, &s) && ok
	if !ok {
		return nil, false
	}
	f, err := wstest.FaultFromSpec(s)
	if err != nil {
		d.failf(n, field, "%s", strings.TrimPrefix(err.Error(), "wstest: fault "+field+": "))
		return nil, false
	}
	return Inject{Fault: f}, true
}

// faultParam decodes a fault parameter's value.
func (d *decoder) faultParam(v *node, field string, p wstest.FaultParam) (int64, bool) {
	switch {
	case p.Type == wstest.DurationParam:
		x, ok := d.duration(v, field)
		return int64(x), ok
	case p.Max > math.MaxInt32:
		x, ok := d.uint(v, field)
		if ok && x > uint64(p.Max) {
			d.failf(v, field, "%d is too large", x)
			return 0, false
		}
		return int64(x), ok
	}
	x, ok := d.integer(v, field)
	return int64(x), ok
}

// faultCommon decodes the fields every fault step takes.
func (d *decoder) faultCommon(n *node, field string, s *wstest.FaultSpec) bool {
	ok := true
	if v := n.get("direction"); v != nil {
		if str, good := d.str(v, join(field, "direction")); good {
			dir, err := wstest.ParseDirection(str)
			if err != nil {
				d.failf(v, join(field, "direction"), `%q is not "to_client", "from_client" or "both"`, str)
				ok = false
			}
			s.Direction = dir
		} else {
			ok = false
		}
	}
	if v := n.get("probability"); v != nil {
		p, err := v.number().Float64()
		if v.kind != '0' || err != nil || p < 0 || p > 1 {
			d.failf(v, join(field, "probability"), "want a number from 0 to 1")
			ok = false
		}
		s.Probability = p
	}
	if v := n.get("seed"); v != nil {
		seed, good := d.uint(v, join(field, "seed"))
		ok = ok && good
		s.Seed = seed
	}
	return ok
}

// paramNames lists the parameters' names, with their types if typed.
func paramNames(ps []wstest.FaultParam, typed bool) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = p.Name
		if typed {
			names[i] += " (" + p.Type.Article() + ")"
		}
	}
	return strings.Join(names, " or ")
}

// encode writes a fault step's value, from its row: the required
// parameters, the others that differ from the default, and the direction,
// probability and seed when they do.
func (i Inject) encode() (json.RawMessage, error) {
	s := i.Fault.Spec()
	k, ok := wstest.LookupFaultKind(s.Kind)
	if !ok {
		return nil, fmt.Errorf("unknown fault %q", s.Kind)
	}
	var kv []any
	for j, p := range k.Params {
		v := p.Get(s)
		switch {
		case k.OneOf:
			// The one given: the first that is set, or the first.
			if v == 0 && (j > 0 || oneOfSet(k.Params, s)) {
				continue
			}
		case !p.Required && v == 0:
			continue
		}
		if p.Type == wstest.DurationParam {
			kv = append(kv, p.Name, time.Duration(v).String())
		} else {
			kv = append(kv, p.Name, v)
		}
	}
	if s.Direction != k.Default {
		kv = append(kv, "direction", s.Direction.String())
	}
	if s.Probability != 1 {
		if math.IsNaN(s.Probability) {
			return nil, errors.New("probability is NaN")
		}
		kv = append(kv, "probability", s.Probability)
	}
	if s.Seed != 1 {
		kv = append(kv, "seed", s.Seed)
	}
	return inlineObject(kv...), nil
}

// oneOfSet reports whether a parameter of a OneOf row is set in s.
func oneOfSet(ps []wstest.FaultParam, s wstest.FaultSpec) bool {
	for _, p := range ps {
		if p.Get(s) != 0 {
			return true
		}
	}
	return false
}

func (Reset) encode() (json.RawMessage, error)   { return inlineObject(), nil }
func (Heal) encode() (json.RawMessage, error)    { return inlineObject(), nil }
func (DropAll) encode() (json.RawMessage, error) { return inlineObject(), nil }
func (d Down) encode() (json.RawMessage, error) {
	if d.Drop {
		return inlineObject("for", d.Duration.String(), "drop", true), nil
	}
	return inlineObject("for", d.Duration.String()), nil
}

// The steps of faults as the Builder's calls (see GoSource).

func (i Inject) goCall(g *goCode) error {
	s := i.Fault.Spec()
	k, _ := wstest.LookupFaultKind(s.Kind) // it validated
	ctor, ok := faultConstructors[s.Kind]
	if !ok {
		return fmt.Errorf("fault %q has no constructor to write", s.Kind)
	}
	c := ctor(s)
	if s.Direction != k.Default {
		c += ".Only(wstest." + goDirections[s.Direction] + ")"
	}
	if s.Probability != 1 {
		c += ".Probability(" + strconv.FormatFloat(s.Probability, 'g', -1, 64) + ")"
	}
	if s.Seed != 1 {
		c += ".Seed(" + strconv.FormatUint(s.Seed, 10) + ")"
	}
	g.call("Inject(%s)", c)
	return nil
}

// goDirections are the names of wstest's directions.
var goDirections = map[wstest.Direction]string{wstest.ToClient: "ToClient", wstest.FromClient: "FromClient", wstest.Both: "Both"}

// faultConstructors write a fault of each kind of wstest.FaultKinds as a
// call of its constructor, with the parameters it takes and the
// refinements of the others (a latency's jitter). A new kind needs one
// (TestGoSourceEveryFault).
var faultConstructors = map[wstest.FaultKind]func(s wstest.FaultSpec) string{
	wstest.LatencyFault: func(s wstest.FaultSpec) string {
		c := "wstest.Latency(" + goDuration(s.Delay) + ")"
		if s.Jitter != 0 {
			c += ".Jitter(" + goDuration(s.Jitter) + ")"
		}
		return c
	},
	wstest.BandwidthFault: func(s wstest.FaultSpec) string { return fmt.Sprintf("wstest.Bandwidth(%d)", s.Rate) },
	wstest.SlicerFault: func(s wstest.FaultSpec) string {
		return fmt.Sprintf("wstest.Slicer(%d, %s)", s.Size, goDuration(s.Delay))
	},
	wstest.BlackholeFault:    func(wstest.FaultSpec) string { return "wstest.Blackhole()" },
	wstest.SlowCloseFault:    func(s wstest.FaultSpec) string { return "wstest.SlowClose(" + goDuration(s.Delay) + ")" },
	wstest.NoCloseReplyFault: func(wstest.FaultSpec) string { return "wstest.NoCloseReply()" },
	wstest.LimitDataFault:    func(s wstest.FaultSpec) string { return fmt.Sprintf("wstest.LimitData(%d)", s.Bytes) },
	wstest.DropAfterFault: func(s wstest.FaultSpec) string {
		if s.Messages != 0 || s.Delay == 0 { // as encode: the count when set
			return fmt.Sprintf("wstest.DropAfterMessages(%d)", s.Messages)
		}
		return "wstest.DropAfter(" + goDuration(s.Delay) + ")"
	},
	wstest.StallFault: func(s wstest.FaultSpec) string { return "wstest.Stall(" + goDuration(s.Delay) + ")" },
}

func (Reset) goCall(g *goCode) error {
	g.call("Reset()")
	return nil
}

func (Heal) goCall(g *goCode) error {
	g.call("Heal()")
	return nil
}

func (d Down) goCall(g *goCode) error {
	if d.Drop {
		g.call("Crash(%s)", goDuration(d.Duration))
		return nil
	}
	g.call("Down(%s)", goDuration(d.Duration))
	return nil
}

func (DropAll) goCall(g *goCode) error {
	g.call("DropAll()")
	return nil
}
