package scenario

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wsdouble/wsdouble/wstest"
)

// Raw writes one frame exactly as given (see wstest.Peer.WriteFrame):
// frames a server must never send, a reserved opcode, RSV bits, a close
// code that may not be sent, invalid UTF-8, a fragmented or oversized
// control frame, a masked frame, to see the client fail the connection
// as it must (RFC 6455 §7.1.7). It needs a wire: on a Fake's connection
// it fails with wstest.ErrNoWire, as a mismatch. A raw close frame does
// not start the server's closing handshake (the close step does).
type Raw struct {
	Frame wstest.Frame
}

func init() { registerAction("raw", decodeRaw) }

// Name returns "raw".
func (Raw) Name() string { return "raw" }

func (r Raw) validate() error { return r.Frame.Validate() }

func (r Raw) clone() Action {
	r.Frame.Payload = append([]byte(nil), r.Frame.Payload...)
	return r
}

func (r Raw) play(s *stepRun) stepResult {
	s.e.Kind, s.e.Detail = ControlSent, "raw "+r.Frame.String()
	if err := s.p.WriteFrame(r.Frame); err != nil {
		return s.refused("to write "+s.e.Detail, err)
	}
	return stepNext
}

// The file format of a raw frame:
//
//	{"raw": {"opcode": "close", "fin": false, "rsv1": true, "code": 999,
//	         "text": "bye" | "payload": "/w==", "mask": "AQIDBA=="}}
//
// opcode is a name (continuation, text, binary, close, ping, pong) or a
// number from 0 to 15; fin is true unless given; code (0-65535) puts two
// bytes before the payload, as a close frame's code; the payload is text
// (UTF-8) or payload (base64), or empty; mask masks the payload with a
// 4-byte key, in base64.

func (r Raw) encode() (json.RawMessage, error) {
	f := r.Frame
	var kv []any
	if name := f.Opcode.String(); opcodeNamed(f.Opcode) {
		kv = append(kv, "opcode", name)
	} else {
		kv = append(kv, "opcode", int(f.Opcode))
	}
	for _, bit := range []struct {
		name  string
		value bool
		set   bool
	}{{"fin", false, f.NotFinal}, {"rsv1", true, f.RSV1}, {"rsv2", true, f.RSV2}, {"rsv3", true, f.RSV3}} {
		if bit.set {
			kv = append(kv, bit.name, bit.value)
		}
	}
	p := f.Payload
	if f.Opcode == wstest.OpClose && len(p) >= 2 {
		kv = append(kv, "code", binary.BigEndian.Uint16(p))
		p = p[2:]
	}
	switch {
	case len(p) == 0:
	case utf8.Valid(p):
		kv = append(kv, "text", string(p))
	default:
		kv = append(kv, "payload", base64.StdEncoding.EncodeToString(p))
	}
	if f.Masked {
		kv = append(kv, "mask", base64.StdEncoding.EncodeToString(f.MaskKey[:]))
	}
	return inlineObject(kv...), nil
}

// opcodeNamed reports whether the file format names o.
func opcodeNamed(o wstest.Opcode) bool {
	_, ok := wstest.ParseOpcode(o.String())
	return ok
}

func decodeRaw(d *decoder, n *node, field string) (Action, bool) {
	if !d.fields(n, field, "opcode", "fin", "rsv1", "rsv2", "rsv3", "code", "text", "payload", "mask") {
		return nil, false
	}
	var f wstest.Frame
	ok := d.rawOpcode(n, field, &f)
	for _, bit := range []struct {
		name string
		dst  *bool
		set  bool // the value that sets the Frame's field
	}{{"fin", &f.NotFinal, false}, {"rsv1", &f.RSV1, true}, {"rsv2", &f.RSV2, true}, {"rsv3", &f.RSV3, true}} {
		if v := n.get(bit.name); v != nil {
			b, good := d.boolean(v, join(field, bit.name))
			*bit.dst = b == bit.set
			ok = ok && good
		}
	}
	if v := n.get("code"); v != nil {
		code, good := d.uint(v, join(field, "code"))
		if good && code > math.MaxUint16 {
			d.failf(v, join(field, "code"), "%d does not fit in 2 bytes (0-65535)", code)
			good = false
		}
		f.Payload = binary.BigEndian.AppendUint16(nil, uint16(code))
		ok = ok && good
	}
	ok = d.rawPayload(n, field, &f) && ok
	ok = d.rawMask(n, field, &f) && ok
	return Raw{Frame: f}, ok
}

