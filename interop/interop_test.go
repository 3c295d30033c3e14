package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "wsdouble-interop")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	goleak.VerifyTestMain(m, goleak.Cleanup(func(int) { os.RemoveAll(dir) }))
}

var (
	buildOnce sync.Once
	buildErr  error
)

// wsdoubleBin builds cmd/wsdouble once.
func wsdoubleBin(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(binDir, "wsdouble")
	buildOnce.Do(func() {
		out, err := exec.Command("go", "build", "-o", bin, "../cmd/wsdouble").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return bin
}

// need skips the test when a tool is missing, or fails it under
// WSDOUBLE_INTEROP.
func need(t *testing.T, what string, ok bool) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("WSDOUBLE_INTEROP") != "" {
		t.Fatalf("%s is missing (WSDOUBLE_INTEROP is set: .ci/run installs it)", what)
	}
	t.Skipf("%s is missing; install it (see .ci/run) or set WSDOUBLE_INTEROP to make this a failure", what)
}

func lookPath(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// scripts returns the scripts of scripts/ by name, with their attempt
// counts.
func scripts(t *testing.T) map[string]*scenario.Script {
	t.Helper()
	files, err := filepath.Glob("scripts/*.json")
	if err != nil || len(files) < 5 {
		t.Fatalf("scripts: %v %v", files, err)
	}
	out := map[string]*scenario.Script{}
	for _, f := range files {
		s, err := scenario.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = s
	}
	return out
}

// clientOptions are client.js's options for one script.
type clientOptions struct {
	// Protocols are the subprotocols the client offers.
	Protocols []string `json:"protocols,omitempty"`
	// GiveUpMs closes a socket still connecting after that long.
	GiveUpMs int `json:"giveUpMs,omitempty"`
	// slow marks a script that takes a minute of real time (a close
	// timeout): its subtests run in parallel with the others.
	slow bool
}

// scriptOptions are the client's options per script; a script not listed
// runs with none.
var scriptOptions = map[string]clientOptions{
	"subprotocol":    {Protocols: []string{"chat", "superchat"}},
	"no-subprotocol": {Protocols: []string{"chat"}},
	"close-no-reply": {slow: true},
	"hang-last":      {GiveUpMs: 3000},
}

// dialer makes the sockets of interopClient, each with the listener l.
type dialer func(url string, l wsdouble.Listener, protocols ...string) (wsdouble.IWebSocket, error)

var eventTypes = []wsdouble.EventType{wsdouble.EventOpen, wsdouble.EventMessage, wsdouble.EventError, wsdouble.EventClose}

// listenAfter dials with ctor and adds l once the socket is made, as a
// client of a Constructor does: inside a synctest bubble wstest's acceptors
// make sure it misses nothing.
func listenAfter(ctor wsdouble.Constructor) dialer {
	return func(url string, l wsdouble.Listener, protocols ...string) (wsdouble.IWebSocket, error) {
		ws, err := ctor(url, protocols...)
		if err == nil {
			for _, typ := range eventTypes {
				ws.AddEventListener(typ, l)
			}
		}
		return ws, err
	}
}

// realClient dials with the real client, l registered before it connects
// (WithListener): in real time, on a loaded machine, a listener added after
// the constructor returns may come after the first event.
func realClient(url string, l wsdouble.Listener, protocols ...string) (wsdouble.IWebSocket, error) {
	var opts []wsdouble.Option
	for _, typ := range eventTypes {
		opts = append(opts, wsdouble.WithListener(typ, l))
	}
	return wsdouble.NewConstructor(opts...)(url, protocols...)
}

// interopClient is client.js in Go: the same connections, sends and log.
func interopClient(dial dialer, url string, attempts int, opts clientOptions) ([][]string, error) {
	var logs [][]string
	for n := 1; n <= attempts; n++ {
		var ws wsdouble.IWebSocket
		made := make(chan struct{}) // ws is set: a listener may use it
		var (
			logMu sync.Mutex // the give-up timer logs too
			log   []string
		)
		add := func(line string) {
			logMu.Lock()
			log = append(log, line)
			logMu.Unlock()
		}
		var closeCalled time.Time
		giveUp := time.AfterFunc(time.Duration(opts.GiveUpMs)*time.Millisecond, func() {
			if opts.GiveUpMs > 0 {
				<-made
				add("gave up")
				ws.Close(0, "")
			}
		})
		closed := make(chan struct{})
		l := wsdouble.ListenerFunc(func(e wsdouble.Event) {
			<-made
			switch e := e.(type) {
			case wsdouble.OpenEvent:
				giveUp.Stop()
				if p := ws.Protocol(); p != "" {
					add("open " + p)
				} else {
					add("open")
				}
				ws.Send(wsdouble.Text("hello"))
				ws.Send(wsdouble.Binary([]byte{1, 2, 3}))
				add(fmt.Sprintf("buffered %d", ws.BufferedAmount()))
			case wsdouble.MessageEvent:
				if e.Message.Type == wsdouble.TextMessage {
					add("message text " + string(e.Data))
					switch string(e.Data) {
					case "ping":
						ws.Send(wsdouble.Text("pong"))
					case "buffered?":
						add(fmt.Sprintf("buffered %d", ws.BufferedAmount()))
					case "close":
						closeCalled = time.Now()
						ws.Close(1000, "asked")
					}
				} else {
					add("message binary " + hex.EncodeToString(e.Data))
				}
			case wsdouble.ErrorEvent:
				add("error")
			case wsdouble.CloseEvent:
				giveUp.Stop()
				clean := "unclean"
				if e.WasClean {
					clean = "clean"
				}
				add(fmt.Sprintf("close %d %s %s", e.Code, jsString(e.Reason), clean))
				if !closeCalled.IsZero() {
					add(fmt.Sprintf("closed after %ds", int(time.Since(closeCalled)/time.Second)))
				}
				close(closed)
			}
		})
		var err error
		ws, err = dial(url, l, opts.Protocols...)
		close(made)
		if err != nil {
			giveUp.Stop()
			return nil, err
		}
		select {
		case <-closed:
		case <-time.After(2 * time.Minute):
			giveUp.Stop()
			logMu.Lock()
			defer logMu.Unlock()
			return nil, fmt.Errorf("connection %d: no close event within 2 minutes; events: %q", n, log)
		}
		logMu.Lock()
		logs = append(logs, log)
		logMu.Unlock()
		if n < attempts {
			time.Sleep(20 * time.Millisecond)
		}
	}
	return logs, nil
}

// nodeDeviations are where Node's ws differs from the browser, and so
// from the Fake, on purpose of its own: ws's bufferedAmount counts only the
// bytes its socket has not handed to the kernel (0 on loopback, where the
// browser counts what the task sent: WHATWG WebSockets), and its close
// timeout is 30 s (the browser's, and wsdouble's, a minute). normalizeNode
// checks that Node stays within those, and gives its log the Fake's values
// there, so that everything else is compared exactly.
func normalizeNode(got, want [][]string) error {
	var errs []error
	for i := range min(len(got), len(want)) {
		for j := range min(len(got[i]), len(want[i])) {
			g, w := got[i][j], want[i][j]
			var gn, wn int
			switch {
			case sscan(g, "buffered %d", &gn) && sscan(w, "buffered %d", &wn):
				if gn < 0 || gn > wn {
					errs = append(errs, fmt.Errorf("connection %d: Node's %q, want 0..%d", i+1, g, wn))
				}
				got[i][j] = w
			case sscan(g, "closed after %ds", &gn) && sscan(w, "closed after %ds", &wn) && wn >= 30:
				// A close timeout; a server that answers the close at
				// once (the rules script) is compared exactly.
				if gn != 30 {
					errs = append(errs, fmt.Errorf("connection %d: Node's %q, want ws's 30 s close timeout", i+1, g))
				}
				got[i][j] = w
			}
		}
	}
	return errors.Join(errs...)
}

func sscan(s, format string, n *int) bool {
	_, err := fmt.Sscanf(s, format, n)
	return err == nil
}

// jsString is JSON.stringify of a string.
func jsString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// fakeRun plays s on a FakeDialer, in virtual time, with interopClient.
func fakeRun(t *testing.T, s *scenario.Script, opts clientOptions) [][]string {
	var logs [][]string
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		played := make(chan *scenario.Report, 1)
		go func() {
			rep, _ := scenario.Run(t.Context(), d, s)
			played <- rep
		}()
		var err error
		logs, err = interopClient(listenAfter(d.Constructor()), "ws://interop.test/", len(s.Attempts), opts)
		if err != nil {
			t.Fatal(err)
		}
		if rep := <-played; !rep.OK() {
			t.Errorf("the script's expectations failed on the fake:\n%s", rep)
		}
	})
	return logs
}

