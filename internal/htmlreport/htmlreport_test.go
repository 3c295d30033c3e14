package htmlreport

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// samplePage has a lane of every kind, with text that would break out of
// the page if it were not escaped.
func samplePage() *Page {
	const evil = `</script><script>alert(1)</script><img src=x onerror=alert(2)>&amp;`
	return &Page{
		Title: "scenario " + evil, Status: "2 attempts played, 1 mismatch", Failed: true,
		Problems: []string{"attempt 2 (#2), step 1: want text \"hi\", got " + evil},
		Policy:   "min 1s, ×2", Origin: "times from the start of the run", Text: "timeline:\n  " + evil,
		Lanes: []Lane{
			{Name: "#1", Label: `attempt 1 "` + evil + `"`, At: 0,
				Answer: Answer{Kind: Accepted, Text: "accepted chat", At: time.Millisecond},
				Events: []Event{
					{At: time.Millisecond, Kind: ToClient, Text: `step 1 → text "hi"`, Frame: &Frame{Preview: evil, Size: 600, Cut: true}},
					{At: time.Millisecond, Kind: FromClient, Check: Held, Text: "step 2 expect", Frame: &Frame{Preview: "", Size: 0}},
					{At: 2 * time.Millisecond, Kind: Fault, Text: "step 3 fault latency 1ms"},
					{At: 3 * time.Millisecond, Kind: Heal, Text: "step 4 heal"},
					{At: 3 * time.Millisecond, Kind: Echo, Text: "echo", Frame: &Frame{Preview: "01 02", Size: 2}},
					{At: 4 * time.Millisecond, Kind: ServerAction, Text: "step 5 drop"},
				},
				End: End{Kind: Dropped, Text: "dropped", At: 4 * time.Millisecond}},
			{Name: "#2", At: 1500 * time.Millisecond,
				Answer: Answer{Kind: Refused, Text: "refused 503", At: 1500 * time.Millisecond},
				Gap:    Gap{Kind: OffPolicy, From: 4 * time.Millisecond, Lo: time.Second, Hi: 2 * time.Second, Text: "✗ want 1s–2s, got 1.496s"},
				Events: []Event{{At: 1500 * time.Millisecond, Kind: FromClient, Check: Missed, Text: "expect: nothing"}},
			},
			{Group: "close/twice", Name: "#3", At: 0, Answer: Answer{Kind: Pending, Text: "hung"}},
		},
	}
}

func render(t *testing.T, p *Page) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, p); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWriteDeterministic: the same page is the same bytes, every time.
func TestWriteDeterministic(t *testing.T) {
	a, b := render(t, samplePage()), render(t, samplePage())
	if !bytes.Equal(a, b) {
		t.Fatalf("Write: got two different pages for one Page (%d and %d bytes)", len(a), len(b))
	}
}

// TestWriteEscapes: no text of the page's data reaches it as markup.
func TestWriteEscapes(t *testing.T) {
	page := string(render(t, samplePage()))
	for _, bad := range []string{"<script>alert", "<img src=x", "</script><script>"} {
		if strings.Contains(page, bad) {
			t.Errorf("Write: the page has %q from its data, want it escaped", bad)
		}
	}
	if n := strings.Count(page, "<script"); n != 2 {
		t.Errorf("Write: got %d <script> elements, want 2 (the data and the drawing)", n)
	}
	// The data parses back to what was given.
	data := between(t, page, `<script type="application/json" id="data">`, "</script>")
	var w wirePage
	if err := json.Unmarshal([]byte(data), &w); err != nil {
		t.Fatalf("the page's data: %v", err)
	}
	if got, want := *w.Lanes[0].Events[0].Preview, samplePage().Lanes[0].Events[0].Frame.Preview; got != want {
		t.Errorf("the page's data: preview %q, want %q", got, want)
	}
	if p := w.Lanes[0].Events[1].Preview; p == nil || *p != "" {
		t.Errorf("the page's data: the empty frame's preview is %v, want an empty string (a frame, not a step)", p)
	}
}

func between(t *testing.T, s, start, end string) string {
	t.Helper()
	_, rest, ok := strings.Cut(s, start)
	if !ok {
		t.Fatalf("the page has no %q", start)
	}
	in, _, ok := strings.Cut(rest, end)
	if !ok {
		t.Fatalf("the page has no %q after %q", end, start)
	}
	return in
}

// TestWriteSelfContained: the page's policy lets its own style and script
// run, by their hashes, and nothing else; and it refers to no other file.
func TestWriteSelfContained(t *testing.T) {
	page := string(render(t, samplePage()))
	policy := between(t, page, `<meta http-equiv="Content-Security-Policy" content="`, `"`)
	policy = html.UnescapeString(policy)
	hash := func(s string) string {
		h := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
	}
	style := between(t, page, "<style>", "</style>")
	script := between(t, page[strings.Index(page, `id="data"`):], "</script>\n<script>", "</script>")
	for _, want := range []string{"default-src 'none'", "style-src " + hash(style), "script-src " + hash(script)} {
		if !strings.Contains(policy, want) {
			t.Errorf("Content-Security-Policy %q: want %q in it", policy, want)
		}
	}
	if m := regexp.MustCompile(`(?i)<[^>]*\b(src|href|action)\s*=|url\(|@import`).FindString(page); m != "" {
		t.Errorf("Write: the page refers to another file (%q), want none", m)
	}
}

