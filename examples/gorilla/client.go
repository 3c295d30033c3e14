package gorilla

import (
	"context"
	"errors"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
)

// Client keeps a WebSocket connection to URL open, with gorilla/websocket
// directly: see reconnect for the loop (backoff, keepalive, subscription,
// events) it shares with the other examples. Set the fields before Run and
// do not change them after.
type Client struct {
	// Dialer dials the server; nil means websocket.DefaultDialer. A test
	// passes a wstest.Server's Dialer.
	Dialer *websocket.Dialer
	// URL is the server's ws:// or wss:// URL.
	URL string
	reconnect.Options
}

// Run connects and stays connected until ctx is done, then closes the
// connection (code 1000) and returns ctx's error. It starts no goroutine
// that outlives it.
func (c *Client) Run(ctx context.Context) error {
	d := c.Dialer
	if d == nil {
		d = websocket.DefaultDialer
	}
	return reconnect.Run(ctx, c.Options, func(ctx context.Context, alive func()) (reconnect.Conn, error) {
		conn, resp, err := d.DialContext(ctx, c.URL, nil)
		if err != nil {
			if resp != nil {
				resp.Body.Close()
				return nil, &reconnect.RefusedError{Status: resp.StatusCode, Err: err}
			}
			return nil, err
		}
		conn.SetPongHandler(func(string) error { alive(); return nil })
		return gorillaConn{conn}, nil
	})
}

// gorillaConn is a *websocket.Conn as reconnect drives it. gorilla answers
// pings and echoes the server's close frame by itself, while reading.
type gorillaConn struct{ *websocket.Conn }

func (g gorillaConn) ReadLoop(onMessage func([]byte)) error {
	for {
		_, data, err := g.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code != websocket.CloseAbnormalClosure {
				return &reconnect.CloseError{Code: ce.Code, Err: err}
			}
			return err
		}
		onMessage(data)
	}
}

func (g gorillaConn) Write(ctx context.Context, data []byte) error {
	g.SetWriteDeadline(deadline(ctx))
	return g.WriteMessage(websocket.TextMessage, data)
}

// Ping may run while the reader answers a ping: gorilla lets WriteControl
// run concurrently with other methods.
func (g gorillaConn) Ping(ctx context.Context) error {
	return g.WriteControl(websocket.PingMessage, nil, deadline(ctx))
}

func (g gorillaConn) Close(ctx context.Context, code int) error {
	return g.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, ""), deadline(ctx))
}

func (g gorillaConn) Abort() { g.Conn.Close() }

// deadline is ctx's deadline, or none.
func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
}
