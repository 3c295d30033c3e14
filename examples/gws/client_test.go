package gws_test

import (
	"context"
	"net"
	"testing"
	"testing/synctest"

	"github.com/lxzan/gws"
	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble/examples/internal/battery"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
	"github.com/wsdouble/wsdouble/wstest"

	client "github.com/wsdouble/wsdouble/examples/gws"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestClient runs the cases every example client takes (see battery.Run)
// against the gws client, given the Server's DialContext and TLSConfig.
func TestClient(t *testing.T) {
	battery.Run(t, battery.Subject{New: func(srv *wstest.Server, url string, trusted bool, opts reconnect.Options) battery.Runner {
		return &client.Client{Endpoint: battery.Endpoint(srv, trusted), URL: url, Options: opts}
	}})
}

// dialer is a gws.Dialer that dials with a wstest.Server's DialContext.
type dialer func(ctx context.Context, network, addr string) (net.Conn, error)

func (d dialer) Dial(network, addr string) (net.Conn, error) {
	return d(context.Background(), network, addr)
}

// echoed takes the echo of the test's message.
type echoed struct {
	gws.BuiltinEventHandler
	got chan string
}

func (e echoed) OnMessage(_ *gws.Conn, m *gws.Message) {
	e.got <- m.Data.String()
	m.Close()
}

// The lines a test of gws code needs: the Server's DialContext behind the
// gws.Dialer of ClientOption.NewDialer, wstest.MemoryURL (in memory, on
// virtual time).
func TestGwsDirect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
		h := echoed{got: make(chan string, 1)}
		conn, _, err := gws.NewClient(h, &gws.ClientOption{
			Addr:      wstest.MemoryURL,
			NewDialer: func() (gws.Dialer, error) { return dialer(srv.DialContext), nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		go conn.ReadLoop()
		defer conn.WriteClose(1000, nil)
		conn.WriteString("hi")
		if got := <-h.got; got != "hi" {
			t.Errorf("echo: got %q", got)
		}
	})
}
