package wstest

import (
	"math"
	"time"

	"github.com/wsdouble/wsdouble/internal/timeline"
)

// StallFault is the kind of Stall.
const StallFault FaultKind = "stall"

// Stall stops the connection delivering anything, in both directions
// unless Only says otherwise, for d from the moment the fault is applied,
// then lets everything queued meanwhile through, in order, as a garbage
// collector's pause or a Wi-Fi hand-over does: messages, the server's
// close frames and its answers to the client's, and pongs wait; nothing is
// lost. With Probability p it stalls at all with that chance.
func Stall(d time.Duration) Fault { return newFault(StallFault, FaultSpec{Delay: d}) }

var stallRow = faultRow{
	FaultKindInfo: FaultKindInfo{
		Kind: StallFault,
		Doc:  "nothing is delivered for delay, then everything queued meanwhile, in order",
		Params: []FaultParam{
			{Name: "delay", Type: DurationParam, Required: true, Max: math.MaxInt64, Doc: "how long the connection stalls", field: specDelay},
		},
		Default: Both, Directions: Both,
	},
	delays:   true,
	describe: func(s FaultSpec) string { return timeline.Duration(s.Delay) },
	until: func(a *appliedFault) time.Time {
		if !a.applies {
			return time.Time{}
		}
		return a.at.Add(a.spec.Delay)
	},
}
