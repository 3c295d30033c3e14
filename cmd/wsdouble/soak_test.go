//go:build linux

package main_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// The soak test: serve under a long echo and under a flood, its memory
// read from /proc. It pushes gigabytes through loopback, so it runs only
// when asked (see TestSoak's skip message). It logs its figures for a
// person to read, and holds serve to an RSS under soakRSSLimit, every echo
// intact and a flood held back.
const (
	soakEnv      = "WSDOUBLE_SOAK"
	soakTotal    = 1 << 30     // bytes the client sends in each soak
	soakMessage  = 1 << 20     // bytes per message
	soakPerConn  = 64          // echo messages per connection, before the client reconnects
	soakRSSLimit = 100_000_000 // bytes: issue 16's bound on serve's peak RSS

	// soakIOTimeout bounds every read and write of the echo, and the
	// dial: long on loopback, so that only a stuck server reaches it.
	soakIOTimeout = 30 * time.Second
	// soakFloodStall is how long a flood write may wait before the
	// client counts itself held back. While it waits the RSS is sampled,
	// so it is also the window in which the server must not grow.
	soakFloodStall = 5 * time.Second
	// soakStop bounds serve's exit after SIGTERM.
	soakStop = 10 * time.Second
)

// TestSoak runs serve for the two loads of issue 16: a repeating echo
// script that echoes 1 GiB in 1 MiB messages, the client reconnecting
// every soakPerConn messages, and a client that floods 1 GiB while the
// script only waits and never reads. The server's peak RSS (VmHWM) must
// stay under 100 MB in both, up to the moment it is stopped: the report
// keeps a bounded history, and a full inbox stops reading from the
// connection (TCP backpressure), so the flood client's writes stop.
func TestSoak(t *testing.T) {
	if os.Getenv(soakEnv) == "" {
		t.Skip("soak test, off by default (it pushes 1 GiB each way over loopback): run it with " +
			soakEnv + "=1 go test -run Soak -v ./cmd/wsdouble")
	}
	bin := build(t)
	t.Run("echo", func(t *testing.T) { soakEcho(t, bin) })
	t.Run("flood", func(t *testing.T) { soakFlood(t, bin) })
}

// soakEcho: 1 GiB sent and echoed back intact, over soakTotal/soakMessage/
// soakPerConn connections to a repeating echo script.
func soakEcho(t *testing.T, bin string) {
	srv := startSoakServer(t, bin, `{
  "version": 1,
  "name": "soak-echo",
  "attempts": [
    {"accept": {}, "steps": [{"echo": {}}], "repeat": true}
  ]
}`)
	payload := soakPayload()
	var got bytes.Buffer
	got.Grow(soakMessage + bytes.MinRead) // ReadFrom wants MinRead spare bytes; one buffer for every echo
	messages := soakTotal / soakMessage
	conns := 0
	start := time.Now()
	for sent := 0; sent < messages; {
		c := soakDial(t, srv.url)
		conns++
		c.SetReadLimit(soakMessage) // a longer echo is an error, not a bigger buffer
		for range soakPerConn {
			binary.BigEndian.PutUint64(payload, uint64(sent)) // every message differs from the one before
			c.SetWriteDeadline(time.Now().Add(soakIOTimeout))
			if err := c.WriteMessage(websocket.BinaryMessage, payload); err != nil {
				t.Fatalf("message %d: write: %v\n%s", sent, err, srv.output())
			}
			c.SetReadDeadline(time.Now().Add(soakIOTimeout))
			typ, r, err := c.NextReader()
			if err != nil {
				t.Fatalf("message %d: read the echo: %v\n%s", sent, err, srv.output())
			}
			got.Reset()
			if _, err := got.ReadFrom(r); err != nil {
				t.Fatalf("message %d: read the echo: %v", sent, err)
			}
			if typ != websocket.BinaryMessage || !bytes.Equal(got.Bytes(), payload) {
				t.Fatalf("message %d: echo: got type %d, %d bytes, differing from byte %d; want type %d, the %d bytes sent",
					sent, typ, got.Len(), firstDifference(got.Bytes(), payload), websocket.BinaryMessage, len(payload))
			}
			sent++
		}
		soakClose(t, c)
	}
	elapsed := time.Since(start)
	st := srv.stop(t)
	if !strings.Contains(st.summary, fmt.Sprintf("%d accepted", conns)) {
		t.Errorf("summary %q, want %d accepted attempts", st.summary, conns)
	}
	t.Logf("soak echo: %s echoed in %d messages of %s over %d connections in %v: %.0f MiB/s each way",
		mib(soakTotal), messages, mib(soakMessage), conns, elapsed.Round(time.Millisecond), float64(soakTotal)/(1<<20)/elapsed.Seconds())
	st.log(t, "echo")
}

