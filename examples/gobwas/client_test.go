package gobwas_test

import (
	"testing"
	"testing/synctest"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble/examples/gobwas"
	"github.com/wsdouble/wsdouble/examples/internal/battery"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
	"github.com/wsdouble/wsdouble/wstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestClient runs the cases every example client takes (see battery.Run)
// against the gobwas client, given the Server's DialContext and TLSConfig.
func TestClient(t *testing.T) {
	battery.Run(t, battery.Subject{New: func(srv *wstest.Server, url string, trusted bool, opts reconnect.Options) battery.Runner {
		return &gobwas.Client{Endpoint: battery.Endpoint(srv, trusted), URL: url, Options: opts}
	}})
}

// The lines a test of gobwas/ws code needs: the Server's DialContext as
// the Dialer's NetDial, wstest.MemoryURL (in memory, on virtual time).
func TestGobwasDirect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
		conn, _, _, err := ws.Dialer{NetDial: srv.DialContext}.Dial(t.Context(), wstest.MemoryURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		wsutil.WriteClientText(conn, []byte("hi"))
		if data, err := wsutil.ReadServerText(conn); err != nil || string(data) != "hi" {
			t.Errorf("echo: got %q, %v", data, err)
		}
	})
}
