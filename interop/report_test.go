package interop

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsdouble/wsdouble"
	"github.com/wsdouble/wsdouble/scenario"
	"github.com/wsdouble/wsdouble/wstest"
)

// The drawings of runs (scenario.WriteHTML, wstest.WriteHTML) in a real
// browser: they open with no console error and no request, draw their
// lanes, attempts and the gap off the policy, zoom, show a frame's payload
// on hover, and a thousand attempts render in under a second and weigh
// under 2 MB. Each page's screenshot is saved in the test's artifact
// directory (go test -artifacts keeps it); WSDOUBLE_README_SCREENSHOT=FILE
// also writes the README's.

// thousand is a run of 1,000 attempts: a client that reconnects a second
// after each close, but once, after the 500th, after 100 ms; each
// connection says hello, is welcomed and closed.
func thousand(t *testing.T) (rep *scenario.Report, log []wstest.AttemptRecord) {
	s, err := scenario.New("thousand").
		Attempt().Accept().ExpectText("hello").SendText(`{"welcome":true,"topics":["prices","news"]}`).Close(1000, "bye").Repeat().
		Build()
	if err != nil {
		t.Fatal(err)
	}
	return playFake(t, s, func(t *testing.T, ctor wsdouble.Constructor) {
		for n := 1; n <= 1000; n++ {
			untilClosed(t, ctor, "ws://thousand.test/", func(ws wsdouble.IWebSocket) { ws.Send(wsdouble.Text("hello")) })
			delay := time.Second
			if n == 500 {
				delay = 100 * time.Millisecond
			}
			time.Sleep(delay)
		}
	})
}

// playFake plays s on a FakeDialer in virtual time against client, to its
// end; a script whose last attempt repeats, until client returns.
func playFake(t *testing.T, s *scenario.Script, client func(*testing.T, wsdouble.Constructor)) (rep *scenario.Report, log []wstest.AttemptRecord) {
	synctest.Test(t, func(t *testing.T) {
		d := wstest.NewFakeDialer(t)
		ctx, cancel := context.WithCancel(t.Context())
		played := make(chan *scenario.Report, 1)
		go func() {
			r, _ := scenario.Run(ctx, d, s)
			played <- r
		}()
		client(t, d.Constructor())
		if s.Attempts[len(s.Attempts)-1].Repeat {
			cancel()
		}
		defer cancel()
		rep, log = <-played, d.Attempts()
	})
	return rep, log
}

// drawn is what a page shows, read from its DOM once drawn.
type drawn struct {
	MS        float64 // from navigation to the first frame after the drawing
	Drawn     string  // the lanes the script drew (data-drawn)
	Lanes     int
	Labels    int
	Attempts  int
	OffGaps   int
	OffLabels int
	Frames    int
	Width     float64
}

const measure = `new Promise(r => requestAnimationFrame(() => setTimeout(() => r({
  MS: performance.now(),
  Drawn: document.documentElement.dataset.drawn || "",
  Lanes: document.querySelectorAll("svg.lanes g.lane").length,
  Labels: document.querySelectorAll(".lane-label").length,
  Attempts: document.querySelectorAll("circle.attempt").length,
  OffGaps: document.querySelectorAll("line.gap.off").length,
  OffLabels: document.querySelectorAll(".lane-label.off").length,
  Frames: document.querySelectorAll("path.ev.to, path.ev.from").length,
  Width: Number(document.querySelector("svg.lanes").getAttribute("width")),
}))))`

// show opens the page in tb, checks it loaded cleanly, and returns what it
// drew.
func show(ctx context.Context, t *testing.T, tb *tab, path string) drawn {
	t.Helper()
	url := "file://" + path
	from, err := tb.open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	var got drawn
	if err := tb.eval(ctx, measure, &got); err != nil {
		t.Fatal(err)
	}
	if p := tb.d.problems(tb.session, url, from); len(p) > 0 {
		t.Errorf("%s: got %d problems, want none:\n  %s", filepath.Base(path), len(p), strings.Join(p, "\n  "))
	}
	return got
}

