package coder

import (
	"context"
	"net/http"

	"github.com/coder/websocket"

	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
)

// Client keeps a WebSocket connection to URL open, with coder/websocket
// directly: see reconnect for the loop (backoff, keepalive, subscription,
// events) it shares with the other examples. Set the fields before Run and
// do not change them after.
type Client struct {
	// HTTPClient makes the handshakes; nil means http.DefaultClient. A
	// test passes a wstest.Server's HTTPClient, which reaches the Server
	// in memory or over loopback and trusts its authority for wss://.
	HTTPClient *http.Client
	// URL is the server's ws:// or wss:// URL.
	URL string
	reconnect.Options
}

// Run connects and stays connected until ctx is done, then closes the
// connection (code 1000) and returns ctx's error. It starts no goroutine
// that outlives it.
func (c *Client) Run(ctx context.Context) error {
	return reconnect.Run(ctx, c.Options, func(ctx context.Context, alive func()) (reconnect.Conn, error) {
		conn, resp, err := websocket.Dial(ctx, c.URL, &websocket.DialOptions{HTTPClient: c.HTTPClient})
		if err != nil {
			if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
				return nil, &reconnect.RefusedError{Status: resp.StatusCode, Err: err}
			}
			return nil, err
		}
		return coderConn{conn, alive}, nil
	})
}

// coderConn is a *websocket.Conn as reconnect drives it. coder answers
// pings and echoes the server's close frame by itself, while reading.
type coderConn struct {
	conn  *websocket.Conn
	alive func()
}

// ReadLoop reads with a context that is never done: coder closes the
// connection when a Read's context ends, and the connection ends by
// Close or Abort instead.
func (c coderConn) ReadLoop(onMessage func([]byte)) error {
	for {
		_, data, err := c.conn.Read(context.Background())
		if err != nil {
			if code := websocket.CloseStatus(err); code != -1 {
				return &reconnect.CloseError{Code: int(code), Err: err}
			}
			return err
		}
		onMessage(data)
	}
}

func (c coderConn) Write(ctx context.Context, data []byte) error {
	return c.conn.Write(ctx, websocket.MessageText, data)
}

// Ping waits for the pong (coder's Ping returns once it came, while
// ReadLoop reads): that is the sign of life.
func (c coderConn) Ping(ctx context.Context) error {
	err := c.conn.Ping(ctx)
	if err == nil {
		c.alive()
	}
	return err
}

// Close runs coder's whole closing handshake: it returns once the server
// answered (or coder's own timeout passed), and ReadLoop ends.
func (c coderConn) Close(_ context.Context, code int) error {
	return c.conn.Close(websocket.StatusCode(code), "")
}

func (c coderConn) Abort() { c.conn.CloseNow() }
