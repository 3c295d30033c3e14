package wstest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/wsdouble/wsdouble/internal/timeline"
)

// Direction says which way a fault acts: on what the server sends to the
// client, on what the client sends to the server, or both.
type Direction uint8

// The directions.
const (
	ToClient   Direction = 1 << iota // server → client
	FromClient                       // client → server
	Both       = ToClient | FromClient
)

// String returns "to_client", "from_client" or "both": the names of the
// scenario file format.
func (d Direction) String() string {
	switch d {
	case ToClient:
		return "to_client"
	case FromClient:
		return "from_client"
	case Both:
		return "both"
	}
	return fmt.Sprintf("Direction(%d)", uint8(d))
}

// ParseDirection parses "to_client", "from_client" or "both".
func ParseDirection(s string) (Direction, error) {
	for _, d := range []Direction{ToClient, FromClient, Both} {
		if s == d.String() {
			return d, nil
		}
	}
	return 0, fmt.Errorf("wstest: direction %q is not to_client, from_client or both", s)
}

// FaultKind names a failure mode.
type FaultKind string

// The failure modes. Their names are those of the scenario file format
// (and, where it has one, of toxiproxy).
const (
	LatencyFault      FaultKind = "latency"
	BandwidthFault    FaultKind = "bandwidth"
	SlicerFault       FaultKind = "slicer"
	BlackholeFault    FaultKind = "blackhole"
	SlowCloseFault    FaultKind = "slow_close"
	NoCloseReplyFault FaultKind = "no_close_reply"
	LimitDataFault    FaultKind = "limit_data"
	DropAfterFault    FaultKind = "drop_after"
)

// Fault is one failure mode of the network or the server, applied to a
// connection: by Inject on a Peer, by the Faults option on every connection
// of a Server or FakeDialer, or by a scenario step. Make one with its
// constructor (Latency, Bandwidth, Slicer, Blackhole, SlowClose,
// NoCloseReply, LimitData, DropAfterMessages, DropAfter) and refine it with
// Only, Jitter, Probability and Seed; each method returns a copy.
//
// Faults act on messages (a frame level, not a byte level), on virtual time
// under testing/synctest: a 30 s latency or a 60 s blackhole costs no wall
// time. A fault that draws at random (Jitter, Probability) uses its own
// random source, seeded with Seed (1 by default), so a run is reproducible.
type Fault struct {
	kind     FaultKind
	dir      Direction
	delay    time.Duration
	jitter   time.Duration
	rate     int   // bytes per second
	size     int   // slice size
	bytes    int64 // limit
	messages int
	prob     float64
	seed     uint64
}

// Latency delays every message by d, in both directions unless Only says
// otherwise. Messages keep their order: one is never delivered before the
// one sent before it.
func Latency(d time.Duration) Fault {
	return Fault{kind: LatencyFault, dir: Both, delay: d, prob: 1, seed: 1}
}

// Bandwidth delays every message by its size over bytesPerSecond, as on a
// link of that rate (and queues it behind the ones still in flight).
func Bandwidth(bytesPerSecond int) Fault {
	return Fault{kind: BandwidthFault, dir: Both, rate: bytesPerSecond, prob: 1, seed: 1}
}

// Slicer sends every message to the client as continuation frames of at
// most size bytes of payload, delay apart (RFC 6455 §5.4). Clients
// reassemble them: a message event fires when the last frame arrives. A
// Fake has no frames, so it delivers the whole message at that time, the
// link busy meanwhile, which is what its client would observe. It acts on
// ToClient only.
func Slicer(size int, delay time.Duration) Fault {
	return Fault{kind: SlicerFault, dir: ToClient, size: size, delay: delay, prob: 1, seed: 1}
}

// Blackhole stops delivering messages, in both directions unless Only says
// otherwise, with no close and no FIN: a half-open connection. Pings go
// unanswered and close frames unanswered (from the client) or lost (to the
// client); a connection the server drops or resets meanwhile stays open
// for the client. With Probability, it loses that share of messages
// instead. Heal ends it.
func Blackhole() Fault { return Fault{kind: BlackholeFault, dir: Both, prob: 1, seed: 1} }

