package wstest_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"text/tabwriter"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// The raw-frame table: frames no well-behaved server sends, written with
// Peer.WriteFrame, and what a browser-grade client must do with each (RFC
// 6455, the section cited; where Chromium differs from the RFC, as it does
// for close codes, Chromium wins, see wsdouble.ValidateReceivedClose). The
// real client (wsdouble's) must do it; what gorilla/websocket and
// coder/websocket clients do is recorded in the table the test logs (go
// test -v -run TestRawFrameTable), where they differ from the browser,
// and is not a failure.

// What a client may do with a row's frames, in the words of the real
// client's events: it fails the connection (an error event, then close
// 1006: RFC 6455 §7.1.7), or it reads what the row says; a library that
// neither fails nor sees the connection end reads on.
const (
	failed  = "error, close 1006 unclean"
	readsOn = "no failure: reads on"
)

func closed(code int) string { return fmt.Sprintf("close %d clean", code) }

// rawRow is a row of the table: the frames the server writes once open,
// and what a browser-grade client must do with them.
type rawRow struct {
	name   string
	rfc    string // where the rule comes from
	frames []wstest.Frame
	// then is what the server does after the frames, if anything: a row
	// whose frames do not end the connection closes it, so that every
	// client's outcome ends.
	then   func(p wstest.Peer)
	want   string // the real client's events after open
	chrome string // where Chromium departs from the RFC, why want says otherwise
}

func closeFrame(code uint16, reason string) wstest.Frame {
	return wstest.Frame{Opcode: wstest.OpClose, Payload: wstest.ClosePayload(code, []byte(reason))}
}

func textFrame(s string) wstest.Frame {
	return wstest.Frame{Opcode: wstest.OpText, Payload: []byte(s)}
}

// closeAfter is a row's then: the server closes with 1000.
func closeAfter(p wstest.Peer) { p.Close(wsdouble.CloseNormalClosure, "") }

