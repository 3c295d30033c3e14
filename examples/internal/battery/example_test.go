package battery_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/wsdouble/wsdouble/examples/internal/battery"
	"github.com/wsdouble/wsdouble/wstest"
)

// Endpoint is how a client that takes a dial function reaches a Server,
// here over wss:// in memory with gobwas/ws: trusted, it gets the
// Server's TLSConfig and connects; untrusted, it checks the Server's
// certificate against the system's roots and fails, as against a real
// server whose authority it does not know.
func ExampleEndpoint() {
	srv := wstest.NewServer(nil, wstest.TLS(), wstest.AutoAccept(wstest.Echo))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	for _, trusted := range []bool{true, false} {
		e := battery.Endpoint(srv, trusted)
		conn, _, _, err := ws.Dialer{NetDial: e.Dial, TLSConfig: e.TLSConfig}.Dial(ctx, wstest.MemoryTLSURL)
		if err != nil {
			var unknown x509.UnknownAuthorityError
			fmt.Printf("trusted %v: the dial fails, unknown authority: %v\n", trusted, errors.As(err, &unknown))
			continue
		}
		wsutil.WriteClientText(conn, []byte("over TLS"))
		echo, err := wsutil.ReadServerText(conn)
		fmt.Printf("trusted %v: echo %q %v\n", trusted, echo, err)
		conn.Close()
	}
	// Output:
	// trusted true: echo "over TLS" <nil>
	// trusted false: the dial fails, unknown authority: true
}
