//go:build unix

package main_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// started is a run of the built command.
type started struct {
	cmd    *exec.Cmd
	lines  chan string // its standard output, line by line
	stderr *strings.Builder
}

// startCommand starts the built command with args.
func startCommand(t *testing.T, bin string, args ...string) *started {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &started{cmd: cmd, lines: make(chan string, 100), stderr: &strings.Builder{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	return s
}

// waitFor returns the first submatch of re in the command's output.
func (s *started) waitFor(t *testing.T, re *regexp.Regexp) string {
	t.Helper()
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				t.Fatalf("the command ended without printing %v", re)
			}
			if m := re.FindStringSubmatch(l); m != nil {
				return m[1]
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("no %v in the output", re)
		}
	}
}

// signalled sends sig and returns the exit status, failing unless the
// command ended within a second.
func (s *started) signalled(t *testing.T, sig syscall.Signal) int {
	t.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		for range s.lines { // the rest of the output, to its end
		}
		done <- s.cmd.Wait()
	}()
	select {
	case err := <-done:
		d := time.Since(start)
		if d > time.Second {
			t.Errorf("the command ended %v after %v, want within 1s", d, sig)
		}
		t.Logf("ended %v after %v", d.Round(time.Millisecond), sig)
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(20 * time.Second):
		t.Fatalf("still running 20s after %v:\n%s", sig, s.stderr)
		return -1
	}
}

// TestRecordProcessStopsWhileUpstreamHangs: SIGINT stops record within a
// second while the upstream's handshake hangs, and the recording holds the
// attempt as the hang it was.
func TestRecordProcessStopsWhileUpstreamHangs(t *testing.T) {
	bin := build(t)
	upstream, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer upstream.Close()
	out := filepath.Join(t.TempDir(), "hang.json")
	rec := startCommand(t, bin, "record", "--upstream", "ws://"+upstream.Addr().String()+"/", "--listen", "127.0.0.1:0", "--out", out)
	url := rec.waitFor(t, regexp.MustCompile(`through ws://(127\.0\.0\.1:\d+)/`))
	client, err := net.Dial("tcp", url)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	fmt.Fprintf(client, "GET /feed HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", url)
	// The proxy's handshake with the upstream starts, and is never
	// answered.
	upstream.(*net.TCPListener).SetDeadline(time.Now().Add(30 * time.Second))
	held, err := upstream.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if _, err := bufio.NewReader(held).ReadString('\n'); err != nil { // the request line: the proxy is waiting for the answer
		t.Fatal(err)
	}
	if code := rec.signalled(t, syscall.SIGINT); code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", code, rec.stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("%v\n%s", err, rec.stderr)
	}
	if !strings.Contains(string(b), `"label": "recorded: no answer from the upstream when the recording stopped`) || !strings.Contains(string(b), `"hang": {}`) {
		t.Errorf("the recording:\n%s\nwant the attempt as a hang, labelled", b)
	}
}

// TestCheckProcessStopsOnAFIFO: SIGTERM stops check within a second while
// it reads a FIFO no one writes to.
func TestCheckProcessStopsOnAFIFO(t *testing.T) {
	bin := build(t)
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	check := startCommand(t, bin, "check", fifo)
	// Opening the FIFO for writing returns once check has opened it.
	w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if code := check.signalled(t, syscall.SIGTERM); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if want := "wsdouble check: " + fifo + ": interrupted before it was read\n"; check.stderr.String() != want {
		t.Errorf("stderr %q, want %q", check.stderr, want)
	}
}

// TestRecordProcessKilled: a record killed with SIGKILL leaves the file it
// was to write as it was, and a journal from which record --recover (and
// check) make the script of what it recorded.
func TestRecordProcessKilled(t *testing.T) {
	bin := build(t)
	upstream := wstest.NewServer(t, wstest.AutoAccept(wstest.Echo))
	dir := t.TempDir()
	out := filepath.Join(dir, "session.json")
	if err := os.WriteFile(out, []byte("the previous recording\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rec := startCommand(t, bin, "record", "--upstream", upstream.URL(), "--listen", "127.0.0.1:0", "--out", out, "--name", "killed")
	url := rec.waitFor(t, regexp.MustCompile(`through (ws://127\.0\.0\.1:\d+/)`))

	c := dial(t, url+"live")
	c.expect("open")
	for _, m := range []string{"one", "two"} {
		c.ws.Send(wsdouble.Text(m))
		c.expect(fmt.Sprintf("message text %q", m))
	}
	// The echo of "two" has reached the client, so the proxy has written
	// its line (it journals a message before it forwards it).
	if err := rec.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	rec.cmd.Wait()
	<-c.ws.(*wsdouble.WebSocket).Done()

	if b, err := os.ReadFile(out); err != nil || string(b) != "the previous recording\n" {
		t.Errorf("after kill -9, %s holds %q (%v), want the previous recording, untouched", out, b, err)
	}
	journal := out + ".journal"
	run := func(args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(bin, args...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("wsdouble %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	if stdout, _ := run("check", journal); !strings.Contains(stdout, journal+`: ok: the journal of a recording of scenario "killed", 1 attempt, `) {
		t.Errorf("check of the journal: %s", stdout)
	}
	// While the journal is there, record does not start over it.
	again := exec.Command(bin, "record", "--upstream", upstream.URL(), "--listen", "127.0.0.1:0", "--out", out)
	if b, err := again.CombinedOutput(); again.ProcessState.ExitCode() != 2 || !strings.Contains(string(b), journal+" exists") {
		t.Errorf("record over a journal: %v\n%s", err, b)
	}
	_, stderr := run("record", "--recover", journal, "--out", out)
	if !strings.Contains(stderr, `wrote scenario "killed", 1 attempt, to `+out) {
		t.Errorf("record --recover said: %s", stderr)
	}
	s, err := scenario.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, st := range s.Attempts[0].Steps {
		switch a := st.Action.(type) {
		case scenario.Expect:
			steps = append(steps, "expect "+a.Match.String())
		case scenario.Send:
			steps = append(steps, "send "+a.Message.String())
		}
	}
	if got, want := strings.Join(steps, ", "), `expect text "one", send text "one", expect text "two", send text "two"`; got != want {
		t.Errorf("recovered steps: %s, want %s", got, want)
	}
	if want := "recovered: the recording stopped with this connection open"; s.Attempts[0].Label != want {
		t.Errorf("label %q, want %q", s.Attempts[0].Label, want)
	}
}
