package gobwas

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
)

// Client keeps a WebSocket connection to URL open, with gobwas/ws
// directly: see reconnect for the loop (backoff, keepalive, subscription,
// events) it shares with the other examples. Set the fields before Run and
// do not change them after.
type Client struct {
	reconnect.Endpoint // the dial function and TLS configuration
	// URL is the server's ws:// or wss:// URL.
	URL string
	reconnect.Options
}

// Run connects and stays connected until ctx is done, then closes the
// connection (code 1000) and returns ctx's error. It starts no goroutine
// that outlives it.
func (c *Client) Run(ctx context.Context) error {
	d := ws.Dialer{NetDial: c.Dialer(), TLSConfig: c.TLSConfig}
	return reconnect.Run(ctx, c.Options, func(ctx context.Context, alive func()) (reconnect.Conn, error) {
		conn, br, _, err := d.Dial(ctx, c.URL)
		if err != nil {
			var status ws.StatusError
			if errors.As(err, &status) {
				return nil, &reconnect.RefusedError{Status: int(status), Err: err}
			}
			return nil, err
		}
		g := &gobwasConn{conn: conn, src: conn, alive: alive}
		if br != nil {
			// The server's first frames came with its answer: read them
			// first (br reads the rest from conn).
			g.src, g.br = br, br
		}
		return g, nil
	})
}

// gobwasConn is a connection of gobwas/ws as reconnect drives it. gobwas
// works at the frame level: the reader answers pings and the server's
// close frame (wsutil.ControlFrameHandler), and every write, the reader's
// answers included, is one frame under wmu.
type gobwasConn struct {
	conn  net.Conn
	src   io.Reader
	br    *bufio.Reader // for ws.PutReader, or nil
	alive func()

	wmu       sync.Mutex
	closeSent bool
}

func (g *gobwasConn) ReadLoop(onMessage func([]byte)) error {
	if g.br != nil {
		defer ws.PutReader(g.br)
	}
	answer := wsutil.ControlFrameHandler(g.conn, ws.StateClientSide)
	control := func(h ws.Header, r io.Reader) error {
		g.wmu.Lock()
		defer g.wmu.Unlock()
		switch h.OpCode {
		case ws.OpPong:
			g.alive()
		case ws.OpClose:
			return g.closeFrame(r)
		}
		return answer(h, r)
	}
	rd := wsutil.Reader{Source: g.src, State: ws.StateClientSide, CheckUTF8: true, OnIntermediate: control}
	for {
		h, err := rd.NextFrame()
		if err == nil && h.OpCode.IsControl() {
			err = control(h, &rd)
			if err == nil {
				continue
			}
		}
		var closed wsutil.ClosedError
		if errors.As(err, &closed) {
			return &reconnect.CloseError{Code: int(closed.Code), Err: err}
		}
		if err != nil {
			return err
		}
		data, err := io.ReadAll(&rd)
		if err != nil {
			return err
		}
		onMessage(data)
	}
}

// closeFrame reads the server's close frame from r and echoes its code,
// unless it answers ours. wsutil's handler would fail the connection with
// 1002 on the codes IANA registered after RFC 6455 (1012 Service Restart,
// 1013 Try Again Later, 1014 Bad Gateway): battery's restart case found it,
// and the client reads close frames itself. g.wmu is held.
func (g *gobwasConn) closeFrame(r io.Reader) error {
	p, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	code, reason := ws.ParseCloseFrameData(p)
	closed := wsutil.ClosedError{Code: code, Reason: reason}
	if g.closeSent {
		return closed // the answer to ours
	}
	g.closeSent = true
	echo := ws.NewCloseFrameBody(code, "")
	switch {
	case len(p) == 0:
		echo = nil // no code: none back (RFC 6455 §5.5.1)
	case len(p) == 1 || !registered(code):
		echo = ws.NewCloseFrameBody(ws.StatusProtocolError, "")
	}
	if err := wsutil.WriteClientMessage(g.conn, ws.OpClose, echo); err != nil {
		return err
	}
	return closed
}

// registered reports whether code may come in a close frame: RFC 6455
// §7.4, with the codes IANA registered since (1012 to 1014).
func registered(code ws.StatusCode) bool {
	return ws.CheckCloseFrameData(code, "") == nil || (code >= 1012 && code <= 1014)
}

func (g *gobwasConn) Write(ctx context.Context, data []byte) error {
	return g.frame(ctx, ws.OpText, data)
}

func (g *gobwasConn) Ping(ctx context.Context) error { return g.frame(ctx, ws.OpPing, nil) }

func (g *gobwasConn) Close(ctx context.Context, code int) error {
	g.wmu.Lock()
	g.closeSent = true
	g.wmu.Unlock()
	return g.frame(ctx, ws.OpClose, ws.NewCloseFrameBody(ws.StatusCode(code), ""))
}

// frame writes one frame, masked as a client's are, by ctx's deadline.
func (g *gobwasConn) frame(ctx context.Context, op ws.OpCode, p []byte) error {
	g.wmu.Lock()
	defer g.wmu.Unlock()
	deadline, _ := ctx.Deadline()
	g.conn.SetWriteDeadline(deadline)
	defer g.conn.SetWriteDeadline(time.Time{})
	return wsutil.WriteClientMessage(g.conn, op, p)
}

func (g *gobwasConn) Abort() { g.conn.Close() }
