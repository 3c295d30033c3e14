package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/wstest"
)

// serverConns is how many idle connections BenchmarkServerConns holds.
const serverConns = 1000

// fdSpare is how many file descriptors BenchmarkServerConns/loopback leaves
// for everything but its connections: the listener, the runtime, the test
// binary's own files.
const fdSpare = 128

// footprintEnv is the environment variable that makes
// TestServerConnsFootprint measure, in a child process: "TRANSPORT N".
const footprintEnv = "WSDOUBLE_BENCH_FOOTPRINT"

// footprintPrefix starts the line on which the child reports its figures.
const footprintPrefix = "wsdouble-bench-footprint:"

// BenchmarkServerConns: one op opens serverConns idle wsdouble client
// sockets on one wstest.Server (AutoAccept(nil): no handler goroutine),
// waits until all are open, then closes them cleanly and closes the server.
// Besides time it reports what the process holds per open connection (both
// ends and the transport, since all live here):
//
//   - B/conn: the growth of runtime.MemStats HeapInuse + StackInuse (heap
//     spans in use plus goroutine stacks) from before the first dial to the
//     moment every connection is open, each read after runtime.GC. HeapInuse
//     alone would miss the stacks of the goroutines each connection runs,
//     and Sys never shrinks, so it would mostly measure earlier benchmarks.
//   - goroutines/conn: the growth of runtime.NumGoroutine.
//
// Both are measured once per run, in a fresh child process (the test binary
// running TestServerConnsFootprint), not in this one. Here a connection
// closed by an earlier op or benchmark stays reachable for a while after its
// close event (its stopped close timer keeps it until the runtime prunes its
// timer heap or the close timeout passes) and is released at a moment no
// benchmark controls, often between the two readings: such a reading comes
// out several KiB per connection low. Kernel socket buffers (loopback) are
// not counted: they are not the process's memory.
func BenchmarkServerConns(b *testing.B) {
	b.Run("memory", func(b *testing.B) { benchServerConns(b, "memory", serverConns) })
	b.Run("loopback", func(b *testing.B) { benchServerConns(b, "loopback", loopbackConns(b)) })
}

// loopbackConns is how many connections BenchmarkServerConns/loopback can
// hold: serverConns, or fewer when the file-descriptor limit does not leave
// room for two descriptors per connection (the client's and the server's).
// The metrics are per connection, so they stay comparable.
func loopbackConns(b *testing.B) int {
	limit, ok := fdLimit()
	if !ok || limit >= 2*serverConns+fdSpare {
		return serverConns
	}
	n := (int(limit) - fdSpare) / 2
	if n < 1 {
		b.Skipf("the file-descriptor limit (%d) leaves no room for loopback connections", limit)
	}
	b.Logf("file-descriptor limit %d: holding %d loopback connections, not %d", limit, n, serverConns)
	return n
}

// target returns the constructor and URL that reach srv over transport,
// "memory" or "loopback".
func target(transport string, srv *wstest.Server) (wsdouble.Constructor, string, error) {
	switch transport {
	case "memory":
		return srv.Constructor(), wstest.MemoryURL, nil
	case "loopback":
		return wsdouble.New, srv.URL(), nil
	}
	return nil, "", fmt.Errorf("unknown transport %q, want memory or loopback", transport)
}

// benchServerConns times opening n connections over transport to a fresh
// Server and closing them, and reports the footprint per connection that a
// child process measured.
func benchServerConns(b *testing.B, transport string, n int) {
	perConn, goroutines, err := footprintInChild(transport, n)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		srv := wstest.NewServer(b, wstest.AutoAccept(nil))
		ctor, url, err := target(transport, srv) // opens the loopback listener, if any
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		socks, err := openAll(ctor, url, n)
		if err != nil {
			b.Fatal(err)
		}
		if err := closeAll(socks); err != nil {
			b.Fatal(err)
		}
		srv.Close()
	}
	b.ReportMetric(perConn, "B/conn")
	b.ReportMetric(goroutines, "goroutines/conn")
}