// SlowClose answers the client's close frame only after d: the client's
// close event comes d late (or, if d is past its close timeout, with code
// 1006).
func SlowClose(d time.Duration) Fault {
	return Fault{kind: SlowCloseFault, dir: ToClient, delay: d, prob: 1, seed: 1}
}

// NoCloseReply never answers the client's close frame: the client's close
// timeout must end the connection.
func NoCloseReply() Fault { return Fault{kind: NoCloseReplyFault, dir: ToClient, prob: 1, seed: 1} }

// LimitData drops the connection (no close frame) when the message data
// that has crossed it, in the direction given by Only (both by default),
// would exceed n bytes: the message that would cross the limit is lost.
func LimitData(n int64) Fault {
	return Fault{kind: LimitDataFault, dir: Both, bytes: n, prob: 1, seed: 1}
}

// DropAfterMessages drops the connection (no close frame) once n more
// messages have crossed it, in the direction given by Only (both by
// default).
func DropAfterMessages(n int) Fault {
	return Fault{kind: DropAfterFault, dir: Both, messages: n, prob: 1, seed: 1}
}

// DropAfter drops the connection (no close frame) d after the fault is
// applied.
func DropAfter(d time.Duration) Fault {
	return Fault{kind: DropAfterFault, dir: Both, delay: d, prob: 1, seed: 1}
}

// Only returns f acting in direction d only.
func (f Fault) Only(d Direction) Fault {
	f.dir = d
	return f
}

// Jitter returns f (a Latency) with each delay drawn uniformly within j of
// its nominal value (never below zero).
func (f Fault) Jitter(j time.Duration) Fault {
	f.jitter = j
	return f
}

// Probability returns f acting on each message with probability p (0 to
// 1): a Blackhole with p 0.1 loses one message in ten, a Latency with p 0.5
// delays every other one. For faults that end or slow a connection
// (SlowClose, NoCloseReply, LimitData, DropAfter...), p is the chance the
// fault applies at all, drawn once.
func (f Fault) Probability(p float64) Fault {
	f.prob = p
	return f
}

// Seed returns f drawing from a random source seeded with s.
func (f Fault) Seed(s uint64) Fault {
	f.seed = s
	return f
}

// Kind returns the failure mode.
func (f Fault) Kind() FaultKind { return f.kind }

// Validate reports whether f is usable: known, with parameters in range.
func (f Fault) Validate() error {
	var errs []error
	if f.dir&^Both != 0 || f.dir == 0 {
		errs = append(errs, fmt.Errorf("invalid direction %v", f.dir))
	}
	if f.prob < 0 || f.prob > 1 || f.prob != f.prob {
		errs = append(errs, fmt.Errorf("probability %v is not in [0, 1]", f.prob))
	}
	if f.delay < 0 || f.jitter < 0 {
		errs = append(errs, errors.New("negative duration"))
	}
	switch f.kind {
	case LatencyFault:
	case BandwidthFault:
		if f.rate <= 0 {
			errs = append(errs, fmt.Errorf("bandwidth %d bytes/s is not positive", f.rate))
		}
	case SlicerFault:
		if f.size <= 0 {
			errs = append(errs, fmt.Errorf("slice size %d is not positive", f.size))
		}
		if f.dir != ToClient {
			errs = append(errs, errors.New("a slicer acts on messages to the client only"))
		}
	case BlackholeFault, NoCloseReplyFault, SlowCloseFault:
	case LimitDataFault:
		if f.bytes < 0 {
			errs = append(errs, fmt.Errorf("limit %d bytes is negative", f.bytes))
		}
	case DropAfterFault:
		if f.messages < 0 {
			errs = append(errs, fmt.Errorf("%d messages is negative", f.messages))
		}
	case "":
		errs = append(errs, errors.New("the zero Fault (make one with Latency, Blackhole and the other constructors)"))
	default:
		errs = append(errs, fmt.Errorf("unknown fault %q", f.kind))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("wstest: fault %s: %w", f.kind, err)
	}
	return nil
}