func writePage(t *testing.T, name string, write func(*bytes.Buffer) error) string {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func saveShot(ctx context.Context, t *testing.T, tb *tab, name string) []byte {
	t.Helper()
	png, err := tb.screenshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(t.ArtifactDir(), name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	return png
}

func TestReportInBrowser(t *testing.T) {
	d := startDevtools(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	tb, err := d.newTab(ctx, 1280, 800)
	if err != nil {
		t.Fatal(err)
	}
	rep, log := thousand(t)
	policy := wstest.Backoff{Min: time.Second}
	pages := []struct {
		name  string
		write func(*bytes.Buffer) error
		check func(drawn) string
	}{
		{"backoff-1000.html", func(b *bytes.Buffer) error { return wstest.WriteHTML(b, log, &policy) }, func(g drawn) string {
			if g.OffGaps != 1 || g.OffLabels != 1 {
				return fmt.Sprintf("%d gaps and %d lanes marked off the policy, want #501's alone", g.OffGaps, g.OffLabels)
			}
			return ""
		}},
		{"scenario-1000.html", func(b *bytes.Buffer) error { return scenario.WriteHTML(b, rep) }, func(g drawn) string {
			if g.Frames != 2000 {
				return fmt.Sprintf("%d frames drawn, want 2,000 (a hello and a welcome each)", g.Frames)
			}
			return ""
		}},
	}
	for _, p := range pages {
		path := writePage(t, p.name, p.write)
		fi, _ := os.Stat(path)
		got := show(ctx, t, tb, path)
		// The best of two loads: the machine runs other tests too.
		ms := min(got.MS, show(ctx, t, tb, path).MS)
		t.Logf("%s: %d bytes, drawn in %.0f ms", p.name, fi.Size(), ms)
		if got.Lanes != 1000 || got.Labels != 1000 || got.Attempts != 1000 || got.Drawn != "1000" {
			t.Errorf("%s: drew %+v, want 1,000 lanes, labels and attempts", p.name, got)
		}
		if msg := p.check(got); msg != "" {
			t.Errorf("%s: %s", p.name, msg)
		}
		if fi.Size() >= 2<<20 || ms >= 1000 {
			t.Errorf("%s: %d bytes, drawn in %.0f ms; want under 2 MB and 1 s", p.name, fi.Size(), ms)
		}
		saveShot(ctx, t, tb, strings.TrimSuffix(p.name, ".html")+".png")
	}
}

// TestReportZoomAndHover: the page of a short run zooms, and shows a
// frame's payload when the pointer is on it.
func TestReportZoomAndHover(t *testing.T) {
	d := startDevtools(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	tb, err := d.newTab(ctx, 1100, 330)
	if err != nil {
		t.Fatal(err)
	}
	path := writePage(t, "reconnect.html", func(b *bytes.Buffer) error { return scenario.WriteHTML(b, shortRun(t)) })
	before := show(ctx, t, tb, path)
	var zoomed drawn
	if err := tb.eval(ctx, `document.getElementById("zoom-in").click(); `+measure, &zoomed); err != nil {
		t.Fatal(err)
	}
	if zoomed.Width < 1.8*before.Width {
		t.Errorf("zoom in: the lanes are %.0f px wide, were %.0f; want about twice", zoomed.Width, before.Width)
	}
	// The pointer on the first frame to the client, zoomed in, at the
	// start.
	tb.eval(ctx, `document.getElementById("chart").scrollLeft = 0`, new(int))
	var at struct{ X, Y float64 }
	if err := tb.eval(ctx, `(() => { const r = document.querySelector("path.ev.to").getBoundingClientRect(); return {X: r.x + r.width / 2, Y: r.y + r.height / 2}; })()`, &at); err != nil {
		t.Fatal(err)
	}
	if err := tb.hover(ctx, at.X, at.Y); err != nil {
		t.Fatal(err)
	}
	var tip struct {
		Hidden bool
		Text   string
	}
	if err := tb.eval(ctx, `(() => { const t = document.getElementById("tip"); return {Hidden: t.hidden, Text: t.textContent}; })()`, &tip); err != nil {
		t.Fatal(err)
	}
	if tip.Hidden || !strings.Contains(tip.Text, `{"op":"snapshot","prices":{"EUR":1.08,"USD":1}`) {
		t.Errorf("hover on a frame: tooltip %+v, want it showing the frame's payload", tip)
	}
	png := saveShot(ctx, t, tb, "reconnect.png")
	if out := os.Getenv("WSDOUBLE_README_SCREENSHOT"); out != "" {
		if err := os.WriteFile(out, png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// untilClosed connects, calls onOpen when open, and returns once closed.
func untilClosed(t *testing.T, ctor wsdouble.Constructor, url string, onOpen func(wsdouble.IWebSocket)) {
	ws, err := ctor(url)
	if err != nil {
		t.Fatal(err)
	}
	closed := make(chan struct{})
	ws.AddEventListener(wsdouble.EventOpen, wsdouble.ListenerFunc(func(wsdouble.Event) { onOpen(ws) }))
	ws.AddEventListener(wsdouble.EventClose, wsdouble.ListenerFunc(func(wsdouble.Event) { close(closed) }))
	<-closed
}

// shortRun is the README's example: a client that subscribes, is dropped,
// refused, and comes back without resubscribing.
func shortRun(t *testing.T) *scenario.Report {
	s, err := scenario.New("reconnect").
		Attempt().Label("subscribe").Accept().ExpectJSON(map[string]any{"op": "subscribe"}).
		SendText(`{"op":"snapshot","prices":{"EUR":1.08,"USD":1}}`).Wait(time.Second).
		Inject(wstest.Latency(200 * time.Millisecond)).SendText(`{"op":"tick","EUR":1.09}`).Wait(time.Second).Heal().Drop().
		Attempt().Refuse(503).
		Attempt().Label("resubscribe").Accept().ExpectJSON(map[string]any{"op": "subscribe"}).Within(5 * time.Second).
		Build()
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := playFake(t, s, func(t *testing.T, ctor wsdouble.Constructor) {
		for n := 1; n <= 3; n++ {
			untilClosed(t, ctor, "ws://prices.test/", func(ws wsdouble.IWebSocket) {
				if n == 1 {
					ws.Send(wsdouble.Text(`{"op":"subscribe","topic":"prices"}`))
				}
			})
			time.Sleep(time.Duration(n) * time.Second)
		}
	})
	return rep
}

// TestBrowserSeesProblems: the checks of show catch what they look for:
// an exception, a console error, a request for another file.
func TestBrowserSeesProblems(t *testing.T) {
	d := startDevtools(t)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	tb, err := d.newTab(ctx, 800, 600)
	if err != nil {
		t.Fatal(err)
	}
	path := writePage(t, "bad.html", func(b *bytes.Buffer) error {
		_, err := b.WriteString(`<!doctype html><img src="missing.png"><script>console.error("boom"); nope();</script>`)
		return err
	})
	url := "file://" + path
	from, err := tb.open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(d.problems(tb.session, url, from), "\n")
	for _, want := range []string{"exception: ", "console.error: ", "request: file://" + filepath.Dir(path) + "/missing.png"} {
		if !strings.Contains(got, want) {
			t.Errorf("problems of a broken page: got\n%s\nwant %q among them", got, want)
		}
	}
}
