package memconn_test

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/wsdouble/wsdouble/internal/memconn"
)

// A connection with 8 bytes of buffer each way: writes return before the
// peer reads, as on TCP, until the window is full; a reset reaches the
// peer after the bytes written before it.
func Example() {
	client, server := memconn.Pipe(memconn.Addr("client"), memconn.Addr("server"), 8)
	defer server.Close()

	n, err := client.Write([]byte("hello")) // net.Pipe would block here: no one reads
	fmt.Println("wrote", n, err)
	n, _ = client.TryWrite([]byte("world"))
	fmt.Println("TryWrite took", n, "of 5: the window is full")
	client.SetWriteDeadline(time.Now().Add(time.Millisecond))
	_, err = client.Write([]byte("!"))
	fmt.Println("a blocked write times out:", errors.Is(err, os.ErrDeadlineExceeded))

	buf := make([]byte, 16)
	n, _ = server.Read(buf)
	fmt.Printf("server read %q\n", buf[:n])

	client.SetWriteDeadline(time.Time{})
	client.Write([]byte("bye"))
	client.Reset() // an RST: what was written still arrives first
	n, _ = server.Read(buf)
	fmt.Printf("server read %q\n", buf[:n])
	_, err = server.Read(buf)
	fmt.Println(err, errors.Is(err, syscall.ECONNRESET))
	// Output:
	// wrote 5 <nil>
	// TryWrite took 3 of 5: the window is full
	// a blocked write times out: true
	// server read "hellowor"
	// server read "bye"
	// read memory server->client: connection reset by peer true
}