// String describes the fault, for example "latency 200ms ±50ms to_client".
func (f Fault) String() string {
	var b strings.Builder
	b.WriteString(string(f.kind))
	switch f.kind {
	case LatencyFault:
		b.WriteString(" " + timeline.Duration(f.delay))
		if f.jitter > 0 {
			b.WriteString(" ±" + timeline.Duration(f.jitter))
		}
	case BandwidthFault:
		fmt.Fprintf(&b, " %d B/s", f.rate)
	case SlicerFault:
		fmt.Fprintf(&b, " %d B every %s", f.size, timeline.Duration(f.delay))
	case SlowCloseFault:
		b.WriteString(" " + timeline.Duration(f.delay))
	case LimitDataFault:
		fmt.Fprintf(&b, " %d B", f.bytes)
	case DropAfterFault:
		if f.messages > 0 || f.delay == 0 {
			fmt.Fprintf(&b, " %d messages", f.messages)
		} else {
			b.WriteString(" " + timeline.Duration(f.delay))
		}
	}
	if f.dir != Both && f.kind != SlicerFault && f.kind != SlowCloseFault && f.kind != NoCloseReplyFault {
		b.WriteString(" " + f.dir.String())
	}
	if f.prob != 1 {
		fmt.Fprintf(&b, " p=%g", f.prob)
	}
	return b.String()
}

// FaultSpec is a Fault as plain data, for writing it to a file (the
// scenario format) and reading it back with FaultFromSpec.
type FaultSpec struct {
	Kind        FaultKind
	Direction   Direction
	Delay       time.Duration // latency, slicer gap, slow close, drop after
	Jitter      time.Duration
	Rate        int // bandwidth, bytes per second
	Size        int // slicer
	Bytes       int64
	Messages    int
	Probability float64
	Seed        uint64
}

// Spec returns f as plain data.
func (f Fault) Spec() FaultSpec {
	return FaultSpec{Kind: f.kind, Direction: f.dir, Delay: f.delay, Jitter: f.jitter, Rate: f.rate,
		Size: f.size, Bytes: f.bytes, Messages: f.messages, Probability: f.prob, Seed: f.seed}
}

// FaultFromSpec makes the Fault s describes, or says what is wrong with it.
func FaultFromSpec(s FaultSpec) (Fault, error) {
	f := Fault{kind: s.Kind, dir: s.Direction, delay: s.Delay, jitter: s.Jitter, rate: s.Rate,
		size: s.Size, bytes: s.Bytes, messages: s.Messages, prob: s.Probability, seed: s.Seed}
	return f, f.Validate()
}

// faultRand is the random source of one applied fault.
func (f Fault) rand() *rand.Rand { return rand.New(rand.NewPCG(f.seed, f.seed^0x9e3779b97f4a7c15)) }

// FaultPeer is a Peer that faults can be applied to: every Peer of a Server
// and of a FakeDialer is one. Inject, Heal and ResetPeer take any Peer and
// find it.
type FaultPeer interface {
	Peer
	// Inject applies faults to the connection from now on. It applies
	// none if one is invalid.
	Inject(faults ...Fault) error
	// Heal removes every fault (messages already delayed stay delayed).
	Heal()
	// Reset aborts the connection as a TCP RST does: over loopback the
	// client reads "connection reset by peer" (ECONNRESET), as it does
	// over the in-memory transport and from a Fake; unlike Drop's clean
	// end of stream.
	Reset() error
}

// errNotFaulty is returned for a Peer that is not a FaultPeer.
var errNotFaulty = errors.New("wstest: this Peer does not take faults (not a Peer of a Server or a FakeDialer)")

// Inject applies faults to p's connection from now on.
func Inject(p Peer, faults ...Fault) error {
	fp, ok := p.(FaultPeer)
	if !ok {
		return errNotFaulty
	}
	return fp.Inject(faults...)
}

// Heal removes every fault from p's connection.
func Heal(p Peer) error {
	fp, ok := p.(FaultPeer)
	if !ok {
		return errNotFaulty
	}
	fp.Heal()
	return nil
}

// ResetPeer aborts p's connection with a reset (see FaultPeer.Reset).
func ResetPeer(p Peer) error {
	fp, ok := p.(FaultPeer)
	if !ok {
		return errNotFaulty
	}
	return fp.Reset()
}
