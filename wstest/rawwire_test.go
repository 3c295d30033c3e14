package wstest_test

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gobwas/ws"
	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble/internal/memconn"
	"github.com/wsdouble/wsdouble/wstest"
)

// This file speaks the wire without a WebSocket library, so that a test can
// send what no well-behaved endpoint sends: handshakes with a header
// missing, frames with a bad code, a bad length, bad UTF-8.

// rawKey is the Sec-WebSocket-Key of RFC 6455 §1.3's example.
const rawKey = "dGhlIHNhbXBsZSBub25jZQ=="

// rawConn is a client's connection to a Server that writes bytes as given.
type rawConn struct {
	net.Conn
	br *bufio.Reader
}

// dialRaw connects to srv over the in-memory transport.
func dialRaw(ctx context.Context, srv *wstest.Server) (*rawConn, error) {
	c, err := srv.Dialer().NetDialContext(ctx, "tcp", "wstest.invalid:80")
	if err != nil {
		return nil, err
	}
	return &rawConn{Conn: c, br: bufio.NewReader(c)}, nil
}

// dialRawLoopback connects to srv over loopback TCP.
func dialRawLoopback(srv *wstest.Server) (*rawConn, error) {
	addr := strings.TrimSuffix(strings.TrimPrefix(srv.URL(), "ws://"), "/")
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &rawConn{Conn: c, br: bufio.NewReader(c)}, nil
}

// upgradeHeader is the header of a valid opening handshake (RFC 6455
// §4.1).
func upgradeHeader() http.Header {
	return http.Header{
		"Upgrade":               {"websocket"},
		"Connection":            {"Upgrade"},
		"Sec-Websocket-Version": {"13"},
		"Sec-Websocket-Key":     {rawKey},
	}
}

// request sends a GET with header h and reads the answer (its body
// closed).
func (c *rawConn) request(h http.Header) (*http.Response, string, error) {
	req, err := http.NewRequest(http.MethodGet, "http://wstest.invalid/raw", nil)
	if err != nil {
		return nil, "", err
	}
	req.Header = h
	if err := req.Write(c); err != nil {
		return nil, "", err
	}
	resp, err := http.ReadResponse(c.br, req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	var body strings.Builder
	if resp.StatusCode != http.StatusSwitchingProtocols {
		buf := make([]byte, 512)
		n, _ := resp.Body.Read(buf)
		body.Write(buf[:n])
	}
	return resp, body.String(), nil
}

// upgrade completes a valid opening handshake.
func (c *rawConn) upgrade() error {
	resp, body, err := c.request(upgradeHeader())
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return fmt.Errorf("handshake answered %s: %s", resp.Status, body)
	}
	return nil
}

// rawFrame encodes a frame (RFC 6455 §5.2) with the payload length given
// in its header, whatever the payload's real length, masked with a fixed
// key when mask is set (a client's frames must be).
func rawFrame(fin bool, opcode byte, payload []byte, mask bool, length uint64) []byte {
	b0 := opcode & 0x0f
	if fin {
		b0 |= 0x80
	}
	return rawFrameB0(b0, payload, mask, length)
}

// rawFrameB0 is rawFrame with the first byte given whole: FIN, the RSV
// bits and the opcode.
func rawFrameB0(b0 byte, payload []byte, mask bool, length uint64) []byte {
	var maskBit byte
	if mask {
		maskBit = 0x80
	}
	b := []byte{b0}
	switch {
	case length < 126:
		b = append(b, maskBit|byte(length))
	case length <= 0xffff:
		b = append(b, maskBit|126)
		b = binary.BigEndian.AppendUint16(b, uint16(length))
	default:
		b = append(b, maskBit|127)
		b = binary.BigEndian.AppendUint64(b, length)
	}
	if !mask {
		return append(b, payload...)
	}
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	b = append(b, key[:]...)
	for i, x := range payload {
		b = append(b, x^key[i%4])
	}
	return b
}

// clientFrame is a well-formed, masked client frame.
func clientFrame(opcode byte, payload []byte) []byte {
	return rawFrame(true, opcode, payload, true, uint64(len(payload)))
}

// closePayload is a close frame's body: a code, then a reason (RFC 6455
// §5.5.1), with no check of either.
func closePayload(code int, reason string) []byte {
	return append(binary.BigEndian.AppendUint16(nil, uint16(code)), reason...)
}