var rawTable = []rawRow{
	{name: "close code 999", rfc: "§7.4.2", frames: []wstest.Frame{closeFrame(999, "")}, want: closed(999),
		chrome: "the RFC leaves 0-999 unused; Chromium fails only 1005, 1006 and 1015 and hands the rest over"},
	{name: "close code 1004", rfc: "§7.4.1", frames: []wstest.Frame{closeFrame(1004, "")}, want: closed(1004),
		chrome: "reserved; Chromium hands it over"},
	{name: "close code 1005", rfc: "§7.4.1", frames: []wstest.Frame{closeFrame(1005, "")}, want: failed},
	{name: "close code 1006", rfc: "§7.4.1", frames: []wstest.Frame{closeFrame(1006, "")}, want: failed},
	{name: "close code 1015", rfc: "§7.4.1", frames: []wstest.Frame{closeFrame(1015, "")}, want: failed},
	{name: "close code 2999", rfc: "§7.4.2", frames: []wstest.Frame{closeFrame(2999, "")}, want: closed(2999),
		chrome: "unassigned; Chromium hands it over"},
	{name: "close code 5000", rfc: "§7.4.2", frames: []wstest.Frame{closeFrame(5000, "")}, want: closed(5000),
		chrome: "undefined; Chromium hands it over"},
	{name: "close frame with no body", rfc: "§7.1.5", frames: []wstest.Frame{{Opcode: wstest.OpClose}}, want: closed(1005)},
	{name: "close frame with a 1-byte body", rfc: "§5.5.1", frames: []wstest.Frame{{Opcode: wstest.OpClose, Payload: []byte{3}}}, want: failed},
	{name: "close reason not UTF-8", rfc: "§5.5.1, §8.1", frames: []wstest.Frame{{Opcode: wstest.OpClose, Payload: wstest.ClosePayload(1000, []byte{0xff})}}, want: failed},
	{name: "text message not UTF-8", rfc: "§8.1", frames: []wstest.Frame{{Opcode: wstest.OpText, Payload: []byte{'a', 0xff}}}, want: failed},
	{name: "text message ending inside a rune", rfc: "§8.1", frames: []wstest.Frame{{Opcode: wstest.OpText, Payload: []byte{0xc3}}}, want: failed},
	{name: "a rune split across two fragments", rfc: "§5.4, §8.1", then: closeAfter,
		frames: []wstest.Frame{{Opcode: wstest.OpText, NotFinal: true, Payload: []byte{0xc3}}, {Opcode: wstest.OpContinuation, Payload: []byte{0xa9}}},
		want:   `message text "é", close 1000 clean`},
	{name: "RSV1 set, no extension", rfc: "§5.2", frames: []wstest.Frame{{Opcode: wstest.OpText, RSV1: true, Payload: []byte("x")}}, want: failed},
	{name: "RSV2 set", rfc: "§5.2", frames: []wstest.Frame{{Opcode: wstest.OpBinary, RSV2: true}}, want: failed},
	{name: "RSV3 set", rfc: "§5.2", frames: []wstest.Frame{{Opcode: wstest.OpPing, RSV3: true}}, want: failed},
	{name: "reserved data opcode 3", rfc: "§5.2", frames: []wstest.Frame{{Opcode: 3, Payload: []byte("x")}}, want: failed},
	{name: "reserved control opcode 11", rfc: "§5.2", frames: []wstest.Frame{{Opcode: 11}}, want: failed},
	{name: "ping of 126 bytes", rfc: "§5.5", frames: []wstest.Frame{{Opcode: wstest.OpPing, Payload: make([]byte, 126)}}, want: failed},
	{name: "close with a 124-byte reason", rfc: "§5.5", frames: []wstest.Frame{closeFrame(1000, strings.Repeat("r", 124))}, want: failed},
	{name: "fragmented ping", rfc: "§5.5", frames: []wstest.Frame{{Opcode: wstest.OpPing, NotFinal: true}, {Opcode: wstest.OpContinuation}}, want: failed},
	{name: "continuation with no message begun", rfc: "§5.4", frames: []wstest.Frame{{Opcode: wstest.OpContinuation, Payload: []byte("x")}}, want: failed},
	{name: "text frame inside a fragmented message", rfc: "§5.4",
		frames: []wstest.Frame{{Opcode: wstest.OpText, NotFinal: true, Payload: []byte("a")}, textFrame("b")}, want: failed},
	{name: "masked frame from the server", rfc: "§5.1", frames: []wstest.Frame{{Opcode: wstest.OpText, Masked: true, MaskKey: [4]byte{1, 2, 3, 4}, Payload: []byte("x")}}, want: failed},
	{name: "ping between two fragments", rfc: "§5.4, §5.5.2", then: closeAfter,
		frames: []wstest.Frame{{Opcode: wstest.OpText, NotFinal: true, Payload: []byte("he")}, {Opcode: wstest.OpPing, Payload: []byte("hb")}, {Opcode: wstest.OpContinuation, Payload: []byte("llo")}},
		want:   `message text "hello", close 1000 clean`},
	{name: "unsolicited pong", rfc: "§5.5.3", then: closeAfter,
		frames: []wstest.Frame{{Opcode: wstest.OpPong, Payload: []byte("u")}, textFrame("after")},
		want:   `message text "after", close 1000 clean`},
}

// rawOutcome is what one client did with a row's frames.
type rawOutcome struct {
	got    string // in the real client's words
	detail string // the error the library returned, if it failed
}

// playRaw accepts attempt a, writes row's frames, and does its then.
func playRaw(t *testing.T, srv *wstest.Server, row rawRow) wstest.Peer {
	t.Helper()
	p, err := mustAttempt(t, srv).Accept(wstest.AcceptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range row.frames {
		if err := p.WriteFrame(f); err != nil {
			t.Fatalf("WriteFrame(%v): %v", f, err)
		}
	}
	if row.then != nil {
		row.then(p)
	}
	return p
}

// realClientOutcome plays row against the real client, in memory.
func realClientOutcome(t *testing.T, row rawRow) rawOutcome {
	var out rawOutcome
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		ws, ev := mustDial(t, srv)
		playRaw(t, srv, row)
		<-ev.done
		out.got = strings.TrimSuffix(strings.TrimPrefix(ev.String(), "[open, "), "]")
		if err := wsdouble.CloseCause(ws); err != nil {
			out.detail = err.Error()
		}
	})
	return out
}

