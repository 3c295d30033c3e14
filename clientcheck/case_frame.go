package clientcheck

import (
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The invalid frames: a healthy connection gets a frame no server may
// send, and the client must fail the connection (RFC 6455 §7.1.7: close
// with 1002, or 1007 for invalid UTF-8, §7.4.1, or just go), then come
// back as after any failure. A Fake has no wire to write them on.

// The invalid frames the cases write, and the explorer draws (frames).
// A fragmented ping is the first fragment of one, without FIN: already
// invalid (RFC 6455 §5.5), and a client that fails the connection on it
// may close before a second fragment could be written.
var (
	reservedOpcode    = wstest.Frame{Opcode: 3, Payload: []byte("x")}
	rsv1Frame         = wstest.Frame{Opcode: wstest.OpText, RSV1: true, Payload: []byte("x")}
	badUTF8Frame      = wstest.Frame{Opcode: wstest.OpText, Payload: []byte{'a', 0xff}}
	maskedFrame       = wstest.Frame{Opcode: wstest.OpText, Masked: true, MaskKey: [4]byte{1, 2, 3, 4}, Payload: []byte("x")}
	fragmentedPing    = wstest.Frame{Opcode: wstest.OpPing, NotFinal: true}
	strayContinuation = wstest.Frame{Opcode: wstest.OpContinuation, Payload: []byte("x")}
)

func frameReservedOpcode(e *caseEnv) (caseRun, string) {
	return invalidFrame(e, "frame/reserved-opcode", reservedOpcode)
}

func frameRSV1(e *caseEnv) (caseRun, string) { return invalidFrame(e, "frame/rsv1", rsv1Frame) }

func frameBadUTF8(e *caseEnv) (caseRun, string) {
	return invalidFrame(e, "frame/bad-utf8", badUTF8Frame)
}

func frameMasked(e *caseEnv) (caseRun, string) { return invalidFrame(e, "frame/masked", maskedFrame) }

func frameFragmentedPing(e *caseEnv) (caseRun, string) {
	return invalidFrame(e, "frame/fragmented-ping", fragmentedPing)
}

func frameStrayContinuation(e *caseEnv) (caseRun, string) {
	return invalidFrame(e, "frame/stray-continuation", strayContinuation)
}

// invalidFrame writes f on the healthy first connection, and expects the
// client to fail it.
func invalidFrame(e *caseEnv, name string, f wstest.Frame) (caseRun, string) {
	if !e.tr.wire() {
		return caseRun{}, "the fake has no wire to write a raw frame on"
	}
	run := e.then(name, e.accept(step(scenario.Raw{Frame: f})))
	run.expect = func(o *Outcome) error { return failedByClient(o, "after "+f.String()) }
	return run, ""
}
