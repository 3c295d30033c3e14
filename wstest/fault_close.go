package wstest

import (
	"math"
	"time"

	"github.com/wsdouble/wsdouble/internal/timeline"
)

// The faults of the closing handshake: slow_close, no_close_reply.

// Kinds of faults of the closing handshake.
const (
	SlowCloseFault    FaultKind = "slow_close"
	NoCloseReplyFault FaultKind = "no_close_reply"
)

// SlowClose answers the client's close frame only after d: the client's
// close event comes d late (or, if d is past its close timeout, with code
// 1006).
func SlowClose(d time.Duration) Fault { return newFault(SlowCloseFault, FaultSpec{Delay: d}) }

// NoCloseReply never answers the client's close frame: the client's close
// timeout must end the connection.
func NoCloseReply() Fault { return newFault(NoCloseReplyFault, FaultSpec{}) }

var slowCloseRow = faultRow{
	FaultKindInfo: FaultKindInfo{
		Kind: SlowCloseFault,
		Doc:  "the client's close frame is answered delay late",
		Params: []FaultParam{
			{Name: "delay", Type: DurationParam, Required: true, Max: math.MaxInt64, Doc: "how late the answer comes", field: specDelay},
		},
		Default: ToClient, Directions: ToClient,
	},
	delays:   true,
	describe: func(s FaultSpec) string { return timeline.Duration(s.Delay) },
	closeReply: func(a *appliedFault, r *closeFate) {
		r.delay = max(r.delay, a.spec.Delay)
	},
}

var noCloseReplyRow = faultRow{
	FaultKindInfo: FaultKindInfo{
		Kind:    NoCloseReplyFault,
		Doc:     "the client's close frame is never answered: its close timeout must fire",
		Default: ToClient, Directions: ToClient,
	},
	describe:   func(FaultSpec) string { return "" },
	closeReply: func(_ *appliedFault, r *closeFate) { r.never = true },
}
