package wstest_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	coder "github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// These tests connect WebSocket clients no one here wrote to srv.URL.

func TestInteropCoderWebsocket(t *testing.T) {
	ctx := t.Context()
	srv := wstest.NewServer(t, wstest.Subprotocols("chat"))
	done := make(chan *coder.Conn, 1)
	go func() {
		c, _, err := coder.Dial(ctx, srv.URL()+"coder", &coder.DialOptions{Subprotocols: []string{"chat"}})
		if err != nil {
			t.Error(err)
		}
		done <- c
	}()
	a := mustAttempt(t, srv)
	p, err := a.Accept(wstest.AcceptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := <-done
	if c == nil {
		t.FailNow()
	}
	if c.Subprotocol() != "chat" {
		t.Errorf("subprotocol: got %q, want chat", c.Subprotocol())
	}

	// Server to client: text and binary.
	p.Send(wsdouble.Text("hello coder"))
	p.Send(wsdouble.Binary([]byte{0, 1, 2, 0xff}))
	for _, want := range []struct {
		typ  coder.MessageType
		data []byte
	}{{coder.MessageText, []byte("hello coder")}, {coder.MessageBinary, []byte{0, 1, 2, 0xff}}} {
		typ, data, err := c.Read(ctx)
		if err != nil || typ != want.typ || !bytes.Equal(data, want.data) {
			t.Errorf("coder read: got %v %q %v, want %v %q", typ, data, err, want.typ, want.data)
		}
	}

	// Client to server: text and binary.
	c.Write(ctx, coder.MessageText, []byte("hi server"))
	c.Write(ctx, coder.MessageBinary, []byte{9, 8})
	for _, want := range []wsdouble.Message{wsdouble.Text("hi server"), wsdouble.Binary([]byte{9, 8})} {
		if got, err := p.Receive(ctx); err != nil || !got.Equal(want) {
			t.Errorf("server received: got %v, %v; want %v", got, err, want)
		}
	}

	// The client closes with a code and reason.
	if err := c.Close(4000, "coder bye"); err != nil {
		t.Errorf("coder Close: %v", err)
	}
	end, err := p.Wait(ctx)
	if err != nil || end.String() != `client closed 4000 "coder bye" clean` {
		t.Errorf("server's end: got %v, %v; want a clean client close 4000", end, err)
	}
}

func TestInteropCoderWebsocketServerClose(t *testing.T) {
	ctx := t.Context()
	srv := wstest.NewServer(t)
	done := make(chan *coder.Conn, 1)
	go func() {
		c, _, err := coder.Dial(ctx, srv.URL(), nil)
		if err != nil {
			t.Error(err)
		}
		done <- c
	}()
	p, err := mustAttempt(t, srv).Accept(wstest.AcceptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := <-done
	if c == nil {
		t.FailNow()
	}
	p.Close(4001, "server bye")
	_, _, err = c.Read(ctx)
	var ce coder.CloseError
	if !errors.As(err, &ce) || ce.Code != 4001 || ce.Reason != "server bye" {
		t.Errorf("coder read after the server's close: got %v, want a close error 4001 %q", err, "server bye")
	}
	end, _ := p.Wait(ctx)
	if end.String() != `server closed 4001 "server bye" clean` {
		t.Errorf("server's end: got %v, want a clean server close", end)
	}
}

func TestInteropGobwas(t *testing.T) {
	ctx := context.Background()
	srv := wstest.NewServer(t)
	type dialed struct {
		conn interface {
			Read([]byte) (int, error)
			Write([]byte) (int, error)
			Close() error
		}
		err error
	}
	done := make(chan dialed, 1)
	go func() {
		conn, br, _, err := ws.Dial(ctx, srv.URL()+"gobwas")
		if br != nil {
			ws.PutReader(br)
		}
		done <- dialed{conn, err}
	}()
	p, err := mustAttempt(t, srv).Accept(wstest.AcceptOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := <-done
	if d.err != nil {
		t.Fatal(d.err)
	}
	conn := d.conn
	defer conn.Close()

	p.Send(wsdouble.Text("hello gobwas"))
	p.Send(wsdouble.Binary([]byte{7, 7}))
	for _, want := range []struct {
		op   ws.OpCode
		data []byte
	}{{ws.OpText, []byte("hello gobwas")}, {ws.OpBinary, []byte{7, 7}}} {
		data, op, err := wsutil.ReadServerData(conn)
		if err != nil || op != want.op || !bytes.Equal(data, want.data) {
			t.Errorf("gobwas read: got %v %q %v, want %v %q", op, data, err, want.op, want.data)
		}
	}

	wsutil.WriteClientMessage(conn, ws.OpText, []byte("hi from gobwas"))
	wsutil.WriteClientMessage(conn, ws.OpBinary, []byte{1})
	for _, want := range []wsdouble.Message{wsdouble.Text("hi from gobwas"), wsdouble.Binary([]byte{1})} {
		if got, err := p.Receive(ctx); err != nil || !got.Equal(want) {
			t.Errorf("server received: got %v, %v; want %v", got, err, want)
		}
	}

	// Close with a code and reason, and read the server's answer.
	body := ws.NewCloseFrameBody(ws.StatusCode(4002), "gobwas bye")
	if err := ws.WriteFrame(conn, ws.MaskFrameInPlace(ws.NewCloseFrame(body))); err != nil {
		t.Fatal(err)
	}
	h, err := ws.ReadHeader(conn)
	if err != nil || h.OpCode != ws.OpClose || h.Length > 125 {
		t.Fatalf("gobwas: reading the close answer: got %+v %v", h, err)
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(conn, payload); err != nil {
		t.Fatal(err)
	}
	code, _ := ws.ParseCloseFrameData(payload)
	if code != 4002 {
		t.Errorf("server's close answer: got code %d, want the echoed 4002", code)
	}
	end, _ := p.Wait(ctx)
	if end.String() != `client closed 4002 "gobwas bye" clean` {
		t.Errorf("server's end: got %v, want a clean client close 4002", end)
	}
}
