package wstest_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble/wstest"
)

// TestFailedUpgradeIsLoggedAsItEnded accepts attempts whose upgrade then
// fails, and checks that the log says how each ended on the wire: an error
// answer is Refused with its status; a connection closed without an answer,
// because the client sent a frame before its handshake was answered, is
// Aborted.
func TestFailedUpgradeIsLoggedAsItEnded(t *testing.T) {
	transports := []struct {
		name string
		dial func(context.Context, *wstest.Server) (*rawConn, error)
	}{
		{"memory", dialRaw},
		{"loopback", func(_ context.Context, srv *wstest.Server) (*rawConn, error) { return dialRawLoopback(srv) }},
	}
	for _, tr := range transports {
		// connect makes a Server and connects to it over tr.
		connect := func(t *testing.T) (*wstest.Server, *rawConn) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			srv := wstest.NewServer(t)
			c, err := tr.dial(ctx, srv)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.Close() })
			return srv, c
		}
		t.Run(tr.name+"/data before the answer", func(t *testing.T) {
			srv, c := connect(t)
			// The handshake and a frame in one write (RFC 6455 §4.1: a
			// client must wait for the answer before it sends more).
			req, _ := http.NewRequest(http.MethodGet, "http://wstest.invalid/early", nil)
			req.Header = upgradeHeader()
			var b bytes.Buffer
			req.Write(&b)
			b.Write(clientFrame(websocket.TextMessage, []byte("too soon")))
			if _, err := c.Write(b.Bytes()); err != nil {
				t.Fatal(err)
			}
			a := mustAttempt(t, srv)
			if p, err := a.Accept(wstest.AcceptOptions{}); err == nil {
				t.Fatalf("Accept: got %v, want an error", p)
			}
			if got, err := io.ReadAll(c.br); len(got) != 0 {
				t.Errorf("client read %q (err %v), want the connection closed without an answer", got, err)
			}
			log := srv.Attempts()
			if len(log) != 1 {
				t.Fatalf("log: got %d entries, want 1: %+v", len(log), log)
			}
			r := log[0]
			if r.Outcome != wstest.Aborted || r.Status != 0 || r.Err == nil ||
				!strings.Contains(r.Err.Error(), "before its handshake was answered") {
				t.Errorf("log: got %v status %d err %v, want aborted, status 0, an error saying the client sent data before its handshake was answered", r.Outcome, r.Status, r.Err)
			}
		})
		t.Run(tr.name+"/error answer", func(t *testing.T) {
			srv, c := connect(t)
			type answer struct {
				resp *http.Response
				err  error
			}
			got := make(chan answer, 1)
			go func() {
				resp, _, err := c.request(upgradeHeader())
				got <- answer{resp, err}
			}()
			a := mustAttempt(t, srv)
			// gorilla refuses to upgrade with this header (500).
			h := http.Header{"Sec-Websocket-Extensions": {"x-private"}}
			if p, err := a.Accept(wstest.AcceptOptions{Header: h}); err == nil {
				t.Fatalf("Accept: got %v, want an error", p)
			}
			ans := <-got
			if ans.err != nil || ans.resp.StatusCode != http.StatusInternalServerError {
				t.Fatalf("client: got %v, %v, want a 500 answer", ans.resp, ans.err)
			}
			log := srv.Attempts()
			if len(log) != 1 || log[0].Outcome != wstest.Refused || log[0].Status != http.StatusInternalServerError || log[0].Err == nil {
				t.Errorf("log: got %+v, want one entry refused with status 500 and an error", log)
			}
		})
	}
}