// readClose reads frames until a close frame and returns its code (1005
// when it has none) and reason. A frame over 1 MiB is an error: the
// servers under test send nothing that large.
func readClose(br *bufio.Reader) (int, string, error) {
	for {
		h, err := ws.ReadHeader(br)
		if err != nil {
			return 0, "", err
		}
		if h.Length > 1<<20 {
			return 0, "", fmt.Errorf("a frame of %d bytes", h.Length)
		}
		payload := make([]byte, h.Length)
		if _, err := io.ReadFull(br, payload); err != nil {
			return 0, "", err
		}
		if h.Masked {
			ws.Cipher(payload, h.Mask, 0)
		}
		if h.OpCode != ws.OpClose {
			continue
		}
		if len(payload) < 2 {
			return websocket.CloseNoStatusReceived, "", nil
		}
		return int(binary.BigEndian.Uint16(payload)), string(payload[2:]), nil
	}
}

// rawServer returns a Dialer whose every dial reaches a hand-written server
// over an in-memory connection: it completes the handshake, then writes
// frames (unmasked) and reads what the client answers, up to its close
// frame, whose code it sends on the returned channel (0 if none came).
func rawServer(frames ...[]byte) (*websocket.Dialer, <-chan int) {
	got := make(chan int, 1)
	return &websocket.Dialer{NetDialContext: func(context.Context, string, string) (net.Conn, error) {
		c, s := memconn.Pipe(memconn.Addr("client"), memconn.Addr("raw-server"), 0)
		go func() {
			defer s.Close()
			// Inside a synctest bubble, answer only once the test has
			// added its listeners (see settle in acceptor.go): virtual
			// time moves only when every goroutine of the bubble blocks.
			time.Sleep(time.Nanosecond)
			br := bufio.NewReader(s)
			req, err := http.ReadRequest(br)
			if err != nil {
				got <- 0
				return
			}
			sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
			fmt.Fprintf(s, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
				base64.StdEncoding.EncodeToString(sum[:]))
			for _, f := range frames {
				s.Write(f)
			}
			code, _, _ := readClose(br)
			got <- code
		}()
		return c, nil
	}}, got
}

// violations are frames a client must not send (RFC 6455): the Server
// fails the connection with the close code given (§7.1.7, §7.4.1), whose
// reason names what the client did, and its End says so
// (ProtocolViolation, with the code and reason). A good text message
// ("before") goes first: the Peer receives it.
var violations = []struct {
	name   string
	frames [][]byte
	opts   []wstest.Option
	code   int
	reason string
}{
	// §5.2: the most significant bit of a 64-bit length must be 0.
	{"64-bit length with its top bit set", [][]byte{rawFrame(true, 0x2, nil, true, 1<<63)}, nil,
		websocket.CloseProtocolError, "64-bit payload length with its most significant bit set"},
	// §5.5.1: a close frame's body starts with a 2-byte code.
	{"close frame with a 1-byte body", [][]byte{clientFrame(0x8, []byte{0x03})}, nil,
		websocket.CloseProtocolError, "close frame with a 1-byte body"},
	{"close code 999", [][]byte{clientFrame(0x8, closePayload(999, ""))}, nil,
		websocket.CloseProtocolError, "bad close code 999"},
	{"close reason not UTF-8", [][]byte{clientFrame(0x8, closePayload(1000, "\xff"))}, nil,
		websocket.CloseProtocolError, "close reason is not UTF-8"},
	{"RSV1 with no extension", [][]byte{rawFrameB0(0xc1, []byte("x"), true, 1)}, nil,
		websocket.CloseProtocolError, "RSV1 set, with no extension negotiated"},
	{"RSV2", [][]byte{rawFrameB0(0xa1, []byte("x"), true, 1)}, nil,
		websocket.CloseProtocolError, "RSV2 set"},
	{"RSV3", [][]byte{rawFrameB0(0x91, []byte("x"), true, 1)}, nil,
		websocket.CloseProtocolError, "RSV3 set"},
	{"reserved opcode 3", [][]byte{clientFrame(0x3, []byte("x"))}, nil,
		websocket.CloseProtocolError, "reserved opcode 3"},
	{"reserved control opcode 11", [][]byte{clientFrame(0xb, []byte("x"))}, nil,
		websocket.CloseProtocolError, "reserved opcode 11"},
	{"ping of 126 bytes", [][]byte{clientFrame(0x9, make([]byte, 126))}, nil,
		websocket.CloseProtocolError, "control frame (opcode 9) longer than 125 bytes"},
	{"fragmented ping", [][]byte{rawFrame(false, 0x9, []byte("x"), true, 1)}, nil,
		websocket.CloseProtocolError, "fragmented control frame (opcode 9)"},
	{"continuation first", [][]byte{clientFrame(0x0, []byte("x"))}, nil,
		websocket.CloseProtocolError, "continuation frame outside a fragmented message"},
	{"new message inside a fragmented one", [][]byte{rawFrame(false, 0x1, []byte("a"), true, 1), clientFrame(0x1, []byte("b"))}, nil,
		websocket.CloseProtocolError, "new data frame (opcode 1) inside a fragmented message"},
	{"unmasked frame", [][]byte{rawFrame(true, 0x1, []byte("x"), false, 1)}, nil,
		websocket.CloseProtocolError, "unmasked frame from the client"},
	// §8.1: a text message must be UTF-8.
	{"text not UTF-8", [][]byte{clientFrame(0x1, []byte("ab\xffc"))}, nil,
		websocket.CloseInvalidFramePayloadData, "text message of 4 bytes is not UTF-8 from byte 2"},
	// §10.4: as soon as the header says the message is too big.
	{"over the read limit", [][]byte{rawFrame(true, 0x2, nil, true, 1025)}, []wstest.Option{wstest.ReadLimit(1024)},
		websocket.CloseMessageTooBig, "message of at least 1025 bytes, over the read limit of 1024"},
	{"fragments over the read limit", [][]byte{rawFrame(false, 0x2, make([]byte, 600), true, 600), rawFrame(true, 0x0, nil, true, 600)},
		[]wstest.Option{wstest.ReadLimit(1024)},
		websocket.CloseMessageTooBig, "message of at least 1200 bytes, over the read limit of 1024"},
	{"2^62 bytes claimed", [][]byte{rawFrame(true, 0x2, nil, true, 1<<62)}, nil,
		websocket.CloseMessageTooBig, "message of at least 4611686018427387904 bytes, over the read limit of 33554432"},
}

