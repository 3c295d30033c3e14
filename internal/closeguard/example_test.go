package closeguard_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdouble/wsdouble/internal/closeguard"
	"github.com/wsdouble/wsdouble/wstest"
)

// A server closes with 1014 (bad gateway), a code the browser reports and
// gorilla refuses. Through the guard, gorilla reads a close it accepts,
// and SentCode gives the code the server sent.
func Example() {
	srv := wstest.NewServer(nil)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	served := make(chan struct{})
	go func() {
		defer close(served)
		for range 2 { // one connection with the guard, one without
			a, err := srv.NextAttempt(ctx)
			if err != nil {
				return
			}
			p, _ := a.Accept(wstest.AcceptOptions{})
			p.Close(1014, "upstream down")
			p.Wait(ctx)
		}
	}()

	var guard *closeguard.Conn
	d := srv.Dialer()
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := srv.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		guard = closeguard.Client(c) // from before the handshake
		return guard, nil
	}
	conn, _, err := d.DialContext(ctx, wstest.MemoryURL, nil)
	if err != nil {
		panic(err)
	}
	_, _, err = conn.ReadMessage()
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		fmt.Println("with the guard: gorilla reports", ce.Code, "- the server sent", guard.SentCode(ce.Code), ce.Text)
	}
	conn.Close()

	plain, _, err := srv.Dialer().DialContext(ctx, wstest.MemoryURL, nil)
	if err != nil {
		panic(err)
	}
	_, _, err = plain.ReadMessage()
	fmt.Println("without it:", err)
	plain.Close()
	<-served
	// Output:
	// with the guard: gorilla reports 1000 - the server sent 1014 upstream down
	// without it: websocket: bad close code 1014
}