// rawOpcode decodes a raw frame's opcode: a name or a number from 0 to 15.
func (d *decoder) rawOpcode(n *node, field string, f *wstest.Frame) bool {
	v := n.get("opcode")
	switch {
	case v == nil:
		d.failf(n, join(field, "opcode"), "missing: a name (continuation, text, binary, close, ping, pong) or a number from 0 to 15")
		return false
	case v.kind == '"':
		op, ok := wstest.ParseOpcode(v.str)
		if !ok {
			d.failf(v, join(field, "opcode"), "%q is not continuation, text, binary, close, ping or pong (or give a number from 0 to 15)", v.str)
		}
		f.Opcode = op
		return ok
	}
	op, ok := d.uint(v, join(field, "opcode"))
	if ok && op > 15 {
		d.failf(v, join(field, "opcode"), "%d does not fit in 4 bits (0-15)", op)
		return false
	}
	f.Opcode = wstest.Opcode(op)
	return ok
}

// rawPayload decodes the payload of a raw frame, after its code if any.
func (d *decoder) rawPayload(n *node, field string, f *wstest.Frame) bool {
	text, payload := n.get("text"), n.get("payload")
	switch {
	case text != nil && payload != nil:
		d.failf(n, field, "want text or payload, not both")
		return false
	case text != nil:
		s, ok := d.text(text, join(field, "text"))
		f.Payload = append(f.Payload, s...)
		return ok
	case payload != nil:
		s, ok := d.text(payload, join(field, "payload"))
		if !ok {
			return false
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			d.failf(payload, join(field, "payload"), "not base64: %v", err)
			return false
		}
		f.Payload = append(f.Payload, b...)
	}
	return true
}

// rawMask decodes the mask key of a raw frame: 4 bytes in base64.
func (d *decoder) rawMask(n *node, field string, f *wstest.Frame) bool {
	v := n.get("mask")
	if v == nil {
		return true
	}
	s, ok := d.text(v, join(field, "mask"))
	if !ok {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != 4 {
		d.failf(v, join(field, "mask"), "want a 4-byte key in base64, such as \"AQIDBA==\"")
		return false
	}
	f.Masked = true
	copy(f.MaskKey[:], b)
	return true
}

// goCall writes the step as the Builder's call (see GoSource): the frame
// as a wstest.Frame literal, its opcode by name where wstest has one.
func (r Raw) goCall(g *goCode) error {
	f := r.Frame
	op := "wstest.Opcode(" + strconv.Itoa(int(f.Opcode)) + ")"
	if name, ok := goOpcodes[f.Opcode]; ok {
		op = "wstest." + name
	}
	fields := []string{"Opcode: " + op}
	for _, bit := range []struct {
		name string
		set  bool
	}{{"NotFinal", f.NotFinal}, {"RSV1", f.RSV1}, {"RSV2", f.RSV2}, {"RSV3", f.RSV3}, {"Masked", f.Masked}} {
		if bit.set {
			fields = append(fields, bit.name+": true")
		}
	}
	if len(f.Payload) > 0 {
		fields = append(fields, "Payload: "+goBytes(f.Payload))
	}
	if f.MaskKey != [4]byte{} {
		k := f.MaskKey
		fields = append(fields, fmt.Sprintf("MaskKey: [4]byte{%d, %d, %d, %d}", k[0], k[1], k[2], k[3]))
	}
	g.call("Raw(wstest.Frame{%s})", strings.Join(fields, ", "))
	return nil
}

// goOpcodes are the names of wstest's opcodes.
var goOpcodes = map[wstest.Opcode]string{
	wstest.OpContinuation: "OpContinuation", wstest.OpText: "OpText", wstest.OpBinary: "OpBinary",
	wstest.OpClose: "OpClose", wstest.OpPing: "OpPing", wstest.OpPong: "OpPong",
}
