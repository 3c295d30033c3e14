package memconn_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble/internal/memconn"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func pipe(window int) (*memconn.Conn, *memconn.Conn) {
	return memconn.Pipe(memconn.Addr("c"), memconn.Addr("s"), window)
}

func TestBufferedWriteDoesNotWaitForReader(t *testing.T) {
	c, s := pipe(0)
	defer c.Close()
	defer s.Close()
	if n, err := c.Write([]byte("hello")); n != 5 || err != nil {
		t.Fatalf("Write: %d, %v", n, err)
	}
	buf := make([]byte, 3)
	if n, _ := s.Read(buf); string(buf[:n]) != "hel" {
		t.Errorf("first read: %q", buf[:n])
	}
	if n, _ := s.Read(buf); string(buf[:n]) != "lo" {
		t.Errorf("second read: %q", buf[:n])
	}
	if c.LocalAddr().String() != "c" || c.RemoteAddr().Network() != "memory" {
		t.Errorf("addresses: %v %v", c.LocalAddr(), c.RemoteAddr())
	}
}

func TestWindowBlocksWriterUntilRead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, s := pipe(4)
		defer c.Close()
		defer s.Close()
		wrote := make(chan int)
		go func() {
			n, _ := c.Write([]byte("0123456789"))
			wrote <- n
		}()
		synctest.Wait()
		select {
		case n := <-wrote:
			t.Fatalf("Write of 10 bytes into a 4-byte window returned %d before any read", n)
		default:
		}
		got, err := io.ReadAll(io.LimitReader(s, 10))
		if err != nil || string(got) != "0123456789" {
			t.Errorf("read %q, %v", got, err)
		}
		if n := <-wrote; n != 10 {
			t.Errorf("Write returned %d, want 10", n)
		}
	})
}

func TestCloseDeliversBufferedThenEOF(t *testing.T) {
	c, s := pipe(0)
	c.Write([]byte("last"))
	c.Close()
	got, err := io.ReadAll(s)
	if string(got) != "last" || err != nil {
		t.Errorf("ReadAll after the peer closed: %q, %v; want the data then EOF", got, err)
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, syscall.EPIPE) {
		t.Errorf("Write to a closed peer: got %v, want EPIPE", err)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Read on a closed conn: got %v, want net.ErrClosed", err)
	}
	if err := c.Close(); !errors.Is(err, net.ErrClosed) {
		t.Errorf("second Close: got %v, want net.ErrClosed", err)
	}
	s.Close()
}

// TestResetDeliversWrittenDataThenReportsReset: as on loopback, what was
// written before the reset is read, then the reset (ECONNRESET).
func TestResetDeliversWrittenDataThenReportsReset(t *testing.T) {
	c, s := pipe(0)
	c.Write([]byte("sent"))
	c.Reset()
	buf := make([]byte, 10)
	if n, err := s.Read(buf); err != nil || string(buf[:n]) != "sent" {
		t.Errorf("Read after the peer's reset: got %q, %v; want what it wrote first", buf[:n], err)
	}
	if _, err := s.Read(buf); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("second Read after the peer's reset: got %v, want ECONNRESET", err)
	}
	var op *net.OpError
	if _, err := s.Write([]byte("x")); !errors.As(err, &op) || !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("Write after the peer's reset: got %v, want a *net.OpError with ECONNRESET", err)
	}
	s.Close()
}

func TestCloseWakesBlockedReaderAndWriter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, s := pipe(1)
		readErr := make(chan error)
		go func() {
			_, err := s.Read(make([]byte, 1))
			readErr <- err
		}()
		writeErr := make(chan error)
		go func() {
			_, err := s.Write([]byte("too long for the window"))
			writeErr <- err
		}()
		synctest.Wait()
		s.Close() // its own blocked reader and writer wake
		if err := <-readErr; !errors.Is(err, net.ErrClosed) {
			t.Errorf("blocked Read: got %v, want net.ErrClosed", err)
		}
		if err := <-writeErr; !errors.Is(err, net.ErrClosed) {
			t.Errorf("blocked Write: got %v, want net.ErrClosed", err)
		}
		c.Close()
	})
}

func TestDeadlinesOnVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, s := pipe(0)
		defer c.Close()
		defer s.Close()
		start := time.Now()
		s.SetReadDeadline(start.Add(3 * time.Second))
		_, err := s.Read(make([]byte, 1))
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("Read: got %v, want a deadline error", err)
		}
		var ne net.Error
		if !errors.As(err, &ne) || !ne.Timeout() {
			t.Errorf("Read error %v: want a net.Error with Timeout()", err)
		}
		if d := time.Since(start); d != 3*time.Second {
			t.Errorf("deadline fired after %v, want 3s", d)
		}
		// A deadline in the past fails at once; clearing it lets data through.
		s.SetReadDeadline(start)
		if _, err := s.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Read with a past deadline: got %v", err)
		}
		s.SetDeadline(time.Time{})
		c.Write([]byte("x"))
		if n, err := s.Read(make([]byte, 1)); n != 1 || err != nil {
			t.Errorf("Read after clearing the deadline: %d, %v", n, err)
		}
		// A write deadline stops a writer blocked on a full window.
		c2, s2 := pipe(1)
		defer c2.Close()
		defer s2.Close()
		c2.SetWriteDeadline(time.Now().Add(time.Second))
		n, err := c2.Write([]byte("abc"))
		if n != 1 || !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("Write into a full window: %d, %v; want 1 byte then a deadline error", n, err)
		}
		// Moving a deadline replaces the old one.
		s.SetReadDeadline(time.Now().Add(time.Hour))
		s.SetReadDeadline(time.Now().Add(time.Second))
		before := time.Now()
		s.Read(make([]byte, 1))
		if d := time.Since(before); d != time.Second {
			t.Errorf("moved deadline fired after %v, want 1s", d)
		}
	})
}

func TestLargeTransfer(t *testing.T) {
	c, s := pipe(1024)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<14)
	go func() {
		c.Write(data)
		c.Close()
	}()
	got, err := io.ReadAll(s)
	if err != nil || !bytes.Equal(got, data) {
		t.Errorf("transfer of %d bytes through a 1 KiB window: got %d bytes, %v", len(data), len(got), err)
	}
	s.Close()
}
