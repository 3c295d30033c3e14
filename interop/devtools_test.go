package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"
)

// devtools drives a headless Chromium through the DevTools protocol over
// a pair of pipes (--remote-debugging-pipe): commands go to its fd 3,
// NUL-terminated JSON, and replies and events come from its fd 4. No port
// is opened.
type devtools struct {
	cmd      *exec.Cmd
	toChrome *os.File
	stderr   lockedWriter

	mu      sync.Mutex
	nextID  int
	replies map[int]chan cdpMessage
	events  []cdpMessage
	dropped int           // events beyond maxEvents, not kept
	wake    chan struct{} // closed and replaced at each event
	readErr error
	done    chan struct{} // the reader ended
}

// maxEvents bounds the events a session keeps.
const maxEvents = 10000

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// findChromium returns the path of a Chromium, or skips the test (fails
// it under WSDOUBLE_INTEROP).
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	need(t, "chromium", false)
	return ""
}

// startDevtools starts a headless Chromium for the test; it is closed at
// the test's end.
func startDevtools(t *testing.T) *devtools {
	t.Helper()
	chromium := findChromium(t)
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	evR, evW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	args := append(append([]string(nil), chromiumFlags...), "--remote-debugging-pipe", "--user-data-dir="+t.TempDir(), "about:blank")
	d := &devtools{cmd: exec.Command(chromium, args...), toChrome: cmdW, replies: map[int]chan cdpMessage{},
		wake: make(chan struct{}), done: make(chan struct{})}
	d.stderr.w = &bytes.Buffer{}
	d.cmd.Stdout, d.cmd.Stderr = &d.stderr, &d.stderr
	d.cmd.ExtraFiles = []*os.File{cmdR, evW} // fd 3 and fd 4
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	cmdR.Close()
	evW.Close()
	go d.read(evR)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		d.call(ctx, "", "Browser.close", nil, nil)
		d.toChrome.Close()
		exited := make(chan struct{})
		go func() {
			d.cmd.Wait()
			close(exited)
		}()
		select {
		case <-exited:
		case <-ctx.Done():
			d.cmd.Process.Kill()
			<-exited
		}
		evR.Close()
		<-d.done
	})
	return d
}

func (d *devtools) read(r *os.File) {
	defer close(d.done)
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			d.mu.Lock()
			d.readErr = err
			for id, ch := range d.replies {
				close(ch)
				delete(d.replies, id)
			}
			close(d.wake)
			d.wake = make(chan struct{})
			d.mu.Unlock()
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		d.mu.Lock()
		if ch, ok := d.replies[m.ID]; ok && m.ID != 0 {
			ch <- m
			delete(d.replies, m.ID)
		} else if len(d.events) < maxEvents {
			d.events = append(d.events, m)
		} else {
			d.dropped++
		}
		close(d.wake)
		d.wake = make(chan struct{})
		d.mu.Unlock()
	}
}

// call sends a command, in the session (or to the browser with ""), and
// decodes its result into result (unless nil).
func (d *devtools) call(ctx context.Context, session, method string, params, result any) error {
	d.mu.Lock()
	if d.readErr != nil {
		d.mu.Unlock()
		return fmt.Errorf("%s: the browser is gone: %w", method, d.readErr)
	}
	d.nextID++
	id := d.nextID
	reply := make(chan cdpMessage, 1)
	d.replies[id] = reply
	d.mu.Unlock()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	if session != "" {
		msg["sessionId"] = session
	}
	b, _ := json.Marshal(msg)
	if _, err := d.toChrome.Write(append(b, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m, ok := <-reply:
		switch {
		case !ok:
			return fmt.Errorf("%s: the browser went away before answering", method)
		case m.Error != nil:
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		case result != nil:
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: no answer: %w", method, ctx.Err())
	}
}

// waitEvent waits for an event of the session from index from on, and
// returns its index.
func (d *devtools) waitEvent(ctx context.Context, session, method string, from int) (int, error) {
	for {
		d.mu.Lock()
		for i := from; i < len(d.events); i++ {
			if e := d.events[i]; e.Method == method && e.SessionID == session {
				d.mu.Unlock()
				return i, nil
			}
		}
		wake, err := d.wake, d.readErr
		d.mu.Unlock()
		if err != nil {
			return 0, fmt.Errorf("waiting for %s: the browser is gone: %w", method, err)
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return 0, fmt.Errorf("waiting for %s: %w", method, ctx.Err())
		}
	}
}

// eventCount is how many events have come so far.
func (d *devtools) eventCount() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.events)
}

