package scenario_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// flood connects, sends msgs as soon as the socket opens, closes once
// every echo is back, and reports when its socket has closed.
func flood(t *testing.T, ctor wsdouble.Constructor, msgs func(i int) wsdouble.Message, n int) <-chan struct{} {
	t.Helper()
	ws, err := ctor("ws://flood.test/")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	echoed := 0
	ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) {
		for i := range n {
			ws.Send(msgs(i))
		}
	}))
	ws.AddEventListener(wsdouble.EventMessage, wsdouble.ListenerFunc(func(wsdouble.Event) {
		if echoed++; echoed == n {
			ws.Close(1000, "")
		}
	}))
	ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) { close(done) }))
	return done
}

func echoScript(t *testing.T) *scenario.Script {
	t.Helper()
	s, err := scenario.New("echo").Attempt().Accept().Echo(0).Build()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestReportKeepsPayloadPrefixes: a report keeps the start of each
// message's payload and its size, not the payload: 64 MiB echoed leave
// the report (and the heap) well under a megabyte larger. Before, the
// report held every echoed byte.
func TestReportKeepsPayloadPrefixes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, size = 64, 1 << 20
		before := heapInUse()
		// The Fake keeps what its client sent, for assertions; a Server
		// does not: it shows what the report keeps.
		srv := wstest.NewServer(t)
		done := flood(t, srv.Constructor(), func(i int) wsdouble.Message {
			return wsdouble.Binary(bytes.Repeat([]byte{byte(i)}, size))
		}, n)
		rep, err := scenario.Run(t.Context(), srv, echoScript(t))
		if err != nil {
			t.Fatal(err)
		}
		<-done
		grown := int64(heapInUse()) - int64(before)
		t.Logf("heap growth with the report alive: %d KiB", grown>>10)
		if grown > 4<<20 {
			t.Errorf("the heap grew by %d bytes with the report alive, after %d MiB echoed; want < 4 MiB", grown, n*size>>20)
		}
		entries := rep.Attempts[0].Entries
		if len(entries) != n+1 {
			t.Fatalf("%d entries, want %d", len(entries), n+1)
		}
		for _, e := range entries[:n] {
			if e.Size != size || len(e.Message.Data) != scenario.MaxReportPayload {
				t.Fatalf("an entry keeps %d bytes of a %d-byte message (Size %d), want %d of %d", len(e.Message.Data), size, e.Size, scenario.MaxReportPayload, size)
			}
		}
		if want := "↔ binary [1048576]0000000000000000000000000000000000000000000000000000000000000000… (echoed)"; !strings.Contains(rep.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, rep)
		}
		runtime.KeepAlive(rep)
	})
}

// TestReportKeepsBoundedEntries: past MaxReportEntries a report keeps no
// more entries, but counts them, their messages and bytes, and says so.
// Before, it kept an entry for every message for as long as the run
// lasted.
func TestReportKeepsBoundedEntries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const more = 2345
		n := scenario.MaxReportEntries + more
		d := wstest.NewFakeDialer(t)
		done := flood(t, d.Constructor(), func(i int) wsdouble.Message {
			return wsdouble.Text(fmt.Sprintf("m%09d", i)) // 10 bytes
		}, n)
		rep, err := scenario.Run(t.Context(), d, echoScript(t))
		if err != nil {
			t.Fatal(err)
		}
		<-done
		a := rep.Attempts[0]
		if len(a.Entries) != scenario.MaxReportEntries {
			t.Errorf("%d entries kept, want %d", len(a.Entries), scenario.MaxReportEntries)
		}
		// The last echo, and the step's own entry, are past the limit.
		want := scenario.Unkept{Entries: more + 1, Messages: more, Bytes: more * 10}
		if a.Unkept != want {
			t.Errorf("unkept: got %+v, want %+v", a.Unkept, want)
		}
		if line := "    … 2,346 more entries (2,345 messages, 23 KiB), not kept\n"; !strings.Contains(rep.String(), line) {
			t.Errorf("the report lacks %q:\n%s", line, rep.String()[len(rep.String())-400:])
		}
	})
}

func TestUnkeptString(t *testing.T) {
	for u, want := range map[scenario.Unkept]string{
		{Entries: 12345, Messages: 12345, Bytes: 600 << 20}: "12,345 more messages, 600 MiB, not kept",
		{Entries: 1, Messages: 1, Bytes: 5}:                 "1 more message, 5 bytes, not kept",
		{Entries: 2, Messages: 1, Bytes: 1}:                 "2 more entries (1 message, 1 byte), not kept",
	} {
		if got := u.String(); got != want {
			t.Errorf("%+v: got %q, want %q", u, got, want)
		}
	}
}