// TestWriteSize: a thousand attempts, with a few frames each, stay well
// under 2 MB.
func TestWriteSize(t *testing.T) {
	p := &Page{Title: "big"}
	var text strings.Builder
	for i := range 1000 {
		at := time.Duration(i) * 1500 * time.Millisecond
		l := Lane{Name: fmt.Sprintf("#%d", i+1), Label: fmt.Sprintf("attempt %d", i+1), At: at,
			Answer: Answer{Kind: Accepted, Text: "accepted", At: at},
			End:    End{Kind: ServerClosed, Code: 1012, Text: `server closed 1012 "restart" clean`, Clean: true, At: at + time.Second},
			Gap:    Gap{Kind: InPolicy, From: at - 500*time.Millisecond, Lo: 400 * time.Millisecond, Hi: 600 * time.Millisecond, Text: "retry 1 in a row: want 400ms–600ms, got 500ms"}}
		for j := range 4 {
			msg := fmt.Sprintf(`{"seq":%d,"topic":"prices","data":[1,2,3,4,5,6,7,8]}`, j)
			l.Events = append(l.Events, Event{At: at + time.Duration(j)*time.Millisecond, Kind: EventKind(1 + j%2), Check: Check(j % 2),
				Text: fmt.Sprintf("step %d → text %q", j+1, msg), Frame: &Frame{Preview: msg, Size: len(msg)}})
		}
		p.Lanes = append(p.Lanes, l)
		fmt.Fprintf(&text, "  +%v attempt %d (#%d): accepted\n", at, i+1, i+1)
	}
	p.Text = text.String()
	n := len(render(t, p))
	t.Logf("1,000 attempts, 4 frames each: %d bytes", n)
	if n > 2<<20 {
		t.Errorf("Write: %d bytes for 1,000 attempts, want under 2 MB", n)
	}
}

// TestWords: every kind has its word in the page's data.
func TestWords(t *testing.T) {
	for _, c := range []struct {
		name  string
		words []string
		last  int
	}{
		{"answers", answerWords[:], int(Aborted)}, {"events", eventWords[:], int(AfterMismatch)},
		{"checks", checkWords[:], int(Stopped)}, {"ends", endWords[:], int(Violation)}, {"gaps", gapWords[:], int(OffPolicy)},
	} {
		if len(c.words) != c.last+1 {
			t.Errorf("%s: got %d words, want %d", c.name, len(c.words), c.last+1)
		}
		for i, w := range c.words[1:] {
			if w == "" {
				t.Errorf("%s: kind %d has no word", c.name, i+1)
			}
		}
	}
	if got := AnswerNamed("refused"); got != Refused {
		t.Errorf(`AnswerNamed("refused"): got %d, want Refused`, got)
	}
	if got := EndNamed("protocol violation"); got != Violation {
		t.Errorf(`EndNamed("protocol violation"): got %d, want Violation`, got)
	}
}

// fakeTB is a test's TB as a helper sees it; dir, when set, is its
// artifact directory.
type fakeTB struct{ dir string }

type fakeDirTB struct {
	fakeTB
	calls int
}

func (f *fakeDirTB) ArtifactDir() string { f.calls++; return f.dir }

// withArtifacts runs f as under go test -artifacts. No test of this
// package calls testing's own ArtifactDir, which reads the flag too.
func withArtifacts(t *testing.T, f func()) {
	if err := flag.Set(artifactsFlag, "true"); err != nil {
		t.Fatal(err)
	}
	defer flag.Set(artifactsFlag, "false")
	f()
}

func TestArtifact(t *testing.T) {
	page := func() *Page { return samplePage() }
	// Without -artifacts, or without ArtifactDir: nothing drawn, nothing
	// said, and the page is not even made.
	d := &fakeDirTB{fakeTB: fakeTB{dir: t.TempDir()}}
	made := false
	if got := Artifact(d, "x", func() *Page { made = true; return samplePage() }); got != "" || d.calls != 0 || made {
		t.Errorf("Artifact without -artifacts: got %q, %d ArtifactDir calls, page made %v; want nothing", got, d.calls, made)
	}
	withArtifacts(t, func() {
		if got := Artifact(fakeTB{}, "x", page); got != "" {
			t.Errorf("Artifact of a TB without ArtifactDir: got %q, want nothing", got)
		}
		first := Artifact(d, "wsdouble-scenario-my script/1", page)
		second := Artifact(d, "wsdouble-scenario-my script/1", page)
		for i, want := range []string{"wsdouble-scenario-my-script-1.html", "wsdouble-scenario-my-script-1-2.html"} {
			path := filepath.Join(d.dir, want)
			got := []string{first, second}[i]
			if got != "\ndrawn: "+path {
				t.Errorf("Artifact #%d: got %q, want %q", i+1, got, "\ndrawn: "+path)
			}
			b, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(b, render(t, samplePage())) {
				t.Errorf("Artifact #%d: the file %s: %v, want the page", i+1, path, err)
			}
		}
		gone := &fakeDirTB{fakeTB: fakeTB{dir: filepath.Join(d.dir, "missing")}}
		if got := Artifact(gone, "x", page); !strings.HasPrefix(got, "\nnot drawn: htmlreport: Artifact: ") {
			t.Errorf("Artifact into a missing directory: got %q, want it to say why not", got)
		}
	})
}

func TestFileName(t *testing.T) {
	for in, want := range map[string]string{
		"wsdouble-backoff": "wsdouble-backoff", "a/b c": "a-b-c", "../..": "report", "": "report",
		"é": "report", strings.Repeat("x", 100): strings.Repeat("x", 60), "v1.2_x": "v1.2_x",
	} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q): got %q, want %q", in, got, want)
		}
	}
}