// readOutcome reads with read until it fails, and says what a library
// did, in the real client's words: the messages, then the close it got
// (closeCode returns -1 for none), or that it read on until the deadline
// of read (timedOut), or that it failed the connection.
func readOutcome(read func() (int, []byte, error), closeCode func(error) int, timedOut func(error) bool) rawOutcome {
	var out rawOutcome
	var got []string
	for {
		mt, b, err := read()
		if err == nil {
			got = append(got, wsdouble.MessageEvent{Message: wsdouble.Message{Type: wsdouble.MessageType(mt), Data: b}}.String())
			continue
		}
		switch code := closeCode(err); {
		case code != -1:
			got = append(got, closed(code))
		case timedOut(err):
			got = append(got, readsOn)
		default:
			got, out.detail = append(got, failed), err.Error()
		}
		out.got = strings.Join(got, ", ")
		return out
	}
}

// gorillaOutcome plays row against a gorilla client, in memory.
func gorillaOutcome(t *testing.T, row rawRow) rawOutcome {
	var out rawOutcome
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		g := &gorillaEnv{t: t, virtual: true, srv: srv, dialer: srv.Dialer(), url: wstest.MemoryURL}
		dialed := g.dialing()
		playRaw(t, srv, row)
		c := dialed()
		read := func() (int, []byte, error) {
			c.SetReadDeadline(time.Now().Add(time.Minute))
			return c.ReadMessage()
		}
		out = readOutcome(read, func(err error) int {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure {
				return ce.Code
			}
			return -1
		}, isTimeout)
	})
	return out
}

// coderOutcome plays row against a coder/websocket client, in memory.
func coderOutcome(t *testing.T, row rawRow) rawOutcome {
	var out rawOutcome
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		dialed := coderDialing(t, srv)
		playRaw(t, srv, row)
		c := dialed()
		read := func() (int, []byte, error) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			mt, b, err := c.Read(ctx)
			return int(mt), b, err
		}
		out = readOutcome(read, func(err error) int { return int(coder.CloseStatus(err)) }, func(err error) bool {
			return errors.Is(err, context.DeadlineExceeded)
		})
	})
	return out
}

// TestRawFrameTable: the real client does with each row's frames what a
// browser does; the table logged says what gorilla and coder clients do
// where they differ.
func TestRawFrameTable(t *testing.T) {
	if len(rawTable) < 15 {
		t.Fatalf("the table has %d rows, want at least 15", len(rawTable))
	}
	var table strings.Builder
	w := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "frames\tRFC 6455\ta browser (and the real client)\tgorilla\tcoder")
	for _, row := range rawTable {
		t.Run(row.name, func(t *testing.T) {
			real := realClientOutcome(t, row)
			if real.got != row.want {
				t.Errorf("the real client: got %s (%s), want %s", real.got, real.detail, row.want)
			}
			g, c := gorillaOutcome(t, row), coderOutcome(t, row)
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", row.name, row.rfc, row.want, differs(g, row.want), differs(c, row.want))
		})
	}
	w.Flush()
	table.WriteString("\nwhere Chromium departs from the RFC, and the real client with it:\n")
	for _, row := range rawTable {
		if row.chrome != "" {
			fmt.Fprintf(&table, "  %s: %s\n", row.name, row.chrome)
		}
	}
	t.Logf("what each client does with frames a server must not send:\n%s", table.String())
}

