package wstest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wsdouble/wsdouble/internal/timeline"
)

// ErrNoWire is returned by Peer.WriteFrame on a Fake's server end: a Fake
// has no wire to write a frame on, only messages and events. Raw frames
// need a Server's connection (in memory or over loopback).
var ErrNoWire = errors.New("wstest: a Fake has no wire: raw frames need a Server's connection")

// Opcode is a WebSocket frame's opcode (RFC 6455 §5.2): 4 bits, of which
// 3-7 and 11-15 are reserved.
type Opcode uint8

// The opcodes RFC 6455 §11.8 defines.
const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xa
)

// opcodeNames are the names of the defined opcodes, as the scenario file
// format writes them.
var opcodeNames = map[Opcode]string{
	OpContinuation: "continuation", OpText: "text", OpBinary: "binary",
	OpClose: "close", OpPing: "ping", OpPong: "pong",
}

// String returns the opcode's name ("text", "close", ...) or, for a
// reserved one, "opcode N".
func (o Opcode) String() string {
	if s, ok := opcodeNames[o]; ok {
		return s
	}
	return "opcode " + strconv.Itoa(int(o))
}

// ParseOpcode returns the opcode named s ("continuation", "text",
// "binary", "close", "ping" or "pong").
func ParseOpcode(s string) (Opcode, bool) {
	for o, name := range opcodeNames {
		if name == s {
			return o, true
		}
	}
	return 0, false
}

// Control reports whether frames of this opcode are control frames (RFC
// 6455 §5.5: the opcodes from 8 up).
func (o Opcode) Control() bool { return o >= OpClose }

// MaxFramePayload is the largest payload a Frame may carry: a raw frame
// is written whole, in one write, and need not be large to break a
// client.
const MaxFramePayload = 1 << 20

// Frame is one WebSocket frame exactly as it goes on the wire (RFC 6455
// §5.2), for Peer.WriteFrame: nothing is checked against the protocol, so
// that a test can send what no well-behaved server sends (a reserved
// opcode, RSV bits, a fragmented or oversized control frame, a close code
// that may not be sent, invalid UTF-8, a masked frame) and see whether the
// client fails the connection as it must (§7.1.7). The zero Frame is an
// empty continuation frame with FIN set.
type Frame struct {
	// Opcode is the frame's opcode, 0 to 15.
	Opcode Opcode
	// NotFinal clears the FIN bit: more frames of the message follow.
	NotFinal bool
	// RSV1, RSV2 and RSV3 set the reserved bits, which an extension
	// would define (RFC 6455 §5.2).
	RSV1, RSV2, RSV3 bool
	// Payload is the payload, unmasked: for a close frame, the two bytes
	// of the code and the reason (see ClosePayload).
	Payload []byte
	// Masked masks the payload with MaskKey and sets the MASK bit, which
	// a server must never do (RFC 6455 §5.1: a client fails the
	// connection).
	Masked  bool
	MaskKey [4]byte
}

// ClosePayload is the payload of a close frame with code and reason (RFC
// 6455 §5.5.1), for any code 0-65535 and any reason bytes.
func ClosePayload(code uint16, reason []byte) []byte {
	return append(binary.BigEndian.AppendUint16(nil, code), reason...)
}

// Validate reports whether f can be written: an opcode of 4 bits and a
// payload of at most MaxFramePayload bytes. It checks nothing of the
// protocol.
func (f Frame) Validate() error {
	var errs []error
	if f.Opcode > 0xf {
		errs = append(errs, fmt.Errorf("opcode %d does not fit in 4 bits", f.Opcode))
	}
	if len(f.Payload) > MaxFramePayload {
		errs = append(errs, fmt.Errorf("payload of %d bytes, over %d", len(f.Payload), MaxFramePayload))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("wstest: frame: %w", err)
	}
	return nil
}

// String describes the frame, for example `close FIN 1000 "bye"`,
// `text RSV1 "hello"`, `ping FIN masked ""`, `binary FIN [2]03e8`: the
// opcode, the bits set, and the payload, quoted when it is UTF-8; a close
// frame's payload of two bytes or more is its code, then its reason.
func (f Frame) String() string {
	parts := []string{f.Opcode.String()}
	for _, bit := range []struct {
		set  bool
		name string
	}{{!f.NotFinal, "FIN"}, {f.RSV1, "RSV1"}, {f.RSV2, "RSV2"}, {f.RSV3, "RSV3"}, {f.Masked, "masked"}} {
		if bit.set {
			parts = append(parts, bit.name)
		}
	}
	p := f.Payload
	if f.Opcode == OpClose && len(p) >= 2 {
		parts = append(parts, strconv.Itoa(int(binary.BigEndian.Uint16(p))))
		p = p[2:]
	}
	return strings.Join(append(parts, timeline.Payload(p)), " ")
}

// encode returns the frame's bytes.
func (f Frame) encode() []byte {
	b0 := byte(f.Opcode & 0xf)
	for _, bit := range []struct {
		set  bool
		mask byte
	}{{!f.NotFinal, 0x80}, {f.RSV1, 0x40}, {f.RSV2, 0x20}, {f.RSV3, 0x10}} {
		if bit.set {
			b0 |= bit.mask
		}
	}
	var b1 byte
	if f.Masked {
		b1 = 0x80
	}
	out := make([]byte, 0, 14+len(f.Payload))
	switch n := len(f.Payload); {
	case n < 126:
		out = append(out, b0, b1|byte(n))
	case n <= 0xffff:
		out = binary.BigEndian.AppendUint16(append(out, b0, b1|126), uint16(n))
	default:
		out = binary.BigEndian.AppendUint64(append(out, b0, b1|127), uint64(n))
	}
	if !f.Masked {
		return append(out, f.Payload...)
	}
	out = append(out, f.MaskKey[:]...)
	for i, c := range f.Payload {
		out = append(out, c^f.MaskKey[i%4])
	}
	return out
}

// wire is a transport with a wire, which can write a raw frame: a
// Server's connection, not a Fake.
type wire interface {
	writeFrame(f Frame) error
}

// WriteFrame implements Peer. A raw frame goes to the client as the
// server's close frames do (see sendLater): behind what a fault delays,
// held by a Stall, swallowed by a Blackhole to the client.
func (c *conn) WriteFrame(f Frame) error {
	if err := f.Validate(); err != nil {
		return err
	}
	w, ok := c.t.(wire)
	if !ok {
		return fmt.Errorf("wstest: Peer.WriteFrame: %w", ErrNoWire)
	}
	c.mu.Lock()
	var err error
	if st := c.getState(); st != connOpen && st != connClosing {
		err = c.peerErrLocked()
	}
	c.mu.Unlock()
	if err != nil {
		return err
	}
	f.Payload = bytes.Clone(f.Payload)
	err = c.sendLater(0, func() error {
		if c.faults.Load().blackholed(ToClient) {
			return nil
		}
		return w.writeFrame(f)
	})
	if err != nil {
		return fmt.Errorf("wstest: Peer.WriteFrame: %w", err)
	}
	return nil
}
