package wstest

import (
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
)

// violation is a protocol error of the client's, which makes the server
// fail the connection (RFC 6455 §7.1.7): it sends a close frame with code
// and reason, and closes the transport. It is the End.Err of the
// connection, whose Kind is ProtocolViolation.
type violation struct {
	code   int    // 1002, 1007 or 1009 (§7.4.1)
	reason string // what the client did, sent as the close frame's reason: short, at most 123 bytes
	cause  error  // what it wraps, if anything: ErrInvalidUTF8, websocket.ErrReadLimit
}

func (v *violation) Error() string {
	return "wstest: the client broke the protocol: " + v.reason
}

func (v *violation) Unwrap() error { return v.cause }

// violationf is a violation with close code 1002, protocol error.
func violationf(format string, args ...any) *violation {
	return &violation{code: wsdouble.CloseProtocolError, reason: fmt.Sprintf(format, args...)}
}

// invalidUTF8 is the violation of a text message that is not UTF-8 (RFC
// 6455 §8.1), close code 1007 (§7.4.1).
func invalidUTF8(data []byte) *violation {
	at := 0
	for at < len(data) {
		r, n := utf8.DecodeRune(data[at:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		at += n
	}
	return &violation{
		code:   wsdouble.CloseInvalidFramePayloadData,
		reason: fmt.Sprintf("text message of %d bytes is not UTF-8 from byte %d", len(data), at),
		cause:  ErrInvalidUTF8,
	}
}

// frameCheck is the transport of a Server connection as gorilla/websocket
// reads it: it follows the client's frames as they are read, and stops the
// reader at the first frame that breaks RFC 6455 with a *violation, which
// names what the client did and the close code the server fails the
// connection with. The bytes before that frame are read as usual.
//
// gorilla checks most of the same, but answers each violation with close
// 1002 and an error that only its text tells apart from a broken
// transport, and it lets two pass: a 64-bit length whose most significant
// bit is set (§5.2), which it reports as over the read limit without a
// close frame, and a close frame with a 1-byte body (§5.5.1), which it
// reads as one without a code. Checked here first, none reaches gorilla.
type frameCheck struct {
	net.Conn
	limit   int64 // the read limit (ReadLimit), 0 for none
	deflate bool  // permessage-deflate was negotiated: RSV1 may be set

	step   frameStep
	hdr    [14]byte // the header being read
	nhdr   int      // its bytes so far
	need   int      // the bytes of it that step checks
	opcode byte     // of the frame being read
	length uint64   // its payload's length
	key    [4]byte  // its mask key
	remain uint64   // the bytes of its payload still to come
	body   []byte   // a close frame's payload so far, masked
	open   bool     // a fragmented data message has begun
	msgLen uint64   // the bytes of the message being read, for the limit
	closed bool     // a valid close frame was read: the client sends no more
	err    error    // the violation found; Read returns it from now on
}

// frameStep is the part of a frame a frameCheck reads next. Each part of
// the header is checked as soon as it is in, before gorilla, which reads
// the same bytes, can act on it.
type frameStep uint8

const (
	stepFirst   frameStep = iota // the first two bytes
	stepLength                   // the extended payload length
	stepMask                     // the mask key
	stepPayload                  // the payload
)

func newFrameCheck(c net.Conn, limit int64, deflate bool) *frameCheck {
	return &frameCheck{Conn: c, limit: limit, deflate: deflate, need: 2}
}

// Read implements net.Conn. It returns the bytes read up to the first
// frame that breaks the protocol, then the violation.
func (c *frameCheck) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.Conn.Read(p)
	if c.closed {
		return n, err
	}
	if k, v := c.follow(p[:n]); v != nil {
		c.err = v
		if k == 0 {
			return 0, v
		}
		return k, nil
	}
	return n, err
}

// follow follows the frames in b, the next bytes read. At a violation it
// returns it, and where its frame starts in b (0 if it started earlier).
func (c *frameCheck) follow(b []byte) (int, *violation) {
	start := 0
	for i := 0; i < len(b) && !c.closed; {
		if c.step == stepPayload {
			k := int(min(c.remain, uint64(len(b)-i)))
			if c.opcode == websocket.CloseMessage {
				c.body = append(c.body, b[i:i+k]...)
			}
			i += k
			c.remain -= uint64(k)
			if c.remain == 0 {
				if v := c.frameEnd(); v != nil {
					return start, v
				}
			}
			continue
		}
		if c.nhdr == 0 {
			start = i
		}
		k := copy(c.hdr[c.nhdr:c.need], b[i:])
		c.nhdr += k
		i += k
		if c.nhdr < c.need {
			continue
		}
		var v *violation
		switch c.step {
		case stepFirst:
			v = c.firstBytes()
		case stepLength:
			v = c.extendedLength()
		case stepMask:
			copy(c.key[:], c.hdr[c.need-4:c.need])
			c.step, c.remain = stepPayload, c.length
			c.body = c.body[:0]
			if c.remain == 0 {
				v = c.frameEnd()
			}
		}
		if v != nil {
			return start, v
		}
	}
	return len(b), nil
}

// firstBytes checks the first two bytes of a header: the checks of RFC
// 6455 §5.2-§5.5 that need nothing more.
func (c *frameCheck) firstBytes() *violation {
	b0, b1 := c.hdr[0], c.hdr[1]
	fin, opcode, len7 := b0&0x80 != 0, b0&0x0f, b1&0x7f
	if v := c.reservedBits(b0); v != nil {
		return v
	}
	if v := c.checkOpcode(opcode, fin, len7); v != nil {
		return v
	}
	if b1&0x80 == 0 {
		return violationf("unmasked frame from the client") // §5.1
	}
	c.opcode = opcode
	switch len7 {
	case 126:
		c.step, c.need = stepLength, 4
	case 127:
		c.step, c.need = stepLength, 10
	default:
		c.length = uint64(len7)
		return c.lengthKnown()
	}
	return nil
}

// reservedBits checks RSV1-3 of b0, a header's first byte (§5.2): RSV1 is
// permessage-deflate's (RFC 7692 §6), the others no extension's.
func (c *frameCheck) reservedBits(b0 byte) *violation {
	switch {
	case b0&0x40 != 0 && !c.deflate:
		return violationf("RSV1 set, with no extension negotiated")
	case b0&0x20 != 0:
		return violationf("RSV2 set")
	case b0&0x10 != 0:
		return violationf("RSV3 set")
	}
	return nil
}

// checkOpcode checks a frame's opcode against its FIN bit and 7-bit length
// and against the fragmented message under way, and starts a new data
// message's count for the read limit.
func (c *frameCheck) checkOpcode(opcode byte, fin bool, len7 byte) *violation {
	switch opcode {
	case websocket.CloseMessage, websocket.PingMessage, websocket.PongMessage:
		return controlFrame(opcode, fin, len7)
	case websocket.TextMessage, websocket.BinaryMessage: // §5.4
		if c.open {
			return violationf("new data frame (opcode %d) inside a fragmented message", opcode)
		}
		c.msgLen = 0
	case 0: // continuation, §5.4
		if !c.open {
			return violationf("continuation frame outside a fragmented message")
		}
	default:
		return violationf("reserved opcode %d", opcode) // §5.2
	}
	return nil
}

// controlFrame checks what §5.5 asks of a control frame's first two bytes.
func controlFrame(opcode byte, fin bool, len7 byte) *violation {
	switch {
	case len7 > 125:
		return violationf("control frame (opcode %d) longer than 125 bytes", opcode)
	case !fin:
		return violationf("fragmented control frame (opcode %d)", opcode)
	case opcode == websocket.CloseMessage && len7 == 1:
		// §5.5.1: a body starts with a 2-byte code.
		return violationf("close frame with a 1-byte body")
	}
	return nil
}

// extendedLength reads a 16- or 64-bit payload length.
func (c *frameCheck) extendedLength() *violation {
	if c.need == 4 {
		c.length = uint64(binary.BigEndian.Uint16(c.hdr[2:]))
	} else {
		c.length = binary.BigEndian.Uint64(c.hdr[2:])
		if c.length>>63 != 0 {
			return violationf("64-bit payload length with its most significant bit set") // §5.2
		}
	}
	return c.lengthKnown()
}

// lengthKnown checks the payload length against the read limit, and moves
// on to the mask key.
func (c *frameCheck) lengthKnown() *violation {
	c.step, c.need = stepMask, c.nhdr+4
	if c.opcode >= websocket.CloseMessage {
		return nil
	}
	if c.msgLen > math.MaxInt64-c.length || (c.limit > 0 && c.msgLen+c.length > uint64(c.limit)) {
		// §7.4.1, §10.4: 1009, as soon as the header says so.
		reason := "message longer than 2^63-1 bytes"
		if c.limit > 0 {
			reason = fmt.Sprintf("message of at least %d bytes, over the read limit of %d", satAdd(c.msgLen, c.length), c.limit)
		}
		return &violation{code: wsdouble.CloseMessageTooBig, reason: reason, cause: websocket.ErrReadLimit}
	}
	c.msgLen += c.length
	c.open = c.hdr[0]&0x80 == 0
	return nil
}

// frameEnd checks a frame whose payload has all been read (a close
// frame's body, §5.5.1), and makes ready for the next header.
func (c *frameCheck) frameEnd() *violation {
	c.step, c.nhdr, c.need = stepFirst, 0, 2
	if c.opcode != websocket.CloseMessage {
		return nil
	}
	if body := c.body; len(body) > 0 { // never 1 byte: see firstBytes
		for i := range body {
			body[i] ^= c.key[i%4]
		}
		if code := int(binary.BigEndian.Uint16(body)); !validReceivedCode(code) {
			return violationf("bad close code %d", code) // §7.4
		}
		if !utf8.Valid(body[2:]) {
			return violationf("close reason is not UTF-8") // §5.5.1
		}
	}
	c.closed = true // gorilla reads no further, and the client sends no more
	return nil
}

// validReceivedCode reports whether a close frame may carry code (RFC 6455
// §7.4): 1000-1003, 1007-1013 and 3000-4999. That is the set gorilla,
// which reads the frame after this check, accepts. 1014 (Bad Gateway,
// registered after RFC 6455) is valid too: the closeguard under this
// check hands it over as 1000 (see upgradeWatch.Hijack), and the Peer
// reports the code sent.
func validReceivedCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1013, code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// satAdd adds without overflow, for a message.
func satAdd(a, b uint64) uint64 {
	if a > math.MaxUint64-b {
		return math.MaxUint64
	}
	return a + b
}

// offersDeflate reports whether a handshake offers permessage-deflate (RFC
// 7692), as gorilla/websocket's Upgrader decides it: an extension of that
// name in Sec-WebSocket-Extensions, whatever its parameters.
func offersDeflate(h http.Header) bool {
	for _, v := range h.Values("Sec-WebSocket-Extensions") {
		for ext := range strings.SplitSeq(v, ",") {
			name, _, _ := strings.Cut(ext, ";")
			if strings.TrimSpace(name) == "permessage-deflate" {
				return true
			}
		}
	}
	return false
}