// openAll starts n handshakes, then waits until every socket is open.
func openAll(ctor wsdouble.Constructor, url string, n int) ([]*socket, error) {
	socks := make([]*socket, 0, n)
	for i := range n {
		s, err := newSocket(ctor, url)
		if err != nil {
			closeAll(socks)
			return nil, fmt.Errorf("connection %d: %w", i, err)
		}
		socks = append(socks, s)
	}
	for i, s := range socks {
		if err := s.waitOpen(); err != nil {
			closeAll(socks)
			return nil, fmt.Errorf("connection %d: %w", i, err)
		}
	}
	return socks, nil
}

// closeAll starts every closing handshake, then waits for every close
// event, and returns the first problem.
func closeAll(socks []*socket) error {
	var first error
	started := make([]*socket, 0, len(socks))
	for i, s := range socks {
		if s.ws.ReadyState() != wsdouble.Open {
			continue // never opened, or already gone: nothing to wait for
		}
		if err := s.startClose(); err != nil && first == nil {
			first = fmt.Errorf("connection %d: %w", i, err)
		}
		started = append(started, s)
	}
	for i, s := range started {
		if err := s.waitClosed(); err != nil && first == nil {
			first = fmt.Errorf("connection %d: %w", i, err)
		}
	}
	return first
}

// footprint is what the process holds at one moment.
type footprint struct {
	bytes      int64 // runtime.MemStats HeapInuse + StackInuse
	goroutines int
}

// measure collects garbage, then reads the footprint. Two collections
// empty the sync.Pools (the first moves their contents to the victim cache,
// the second drops it), so pooled buffers do not count.
func measure() footprint {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return footprint{bytes: int64(ms.HeapInuse + ms.StackInuse), goroutines: runtime.NumGoroutine()}
}

// footprintInChild runs TestServerConnsFootprint in a new process of this
// test binary and returns the bytes and goroutines per connection it
// measured.
func footprintInChild(transport string, n int) (perConn, goroutines float64, err error) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerConnsFootprint$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d", footprintEnv, transport, n))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return 0, 0, fmt.Errorf("footprint of %d %s connections, in a child process: %w\n%s%s", n, transport, err, out, stderr.Bytes())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), footprintPrefix)
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 2 {
			perConn, err1 := strconv.ParseFloat(fields[0], 64)
			goroutines, err2 := strconv.ParseFloat(fields[1], 64)
			if err1 == nil && err2 == nil {
				return perConn, goroutines, nil
			}
		}
		break
	}
	return 0, 0, fmt.Errorf("footprint of %d %s connections: the child process printed no %q line:\n%s", n, transport, footprintPrefix, out)
}

// TestServerConnsFootprint is BenchmarkServerConns's measurement, run in a
// child process so that no connection closed earlier is released between
// its two readings. It is skipped unless footprintEnv is set. It opens the
// connections on a fresh Server, reads the footprint, closes them, and
// prints the growth per connection on a line starting with footprintPrefix.
func TestServerConnsFootprint(t *testing.T) {
	spec := os.Getenv(footprintEnv)
	if spec == "" {
		t.Skipf("run by BenchmarkServerConns in a child process, with %s set", footprintEnv)
	}
	var transport string
	var n int
	if _, err := fmt.Sscanf(spec, "%s %d", &transport, &n); err != nil || n < 1 {
		t.Fatalf("%s=%q: want \"TRANSPORT N\" with N >= 1", footprintEnv, spec)
	}
	srv := wstest.NewServer(t, wstest.AutoAccept(nil))
	ctor, url, err := target(transport, srv)
	if err != nil {
		t.Fatal(err)
	}
	before := measure()
	socks, err := openAll(ctor, url, n)
	if err != nil {
		t.Fatal(err)
	}
	held := measure()
	if err := closeAll(socks); err != nil {
		t.Fatal(err)
	}
	fmt.Printf("%s %g %g\n", footprintPrefix,
		float64(held.bytes-before.bytes)/float64(n),
		float64(held.goroutines-before.goroutines)/float64(n))
}
