package nbconn_test

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/wsdouble/wsdouble/internal/memconn"
	"github.com/wsdouble/wsdouble/internal/nbconn"
)

// A client sends five 10-byte frames to a peer that has room for 16 bytes
// and is not reading: every write returns at once, and Buffered counts the
// message data the transport has not taken yet, a frame wholly until it
// has. Once the peer reads, Flush waits for the rest to go.
func Example() {
	client, server := memconn.Pipe(memconn.Addr("client"), memconn.Addr("server"), 16)
	defer server.Close()
	conn := nbconn.New(client)
	defer conn.Close()
	conn.SetNonblocking()

	frame := bytes.Repeat([]byte("x"), 10)
	for range 5 {
		if _, err := conn.Write(frame); err != nil { // never waits
			fmt.Println(err)
		}
		conn.Track(len(frame)) // as the client does for each message
	}
	fmt.Println("buffered:", conn.Buffered(), "(the first frame is with the transport, 6 bytes of the second)")

	read := make(chan int)
	server.SetReadDeadline(time.Now().Add(10 * time.Second))
	go func() {
		n, _ := io.ReadFull(server, make([]byte, 50))
		read <- n
	}()
	fmt.Println("flushed:", conn.Flush(time.Now().Add(10*time.Second)))
	fmt.Println("the peer read", <-read, "bytes; buffered:", conn.Buffered())
	// Output:
	// buffered: 40 (the first frame is with the transport, 6 bytes of the second)
	// flushed: true
	// the peer read 50 bytes; buffered: 0
}