// memoryRun plays s on an in-memory wstest.Server, in virtual time, with
// interopClient on the real client.
func memoryRun(t *testing.T, s *scenario.Script, opts clientOptions) [][]string {
	var logs [][]string
	synctest.Test(t, func(t *testing.T) {
		srv := wstest.NewServer(t)
		played := make(chan *scenario.Report, 1)
		go func() {
			rep, _ := scenario.Run(t.Context(), srv, s)
			played <- rep
		}()
		var err error
		logs, err = interopClient(listenAfter(srv.Constructor()), wstest.MemoryURL, len(s.Attempts), opts)
		if err != nil {
			t.Fatal(err)
		}
		if rep := <-played; !rep.OK() {
			t.Errorf("the script's expectations failed on the in-memory server:\n%s", rep)
		}
	})
	return logs
}

// TestRealClient: the real client, over the in-memory transport and over
// loopback against `wsdouble serve --once`, sees what the Fake shows, and
// so what the browser sees (TestBrowser).
func TestRealClient(t *testing.T) {
	t.Parallel() // each waits a minute for a close timeout
	for name, s := range scripts(t) {
		opts := scriptOptions[name]
		t.Run("memory/"+name, func(t *testing.T) {
			compare(t, "the real client in memory", memoryRun(t, s, opts), fakeRun(t, s, opts))
		})
		t.Run("loopback/"+name, func(t *testing.T) {
			if opts.slow {
				t.Parallel()
			}
			want := fakeRun(t, s, opts)
			srv := serve(t, name)
			got, err := interopClient(realClient, srv.url, len(s.Attempts), opts)
			if err != nil {
				t.Fatal(err)
			}
			srv.wait(t)
			compare(t, "the real client over loopback", got, want)
		})
	}
}