// TestWriteFrameWritesTheBytesGiven: a raw frame goes on the wire exactly
// as given, bit for bit, mask and all.
func TestWriteFrameWritesTheBytesGiven(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		c, err := dialRaw(t.Context(), srv)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		upgraded := make(chan error, 1)
		go func() { upgraded <- c.upgrade() }()
		p, err := mustAttempt(t, srv).Accept(wstest.AcceptOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if err := <-upgraded; err != nil {
			t.Fatal(err)
		}
		frames := []struct {
			f    wstest.Frame
			want []byte
		}{
			{wstest.Frame{Opcode: 3, NotFinal: true, RSV1: true, RSV3: true, Payload: []byte("ab")}, []byte{0x53, 2, 'a', 'b'}},
			{wstest.Frame{Opcode: wstest.OpText, Masked: true, MaskKey: [4]byte{1, 2, 3, 4}, Payload: []byte("abcde")},
				[]byte{0x81, 0x85, 1, 2, 3, 4, 'a' ^ 1, 'b' ^ 2, 'c' ^ 3, 'd' ^ 4, 'e' ^ 1}},
			{wstest.Frame{Opcode: wstest.OpClose, RSV2: true, Payload: wstest.ClosePayload(999, []byte{0xff})}, []byte{0xa8, 3, 0x03, 0xe7, 0xff}},
			{wstest.Frame{Opcode: wstest.OpPing, Payload: make([]byte, 126)}, append([]byte{0x89, 126, 0, 126}, make([]byte, 126)...)},
		}
		var want []byte
		for _, f := range frames {
			if err := p.WriteFrame(f.f); err != nil {
				t.Fatal(err)
			}
			want = append(want, f.want...)
		}
		got := make([]byte, len(want))
		if _, err := io.ReadFull(c.br, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("on the wire:\n%x\nwant\n%x", got, want)
		}
		p.Drop()
	})
}

// TestFrameString: a raw frame as reports show it.
func TestFrameString(t *testing.T) {
	for _, tt := range []struct {
		f    wstest.Frame
		want string
	}{
		{wstest.Frame{Opcode: wstest.OpClose, Payload: wstest.ClosePayload(1000, []byte("bye"))}, `close FIN 1000 "bye"`},
		{wstest.Frame{Opcode: wstest.OpText, NotFinal: true, RSV1: true, Payload: []byte("hello")}, `text RSV1 "hello"`},
		{wstest.Frame{Opcode: wstest.OpPing, Masked: true}, `ping FIN masked ""`},
		{wstest.Frame{Opcode: 11, RSV2: true, RSV3: true, Payload: []byte{3}}, `opcode 11 FIN RSV2 RSV3 "\x03"`},
		{wstest.Frame{Opcode: wstest.OpClose, Payload: wstest.ClosePayload(1000, []byte{0xff})}, "close FIN 1000 [1]ff"},
		{wstest.Frame{Opcode: wstest.OpBinary, Payload: []byte{0xe8}}, "binary FIN [1]e8"},
	} {
		if got := tt.f.String(); got != tt.want {
			t.Errorf("String: got %s, want %s", got, tt.want)
		}
	}
	if err := (wstest.Frame{Opcode: 16}).Validate(); err == nil {
		t.Error("Validate of opcode 16: got nil")
	}
	if err := (wstest.Frame{Payload: make([]byte, wstest.MaxFramePayload+1)}).Validate(); err == nil {
		t.Error("Validate of a payload over MaxFramePayload: got nil")
	}
}

// differs says "same" when a library did what the browser does, and what
// it did otherwise.
func differs(o rawOutcome, want string) string {
	if o.got == want {
		return "same"
	}
	if o.detail != "" {
		return fmt.Sprintf("%s (%s)", o.got, o.detail)
	}
	return o.got
}

// TestRawCloseEchoIsNoViolation: a client that echoes the code of a raw
// close frame (999, which a browser receives clean) breaks no rule of the
// server's: the connection ends as closed by the client, cleanly, not as
// a protocol violation.
func TestRawCloseEchoIsNoViolation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		_, ev := mustDial(t, srv)
		p := playRaw(t, srv, rawRow{frames: []wstest.Frame{closeFrame(999, "odd")}})
		<-ev.done
		end, _ := p.Wait(t.Context())
		if got := end.String(); got != `client closed 999 "odd" clean` || ev.String() != `[open, close 999 "odd" clean]` {
			t.Errorf("the server's end: %s; the client saw %s", got, ev)
		}
	})
}
