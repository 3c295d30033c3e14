package wstest_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble/wstest"
)

// fuzzHangAfter is how long one input of FuzzServerConn may run, in real
// time, before fuzzWatchdog calls it a hang; an input takes milliseconds
// (its waits are on the bubble's virtual clock).
const fuzzHangAfter = 10 * time.Second

// fuzzWatchdog crashes the process, after printing every goroutine's
// stack, if the input under test is still running after fuzzHangAfter;
// the function it returns stops it. Go's fuzzing engine does not notice an
// input that never returns (it reports 0 execs/sec until the time is up,
// then PASS), but it fails the target on a crash and writes the input to
// testdata/fuzz. A deadlock inside the synctest bubble is reported by the
// bubble itself; this catches the rest (a goroutine spinning, or blocked
// outside the bubble's view). It must be started outside the bubble, on
// the real clock.
func fuzzWatchdog() (stop func() bool) {
	return time.AfterFunc(fuzzHangAfter, func() {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		fmt.Fprintf(os.Stderr, "%s\n", buf)
		panic(fmt.Sprintf("FuzzServerConn: an input still running after %v: a hang (every goroutine's stack above)", fuzzHangAfter))
	}).Stop
}

// Modes of FuzzServerConn: how the fuzzed bytes reach the server.
const (
	// fuzzUpgrade: a valid opening handshake goes first, and the bytes
	// follow it; without it, they are all there is (a handshake of their
	// own, or garbage).
	fuzzUpgrade = 1 << iota
	// fuzzFrames: the bytes are frame specs, each made into a frame (see
	// fuzzFramesFrom); without it they are written as they are.
	fuzzFrames
	// fuzzUnmasked: those frames are not masked (a protocol error from a
	// client, RFC 6455 §5.1).
	fuzzUnmasked
	// fuzzStay: the client stays after writing, until the server ends the
	// connection or 10 s pass, before it goes away; without it the client
	// goes away as soon as it has written.
	fuzzStay
)

