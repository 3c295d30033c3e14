package main_test

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cli "github.com/wsdouble/wsdouble/cmd/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
)

// stopWithin is how soon a command must stop after Ctrl-C.
const stopWithin = time.Second

// mkfifo makes a FIFO in a directory of the test's.
func mkfifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fifo")
	if err := makeFIFO(path); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	return path
}

// writerOf opens the FIFO for writing, which returns once a reader has
// opened it, and closes it at the end of the test.
func writerOf(t *testing.T, fifo string) {
	t.Helper()
	f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
}

// blockedStdin is a standard input no one writes to: a pipe, whose write
// end the test keeps open until its end.
func blockedStdin(t *testing.T) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		w.Close()
		r.Close()
	})
	return r
}

// blockedWriter is a standard output no one reads: its Write says it has
// begun, and returns only at the end of the test.
type blockedWriter struct{ entered, release chan struct{} }

func (w blockedWriter) Write(p []byte) (int, error) {
	close(w.entered)
	<-w.release
	return 0, io.ErrClosedPipe
}

// interrupted runs Main until it blocks in what started (ready returns
// once it has), cancels its context as Ctrl-C does, and returns its exit
// code and standard error, failing unless it stopped within stopWithin.
func interrupted(t *testing.T, env cli.Env, ready func(*cmd), args ...string) (int, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &cmd{stdout: newOutput(), stderr: newOutput(), cancel: cancel, done: make(chan int, 1)}
	env.Stderr = c.stderr
	if env.Stdout == nil {
		env.Stdout = c.stdout
	}
	go func() { c.done <- cli.Main(ctx, args, env) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-c.done:
		case <-time.After(20 * time.Second):
			t.Errorf("%s did not return", strings.Join(args, " "))
		}
	})
	if ready != nil {
		ready(c)
	}
	cancel()
	start := time.Now()
	select {
	case code := <-c.done:
		c.done <- code
		if d := time.Since(start); d > stopWithin {
			t.Errorf("%s stopped %v after Ctrl-C, want within %v", strings.Join(args, " "), d, stopWithin)
		}
		return code, c.stderr.String()
	case <-time.After(20 * time.Second):
		t.Fatalf("%s still running 20s after Ctrl-C:\n%s%s", strings.Join(args, " "), c.stdout, c.stderr)
		return -1, ""
	}
}

// fifoWriter, a setup of TestEveryCommandStops: the FIFO gets a writer
// that writes nothing, once the command has opened it.
func fifoWriter(t *testing.T, fifo string, _ *cli.Env) func(*cmd) {
	return func(*cmd) { writerOf(t, fifo) }
}

// stdinBlocked, a setup of TestEveryCommandStops: the standard input is
// one no one writes to.
func stdinBlocked(t *testing.T, _ string, env *cli.Env) func(*cmd) {
	env.Stdin = blockedStdin(t)
	return nil
}