// problems lists what a page did wrong, from event index from on: an
// exception, a console error or warning, a browser log entry of level
// error or warning (a Content-Security-Policy violation is one), a request
// for anything but the page itself.
func (d *devtools) problems(session, page string, from int) []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for _, e := range d.events[from:] {
		if e.SessionID != session {
			continue
		}
		var p struct {
			ExceptionDetails struct {
				Text      string
				Exception struct{ Description string }
			}
			Type    string
			Args    []struct{ Value any }
			Entry   struct{ Level, Text, URL string }
			Request struct{ URL string }
		}
		json.Unmarshal(e.Params, &p)
		switch {
		case e.Method == "Runtime.exceptionThrown":
			out = append(out, "exception: "+p.ExceptionDetails.Text+" "+p.ExceptionDetails.Exception.Description)
		case e.Method == "Runtime.consoleAPICalled" && (p.Type == "error" || p.Type == "warning" || p.Type == "assert"):
			out = append(out, fmt.Sprintf("console.%s: %v", p.Type, p.Args))
		case e.Method == "Log.entryAdded" && (p.Entry.Level == "error" || p.Entry.Level == "warning"):
			out = append(out, "log "+p.Entry.Level+": "+p.Entry.Text+" "+p.Entry.URL)
		case e.Method == "Network.requestWillBeSent" && p.Request.URL != page:
			out = append(out, "request: "+p.Request.URL)
		}
	}
	if d.dropped > 0 {
		out = append(out, fmt.Sprintf("%d events not kept", d.dropped))
	}
	return out
}

// tab is a page of the browser.
type tab struct {
	d       *devtools
	session string
}

// newTab opens a tab of width × height CSS pixels with its events on.
func (d *devtools) newTab(ctx context.Context, width, height int) (*tab, error) {
	var target struct{ TargetID string }
	if err := d.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return nil, err
	}
	var attached struct{ SessionID string }
	if err := d.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return nil, err
	}
	tb := &tab{d: d, session: attached.SessionID}
	for _, m := range []string{"Runtime.enable", "Log.enable", "Page.enable", "Network.enable"} {
		if err := d.call(ctx, tb.session, m, nil, nil); err != nil {
			return nil, err
		}
	}
	err := d.call(ctx, tb.session, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil)
	return tb, err
}

// open loads url and waits for its load event; it returns the index of
// the first event of the page, for problems.
func (tb *tab) open(ctx context.Context, url string) (int, error) {
	from := tb.d.eventCount()
	if err := tb.d.call(ctx, tb.session, "Page.navigate", map[string]any{"url": url}, nil); err != nil {
		return 0, err
	}
	_, err := tb.d.waitEvent(ctx, tb.session, "Page.loadEventFired", from)
	return from, err
}

// eval evaluates a JavaScript expression, awaiting a promise, into v.
func (tb *tab) eval(ctx context.Context, expr string, v any) error {
	var res struct {
		Result           struct{ Value json.RawMessage }
		ExceptionDetails *struct{ Text string }
	}
	err := tb.d.call(ctx, tb.session, "Runtime.evaluate",
		map[string]any{"expression": expr, "awaitPromise": true, "returnByValue": true}, &res)
	switch {
	case err != nil:
		return err
	case res.ExceptionDetails != nil:
		return errors.New("evaluate: " + res.ExceptionDetails.Text)
	}
	return json.Unmarshal(res.Result.Value, v)
}

// screenshot returns the tab as a PNG.
func (tb *tab) screenshot(ctx context.Context) ([]byte, error) {
	var shot struct{ Data []byte }
	err := tb.d.call(ctx, tb.session, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	return shot.Data, err
}

// hover moves the mouse to (x, y).
func (tb *tab) hover(ctx context.Context, x, y float64) error {
	return tb.d.call(ctx, tb.session, "Input.dispatchMouseEvent", map[string]any{"type": "mouseMoved", "x": x, "y": y}, nil)
}
