package closeguard

import (
	"encoding/binary"
	"errors"
	"net"
	"sync/atomic"
)

// ErrCloseBodySize is what reading a close frame whose body is one byte
// fails with: RFC 6455 §5.5.1 (a body starts with a two-byte code), as
// Chromium's ParseClose does ("a broken close frame containing an invalid
// size body"). The reader must fail the connection with 1002.
var ErrCloseBodySize = errors.New("received a close frame with a 1-byte body (RFC 6455 §5.5.1)")

// MustFail reports whether a close frame with this code fails the
// connection: the codes RFC 6455 §7.4.1 says "MUST NOT be set as a status
// code in a Close control frame". Chromium fails on these three only.
func MustFail(code int) bool {
	return code == 1005 || code == 1006 || code == 1015
}

// Conn is a net.Conn whose reads a gorilla/websocket Conn makes.
type Conn struct {
	net.Conn
	masked bool // the peer masks its frames: we are the server

	phase phase
	line  []byte // phaseStatus: the status line so far
	crlf  int    // phaseHeader: bytes of "\r\n\r\n" matched

	hdr  [14]byte // the frame header so far
	hn   int      // bytes in hdr
	skip int64    // payload bytes of the current frame still to pass

	hold []byte // a close frame, held back until whole
	out  []byte // bytes ready for gorilla, before reading more
	err  error  // returned once out is empty

	// sent is the code of the close frame received, as the peer sent it,
	// plus one, when the guard had to hand gorilla another; 0 if it did
	// not. Written by the reader, read by gorilla's close handler (the
	// reader too) and by whoever reports the end.
	sent atomic.Int32
	// echo is a close code a server sent itself (AllowEcho), plus one,
	// or 0. Written by the server's writer, read by the reader.
	echo atomic.Int32
}

// phase is where a Conn is in the byte stream.
type phase uint8

const (
	phaseStatus phase = iota // the response's status line
	phaseHeader              // the rest of the HTTP header
	phaseFrames              // WebSocket frames
	phaseOff                 // passing bytes through
)

// Client wraps the transport of a client, from before its handshake.
func Client(c net.Conn) *Conn { return &Conn{Conn: c} }

// Server wraps the transport of a server from the moment it answers the
// handshake with 101 (the client may send no frame before it read the
// 101: RFC 6455 §4.1). A server is stricter than a browser: of the codes
// gorilla refuses it takes only 1014 (registered, and sendable: the echo
// of a server's own close 1014) and the one AllowEcho gives, and it
// leaves every other check, a one-byte body included, to the reader
// above it.
func Server(c net.Conn) *Conn { return &Conn{Conn: c, masked: true, phase: phaseFrames} }

// AllowEcho lets a server's guard take a close frame with code, which the
// server sent itself, in a frame it wrote raw: the client's echo of it
// (RFC 6455 §5.5.1) is no violation of the client's, whatever the code.
// The last code given counts.
func (g *Conn) AllowEcho(code int) { g.echo.Store(int32(code) + 1) }

// Unwrap returns the transport.
func (g *Conn) Unwrap() net.Conn { return g.Conn }

// SentCode returns the code of the close frame received, as the peer sent
// it, for the code gorilla reported. g may be nil.
func (g *Conn) SentCode(reported int) int {
	if g == nil {
		return reported
	}
	if s := g.sent.Load(); s != 0 {
		return int(s) - 1
	}
	return reported
}

// Read implements net.Conn.
func (g *Conn) Read(p []byte) (int, error) {
	for {
		if len(g.out) > 0 {
			n := copy(p, g.out)
			g.out = g.out[n:]
			return n, nil
		}
		if g.err != nil {
			return 0, g.err
		}
		if g.phase == phaseOff {
			return g.Conn.Read(p)
		}
		n, err := g.Conn.Read(p)
		n = g.scan(p[:n])
		if err != nil {
			// Release what is held: gorilla sees a frame cut short.
			g.out = append(g.out, g.hold...)
			g.hold = nil
			g.err = err
		}
		if n > 0 {
			return n, nil
		}
	}
}