// served is `wsdouble serve --once` of one script.
type served struct {
	cmd    *exec.Cmd
	url    string
	output bytes.Buffer // stdout after the URL, and stderr
	done   chan struct{}
}

var urlLine = regexp.MustCompile(`at (ws://127\.0\.0\.1:\d+/)`)

func serve(t *testing.T, script string) *served {
	t.Helper()
	cmd := exec.Command(wsdoubleBin(t), "serve", "--once", "--listen", "127.0.0.1:0", "scripts/"+script+".json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &served{cmd: cmd, done: make(chan struct{})}
	cmd.Stderr = &lockedWriter{w: &s.output}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	urls := make(chan string, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := urlLine.FindStringSubmatch(sc.Text()); m != nil && s.url == "" {
				urls <- m[1]
			}
			cmd.Stderr.Write([]byte(sc.Text() + "\n"))
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-s.done
		cmd.Wait()
	})
	select {
	case s.url = <-urls:
	case <-s.done:
		t.Fatalf("serve ended: %s", s.output.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve printed no URL")
	}
	return s
}

// wait waits for serve --once to end, and checks it exited 0: every
// expectation of the script held for this client too.
func (s *served) wait(t *testing.T) {
	t.Helper()
	select {
	case <-s.done:
	case <-time.After(2 * time.Minute):
		t.Fatalf("serve --once did not end:\n%s", s.output.String())
	}
	if err := s.cmd.Wait(); err != nil {
		t.Errorf("serve --once: %v: an expectation failed:\n%s", err, s.output.String())
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func compare(t *testing.T, who string, got, want [][]string) {
	t.Helper()
	g, _ := json.MarshalIndent(got, "", " ")
	w, _ := json.MarshalIndent(want, "", " ")
	if !bytes.Equal(g, w) {
		t.Errorf("%s saw:\n%s\nthe Fake shows:\n%s", who, g, w)
	}
}

func TestNodeWS(t *testing.T) {
	t.Parallel() // each waits a minute for a close timeout
	need(t, "node", lookPath("node"))
	_, err := os.Stat("node_modules/ws/package.json")
	need(t, "the ws package (npm ci in interop/)", err == nil)
	for name, s := range scripts(t) {
		t.Run(name, func(t *testing.T) {
			opts := scriptOptions[name]
			if opts.slow {
				t.Parallel()
			}
			want := fakeRun(t, s, opts)
			srv := serve(t, name)
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			optJSON, _ := json.Marshal(opts)
			out, err := exec.CommandContext(ctx, "node", "node-client.mjs", srv.url, fmt.Sprint(len(s.Attempts)), string(optJSON)).Output()
			if err != nil {
				t.Fatalf("node: %v\n%s", err, out)
			}
			srv.wait(t)
			var got [][]string
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("node printed %q: %v", out, err)
			}
			if err := normalizeNode(got, want); err != nil {
				t.Error(err)
			}
			compare(t, "Node's ws", got, want)
		})
	}
}

// chromiumFlags run a throwaway headless browser that reaches nothing but
// loopback.
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-dev-shm-usage", "--disable-extensions", "--mute-audio",
}

func TestBrowser(t *testing.T) {
	t.Parallel() // each waits a minute for a close timeout
	chromium := findChromium(t)
	for name, s := range scripts(t) {
		t.Run(name, func(t *testing.T) {
			opts := scriptOptions[name]
			if opts.slow {
				t.Parallel()
			}
			want := fakeRun(t, s, opts)
			srv := serve(t, name)
			results := make(chan []byte, 1)
			mux := http.NewServeMux()
			mux.Handle("GET /", http.FileServer(http.Dir(".")))
			mux.HandleFunc("POST /result", func(w http.ResponseWriter, r *http.Request) {
				b, _ := io.ReadAll(r.Body)
				select {
				case results <- b:
				default:
				}
			})
			page := httptest.NewServer(mux)
			defer page.Close()

			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			optJSON, _ := json.Marshal(opts)
			args := append(append([]string(nil), chromiumFlags...),
				"--user-data-dir="+t.TempDir(),
				fmt.Sprintf("%s/browser.html?ws=%s&attempts=%d&options=%s", page.URL, srv.url, len(s.Attempts), url.QueryEscape(string(optJSON))))
			browser := exec.CommandContext(ctx, chromium, args...)
			var browserOut lockedWriter
			var buf bytes.Buffer
			browserOut.w = &buf
			browser.Stdout, browser.Stderr = &browserOut, &browserOut
			if err := browser.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				browser.Process.Kill()
				browser.Wait()
			}()
			var got [][]string
			select {
			case b := <-results:
				if err := json.Unmarshal(b, &got); err != nil {
					t.Fatalf("the page posted %q: %v", b, err)
				}
			case <-ctx.Done():
				browserOut.mu.Lock()
				t.Fatalf("no result from the browser within two minutes:\n%s", buf.String())
			}
			srv.wait(t)
			compare(t, "Chromium", got, want)
		})
	}
}