// TestEveryCommandStops: every command stops within a second of Ctrl-C,
// whatever it is waiting for: a FIFO no one opens or writes to, a
// standard input no one writes to, an upstream that does not answer.
func TestEveryCommandStops(t *testing.T) {
	for _, tt := range []struct {
		name string
		args []string // {fifo} is a FIFO
		// setup prepares the inputs; the returned func waits until the
		// command is blocked in them.
		setup func(t *testing.T, fifo string, env *cli.Env) func(*cmd)
		code  int
		want  string // in stderr
	}{
		{"check, a FIFO no one opens", []string{"check", "{fifo}"}, nil, cli.ExitFailed, "wsdouble check: {fifo}: interrupted before it was read"},
		{"check, a FIFO no one writes to", []string{"check", "{fifo}"}, fifoWriter, cli.ExitFailed, "wsdouble check: {fifo}: interrupted before it was read"},
		{"check, a standard input no one writes to", []string{"check", "-"}, stdinBlocked, cli.ExitFailed, "wsdouble check: <stdin>: interrupted before it was read"},
		{"import-har, a FIFO no one opens", []string{"import-har", "{fifo}"}, nil, cli.ExitFailed, "wsdouble import-har: {fifo}: interrupted before it was read"},
		{"import-har, a FIFO no one writes to", []string{"import-har", "{fifo}"}, fifoWriter, cli.ExitFailed, "wsdouble import-har: {fifo}: interrupted before it was read"},
		{"import-har, a standard input no one writes to", []string{"import-har", "-"}, stdinBlocked, cli.ExitFailed, "wsdouble import-har: <stdin>: interrupted before it was read"},
		{"import-har, a standard output no one reads", []string{"import-har", "../../scenario/testdata/har/chrome.har"}, func(t *testing.T, _ string, env *cli.Env) func(*cmd) {
			w := blockedWriter{entered: make(chan struct{}), release: make(chan struct{})}
			t.Cleanup(func() { close(w.release) })
			env.Stdout = w
			return func(*cmd) { <-w.entered }
		}, cli.ExitFailed, "wsdouble import-har: writing the standard output: interrupted (nothing written)"},
		{"serve, a FIFO no one writes to", []string{"serve", "--listen", "127.0.0.1:0", "{fifo}"}, fifoWriter, cli.ExitFailed, "wsdouble serve: {fifo}: interrupted before it was read"},
		{"record --recover, a FIFO no one opens", []string{"record", "--recover", "{fifo}", "--out", "-"}, nil, cli.ExitFailed, "wsdouble record: {fifo}: interrupted before it was read"},
		{"serve, listening", []string{"serve", "--listen", "127.0.0.1:0"}, func(t *testing.T, _ string, _ *cli.Env) func(*cmd) {
			return func(c *cmd) { c.stdout.waitFor(t, urlLine) }
		}, cli.ExitOK, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fifo := mkfifo(t)
			var env cli.Env
			var ready func(*cmd)
			if tt.setup != nil {
				ready = tt.setup(t, fifo, &env)
			}
			var args []string
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "{fifo}", fifo))
			}
			code, stderr := interrupted(t, env, ready, args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s", code, tt.code, stderr)
			}
			if want := strings.ReplaceAll(tt.want, "{fifo}", fifo); !strings.Contains(stderr, want) {
				t.Errorf("stderr:\n%s\nwant it to contain:\n%s", stderr, want)
			}
		})
	}
}

// TestCancelledBeforeStart: a context already done stops a command that
// would read a FIFO before it opens it.
func TestCancelledBeforeStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	fifo := mkfifo(t)
	var stderr strings.Builder
	done := make(chan int, 1)
	go func() { done <- cli.Main(ctx, []string{"check", fifo}, cli.Env{Stderr: &stderr}) }()
	select {
	case code := <-done:
		if code != cli.ExitFailed || !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("exit %d, %s", code, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("check of a FIFO with a cancelled context did not return")
	}
}

// hangingUpstream is a TCP server that accepts connections and never
// answers: a WebSocket server whose handshake hangs. Each accepted
// connection is sent on the channel.
func hangingUpstream(t *testing.T) (string, <-chan net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan net.Conn, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns <- c
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		close(conns)
		for c := range conns {
			c.Close()
		}
	})
	return "ws://" + l.Addr().String() + "/", conns
}

// TestRecordStopsWhileUpstreamHangs: Ctrl-C stops record within a second
// while an upstream handshake hangs (gorilla's own timeout is 45 s), and
// the recording says the upstream had not answered: a hang, not a 502.
func TestRecordStopsWhileUpstreamHangs(t *testing.T) {
	upstream, conns := hangingUpstream(t)
	out := filepath.Join(t.TempDir(), "hang.json")
	code, stderr := interrupted(t, cli.Env{}, func(c *cmd) {
		url := c.stdout.waitFor(t, regexp.MustCompile(`through (ws://127\.0\.0\.1:\d+/)`))[1]
		go func() {
			// The client's handshake hangs with the upstream's; it ends when
			// record stops.
			cl, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/"))
			if err != nil {
				return
			}
			defer cl.Close()
			io.WriteString(cl, "GET /feed HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
			cl.SetReadDeadline(time.Now().Add(20 * time.Second))
			io.Copy(io.Discard, cl)
		}()
		select {
		case <-conns: // the proxy is in the upstream's handshake
		case <-time.After(10 * time.Second):
			t.Fatal("the proxy did not dial the upstream")
		}
	}, "record", "--upstream", upstream, "--listen", "127.0.0.1:0", "--out", out)
	if code != cli.ExitOK {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	s, err := scenario.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Attempts) != 1 {
		t.Fatalf("recorded %d attempts, want 1", len(s.Attempts))
	}
	a := s.Attempts[0]
	if _, ok := a.Answer.(scenario.Hang); !ok || !strings.HasPrefix(a.Label, "recorded: no answer from the upstream when the recording stopped") {
		t.Errorf("recorded %T %q, want a hang, labelled as stopped", a.Answer, a.Label)
	}
	if _, err := os.Stat(out + ".journal"); !os.IsNotExist(err) {
		t.Errorf("the journal is still there: %v", err)
	}
}
