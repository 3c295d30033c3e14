package nbconn_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble/internal/memconn"
	"github.com/wsdouble/wsdouble/internal/nbconn"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pattern is n bytes that show their order.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

// TestWritesNeverWaitAndKeepOrder: into a 16-byte window nobody reads,
// nonblocking writes of 100 bytes return at once; Buffered counts the
// tracked data until the reader has taken it, and the reader gets every
// byte in order.
func TestWritesNeverWaitAndKeepOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, s := memconn.Pipe(memconn.Addr("c"), memconn.Addr("s"), 16)
		defer s.Close()
		nc := nbconn.New(c)
		defer nc.Close()
		nc.SetNonblocking()
		want := pattern(100)
		for i := 0; i < len(want); i += 10 {
			if n, err := nc.Write(want[i : i+10]); n != 10 || err != nil {
				t.Fatalf("Write: %d, %v; want 10, nil", n, err)
			}
			nc.Track(10)
		}
		// 16 bytes went to the window at once, the rest waits.
		if got := nc.Buffered(); got != 90 {
			t.Errorf("Buffered with a full window: got %d, want 90 (the 9 messages not wholly in the window)", got)
		}
		got := make([]byte, len(want))
		if _, err := io.ReadFull(s, got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("read %v, want %v", got, want)
		}
		synctest.Wait() // the background writer has finished
		if got := nc.Buffered(); got != 0 {
			t.Errorf("Buffered once all was read: got %d, want 0", got)
		}
	})
}

// TestBlockingUntilSwitched: before SetNonblocking a write waits for the
// window, as the transport's own does.
func TestBlockingUntilSwitched(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, s := memconn.Pipe(memconn.Addr("c"), memconn.Addr("s"), 4)
		defer s.Close()
		nc := nbconn.New(c)
		defer nc.Close()
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			nc.Write(pattern(8))
		}()
		synctest.Wait()
		select {
		case <-wrote:
			t.Fatal("a blocking write of 8 bytes into a 4-byte window returned before any read")
		default:
		}
		io.ReadFull(s, make([]byte, 8))
		<-wrote
	})
}

// TestCloseEndsTheBackgroundWriter: Close returns once the background
// writer, stuck on a full window, has ended; later writes fail.
func TestCloseEndsTheBackgroundWriter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, s := memconn.Pipe(memconn.Addr("c"), memconn.Addr("s"), 4)
		defer s.Close()
		nc := nbconn.New(c)
		nc.SetNonblocking()
		nc.Write(pattern(64))
		if err := nc.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if _, err := nc.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
			t.Errorf("Write after Close: got %v, want net.ErrClosed", err)
		}
	})
}

// TestFlushKeepsTheLastBytes: Flush waits until the background writer has
// handed the transport what was kept, so that the Close after it loses
// nothing; with a peer that does not read, it gives up at its deadline.
func TestFlushKeepsTheLastBytes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, s := memconn.Pipe(memconn.Addr("c"), memconn.Addr("s"), 4)
		defer s.Close()
		nc := nbconn.New(c)
		nc.SetNonblocking()
		nc.Write(pattern(64)) // 4 bytes in the window, 60 kept
		got := make(chan []byte, 1)
		go func() {
			time.Sleep(time.Second) // the peer reads a second later
			b, _ := io.ReadAll(s)
			got <- b
		}()
		start := time.Now()
		if !nc.Flush(start.Add(time.Minute)) {
			t.Errorf("Flush: got false, want true once the peer read")
		}
		if time.Since(start) != time.Second {
			t.Errorf("Flush returned after %v, want 1s, when the peer had read", time.Since(start))
		}
		nc.Close()
		if b := <-got; !bytes.Equal(b, pattern(64)) {
			t.Errorf("the peer read %d bytes, want the 64 written", len(b))
		}

		c2, s2 := memconn.Pipe(memconn.Addr("c"), memconn.Addr("s"), 4)
		defer s2.Close()
		stuck := nbconn.New(c2)
		defer stuck.Close()
		stuck.SetNonblocking()
		stuck.Write(pattern(64))
		start = time.Now()
		if stuck.Flush(start.Add(time.Second)) || time.Since(start) != time.Second {
			t.Errorf("Flush with a peer that never reads: want false at the deadline, after %v", time.Since(start))
		}
	})
}

// TestBackgroundFailureClosesTheConnection: when the peer goes away while
// bytes wait, the background writer fails, closes the connection (the
// reader sees it) and later writes return the error.
func TestBackgroundFailureClosesTheConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, s := memconn.Pipe(memconn.Addr("c"), memconn.Addr("s"), 4)
		nc := nbconn.New(c)
		defer nc.Close()
		nc.SetNonblocking()
		nc.Write(pattern(64))
		s.Close()
		if _, err := nc.Read(make([]byte, 1)); err == nil {
			t.Error("Read after the background writer failed: got no error")
		}
		synctest.Wait()
		if _, err := nc.Write([]byte("x")); err == nil {
			t.Error("Write after the background writer failed: got no error")
		}
	})
}

// TestWriteDeadlineIgnoredOnceNonblocking: a write deadline in the past
// does not fail nonblocking writes.
func TestWriteDeadlineIgnoredOnceNonblocking(t *testing.T) {
	c, s := memconn.Pipe(memconn.Addr("c"), memconn.Addr("s"), 0)
	defer s.Close()
	nc := nbconn.New(c)
	defer nc.Close()
	nc.SetNonblocking()
	nc.SetWriteDeadline(time.Now().Add(-time.Second))
	nc.SetDeadline(time.Now().Add(-time.Second))
	if _, err := nc.Write([]byte("hi")); err != nil {
		t.Errorf("Write with a past deadline, nonblocking: %v", err)
	}
	if _, err := nc.Read(make([]byte, 1)); err == nil {
		t.Error("Read with a past deadline: got no error, want a timeout")
	}
}

// TestTCPWritesNeverWait: on loopback TCP, with a peer that does not read
// yet, nonblocking writes of 8 MiB, more than the socket buffers hold, all
// return (were one to wait, the test would hang), and the peer then reads
// every byte in order.
func TestTCPWritesNeverWait(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback TCP: %v", err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		s, err := l.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- s
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	defer s.Close()
	nc := nbconn.New(c)
	defer nc.Close()
	nc.SetNonblocking()
	want := pattern(8 << 20)
	const chunk = 64 << 10
	for i := 0; i < len(want); i += chunk {
		if _, err := nc.Write(want[i : i+chunk]); err != nil {
			t.Fatal(err)
		}
		nc.Track(chunk)
	}
	if nc.Buffered() == 0 {
		t.Log("the socket buffers took all 8 MiB at once; nothing was left to the background writer")
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(s, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("the peer read the bytes out of order")
	}
}