// scan follows the stream through b, and returns how many bytes at the
// start of b may go to gorilla now; the rest has moved to hold (and to out
// once the close frame is whole).
func (g *Conn) scan(b []byte) int {
	for i := 0; i < len(b); {
		if len(g.hold) > 0 {
			g.hold = append(g.hold, b[i:]...)
			g.closeFrame()
			return i
		}
		switch g.phase {
		case phaseStatus:
			const want = "HTTP/1.1 101"
			g.line = append(g.line, b[i])
			i++
			if len(g.line) == len(want) {
				if string(g.line) != want {
					g.phase = phaseOff // a refusal: its body is no concern of ours
					return len(b)
				}
				g.phase, g.line = phaseHeader, nil
			}
		case phaseHeader:
			switch c := b[i]; {
			case c == "\r\n\r\n"[g.crlf]:
				g.crlf++
			case c == '\r':
				g.crlf = 1
			default:
				g.crlf = 0
			}
			i++
			if g.crlf == 4 {
				g.phase = phaseFrames
			}
		case phaseFrames:
			if g.skip > 0 {
				n := min(int64(len(b)-i), g.skip)
				g.skip -= n
				i += int(n)
				continue
			}
			if g.hn == 0 && b[i]&0x0f == 0x8 {
				// A close frame starts: hold it back until whole.
				g.hold = append(g.hold, b[i:]...)
				g.closeFrame()
				return i
			}
			g.hdr[g.hn] = b[i]
			g.hn++
			i++
			if size, length, ok := header(g.hdr[:g.hn]); ok && g.hn == size {
				g.hn, g.skip = 0, length
			}
		default:
			return len(b)
		}
	}
	return len(b)
}

// closeFrame looks at the close frame held once it is whole, amends it
// for gorilla, and releases it.
func (g *Conn) closeFrame() {
	size, length, ok := header(g.hold)
	if !ok {
		return // the header is not whole yet
	}
	masked := g.hold[1]&0x80 != 0
	if masked != g.masked || length > 125 || g.hold[0]&0x80 == 0 {
		// Badly masked, too long or fragmented: gorilla fails it as is.
		g.release()
		return
	}
	if int64(len(g.hold)-size) < length {
		return // the body is not whole yet
	}
	var key [4]byte
	if masked {
		copy(key[:], g.hold[size-4:size])
	}
	body := g.hold[size : size+int(length)]
	switch {
	case length == 1 && !g.masked:
		g.hold = nil // nothing of the frame goes to gorilla
		g.err = ErrCloseBodySize
		g.phase = phaseOff
		return
	case length >= 2:
		code := int(body[0]^key[0])<<8 | int(body[1]^key[1])
		accepted := !MustFail(code) // as a browser
		if g.masked {
			// As a strict server, but for the echo of its own code.
			accepted = sendable(code) || g.echo.Load() == int32(code)+1
		}
		if accepted && !gorillaReceives(code) {
			g.sent.Store(int32(code) + 1)
			var standIn [2]byte
			binary.BigEndian.PutUint16(standIn[:], 1000)
			body[0], body[1] = standIn[0]^key[0], standIn[1]^key[1]
		}
	}
	g.release()
}

// release hands the held bytes to gorilla; the guard's work is done.
func (g *Conn) release() {
	g.out = append(g.out, g.hold...)
	g.hold = nil
	g.phase = phaseOff
}

// header parses the start of a frame: the header's size and the payload's
// length, once b holds the whole header.
func header(b []byte) (size int, length int64, ok bool) {
	if len(b) < 2 {
		return 0, 0, false
	}
	size = 2
	switch b[1] & 0x7f {
	case 126:
		size += 2
	case 127:
		size += 8
	}
	if b[1]&0x80 != 0 {
		size += 4
	}
	if len(b) < size {
		return 0, 0, false
	}
	switch n := b[1] & 0x7f; n {
	case 126:
		length = int64(binary.BigEndian.Uint16(b[2:4]))
	case 127:
		// A length with the top bit set is invalid (RFC 6455 §5.2):
		// gorilla fails it; here it only needs to be finite.
		length = int64(binary.BigEndian.Uint64(b[2:10]) &^ (1 << 63))
	default:
		length = int64(n)
	}
	return size, length, true
}

// sendable reports whether an endpoint may send a close frame with this
// code (RFC 6455 §7.4.1, §7.4.2: the codes defined, 1014 registered since,
// and the ranges for libraries and applications).
func sendable(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014, code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// gorillaReceives reports whether gorilla/websocket v1.5 accepts a close
// frame with this code (its validReceivedCloseCodes).
func gorillaReceives(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1013, code >= 3000 && code <= 4999:
		return true
	}
	return false
}