// soakFlood: a client that writes 1 GiB and never reads, to a script that
// accepts and waits. The server must hold it back.
func soakFlood(t *testing.T, bin string) {
	srv := startSoakServer(t, bin, `{
  "version": 1,
  "name": "soak-flood",
  "attempts": [
    {"accept": {}, "steps": [{"wait": "10m"}], "repeat": true}
  ]
}`)
	payload := soakPayload()
	c := soakDial(t, srv.url)
	written := 0
	start := time.Now()
	var stalled error
	for written < soakTotal {
		binary.BigEndian.PutUint64(payload, uint64(written/soakMessage))
		c.SetWriteDeadline(time.Now().Add(soakFloodStall))
		if err := c.WriteMessage(websocket.BinaryMessage, payload); err != nil {
			stalled = err
			break
		}
		written += soakMessage
	}
	elapsed := time.Since(start)
	c.Close()
	var ne net.Error
	switch {
	case stalled == nil:
		t.Errorf("the client wrote all %s without being held back: serve read everything it was sent", mib(soakTotal))
	case !errors.As(stalled, &ne) || !ne.Timeout():
		t.Errorf("after %s the flood's write failed, want it to time out (held back): %v", mib(written), stalled)
	}
	st := srv.stop(t)
	how := "and was never held back"
	if stalled != nil {
		how = fmt.Sprintf("then its next write found no room in %v: %v", soakFloodStall, stalled)
	}
	t.Logf("soak flood: the client wrote %s of %s in %d messages of %s, %s; %v in all",
		mib(written), mib(soakTotal), written/soakMessage, mib(soakMessage), how, elapsed.Round(time.Millisecond))
	st.log(t, "flood")
}

// soakPayload returns one message's bytes, random so that nothing on the
// way can compress or short-cut them.
func soakPayload() []byte {
	p := make([]byte, soakMessage)
	rand.NewChaCha8([32]byte{'s', 'o', 'a', 'k'}).Read(p)
	return p
}

func soakDial(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), soakIOTimeout)
	defer cancel()
	c, resp, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	resp.Body.Close()
	t.Cleanup(func() { c.Close() }) // a second Close is harmless; this one is for a test that failed midway
	return c
}

// soakClose closes c with 1000 and waits for the server's answer, so
// that the next dial meets the next attempt with this one ended.
func soakClose(t *testing.T, c *websocket.Conn) {
	t.Helper()
	defer c.Close()
	deadline := time.Now().Add(soakIOTimeout)
	if err := c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "next"), deadline); err != nil {
		t.Fatalf("close: %v", err)
	}
	c.SetReadDeadline(deadline)
	for range 10 { // the echo step sends nothing unasked: the close frame is next
		_, _, err := c.NextReader()
		if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			return
		}
		if err != nil {
			t.Fatalf("close: got %v, want the server's close 1000", err)
		}
	}
	t.Fatal("close: the server sent messages instead of its close frame")
}

// soakServer is a run of serve under soak: its output read to the end (the
// last lines kept), its RSS sampled.
type soakServer struct {
	*started
	url     string
	drained chan struct{} // closed when the output has ended
	rss     *rssSampler

	mu       sync.Mutex
	outLines int      // lines of output read
	outBytes int      // bytes of output read
	tail     []string // the last soakTail lines
}

const soakTail = 8

// startSoakServer serves script on a free loopback port.
func startSoakServer(t *testing.T, bin, script string) *soakServer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "soak.json")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &soakServer{started: startCommand(t, bin, "serve", "--listen", "127.0.0.1:0", path), drained: make(chan struct{})}
	s.url = s.waitFor(t, regexp.MustCompile(`at (ws://127\.0\.0\.1:\d+/)`))
	go func() {
		defer close(s.drained)
		for l := range s.lines { // the timeline, a line per message: never left unread, or serve would block on it
			s.mu.Lock()
			s.outLines++
			s.outBytes += len(l) + 1
			if len(s.tail) == soakTail {
				s.tail = s.tail[1:]
			}
			s.tail = append(s.tail, l)
			s.mu.Unlock()
		}
	}()
	s.rss = sampleRSS(s.cmd.Process.Pid, 100*time.Millisecond)
	// Runs before startCommand's cleanup: kill, then wait for the reader.
	t.Cleanup(func() {
		s.rss.stop()
		s.cmd.Process.Kill()
		select {
		case <-s.drained:
		case <-time.After(soakStop):
			t.Errorf("serve's output did not end %v after it was killed", soakStop)
		}
	})
	return s
}

// output returns the last lines serve printed.
func (s *soakServer) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.tail, "\n")
}

// soakStats is what a soak measured of serve.
type soakStats struct {
	peak       rssReading    // the highest VmRSS sampled, and the last VmHWM
	samples    int           // readings taken
	stopIn     time.Duration // from SIGTERM to exit
	lines      int           // timeline lines
	bytes      int           // timeline bytes
	summary    string        // serve's summary line
	sampleErrs string        // why sampling stopped early, if it did
}

