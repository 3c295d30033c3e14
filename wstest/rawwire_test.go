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