// TestServerFailsViolations sends each of violations to a Server, over
// both transports, and once more on the in-memory one a byte at a time,
// each read by the server on its own (a header split across reads).
func TestServerFailsViolations(t *testing.T) {
	for _, v := range violations {
		t.Run(v.name, func(t *testing.T) {
			stream := clientFrame(0x1, []byte("before"))
			for _, f := range v.frames {
				stream = append(stream, f...)
			}
			check := func(t *testing.T, srv *wstest.Server, peers <-chan wstest.Peer, c *rawConn, byteByByte bool) {
				t.Helper()
				defer c.Close()
				if err := c.upgrade(); err != nil {
					t.Fatal(err)
				}
				p := <-peers
				if byteByByte {
					for i := range stream {
						c.Write(stream[i : i+1])
						synctest.Wait() // the server has read it
					}
				} else {
					c.Write(stream)
				}
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				code, reason, err := readClose(c.br)
				if err != nil || code != v.code || reason != v.reason {
					t.Errorf("the server answered close %d %q (%v), want %d %q", code, reason, err, v.code, v.reason)
				}
				end, err := p.Wait(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if end.Kind != wstest.ProtocolViolation || end.Code != v.code || end.Reason != v.reason || end.Clean {
					t.Errorf("the server's end: got %v, want a protocol violation %d %q", end, v.code, v.reason)
				}
				// What a timeline shows (scenario's report, wsdouble serve).
				names := map[int]string{1002: "protocol error", 1007: "invalid UTF-8", 1009: "message too big"}
				if got, want := end.String(), fmt.Sprintf("%s %d: %s", names[v.code], v.code, v.reason); got != want {
					t.Errorf("End.String: got %q, want %q", got, want)
				}
				if m, err := p.Receive(t.Context()); err != nil || string(m.Data) != "before" {
					t.Errorf("the Peer received %q, %v; want the message before the violation", m.Data, err)
				}
				if rec := srv.Attempts()[0]; rec.End.Kind != wstest.ProtocolViolation || rec.FromClient != 1 {
					t.Errorf("log: %v, %d messages from the client; want the violation, 1", rec.End, rec.FromClient)
				}
			}
			t.Run("memory", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					srv, peers := serverWithPeers(t, v.opts...)
					c, err := dialRaw(t.Context(), srv)
					if err != nil {
						t.Fatal(err)
					}
					check(t, srv, peers, c, false)
				})
			})
			t.Run("memory, a byte at a time", func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					srv, peers := serverWithPeers(t, v.opts...)
					c, err := dialRaw(t.Context(), srv)
					if err != nil {
						t.Fatal(err)
					}
					check(t, srv, peers, c, true)
				})
			})
			t.Run("loopback", func(t *testing.T) {
				srv, peers := serverWithPeers(t, v.opts...)
				c, err := dialRawLoopback(srv)
				if err != nil {
					t.Fatal(err)
				}
				c.SetDeadline(time.Now().Add(10 * time.Second))
				check(t, srv, peers, c, false)
			})
		})
	}
}