// stop sends SIGTERM, waits for serve to print its summary and exit with
// status 0, and checks its peak RSS.
func (s *soakServer) stop(t *testing.T) soakStats {
	t.Helper()
	s.rss.stop()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	select {
	case <-s.drained:
	case <-time.After(soakStop):
		t.Fatalf("serve still running %v after SIGTERM:\n%s", soakStop, s.output())
	}
	err := s.cmd.Wait()
	st := soakStats{stopIn: time.Since(start)}
	if err != nil {
		t.Errorf("serve: %v\n%s\nstderr: %s", err, s.output(), s.stderr)
	}
	st.peak, st.samples, st.sampleErrs = s.rss.result()
	s.mu.Lock()
	st.lines, st.bytes = s.outLines, s.outBytes
	for _, l := range s.tail {
		if strings.HasPrefix(l, "summary:") {
			st.summary = l
		}
	}
	s.mu.Unlock()
	if st.summary == "" {
		t.Errorf("no summary; serve's last lines:\n%s", s.output())
	}
	if st.samples == 0 {
		t.Fatalf("no RSS reading: %s", st.sampleErrs)
	}
	for _, m := range []struct {
		what string
		n    int64
	}{{"VmHWM", st.peak.hwm}, {"VmRSS", st.peak.rss}} {
		if m.n >= soakRSSLimit {
			t.Errorf("serve's %s: got %s, want under %d MB", m.what, mb(m.n), soakRSSLimit/1_000_000)
		}
	}
	if st.stopIn > time.Second { // issue 16: every command stops within a second of SIGTERM
		t.Errorf("serve ended %v after SIGTERM, want within 1s", st.stopIn.Round(time.Millisecond))
	}
	if s.stderr.Len() > 0 {
		t.Errorf("stderr: %s", s.stderr)
	}
	return st
}

func (st soakStats) log(t *testing.T, name string) {
	t.Helper()
	t.Logf("soak %s: serve's peak RSS %s (VmHWM), %s (highest VmRSS of %d samples, every 100 ms); limit %d MB",
		name, mb(st.peak.hwm), mb(st.peak.rss), st.samples, soakRSSLimit/1_000_000)
	t.Logf("soak %s: timeline %d lines, %s; SIGTERM to exit %v; %s",
		name, st.lines, mib(st.bytes), st.stopIn.Round(time.Millisecond), st.summary)
	if st.sampleErrs != "" {
		t.Logf("soak %s: sampling stopped early: %s", name, st.sampleErrs)
	}
}

// rssReading is one reading of /proc/PID/status, in bytes.
//
// The peak is VmHWM, read while the process lives. The maxrss that wait4
// returns at exit would be simpler, but it is not serve's own: Go starts a
// child with CLONE_VM|CLONE_VFORK, so until exec the child shares the test
// process's memory, and its maxrss counts that too (a child /bin/true of a
// process holding 200 MB reports 207 MB). VmHWM is the address space's, and
// exec starts a new one.
type rssReading struct {
	rss int64 // VmRSS: resident now
	hwm int64 // VmHWM: the peak resident so far
}

// rssSampler reads a process's RSS at an interval, on a goroutine of its
// own, until stopped or the process is gone.
type rssSampler struct {
	done    chan struct{}
	stopped chan struct{}
	once    sync.Once

	// Written by the goroutine, read after stopped is closed.
	peak    rssReading
	samples int
	err     error
}

// soakMaxSamples bounds the sampling loop: an hour at 100 ms.
const soakMaxSamples = 36_000

func sampleRSS(pid int, every time.Duration) *rssSampler {
	s := &rssSampler{done: make(chan struct{}), stopped: make(chan struct{})}
	path := fmt.Sprintf("/proc/%d/status", pid)
	go func() {
		defer close(s.stopped)
		tick := time.NewTicker(every)
		defer tick.Stop()
		take := func() bool {
			r, err := readRSS(path)
			if err != nil {
				s.err = err
				return false
			}
			s.samples++
			s.peak.rss = max(s.peak.rss, r.rss)
			s.peak.hwm = max(s.peak.hwm, r.hwm)
			return true
		}
		for range soakMaxSamples {
			if !take() {
				return
			}
			select {
			case <-tick.C:
			case <-s.done:
				take()
				return
			}
		}
		s.err = fmt.Errorf("stopped after %d samples", soakMaxSamples)
	}()
	return s
}

// stop ends the sampling, after a last reading.
func (s *rssSampler) stop() {
	s.once.Do(func() { close(s.done) })
	<-s.stopped
}

func (s *rssSampler) result() (peak rssReading, samples int, errs string) {
	<-s.stopped
	if s.err != nil {
		errs = s.err.Error()
	}
	return s.peak, s.samples, errs
}

// readRSS reads VmRSS and VmHWM from a /proc/PID/status file.
func readRSS(path string) (rssReading, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return rssReading{}, err
	}
	var r rssReading
	found := 0
	for line := range strings.Lines(string(b)) {
		name, value, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		// "   12345 kB": the kernel's kB are KiB.
		n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return rssReading{}, fmt.Errorf("%s: %s: %w", path, strings.TrimSpace(line), err)
		}
		if name == "VmRSS" {
			r.rss = n << 10
		} else {
			r.hwm = n << 10
		}
		found++
	}
	if found != 2 {
		return rssReading{}, fmt.Errorf("%s: no VmRSS and VmHWM (a zombie has none)", path)
	}
	return r, nil
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func mib(n int) string  { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
