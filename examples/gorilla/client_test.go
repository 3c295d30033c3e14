package gorilla_test

import (
	"testing"
	"testing/synctest"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble/examples/gorilla"
	"github.com/wsdouble/wsdouble/examples/internal/battery"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
	"github.com/wsdouble/wsdouble/wstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestClient runs the cases every example client takes (see battery.Run)
// against the gorilla client, given the Server's Dialer.
func TestClient(t *testing.T) {
	battery.Run(t, battery.Subject{New: func(srv *wstest.Server, url string, trusted bool, opts reconnect.Options) battery.Runner {
		d := srv.Dialer()
		if !trusted {
			d.TLSClientConfig = nil
		}
		return &gorilla.Client{Dialer: d, URL: url, Options: opts}
	}})
}

// The lines a test of gorilla/websocket code needs: the Server's Dialer,
// wstest.MemoryURL (in memory, on virtual time).
func TestGorillaDirect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
		conn, _, err := srv.Dialer().DialContext(t.Context(), wstest.MemoryURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conn.WriteMessage(websocket.TextMessage, []byte("hi"))
		if _, data, err := conn.ReadMessage(); err != nil || string(data) != "hi" {
			t.Errorf("echo: got %q, %v", data, err)
		}
	})
}
