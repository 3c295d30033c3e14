package wstest_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

func TestListen(t *testing.T) {
	srv := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
	// A free port, then listen on it by name.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	url, err := srv.Listen(addr)
	if err != nil {
		t.Fatal(err)
	}
	if want := "ws://" + addr + "/"; url != want || srv.URL() != want {
		t.Errorf("Listen: %q, URL %q; want %q", url, srv.URL(), want)
	}
	ws, err := wsdouble.Dial(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	ws.Close(1000, "")
	<-ws.Done()

	if _, err := srv.Listen("127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "already serving at "+url) {
		t.Errorf("second Listen: %v", err)
	}
	// The address in use: a clear error.
	other := wstest.NewServer(t)
	if _, err := other.Listen(addr); !errors.Is(err, syscall.EADDRINUSE) {
		t.Errorf("Listen on a port in use: %v, want EADDRINUSE", err)
	}
}

func TestListenRefusesNonLoopback(t *testing.T) {
	srv := wstest.NewServer(t)
	for _, addr := range []string{":8080", "0.0.0.0:0", "[::]:0", "192.0.2.1:80", "example.com:80"} {
		if _, err := srv.Listen(addr); !errors.Is(err, wstest.ErrNotLoopback) {
			t.Errorf("Listen(%q): %v, want ErrNotLoopback", addr, err)
		}
	}
	if _, err := srv.Listen("nonsense"); err == nil {
		t.Error("Listen(nonsense): no error")
	}
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0"} {
		s := wstest.NewServer(t)
		if _, err := s.Listen(addr); err != nil && !strings.Contains(err.Error(), "assign requested address") {
			t.Errorf("Listen(%q): %v", addr, err) // [::1] may be missing where IPv6 is off
		}
	}
}
