package wstest

import (
	"fmt"
	"math"
	"time"

	"github.com/wsdouble/wsdouble/internal/timeline"
)

// The faults that lose messages or the connection: blackhole, limit_data,
// drop_after.

// Kinds of faults that lose messages or connections.
const (
	BlackholeFault FaultKind = "blackhole"
	LimitDataFault FaultKind = "limit_data"
	DropAfterFault FaultKind = "drop_after"
)

// Blackhole stops delivering messages, in both directions unless Only says
// otherwise, with no close and no FIN: a half-open connection. Pings go
// unanswered and close frames unanswered (from the client) or lost (to the
// client); a connection the server drops or resets meanwhile stays open
// for the client. With Probability, it loses that share of messages
// instead. Heal ends it.
func Blackhole() Fault { return newFault(BlackholeFault, FaultSpec{}) }

// LimitData drops the connection (no close frame) when the message data
// that has crossed it, in the direction given by Only (both by default),
// would exceed n bytes: the message that would cross the limit is lost.
func LimitData(n int64) Fault { return newFault(LimitDataFault, FaultSpec{Bytes: n}) }

// DropAfterMessages drops the connection (no close frame) once n more
// messages have crossed it, in the direction given by Only (both by
// default).
func DropAfterMessages(n int) Fault { return newFault(DropAfterFault, FaultSpec{Messages: n}) }

// DropAfter drops the connection (no close frame) d after the fault is
// applied.
func DropAfter(d time.Duration) Fault { return newFault(DropAfterFault, FaultSpec{Delay: d}) }

var blackholeRow = faultRow{
	FaultKindInfo: FaultKindInfo{
		Kind:    BlackholeFault,
		Doc:     "nothing is delivered, pings unanswered, no close, no FIN",
		Default: Both, Directions: Both,
	},
	blackhole: true,
	describe:  func(FaultSpec) string { return "" },
	message: func(_ *connFaults, a *appliedFault, m *msgFate) {
		if a.draw() {
			m.lost = true
		}
	},
}

var limitDataRow = faultRow{
	FaultKindInfo: FaultKindInfo{
		Kind: LimitDataFault,
		Doc:  "the connection is dropped once n bytes went through",
		Params: []FaultParam{
			{Name: "bytes", Type: CountParam, Required: true, Max: math.MaxInt64, Doc: "message data that may cross", field: specBytes, what: "limit %d bytes"},
		},
		Default: Both, Directions: Both,
	},
	describe: func(s FaultSpec) string { return fmt.Sprintf("%d B", s.Bytes) },
	message: func(_ *connFaults, a *appliedFault, m *msgFate) {
		if !a.applies {
			return
		}
		if a.count+int64(m.size) > a.spec.Bytes {
			m.drop = a.String()
		}
		a.count += int64(m.size)
	},
}

var dropAfterRow = faultRow{
	FaultKindInfo: FaultKindInfo{
		Kind: DropAfterFault,
		Doc:  "the connection is dropped after n messages, or d after the fault was applied",
		Params: []FaultParam{
			{Name: "messages", Type: CountParam, Max: math.MaxInt32, Doc: "messages that may cross", field: specMessages, what: "%d messages"},
			{Name: "delay", Type: DurationParam, Max: math.MaxInt64, Doc: "how long the connection lasts", field: specDelay},
		},
		OneOf:   true,
		Default: Both, Directions: Both,
	},
	describe: func(s FaultSpec) string {
		if s.Messages > 0 || s.Delay == 0 {
			return fmt.Sprintf("%d messages", s.Messages)
		}
		return timeline.Duration(s.Delay)
	},
	apply: func(c *connFaults, a *appliedFault) {
		if a.spec.Messages == 0 && a.applies {
			reason := a.String()
			c.afterFunc(a.spec.Delay, func() { c.onDrop(reason) })
		}
	},
	message: func(_ *connFaults, a *appliedFault, m *msgFate) {
		if !a.applies || a.spec.Messages == 0 {
			return
		}
		if a.count++; a.count == int64(a.spec.Messages) {
			m.dropAfter = a.String()
		}
	},
}
