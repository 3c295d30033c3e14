package closeguard

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"testing"
)

// chunkConn is a transport that hands out a stream k bytes per Read.
type chunkConn struct {
	net.Conn // nil: only Read is used
	rest     []byte
	k        int
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if len(c.rest) == 0 {
		return 0, io.EOF
	}
	n := min(c.k, len(p), len(c.rest))
	copy(p, c.rest[:n])
	c.rest = c.rest[n:]
	return n, nil
}

const response101 = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n"

// serverFrame is an unmasked frame with the given opcode and payload.
func serverFrame(op byte, payload []byte) []byte {
	b := []byte{0x80 | op}
	switch n := len(payload); {
	case n < 126:
		b = append(b, byte(n))
	case n < 1<<16:
		b = append(b, 126, byte(n>>8), byte(n))
	default:
		b = append(b, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

func closeBody(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// readThrough reads the stream through a closeGuard, k bytes per
// transport Read, with a small buffer, as gorilla's bufio reader would.
func readThrough(stream []byte, k int) ([]byte, *Conn, error) {
	g := Client(&chunkConn{rest: stream, k: k})
	var out []byte
	buf := make([]byte, 7)
	for {
		n, err := g.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return out, g, err
		}
	}
}

// TestCloseGuard: what gorilla reads through the guard, the stream cut at
// every size. Data frames of every length encoding come first, so that
// the guard has to follow frame boundaries to find the close frame.
func TestCloseGuard(t *testing.T) {
	lead := slicesConcat(
		serverFrame(0x1, []byte("hi")),
		serverFrame(0x2, bytes.Repeat([]byte{0x88}, 300)),   // 16-bit length; its bytes look like close frames
		serverFrame(0x2, bytes.Repeat([]byte{0x88}, 70000)), // 64-bit length
		serverFrame(0x9, []byte("ping")),
	)
	cases := []struct {
		name     string
		close    []byte
		wantBody []byte // the close frame's body as gorilla reads it
		sent     int    // sentCode(1000) after reading
		err      error
	}{
		{"1000 passes", closeBody(1000, "bye"), closeBody(1000, "bye"), 1000, nil},
		{"4999 passes", closeBody(4999, ""), closeBody(4999, ""), 1000, nil},
		{"1014 for gorilla reads 1000", closeBody(1014, "gw"), closeBody(1000, "gw"), 1014, nil},
		{"999 for gorilla reads 1000", closeBody(999, ""), closeBody(1000, ""), 999, nil},
		{"0 for gorilla reads 1000", closeBody(0, ""), closeBody(1000, ""), 0, nil},
		{"65535 for gorilla reads 1000", closeBody(65535, "x"), closeBody(1000, "x"), 65535, nil},
		{"1005 passes for gorilla to fail", closeBody(1005, ""), closeBody(1005, ""), 1000, nil},
		{"no body passes", nil, nil, 1000, nil},
		{"a one-byte body fails the read", []byte{3}, nil, 1000, ErrCloseBodySize},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stream := slicesConcat([]byte(response101), lead, serverFrame(0x8, tc.close), []byte("after"))
			want := slicesConcat([]byte(response101), lead, serverFrame(0x8, tc.wantBody), []byte("after"))
			if tc.err != nil {
				want = slicesConcat([]byte(response101), lead)
			}
			for _, k := range []int{1, 2, 3, 5, 13, 64, 4096, len(stream)} {
				got, g, err := readThrough(stream, k)
				if !errors.Is(err, tc.err) {
					t.Fatalf("chunks of %d: error %v, want %v", k, err, tc.err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("chunks of %d: gorilla read %d bytes, not the %d wanted (first difference at %d)", k, len(got), len(want), firstDiff(got, want))
				}
				if s := g.SentCode(1000); s != tc.sent {
					t.Errorf("chunks of %d: sentCode(1000): got %d, want %d", k, s, tc.sent)
				}
			}
		})
	}
}

// maskedFrame is a client's frame: masked with a fixed key.
func maskedFrame(op byte, payload []byte) []byte {
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	b := []byte{0x80 | op, 0x80 | byte(len(payload))}
	b = append(b, key[:]...)
	for i, x := range payload {
		b = append(b, x^key[i%4])
	}
	return b
}

// TestServerGuard: a server's guard, made at the 101, unmasks the code to
// judge it and re-masks its stand-in; it takes 1014 (gorilla would not)
// but leaves the codes no endpoint may send, and a one-byte body, to the
// reader above it.
func TestServerGuard(t *testing.T) {
	cases := []struct {
		code, wantCode, sent int
	}{
		{1000, 1000, 1000},
		{1014, 1000, 1014},
		{4000, 4000, 1000},
		{999, 999, 1000},
		{5000, 5000, 1000},
		{1005, 1005, 1000},
	}
	t.Run("one-byte body", func(t *testing.T) {
		frame := maskedFrame(0x8, []byte{3})
		g := Server(&chunkConn{rest: frame, k: 1})
		if got, err := io.ReadAll(g); err != nil || !bytes.Equal(got, frame) {
			t.Errorf("got %x, %v; want the frame as sent, for the reader above", got, err)
		}
	})
	for _, tc := range cases {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			frames := slicesConcat(maskedFrame(0x1, []byte("hello")), maskedFrame(0x8, closeBody(tc.code, "r")))
			want := slicesConcat(maskedFrame(0x1, []byte("hello")), maskedFrame(0x8, closeBody(tc.wantCode, "r")))
			for _, k := range []int{1, 3, 64} {
				g := Server(&chunkConn{rest: frames, k: k})
				rest, err := io.ReadAll(g)
				if err != nil || !bytes.Equal(rest, want) {
					t.Fatalf("chunks of %d: frames: got %x, %v; want %x", k, rest, err, want)
				}
				if s := g.SentCode(1000); s != tc.sent {
					t.Errorf("chunks of %d: SentCode(1000): got %d, want %d", k, s, tc.sent)
				}
			}
		})
	}
}

// TestServerGuardTakesTheEcho: a server that sent a close code no endpoint
// may send (a raw frame) takes the client's echo of it, and that code
// only.
func TestServerGuardTakesTheEcho(t *testing.T) {
	for _, tc := range []struct{ code, wantCode, sent int }{
		{999, 1000, 999},
		{5000, 5000, 1000},
	} {
		g := Server(&chunkConn{rest: maskedFrame(0x8, closeBody(tc.code, "")), k: 3})
		g.AllowEcho(999)
		got, err := io.ReadAll(g)
		if want := maskedFrame(0x8, closeBody(tc.wantCode, "")); err != nil || !bytes.Equal(got, want) {
			t.Errorf("code %d: got %x, %v; want %x", tc.code, got, err, want)
		}
		if s := g.SentCode(1000); s != tc.sent {
			t.Errorf("code %d: SentCode(1000): got %d, want %d", tc.code, s, tc.sent)
		}
	}
}

// TestCloseGuardRefusal: the body of a refusal reaches gorilla untouched,
// however much it looks like frames.
func TestCloseGuardRefusal(t *testing.T) {
	body := string(serverFrame(0x8, []byte{1}))
	stream := []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	for _, k := range []int{1, 4, len(stream)} {
		got, _, err := readThrough(stream, k)
		if err != nil || !bytes.Equal(got, stream) {
			t.Errorf("chunks of %d: got %q, %v; want the response as sent", k, got, err)
		}
	}
}

func slicesConcat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