// FuzzServerConn writes arbitrary bytes to a connection of a Server that
// echoes (AutoAccept(Echo)), over the in-memory transport in a synctest
// bubble: random handshakes, broken frames, bad UTF-8, oversize lengths,
// bad close codes. Whatever the bytes, nothing panics; the server ends the
// connection or waits for more, and once the client has gone, Server.Close
// returns with every handler done (a goroutine still blocked would be a
// deadlock the bubble reports, a handler still running an error Close
// reports); every attempt in the log was answered, and every accepted one
// has ended. goleak (TestMain) checks that no goroutine is left, and
// fuzzWatchdog that no input runs for more than fuzzHangAfter.
//
// Seeds cover each kind of bad input, in f.Add below and in
// testdata/fuzz/FuzzServerConn; scripts/fuzz runs the target.
func FuzzServerConn(f *testing.F) {
	handshake := func(extra ...string) []byte { // see upgradeHeader
		return []byte("GET /fuzz HTTP/1.1\r\nHost: wstest.invalid\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " + rawKey + "\r\n" + strings.Join(extra, "") + "\r\n")
	}
	up := byte(fuzzUpgrade)
	framed := byte(fuzzUpgrade | fuzzFrames)
	spec := func(b0 byte, payload string) []byte { return append([]byte{b0, byte(len(payload))}, payload...) }
	claim := func(b0 byte, length uint64, payload string) []byte {
		return append(append([]byte{b0, 0x80 | byte(len(payload))}, binary.BigEndian.AppendUint64(nil, length)...), payload...)
	}
	closeBody := func(code int, reason string) string { return string(closePayload(code, reason)) }

	f.Add(byte(0), []byte(nil))
	f.Add(byte(0), []byte("garbage\r\n\r\n"))
	f.Add(byte(0), []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))                                   // plain GET
	f.Add(byte(0), []byte("GET / HTTP/1.0\r\n\r\n"))                                              // HTTP/1.0, no Host
	f.Add(byte(0), []byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"))        // not GET
	f.Add(byte(0), handshake()[:40])                                                              // cut short
	f.Add(byte(0), []byte(strings.Replace(string(handshake()), "Upgrade: websocket\r\n", "", 1))) // no Upgrade
	f.Add(byte(0), []byte(strings.Replace(string(handshake()), "Version: 13", "Version: 8", 1)))  // wrong version
	f.Add(byte(0), []byte(strings.Replace(string(handshake()), rawKey, "short", 1)))              // bad key
	f.Add(byte(0), handshake("Sec-WebSocket-Protocol: a, ,b\r\n", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"))
	f.Add(byte(0), append(handshake("Content-Length: 3\r\n"), "abc"...))                // a body
	f.Add(byte(0), append([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), handshake()...)) // pipelined
	f.Add(byte(0), handshake("X-Long: "+strings.Repeat("x", 70000)+"\r\n"))             // a long header
	f.Add(byte(0), append(handshake(), clientFrame(0x1, []byte("hello"))...))           // handshake and frame as raw bytes
	f.Add(up, clientFrame(0x1, []byte("hello")))                                        // echoed
	f.Add(up, []byte{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'})                              // unmasked
	f.Add(up, rawFrame(true, 0x2, []byte("abc"), true, 10))                             // length past the end
	f.Add(up, rawFrame(true, 0x2, nil, true, 1<<62))                                    // oversize
	f.Add(up, rawFrame(true, 0x2, nil, true, 1<<63))                                    // length's top bit set
	f.Add(up, rawFrame(true, 0x2, nil, true, 0xffff))                                   // 16-bit length, no payload
	f.Add(framed, spec(0x81, "hello"))                                                  // text
	f.Add(framed, spec(0x81, "bad \xff\xfe"))                                           // bad UTF-8
	f.Add(framed, append(spec(0x01, "\xe2\x82"), spec(0x80, "\xac")...))                // a euro sign split over two frames
	f.Add(framed, append(spec(0x01, "a"), spec(0x81, "b")...))                          // a new message before the last one's end
	f.Add(framed, spec(0x80, "orphan"))                                                 // continuation first
	f.Add(framed, spec(0x09, "ping"))                                                   // a ping without FIN
	f.Add(framed, spec(0x89, strings.Repeat("p", 126)))                                 // a ping too long
	f.Add(framed, append(spec(0x89, "ping"), spec(0x8a, "pong")...))                    // ping, unsolicited pong
	f.Add(framed, spec(0x83, "x"))                                                      // reserved opcode 3
	f.Add(framed, spec(0x8b, "x"))                                                      // reserved control opcode 11
	f.Add(framed, spec(0xc1, "x"))                                                      // RSV1 without an extension
	f.Add(framed, spec(0xb1, "x"))                                                      // RSV2, RSV3
	f.Add(framed, spec(0x88, ""))                                                       // close without a code
	f.Add(framed, spec(0x88, "\x03"))                                                   // close with 1 byte
	f.Add(framed, spec(0x88, closeBody(1000, "bye")))                                   // a good close
	f.Add(framed, spec(0x88, closeBody(0, "")))                                         // bad codes
	f.Add(framed, spec(0x88, closeBody(1005, "")))
	f.Add(framed, spec(0x88, closeBody(5000, "")))
	f.Add(framed, spec(0x88, closeBody(1000, "\xff")))                                   // a reason not UTF-8
	f.Add(framed, spec(0x88, closeBody(1000, strings.Repeat("r", 124))))                 // a reason too long
	f.Add(framed, append(spec(0x88, closeBody(1000, "")), spec(0x81, "after close")...)) // data after close
	f.Add(framed, claim(0x82, 1<<40, "x"))                                               // oversize, claimed
	f.Add(framed|fuzzUnmasked, spec(0x81, "hello"))                                      // unmasked, framed
	f.Add(framed|fuzzStay, spec(0x81, "hello"))                                          // the client stays
	f.Add(framed|fuzzStay, spec(0x01, "half a message"))                                 // ... in the middle of a message
	f.Add(up|fuzzStay, []byte{0x81, 0xfe})                                               // ... in the middle of a header

	f.Fuzz(func(t *testing.T, mode byte, data []byte) {
		defer fuzzWatchdog()()
		synctest.Test(t, func(t *testing.T) {
			srv := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo), wstest.ReadLimit(1<<16))
			c, err := dialRaw(t.Context(), srv)
			if err != nil {
				t.Fatal(err)
			}
			var stream []byte
			if mode&fuzzFrames != 0 {
				stream = fuzzFramesFrom(data, mode&fuzzUnmasked == 0)
			} else {
				stream = data
			}
			if mode&fuzzUpgrade != 0 {
				// A client sends nothing more before the answer (RFC 6455
				// §4.1), or gorilla refuses the upgrade.
				if err := c.upgrade(); err != nil {
					t.Fatalf("a valid handshake: %v", err)
				}
			}
			// The client writes, and reads everything the server sends,
			// so that the server never waits for it; both stop when the
			// server closes the connection, or the client goes away.
			wrote, read := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(wrote)
				c.Write(stream)
			}()
			go func() {
				defer close(read)
				io.Copy(io.Discard, c.br)
			}()
			synctest.Wait() // the server has done all it can with the bytes
			if mode&fuzzStay != 0 {
				stay := time.NewTimer(10 * time.Second)
				select {
				case <-read:
				case <-stay.C:
				}
				stay.Stop()
			}
			c.Close()
			<-wrote
			<-read
			srv.Close()
			for _, rec := range srv.Attempts() {
				switch {
				case rec.Outcome == wstest.Pending:
					t.Errorf("attempt #%d still pending once the Server is closed", rec.N)
				case rec.Outcome == wstest.Accepted && rec.End.Kind == wstest.NotEnded:
					t.Errorf("attempt #%d accepted and not ended once the Server is closed", rec.N)
				case rec.Outcome == wstest.Refused && (rec.Status < 400 || rec.Status == http.StatusSwitchingProtocols):
					t.Errorf("attempt #%d refused with status %d", rec.N, rec.Status)
				case rec.End.Kind == wstest.ClientGone && gorillaProtocolError(rec.End.Err):
					// The Server checks the frames before gorilla does, and
					// names every violation (ProtocolViolation).
					t.Errorf("attempt #%d: a protocol violation gorilla found ended as %v", rec.N, rec.End)
				}
			}
		})
	})
}

// fuzzFramesFrom makes frames from specs: a first byte as given (FIN, RSV
// and opcode), a second whose low 7 bits are the payload's length (cut
// short if data ends) and whose top bit, when set, has the header claim
// the length in the 8 bytes that follow instead (oversize, or with the
// top bit set), then the payload.
func fuzzFramesFrom(data []byte, mask bool) []byte {
	var out []byte
	for len(data) >= 2 {
		b0, n := data[0], data[1]
		data = data[2:]
		size := int(n & 0x7f)
		var claimed uint64
		hasClaim := n&0x80 != 0 && len(data) >= 8
		if hasClaim {
			claimed = binary.BigEndian.Uint64(data)
			data = data[8:]
		}
		size = min(size, len(data))
		payload := data[:size]
		data = data[size:]
		if !hasClaim {
			claimed = uint64(size)
		}
		out = append(out, rawFrameB0(b0, payload, mask, claimed)...)
	}
	return out
}

// gorillaProtocolError reports whether err is one of gorilla/websocket's
// protocol errors: an error of its own ("websocket: ...") that is not a
// close frame or the end of the transport.
func gorillaProtocolError(err error) bool {
	var ce *websocket.CloseError
	return err != nil && strings.HasPrefix(err.Error(), "websocket: ") && !errors.As(err, &ce)
}
