package wstest

import (
	"fmt"
	"math"
	"time"

	"github.com/wsdouble/wsdouble/internal/timeline"
)

// The faults that delay messages: latency, bandwidth, slicer.

// Kinds of delaying faults.
const (
	LatencyFault   FaultKind = "latency"
	BandwidthFault FaultKind = "bandwidth"
	SlicerFault    FaultKind = "slicer"
)

// Latency delays every message by d, in both directions unless Only says
// otherwise. Messages keep their order: one is never delivered before the
// one sent before it.
func Latency(d time.Duration) Fault { return newFault(LatencyFault, FaultSpec{Delay: d}) }

// Bandwidth delays every message by its size over bytesPerSecond, as on a
// link of that rate (and queues it behind the ones still in flight).
func Bandwidth(bytesPerSecond int) Fault {
	return newFault(BandwidthFault, FaultSpec{Rate: bytesPerSecond})
}

// Slicer sends every message to the client as continuation frames of at
// most size bytes of payload, delay apart (RFC 6455 §5.4). Clients
// reassemble them: a message event fires when the last frame arrives. A
// Fake has no frames, so it delivers the whole message at that time, the
// link busy meanwhile, which is what its client would observe. It acts on
// ToClient only.
func Slicer(size int, delay time.Duration) Fault {
	return newFault(SlicerFault, FaultSpec{Size: size, Delay: delay})
}

var latencyRow = faultRow{
	FaultKindInfo: FaultKindInfo{
		Kind: LatencyFault,
		Doc:  "each message takes delay ± jitter; order is kept",
		Params: []FaultParam{
			{Name: "delay", Type: DurationParam, Required: true, Max: math.MaxInt64, Doc: "how long each message takes", field: specDelay},
			{Name: "jitter", Type: DurationParam, Max: math.MaxInt64, Doc: "the delay varies by up to this much", field: specJitter},
		},
		Default: Both, Directions: Both,
	},
	delays: true,
	describe: func(s FaultSpec) string {
		d := timeline.Duration(s.Delay)
		if s.Jitter > 0 {
			d += " ±" + timeline.Duration(s.Jitter)
		}
		return d
	},
	message: func(_ *connFaults, a *appliedFault, m *msgFate) {
		if !a.draw() {
			return
		}
		d := a.spec.Delay
		if j := a.spec.Jitter; j > 0 {
			d += time.Duration(a.rnd.Int64N(int64(2*j)+1)) - j
		}
		m.latency += max(d, 0)
	},
}

var bandwidthRow = faultRow{
	FaultKindInfo: FaultKindInfo{
		Kind: BandwidthFault,
		Doc:  "each message takes its size over the rate, queued behind the last",
		Params: []FaultParam{
			{Name: "bytes_per_second", Type: RateParam, Required: true, Min: 1, Max: math.MaxInt32, Doc: "the link's rate", field: specRate, what: "bandwidth %d bytes/s"},
		},
		Default: Both, Directions: Both,
	},
	delays:   true,
	describe: func(s FaultSpec) string { return fmt.Sprintf("%d B/s", s.Rate) },
	message: func(_ *connFaults, a *appliedFault, m *msgFate) {
		if a.draw() {
			m.transmit += time.Duration(float64(m.size) / float64(a.spec.Rate) * float64(time.Second))
		}
	},
}

var slicerRow = faultRow{
	FaultKindInfo: FaultKindInfo{
		Kind: SlicerFault,
		Doc:  "messages to the client in continuation frames of size bytes, delay apart",
		Params: []FaultParam{
			{Name: "size", Type: CountParam, Required: true, Min: 1, Max: math.MaxInt32, Doc: "bytes of payload per frame", field: specSize, what: "slice size %d"},
			{Name: "delay", Type: DurationParam, Max: math.MaxInt64, Doc: "the gap between frames", field: specDelay},
		},
		Default: ToClient, Directions: ToClient,
	},
	delays: true,
	describe: func(s FaultSpec) string {
		return fmt.Sprintf("%d B every %s", s.Size, timeline.Duration(s.Delay))
	},
	message: func(c *connFaults, a *appliedFault, m *msgFate) {
		if !a.draw() {
			return
		}
		if !c.wholeMessages {
			m.slice, m.gap = a.spec.Size, a.spec.Delay
		} else if frames := (m.size + a.spec.Size - 1) / a.spec.Size; frames > 1 {
			m.transmit += time.Duration(frames-1) * a.spec.Delay
		}
	},
}
