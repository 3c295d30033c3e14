package coder_test

import (
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/coder/websocket"
	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble/examples/coder"
	"github.com/wsdouble/wsdouble/examples/internal/battery"
	"github.com/wsdouble/wsdouble/examples/internal/reconnect"
	"github.com/wsdouble/wsdouble/wstest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestClient runs the cases every example client takes (see battery.Run)
// against the coder client, given the Server's HTTPClient.
func TestClient(t *testing.T) {
	battery.Run(t, battery.Subject{New: func(srv *wstest.Server, url string, trusted bool, opts reconnect.Options) battery.Runner {
		hc := srv.HTTPClient()
		if !trusted {
			hc = &http.Client{Transport: &http.Transport{DialContext: srv.DialContext}}
		}
		return &coder.Client{HTTPClient: hc, URL: url, Options: opts}
	}})
}

// The lines a test of coder/websocket code needs: the Server's HTTPClient
// in the DialOptions, wstest.MemoryURL (in memory, on virtual time).
func TestCoderDirect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
		conn, _, err := websocket.Dial(t.Context(), wstest.MemoryURL, &websocket.DialOptions{HTTPClient: srv.HTTPClient()})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		conn.Write(t.Context(), websocket.MessageText, []byte("hi"))
		if _, data, err := conn.Read(t.Context()); err != nil || string(data) != "hi" {
			t.Errorf("echo: got %q, %v", data, err)
		}
	})
}
