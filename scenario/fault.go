package scenario

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/wsdouble/wsdouble/internal/timeline"
	"github.com/wsdouble/wsdouble/wstest"
)

// Abort answers the handshake by closing the connection, with no answer at
// all: the client sees an error and a close event with code 1006.
type Abort struct{}

func (Abort) answer() string { return "abort" }

// Inject applies a fault to the connection from this step on (see
// wstest.Fault); its name in the file format is the fault's kind
// ("latency", "blackhole", ...).
type Inject struct {
	Fault wstest.Fault
}

// Reset aborts the connection as a TCP RST does (see wstest.FaultPeer).
type Reset struct{}

// Heal removes every fault from the connection.
type Heal struct{}

// Down takes the whole acceptor down for Duration (dials are refused), then
// brings it back up. The acceptor must be a wstest.Server or FakeDialer.
type Down struct {
	Duration time.Duration
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

func (i Inject) run(ctx context.Context, r *runner, p wstest.Peer) (string, error) {
	f, err := scaleFault(i.Fault, r.cfg.scale)
	if err != nil {
		return "fault " + i.Fault.String(), err
	}
	return "fault " + f.String(), wstest.Inject(p, f)
}

// scaleFault applies TimeScale to a fault: its durations are multiplied by
// scale, its bandwidth divided by it.
func scaleFault(f wstest.Fault, scale float64) (wstest.Fault, error) {
	if scale == 1 {
		return f, nil
	}
	s := f.Spec()
	mul := func(d time.Duration) time.Duration { return time.Duration(float64(d) * scale) }
	s.Delay, s.Jitter = mul(s.Delay), mul(s.Jitter)
	if s.Rate > 0 {
		rate := float64(s.Rate) / scale // +Inf when scale is 0
		s.Rate = int(min(max(rate, 1), math.MaxInt32))
	}
	return wstest.FaultFromSpec(s)
}

func (Reset) run(ctx context.Context, r *runner, p wstest.Peer) (string, error) {
	if err := wstest.ResetPeer(p); err != nil {
		return "reset", err
	}
	p.Wait(ctx)
	return "reset", nil
}

func (Heal) run(ctx context.Context, r *runner, p wstest.Peer) (string, error) {
	return "heal", wstest.Heal(p)
}

func (d Down) run(ctx context.Context, r *runner, p wstest.Peer) (string, error) {
	dur := r.scaled(d.Duration)
	detail := "server down for " + timeline.Duration(dur)
	acc, ok := r.acc.(downer)
	if !ok {
		return detail, fmt.Errorf("the acceptor %T cannot go down", r.acc)
	}
	acc.Down()
	err := sleep(ctx, dur)
	acc.Up()
	return detail, err
}

func (DropAll) run(ctx context.Context, r *runner, p wstest.Peer) (string, error) {
	acc, ok := r.acc.(downer)
	if !ok {
		return "drop every connection", fmt.Errorf("the acceptor %T cannot drop its connections", r.acc)
	}
	acc.DropAll()
	p.Wait(ctx)
	return "drop every connection", nil
}

// The file format of fault steps. Each has the fault's own fields, and the
// optional "direction" ("to_client", "from_client", "both"), "probability"
// (0 to 1) and "seed" (an integer).

var faultFields = map[wstest.FaultKind][]string{
	wstest.LatencyFault:      {"delay", "jitter"},
	wstest.BandwidthFault:    {"bytes_per_second"},
	wstest.SlicerFault:       {"size", "delay"},
	wstest.BlackholeFault:    {},
	wstest.SlowCloseFault:    {"delay"},
	wstest.NoCloseReplyFault: {},
	wstest.LimitDataFault:    {"bytes"},
	wstest.DropAfterFault:    {"messages", "delay"},
}

func init() {
	for kind := range faultFields {
		actionDecoders[string(kind)] = (*decoder).fault
	}
	actionDecoders["reset"] = func(d *decoder, n *node, field string) (Action, bool) { return Reset{}, d.fields(n, field) }
	actionDecoders["heal"] = func(d *decoder, n *node, field string) (Action, bool) { return Heal{}, d.fields(n, field) }
	actionDecoders["drop_all"] = func(d *decoder, n *node, field string) (Action, bool) { return DropAll{}, d.fields(n, field) }
	actionDecoders["down"] = func(d *decoder, n *node, field string) (Action, bool) {
		if !d.fields(n, field, "for") {
			return nil, false
		}
		v := n.get("for")
		if v == nil {
			d.failf(n, field+".for", "missing: how long the server stays down")
			return nil, false
		}
		dur, ok := d.duration(v, field+".for")
		return Down{Duration: dur}, ok
	}
}

// fault decodes a fault step; field is the fault's kind.
func (d *decoder) fault(n *node, field string) (Action, bool) {
	kind := wstest.FaultKind(field)
	own := faultFields[kind]
	if !d.fields(n, field, append(append([]string(nil), own...), "direction", "probability", "seed")...) {
		return nil, false
	}
	ok := true
	dur := func(name string) time.Duration {
		if v := n.get(name); v != nil {
			x, good := d.duration(v, join(field, name))
			ok = ok && good
			return x
		}
		return 0
	}
	num := func(name string) int {
		if v := n.get(name); v != nil {
			x, good := d.integer(v, join(field, name))
			ok = ok && good
			return x
		}
		return 0
	}
	count := func(name string) int64 {
		if v := n.get(name); v != nil {
			x, good := d.uint(v, join(field, name))
			if good && x > math.MaxInt64 {
				d.failf(v, join(field, name), "%d is too large", x)
				good = false
			}
			ok = ok && good
			return int64(x)
		}
		return 0
	}
	required := func(name string) {
		if n.get(name) == nil {
			d.failf(n, join(field, name), "missing")
			ok = false
		}
	}
	var f wstest.Fault
	switch kind {
	case wstest.LatencyFault:
		required("delay")
		f = wstest.Latency(dur("delay")).Jitter(dur("jitter"))
	case wstest.BandwidthFault:
		required("bytes_per_second")
		f = wstest.Bandwidth(num("bytes_per_second"))
	case wstest.SlicerFault:
		required("size")
		f = wstest.Slicer(num("size"), dur("delay"))
	case wstest.BlackholeFault:
		f = wstest.Blackhole()
	case wstest.SlowCloseFault:
		required("delay")
		f = wstest.SlowClose(dur("delay"))
	case wstest.NoCloseReplyFault:
		f = wstest.NoCloseReply()
	case wstest.LimitDataFault:
		required("bytes")
		f = wstest.LimitData(count("bytes"))
	case wstest.DropAfterFault:
		switch {
		case n.get("messages") != nil && n.get("delay") != nil:
			d.failf(n, field, "want one of messages or delay, not both")
			ok = false
		case n.get("messages") != nil:
			f = wstest.DropAfterMessages(num("messages"))
		case n.get("delay") != nil:
			f = wstest.DropAfter(dur("delay"))
		default:
			d.failf(n, field, "want messages (a count) or delay (a duration)")
			ok = false
		}
	}
	if v := n.get("direction"); v != nil {
		if s, good := d.str(v, join(field, "direction")); good {
			dir, err := wstest.ParseDirection(s)
			if err != nil {
				d.failf(v, join(field, "direction"), `%q is not "to_client", "from_client" or "both"`, s)
				ok = false
			} else {
				f = f.Only(dir)
			}
		} else {
			ok = false
		}
	}
	if v := n.get("probability"); v != nil {
		p, err := v.number().Float64()
		if v.kind != '0' || err != nil || p < 0 || p > 1 {
			d.failf(v, join(field, "probability"), "want a number from 0 to 1")
			ok = false
		} else {
			f = f.Probability(p)
		}
	}
	if v := n.get("seed"); v != nil {
		if s, good := d.uint(v, join(field, "seed")); good {
			f = f.Seed(s)
		} else {
			ok = false
		}
	}
	return Inject{Fault: f}, ok
}

// encode writes a fault step's value, leaving out what is the default.
func (i Inject) encode() (json.RawMessage, error) {
	s := i.Fault.Spec()
	def, err := defaultFault(s.Kind)
	if err != nil {
		return nil, err
	}
	var kv []any
	dur := func(name string, d time.Duration) {
		if d != 0 {
			kv = append(kv, name, d.String())
		}
	}
	switch s.Kind {
	case wstest.LatencyFault:
		kv = append(kv, "delay", s.Delay.String())
		dur("jitter", s.Jitter)
	case wstest.BandwidthFault:
		kv = append(kv, "bytes_per_second", s.Rate)
	case wstest.SlicerFault:
		kv = append(kv, "size", s.Size)
		dur("delay", s.Delay)
	case wstest.SlowCloseFault:
		kv = append(kv, "delay", s.Delay.String())
	case wstest.LimitDataFault:
		kv = append(kv, "bytes", s.Bytes)
	case wstest.DropAfterFault:
		if s.Messages > 0 || s.Delay == 0 {
			kv = append(kv, "messages", s.Messages)
		} else {
			kv = append(kv, "delay", s.Delay.String())
		}
	}
	if s.Direction != def.Direction {
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

// defaultFault is the fault a kind's constructor makes, for what Marshal
// can leave out.
func defaultFault(kind wstest.FaultKind) (wstest.FaultSpec, error) {
	switch kind {
	case wstest.LatencyFault:
		return wstest.Latency(0).Spec(), nil
	case wstest.BandwidthFault:
		return wstest.Bandwidth(1).Spec(), nil
	case wstest.SlicerFault:
		return wstest.Slicer(1, 0).Spec(), nil
	case wstest.BlackholeFault:
		return wstest.Blackhole().Spec(), nil
	case wstest.SlowCloseFault:
		return wstest.SlowClose(0).Spec(), nil
	case wstest.NoCloseReplyFault:
		return wstest.NoCloseReply().Spec(), nil
	case wstest.LimitDataFault:
		return wstest.LimitData(0).Spec(), nil
	case wstest.DropAfterFault:
		return wstest.DropAfterMessages(0).Spec(), nil
	}
	return wstest.FaultSpec{}, fmt.Errorf("unknown fault %q", kind)
}

func (Reset) encode() (json.RawMessage, error)   { return inlineObject(), nil }
func (Heal) encode() (json.RawMessage, error)    { return inlineObject(), nil }
func (DropAll) encode() (json.RawMessage, error) { return inlineObject(), nil }
func (d Down) encode() (json.RawMessage, error) {
	return inlineObject("for", d.Duration.String()), nil
}
