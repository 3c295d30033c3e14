package wstest

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
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

// directionText says a direction in words.
func directionText(d Direction) string {
	switch d {
	case ToClient:
		return "to the client"
	case FromClient:
		return "from the client"
	}
	return "both ways"
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

// FaultKind names a failure mode: a row of the fault table (FaultKinds).
// The names are those of the scenario file format (and, where it has one,
// of toxiproxy).
type FaultKind string

// Fault is one failure mode of the network or the server, applied to a
// connection: by Peer.Inject, by the Faults option on every
// connection of a Server or FakeDialer, or by a scenario step. Make one with
// its constructor (Latency, Bandwidth, Slicer, Blackhole, SlowClose,
// NoCloseReply, LimitData, DropAfterMessages, DropAfter, Stall) and refine
// it with Only, Jitter, Probability and Seed; each method returns a copy.
//
// Faults act on messages (a frame level, not a byte level), on virtual time
// under testing/synctest: a 30 s latency or a 60 s blackhole costs no wall
// time. A fault that draws at random (Jitter, Probability) uses its own
// random source, seeded with Seed (1 by default), so a run is reproducible.
//
// Every kind is one row of a table (FaultKinds): its parameters, how it is
// checked and described, and what it does to a connection.
type Fault struct {
	kind FaultKind
	dir  Direction
	prob float64
	seed uint64
	spec FaultSpec // the parameters; its Kind, Direction, Probability and Seed are unused
}

// FaultSpec is a Fault as plain data, for writing it to a file (the
// scenario format) and reading it back with FaultFromSpec. Which fields a
// kind uses, and how the file format names them, is its row's Params.
type FaultSpec struct {
	Kind        FaultKind
	Direction   Direction
	Delay       time.Duration // latency, slicer gap, slow close, drop after, stall
	Jitter      time.Duration
	Rate        int // bandwidth, bytes per second
	Size        int // slicer
	Bytes       int64
	Messages    int
	Probability float64
	Seed        uint64
}

// newFault makes a fault of kind with the row's default direction,
// probability 1 and seed 1.
func newFault(kind FaultKind, spec FaultSpec) Fault {
	return Fault{kind: kind, dir: lookupRow(kind).Default, prob: 1, seed: 1, spec: spec}
}

// Only returns f acting in direction d only.
func (f Fault) Only(d Direction) Fault {
	f.dir = d
	return f
}

// Jitter returns f (a Latency) with each delay drawn uniformly within j of
// its nominal value (never below zero).
func (f Fault) Jitter(j time.Duration) Fault {
	f.spec.Jitter = j
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

// row returns f's row of the fault table, or nil for an unknown kind.
func (f Fault) row() *faultRow { return lookupRow(f.kind) }

// Validate reports whether f is usable: known, with parameters in range
// (each row says which), one only of a OneOf row's.
func (f Fault) Validate() error {
	if f.kind == "" {
		return errors.New("wstest: fault: the zero Fault (make one with Latency, Blackhole and the other constructors)")
	}
	r := f.row()
	if r == nil {
		return fmt.Errorf("wstest: fault %s: unknown fault %q", f.kind, f.kind)
	}
	var errs []error
	switch {
	case f.dir&^Both != 0 || f.dir == 0:
		errs = append(errs, fmt.Errorf("invalid direction %v", f.dir))
	case f.dir&^r.Directions != 0:
		errs = append(errs, fmt.Errorf("a %s acts on messages %s only", f.kind, directionText(r.Directions)))
	}
	if f.prob < 0 || f.prob > 1 || f.prob != f.prob {
		errs = append(errs, fmt.Errorf("probability %v is not in [0, 1]", f.prob))
	}
	errs = append(errs, r.paramProblems(f.spec)...)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("wstest: fault %s: %w", f.kind, err)
	}
	return nil
}

// paramProblems lists what is wrong with the parameters of s for the row:
// out of range, or more than one given to a OneOf row, which acts on one
// of them only (DropAfter: the count).
func (r *faultRow) paramProblems(s FaultSpec) []error {
	var errs []error
	var set []string
	for _, p := range r.Params {
		switch v := p.Get(s); {
		case v < p.Min:
			errs = append(errs, p.below(v))
		case v > p.Max:
			errs = append(errs, fmt.Errorf(p.what+" is too large", v))
		case v != 0:
			set = append(set, p.Name)
		}
	}
	if r.OneOf && len(set) > 1 {
		errs = append(errs, fmt.Errorf("both %s: want one of them", strings.Join(set, " and ")))
	}
	return errs
}

// String describes the fault, for example "latency 200ms ±50ms to_client":
// its kind, its parameters as its row describes them, its direction unless
// it is the kind's default, and its probability unless it is 1.
func (f Fault) String() string {
	var b strings.Builder
	b.WriteString(string(f.kind))
	r := f.row()
	if r == nil {
		return b.String()
	}
	if s := r.describe(f.spec); s != "" {
		b.WriteString(" " + s)
	}
	if f.dir != r.Default {
		b.WriteString(" " + f.dir.String())
	}
	if f.prob != 1 {
		fmt.Fprintf(&b, " p=%g", f.prob)
	}
	return b.String()
}

// Spec returns f as plain data.
func (f Fault) Spec() FaultSpec {
	s := f.spec
	s.Kind, s.Direction, s.Probability, s.Seed = f.kind, f.dir, f.prob, f.seed
	return s
}

// FaultFromSpec makes the Fault s describes, or says what is wrong with it.
func FaultFromSpec(s FaultSpec) (Fault, error) {
	f := Fault{kind: s.Kind, dir: s.Direction, prob: s.Probability, seed: s.Seed, spec: s}
	f.spec.Kind, f.spec.Direction, f.spec.Probability, f.spec.Seed = "", 0, 0, 0
	return f, f.Validate()
}

// TimeScaled returns f with its durations multiplied by k and its rates
// divided by it (a rate stays at least 1 byte per second): f played k
// times as slow. Its row's Params say which parameter is which.
func (f Fault) TimeScaled(k float64) (Fault, error) {
	if k == 1 {
		return f, nil
	}
	r := f.row()
	if r == nil {
		return f, f.Validate()
	}
	s := f.Spec()
	for _, p := range r.Params {
		p.Set(&s, p.Type.scale(p.Get(s), k))
	}
	return FaultFromSpec(s)
}

// faultRand is the random source of one applied fault.
func (f Fault) rand() *rand.Rand { return rand.New(rand.NewPCG(f.seed, f.seed^0x9e3779b97f4a7c15)) }

// FaultKindInfo describes a kind of fault: the public part of its row of
// the fault table, from which the scenario file format decodes, encodes
// and documents it.
type FaultKindInfo struct {
	// Kind is the fault's name.
	Kind FaultKind
	// Doc says what it does, in one line.
	Doc string
	// Params are its parameters, in the order the file format writes them.
	Params []FaultParam
	// OneOf says that exactly one of Params is given (DropAfter: a
	// count or a delay); otherwise the Required ones are.
	OneOf bool
	// Default is the direction its constructor gives it.
	Default Direction
	// Directions are those it may act in.
	Directions Direction
}

// FaultParam is a parameter of a kind of fault: a field of its step in the
// scenario file format, and the FaultSpec field it sets.
type FaultParam struct {
	// Name is the file format's name, for example "delay" or
	// "bytes_per_second".
	Name string
	// Type says how the value is written and scaled.
	Type ParamType
	// Required says the file format needs it (Min and the constructor's
	// zero value otherwise).
	Required bool
	// Min and Max are the least and greatest valid values.
	Min, Max int64
	// Doc says what it is, in a few words.
	Doc string

	field specField
	what  string // names a value in an error, as a format with one %d
}

// Article names a value of the type: "a duration", "a count", "a rate".
func (t ParamType) Article() string {
	switch t {
	case DurationParam:
		return "a duration"
	case RateParam:
		return "a rate"
	}
	return "a count"
}

// ParamType is the type of a FaultParam's value.
type ParamType uint8

// The types of fault parameters.
const (
	// DurationParam is a time.Duration, written as a Go duration string
	// ("250ms"); TimeScaled multiplies it.
	DurationParam ParamType = iota + 1
	// CountParam is a number of bytes or messages; TimeScaled leaves it.
	CountParam
	// RateParam is a number of bytes per second; TimeScaled divides it.
	RateParam
)

// scale scales v, of type t, for Fault.TimeScaled.
func (t ParamType) scale(v int64, k float64) int64 {
	switch t {
	case DurationParam:
		return int64(float64(v) * k)
	case RateParam:
		rate := float64(v) / k // +Inf when k is 0
		return int64(min(max(rate, 1), math.MaxInt32))
	}
	return v
}

// specField is the FaultSpec field a parameter sets.
type specField uint8

const (
	specDelay specField = iota + 1
	specJitter
	specRate
	specSize
	specBytes
	specMessages
)

// Get returns the parameter's value in s.
func (p FaultParam) Get(s FaultSpec) int64 {
	switch p.field {
	case specDelay:
		return int64(s.Delay)
	case specJitter:
		return int64(s.Jitter)
	case specRate:
		return int64(s.Rate)
	case specSize:
		return int64(s.Size)
	case specBytes:
		return s.Bytes
	case specMessages:
		return int64(s.Messages)
	}
	return 0
}

// Set sets the parameter's value in s. A value too large for its field
// is set to the largest it holds.
func (p FaultParam) Set(s *FaultSpec, v int64) {
	n := int(min(v, math.MaxInt))
	switch p.field {
	case specDelay:
		s.Delay = time.Duration(v)
	case specJitter:
		s.Jitter = time.Duration(v)
	case specRate:
		s.Rate = n
	case specSize:
		s.Size = n
	case specBytes:
		s.Bytes = v
	case specMessages:
		s.Messages = n
	}
}

// below is the error of a value under p.Min.
func (p FaultParam) below(v int64) error {
	if p.Type == DurationParam {
		return errors.New("negative duration")
	}
	if p.Min > 0 {
		return fmt.Errorf(p.what+" is not positive", v)
	}
	return fmt.Errorf(p.what+" is negative", v)
}

// FaultKinds returns the fault table's rows, in the order the
// documentation lists them.
func FaultKinds() []FaultKindInfo {
	out := make([]FaultKindInfo, len(faultTable))
	for i, r := range faultTable {
		out[i] = r.FaultKindInfo
	}
	return out
}

// LookupFaultKind returns the row of kind, and whether there is one.
func LookupFaultKind(kind FaultKind) (FaultKindInfo, bool) {
	if r := lookupRow(kind); r != nil {
		return r.FaultKindInfo, true
	}
	return FaultKindInfo{}, false
}

// faultRow is a kind of fault: its public description, how it describes
// itself, and its hooks into a connection's links (fault_engine.go). Each
// kind's row and hooks live in a file of its family (fault_delay.go,
// fault_loss.go, fault_close.go, ...); faultTable lists them.
type faultRow struct {
	FaultKindInfo
	// describe says the kind's parameters, for Fault.String.
	describe func(s FaultSpec) string
	// delays says that once applied, what goes to the client goes through
	// the pump: it may be delayed, and what follows waits behind it.
	delays bool
	// blackhole says that it swallows control frames too (see
	// connFaults.blackholed).
	blackhole bool
	// apply runs when the fault is applied to a connection, if not nil.
	apply func(c *connFaults, a *appliedFault)
	// message decides what it does to one message, if not nil.
	message func(c *connFaults, a *appliedFault, m *msgFate)
	// closeReply says how it delays the server's answer to the client's
	// close frame, if not nil.
	closeReply func(a *appliedFault, r *closeFate)
	// until says that nothing crosses the link in the fault's directions
	// before the time it returns, if not nil: messages, and the close
	// frames the server sends or answers with, wait for it.
	until func(a *appliedFault) time.Time
}

// faultTable is every kind of fault, in the order the documentation lists
// them. Adding one is a row here and its file. (It is set in init: rows
// refer to Fault's methods, which look the table up.)
var faultTable []*faultRow

func init() {
	faultTable = []*faultRow{
		&latencyRow,
		&bandwidthRow,
		&slicerRow,
		&blackholeRow,
		&slowCloseRow,
		&noCloseReplyRow,
		&limitDataRow,
		&dropAfterRow,
		&stallRow,
	}
}

func lookupRow(kind FaultKind) *faultRow {
	for _, r := range faultTable {
		if r.Kind == kind {
			return r
		}
	}
	return nil
}
