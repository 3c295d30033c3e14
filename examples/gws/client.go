package gws

import (
	"bytes"
	"context"
	"errors"
	"net"
	"time"

	"github.com/lxzan/gws"

	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
)

// Client keeps a WebSocket connection to URL open, with lxzan/gws
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
// that outlives it. gws's handshake does not watch ctx: it ends at gws's
// handshake timeout (5 s) at the latest.
func (c *Client) Run(ctx context.Context) error {
	dial := c.Dialer()
	return reconnect.Run(ctx, c.Options, func(ctx context.Context, alive func()) (reconnect.Conn, error) {
		h := &handler{alive: alive}
		conn, resp, err := gws.NewClient(h, &gws.ClientOption{
			Addr:      c.URL,
			TlsConfig: c.TLSConfig.Clone(), // gws sets its ServerName
			NewDialer: func() (gws.Dialer, error) { return dialer{ctx, dial}, nil },
		})
		if err != nil {
			if resp != nil {
				resp.Body.Close()
				return nil, &reconnect.RefusedError{Status: resp.StatusCode, Err: err}
			}
			return nil, err
		}
		return gwsConn{conn, h}, nil
	})
}

// dialer is a gws.Dialer that dials with a dial function and a context:
// gws's Dial takes none.
type dialer struct {
	ctx  context.Context
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func (d dialer) Dial(network, addr string) (net.Conn, error) { return d.dial(d.ctx, network, addr) }

// handler takes gws's events for one connection: its pongs are signs of
// life, its messages go to ReadLoop's onMessage, and OnClose says why it
// ended. gws calls them on the goroutine of ReadLoop.
type handler struct {
	gws.BuiltinEventHandler // answers pings
	alive                   func()
	onMessage               func([]byte)
	err                     error
}

func (h *handler) OnPong(*gws.Conn, []byte) { h.alive() }

func (h *handler) OnMessage(_ *gws.Conn, m *gws.Message) {
	defer m.Close() // gws reuses its buffer
	h.onMessage(bytes.Clone(m.Bytes()))
}

func (h *handler) OnClose(_ *gws.Conn, err error) { h.err = err }

// gwsConn is a *gws.Conn as reconnect drives it. gws echoes the server's
// close frame itself, and closes the transport after it.
type gwsConn struct {
	conn *gws.Conn
	h    *handler
}

func (g gwsConn) ReadLoop(onMessage func([]byte)) error {
	g.h.onMessage = onMessage
	g.conn.ReadLoop() // until OnClose
	var ce *gws.CloseError
	if errors.As(g.h.err, &ce) {
		return &reconnect.CloseError{Code: int(ce.Code), Err: g.h.err}
	}
	return g.h.err
}

func (g gwsConn) Write(ctx context.Context, data []byte) error {
	deadline, _ := ctx.Deadline()
	g.conn.SetWriteDeadline(deadline)
	defer g.conn.SetWriteDeadline(time.Time{})
	return g.conn.WriteMessage(gws.OpcodeText, data)
}

func (g gwsConn) Ping(context.Context) error { return g.conn.WritePing(nil) }

// Close sends the close frame and, as gws does, closes the transport at
// once, without waiting for the server's answer.
func (g gwsConn) Close(_ context.Context, code int) error {
	return g.conn.WriteClose(uint16(code), nil)
}

func (g gwsConn) Abort() { g.conn.NetConn().Close() }
